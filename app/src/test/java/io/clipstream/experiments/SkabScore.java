package io.clipstream.experiments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * SKAB's outlier-detection metric, as its leaderboard computes it: every labelled file's rows after the first
 * {@code skip} (400) are concatenated, and the binary flags are scored against the {@code anomaly} labels as F1, FAR
 * (false alarms over labelled-normal rows, %) and MAR (missed over labelled-anomalous rows, %). Files without an
 * {@code anomaly} column (SKAB's {@code anomaly-free.csv}) are not part of the metric, as in the leaderboard; their
 * false alarms are reported apart ({@link #unlabelledFalseAlarms}).
 *
 * <p>An independent Java implementation of {@code ../shared/tools/skab_score.py} (its file reader included: the
 * detector's reader is not reused), so that tests and the configuration selection can score runs without leaving
 * the JVM; {@code SkabTest} checks that both agree on the same output files. Usage as a program (test classpath):
 * {@code SkabScore --data DIR --results DIR [--skip 400]}.
 */
final class SkabScore {

    /** Rows of every file that the leaderboard does not score (its methods' training part). */
    static final int SKIP = 400;

    /** Column names accepted for a prediction, in order of preference (as the Python tool). */
    static final List<String> PREDICTION_COLUMNS = List.of("anomaly", "is_anomaly", "flag", "prediction", "predicted",
            "anomaly_pred", "predicted_anomaly");

    private SkabScore() {
    }

    /**
     * Confusion counts.
     *
     * @param tp flagged anomalous rows
     * @param fp flagged normal rows
     * @param fn unflagged anomalous rows
     * @param tn unflagged normal rows
     */
    record Counts(long tp, long fp, long fn, long tn) {
        static final Counts ZERO = new Counts(0, 0, 0, 0);

        Counts plus(Counts o) {
            return new Counts(tp + o.tp, fp + o.fp, fn + o.fn, tn + o.tn);
        }

        /** Binary F1, 0 when nothing was detected. */
        double f1() {
            return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        }

        /** False alarm rate in %: false positives over labelled-normal rows. */
        double far() {
            return fp + tn == 0 ? 0 : 100.0 * fp / (fp + tn);
        }

        /** Missing alarm rate in %: false negatives over labelled-anomalous rows. */
        double mar() {
            return fn + tp == 0 ? 0 : 100.0 * fn / (fn + tp);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "F1 %.3f  FAR %.2f%%  MAR %.2f%%", f1(), far(), mar());
        }
    }

    /** Counts of one file's rows from {@code skip} on. */
    static Counts counts(int[] truth, int[] flags, int skip) {
        if (truth.length != flags.length) {
            throw new IllegalArgumentException("truth has " + truth.length + " rows, flags " + flags.length);
        }
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (int i = skip; i < truth.length; i++) {
            boolean t = truth[i] != 0;
            boolean p = flags[i] != 0;
            if (t && p) {
                tp++;
            } else if (p) {
                fp++;
            } else if (t) {
                fn++;
            } else {
                tn++;
            }
        }
        return new Counts(tp, fp, fn, tn);
    }

    /** Counts summed over files (the leaderboard's concatenation). */
    static Counts counts(List<int[]> truth, List<int[]> flags, int skip) {
        Counts c = Counts.ZERO;
        for (int i = 0; i < truth.size(); i++) {
            c = c.plus(counts(truth.get(i), flags.get(i), skip));
        }
        return c;
    }

    /** Flagged rows from {@code skip} on of an unlabelled (all normal) file, over the rows from {@code skip} on. */
    static Counts unlabelledFalseAlarms(int[] flags, int skip) {
        return counts(new int[flags.length], flags, skip);
    }

    // ------------------------------------------------------------------ files, as the Python tool reads them

    /** A parsed CSV: column names and rows of cells. */
    record Table(List<String> columns, List<String[]> rows) {
        int column(String name) {
            return columns.indexOf(name);
        }
    }

    /** Reads a CSV with the separator the header uses most ({@code ;} on ties), skipping empty lines. */
    static Table table(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException(file + ": empty file");
        }
        String head = lines.get(0);
        if (head.startsWith("\uFEFF")) {
            head = head.substring(1);
        }
        String sep = count(head, ';') >= count(head, ',') ? ";" : ",";
        List<String> columns = new ArrayList<>();
        for (String c : head.split(sep, -1)) {
            columns.add(unquote(c).strip());
        }
        List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isEmpty()) {
                String[] cells = lines.get(i).split(sep, -1);
                for (int k = 0; k < cells.length; k++) {
                    cells[k] = unquote(cells[k]);
                }
                rows.add(cells);
            }
        }
        return new Table(columns, rows);
    }

    /** A cell as Python's csv module reads it when it is quoted whole ({@code "1"} is {@code 1}). */
    private static String unquote(String cell) {
        return cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")
                ? cell.substring(1, cell.length() - 1).replace("\"\"", "\"") : cell;
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }

    /** The {@code anomaly} labels of a data file, or null if it has no such column. */
    static int[] truth(Path file) throws IOException {
        Table t = table(file);
        int a = t.column("anomaly");
        if (a < 0) {
            return null;
        }
        int[] y = new int[t.rows().size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = Double.parseDouble(t.rows().get(i)[a].strip()) > 0.5 ? 1 : 0;
        }
        return y;
    }

    /** A prediction cell as a flag (as the Python tool: true/anomaly/yes, or a number above 0.5). */
    static int flag(String cell) {
        String v = cell.strip().toLowerCase(Locale.ROOT);
        switch (v) {
            case "true", "anomaly", "yes" -> {
                return 1;
            }
            case "false", "benign", "abstain", "no", "", "normal", "nan" -> {
                return 0;
            }
            default -> {
                try {
                    return Double.parseDouble(v) > 0.5 ? 1 : 0;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
    }

    /** The flags of a result file, aligned with a data file of {@code n} rows (or joined on its timestamps). */
    static int[] predictions(Path file, List<String> stamps) throws IOException {
        Table t = table(file);
        List<String> low = t.columns().stream().map(c -> c.toLowerCase(Locale.ROOT)).toList();
        int col = -1;
        for (String c : PREDICTION_COLUMNS) {
            if (low.contains(c)) {
                col = low.indexOf(c);
                break;
            }
        }
        if (col < 0) {
            throw new IOException(file + ": no prediction column (one of " + PREDICTION_COLUMNS + ") in " + t.columns());
        }
        int[] p = new int[stamps.size()];
        if (t.rows().size() == stamps.size()) {
            for (int i = 0; i < p.length; i++) {
                p[i] = flag(t.rows().get(i)[col]);
            }
            return p;
        }
        int time = -1;
        for (String c : List.of("datetime", "timestamp", "time")) {
            if (low.contains(c)) {
                time = low.indexOf(c);
                break;
            }
        }
        if (time < 0) {
            throw new IOException(file + ": " + t.rows().size() + " rows for " + stamps.size()
                    + " data rows and no datetime column to join on");
        }
        Map<String, Integer> by = new HashMap<>();
        for (String[] r : t.rows()) {
            by.put(r[time].strip(), flag(r[col]));
        }
        for (int i = 0; i < p.length; i++) {
            p[i] = by.getOrDefault(stamps.get(i).strip(), 0);
        }
        return p;
    }

    /**
     * The result of scoring a results directory.
     *
     * @param total counts over the labelled files
     * @param perFile counts per labelled file (relative path)
     * @param unlabelled counts over the unlabelled files' rows after {@code skip} (all normal)
     */
    record Report(Counts total, Map<String, Counts> perFile, Counts unlabelled) {
    }

    /**
     * Scores every data file under {@code data} against its result under {@code results} (the same relative path,
     * or the only result file with the same name).
     *
     * @throws IOException if a file cannot be read or a result is missing or ambiguous
     */
    static Report score(Path data, Path results, int skip) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(data)) {
            files = s.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".csv")).map(data::relativize)
                    .sorted().toList();
        }
        Map<String, List<Path>> byName = new HashMap<>();
        try (Stream<Path> s = Files.walk(results)) {
            s.filter(Files::isRegularFile).forEach(p -> byName.computeIfAbsent(p.getFileName().toString(),
                    k -> new ArrayList<>()).add(p));
        }
        Counts total = Counts.ZERO;
        Counts unlabelled = Counts.ZERO;
        Map<String, Counts> per = new LinkedHashMap<>();
        for (Path rel : files) {
            int[] y = truth(data.resolve(rel));
            Path candidate = results.resolve(rel);
            if (!Files.exists(candidate)) {
                List<Path> same = byName.getOrDefault(rel.getFileName().toString(), List.of());
                if (y == null && same.size() != 1) {
                    continue; // as skab_score.py: an unlabelled file is not part of the metric, its result optional
                }
                if (same.size() != 1) {
                    throw new IOException("no unique result file for " + rel + " (found " + same.size() + ")");
                }
                candidate = same.get(0);
            }
            Table t = table(data.resolve(rel));
            List<String> stamps = t.rows().stream().map(r -> r[0]).toList();
            int[] p = predictions(candidate, stamps);
            if (y == null) {
                unlabelled = unlabelled.plus(unlabelledFalseAlarms(p, skip));
                continue;
            }
            Counts c = counts(y, p, skip);
            per.put(rel.toString(), c);
            total = total.plus(c);
        }
        return new Report(total, per, unlabelled);
    }

    /** {@code SkabScore --data DIR --results DIR [--skip N]}: prints the metric like the Python tool. */
    public static void main(String[] args) throws IOException {
        Path data = null;
        Path results = null;
        int skip = SKIP;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[i + 1]);
                case "--results" -> results = Path.of(args[i + 1]);
                case "--skip" -> skip = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null || results == null) {
            throw new IllegalArgumentException("usage: SkabScore --data DIR --results DIR [--skip N]");
        }
        Report r = score(data, results, skip);
        System.out.printf(Locale.ROOT, "files %d  %s%n", r.perFile().size(), r.total());
        if (r.unlabelled().fp() + r.unlabelled().tn() > 0) {
            System.out.printf(Locale.ROOT, "unlabelled files: %d of %d rows flagged (FAR %.2f%%)%n", r.unlabelled().fp(),
                    r.unlabelled().fp() + r.unlabelled().tn(), r.unlabelled().far());
        }
    }
}
