package io.clipstream.cli;

import de.siegmar.fastcsv.reader.CommentStrategy;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.StepSize;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Outcome;
import io.clipstream.experiments.OutputFiles;
import io.clipstream.experiments.TextInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Scores CSV rows as they stream in: each row goes through an {@link AnomalyDetector} (score against the current
 * estimate, decide against the adaptive threshold, then update), in constant memory.
 *
 * <p>Input: UTF-8 (a byte-order mark is dropped), RFC 4180 CSV: fields may be quoted, and quoted fields may hold
 * the delimiter, doubled quotes and line breaks; blank lines are ignored. A record is reported by the line it
 * starts on. The number of columns is fixed by the header ({@code --header}) or by the first good row, so with
 * {@code --skip-bad} a malformed first row is skipped like any other instead of defining the layout.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Scores CSV rows of numbers (FILE, -i FILE or stdin) as they stream in and writes one line",
            "'score,lower,upper,decision' per row (decision: ANOMALY, BENIGN or ABSTAIN), in constant memory.",
            "Input is UTF-8 RFC 4180 CSV (quoted fields, a byte-order mark); blank lines are ignored.",
            "Tasks: mean (score = distance to the running robust mean), linear (|residual| against the label",
            "column), logistic (log loss; labels 0/1). A bad row stops with an error naming its line, unless",
            "--skip-bad, which writes 'NaN,NaN,NaN,SKIPPED' for it and reports the count at the end.",
            "Thresholds: --threshold pot (default; peaks over threshold: ABSTAIN for the first --warmup rows, 500,",
            "then ANOMALY or BENIGN, about 1 - p of ordinary rows flagged) or cs (confidence sequence: no mistake",
            "with probability 1 - 2a; ABSTAIN inside its interval, and no ANOMALY until its upper end is finite:",
            "about 315,600 rows at the defaults p = 0.99, a = 0.05)."})
final class ScoreCommand implements Callable<Integer> {

    enum TaskOption { mean, linear, logistic }

    enum ThresholdOption { pot, cs }

    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "CSV file to read ('-' or absent: stdin)")
    String input;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "CSV file to read, as -i ('-': stdin)")
    String positionalInput;

    @Option(names = {"-o", "--output"}, description = "file to write (absent: stdout)")
    Path output;

    @Option(names = "--task", description = "mean, linear or logistic (default: ${DEFAULT-VALUE})",
            defaultValue = "mean")
    TaskOption task;

    @Option(names = "--columns", description = "feature columns, 1-based, e.g. '2-5,8' (default: all but the label)")
    String columns;

    @Option(names = "--label-column", description = "1-based label column (required for linear and logistic)")
    Integer labelColumn;

    @Option(names = "--header", description = "the first line is a header")
    boolean header;

    @Option(names = "--delimiter", description = "field delimiter, one character (default: ',')", defaultValue = ",")
    String delimiterOption;

    char delimiter = ',';

    @Option(names = "--skip-bad", description = "skip and count bad rows instead of stopping")
    boolean skipBad;

    @Option(names = "--quantile", description = "target quantile p (default: ${DEFAULT-VALUE})", defaultValue = "0.99")
    double quantile;

    @Option(names = "--confidence", description = "confidence a (default: ${DEFAULT-VALUE})", defaultValue = "0.05")
    double confidence;

    @Option(names = "--threshold", description = "pot (peaks over threshold) or cs (confidence sequence) "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "pot")
    ThresholdOption threshold;

    @Option(names = "--warmup", description = "pot: rows that calibrate the threshold before the first ANOMALY, "
            + "and again after each detected change (default: ${DEFAULT-VALUE})", defaultValue = "500")
    int warmup;

    @Option(names = "--half-life", description = "mean: step half-life in samples (default: the library's, 300)")
    Double halfLife;

    @Option(names = "--step", description = "linear/logistic: normalised step (default: the library's, 0.05)")
    Double step;

    @Override
    public Integer call() throws Exception {
        if (input != null && positionalInput != null) {
            throw Main.usage(spec, "give the input once: -i " + input + " and " + positionalInput);
        }
        String file = input != null ? input : positionalInput;
        if (task != TaskOption.mean && labelColumn == null) {
            throw Main.usage(spec, "--task " + task + " needs --label-column");
        }
        if (task == TaskOption.mean && labelColumn != null) {
            throw Main.usage(spec, "--label-column is only for --task linear or logistic");
        }
        var parsed = spec.commandLine().getParseResult();
        if (halfLife != null && task != TaskOption.mean) {
            throw Main.usage(spec, "--half-life is only for --task mean (the estimate's step), not with --task " + task
                    + " (use --step)");
        }
        if (step != null && task == TaskOption.mean) {
            throw Main.usage(spec, "--step is only for --task linear or logistic, not with --task mean (use "
                    + "--half-life)");
        }
        if (threshold == ThresholdOption.cs && parsed.hasMatchedOption("--warmup")) {
            throw Main.usage(spec, "--warmup is only for --threshold pot, not with --threshold cs (the confidence "
                    + "sequence abstains until its interval is narrow enough)");
        }
        if (labelColumn != null && labelColumn < 1) {
            throw Main.usage(spec, "--label-column is 1-based: " + labelColumn);
        }
        if (!(quantile > 0 && quantile < 1)) {
            throw Main.usage(spec, "--quantile must be in (0, 1): " + quantile);
        }
        if (threshold != ThresholdOption.cs && quantile < AdaptiveThreshold.MIN_PEAKS_QUANTILE) {
            throw Main.usage(spec, "--threshold pot needs --quantile >= " + AdaptiveThreshold.MIN_PEAKS_QUANTILE
                    + " (an upper-tail model): " + quantile + "; --threshold cs takes any quantile in (0, 1)");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw Main.usage(spec, "--confidence must be in (0, 1): " + confidence);
        }
        if (halfLife != null && !(halfLife >= 1 && halfLife <= 1e9)) {
            throw Main.usage(spec, "--half-life must be in [1, 1e9]: " + halfLife);
        }
        if (step != null && !(step > 0 && step <= 1)) {
            throw Main.usage(spec, "--step must be in (0, 1]: " + step);
        }
        if (delimiterOption.length() != 1) {
            throw Main.usage(spec, "--delimiter must be exactly one character: '" + delimiterOption + "'");
        }
        delimiter = delimiterOption.charAt(0);
        if (delimiter == '"' || delimiter == '\r' || delimiter == '\n') {
            throw Main.usage(spec, "--delimiter cannot be a quote or a line break");
        }
        if (columns != null) {
            try {
                parseColumns(columns, -1, labelColumn); // syntax and the label, before any input is read
            } catch (Main.UserException e) {
                throw Main.usage(spec, e.getMessage());
            }
        }
        if (warmup < 32 || warmup > 1 << 20) {
            throw Main.usage(spec, "--warmup must be in [32, 1048576]: " + warmup);
        }
        boolean stdin = file == null || file.equals("-");
        inputName = stdin ? "standard input" : file;
        if (output != null) {
            OutputCheck.file(spec, "-o", output);
            if (!stdin) {
                OutputCheck.notTheInput(spec, "-o", output, Path.of(file));
            } else {
                // standard input redirected from the output file (score -o in.csv < in.csv)
                OutputCheck.notTheInput(spec, "-o", output, Path.of("/dev/stdin"), "standard input");
            }
        }
        if (!stdin && Files.isDirectory(Path.of(file))) {
            throw new Main.UserException(file + ": is a directory (expected a CSV file)");
        }
        InputStream in = stdin ? System.in : Files.newInputStream(Path.of(file));
        try {
            if (output == null) {
                // stdout is picocli's writer (flushed, never closed: closing it would close the JVM's stdout)
                Writer out = spec.commandLine().getOut();
                try {
                    return run(in, out);
                } finally {
                    out.flush();
                }
            }
            // the file appears whole, and only when every row was read (a bad row leaves no partial output)
            int[] code = {0};
            OutputFiles.write(output, out -> code[0] = run(in, out));
            return code[0];
        } finally {
            if (!stdin) {
                in.close();
            }
        }
    }

    /** The input's name in messages. */
    private String inputName = "standard input";

    private int[] features;
    private int fieldCount = -1;
    private AnomalyDetector detector;
    private float[] row;

    /** Scores every record of {@code in} (UTF-8 CSV) to {@code out}; returns the exit code. */
    int run(InputStream in, Writer out) throws IOException {
        out.write("score,lower,upper,decision\n");
        long skipped = 0;
        long processed = 0;
        List<String> firstErrors = new ArrayList<>();
        Utf8Input text = new Utf8Input(in, delimiter);
        CsvReader<CsvRecord> csv = CsvReader.builder().fieldSeparator(delimiter).quoteCharacter('"')
                .commentStrategy(CommentStrategy.NONE).skipEmptyLines(false).allowMissingFields(true)
                .allowExtraFields(true).ofCsvRecord(text);
        Iterator<CsvRecord> records = csv.iterator();
        boolean first = true;
        long lastLine = 0;
        while (true) {
            CsvRecord record;
            try {
                if (!records.hasNext()) {
                    break;
                }
                record = records.next();
            } catch (CsvParseException e) {
                out.flush();
                // FastCSV cannot read past such a record, so even --skip-bad stops here
                throw new Main.UserException(malformed(message(e).equals(e.getMessage()) ? message(e)
                        : e.getMessage() + ": " + message(e), lastLine)
                        + (skipBad ? " (--skip-bad cannot skip a record the CSV parser cannot read)" : ""));
            } catch (UncheckedIOException e) {
                out.flush();
                throw new Main.UserException("cannot read " + inputName + ": " + Main.userMessage(e));
            }
            long line = record.getStartingLineNumber();
            lastLine = line + lineBreaks(record);
            if (blank(record)) {
                continue;
            }
            String problem = text.invalidIn(line, lastLine);
            long quote = text.unclosedQuoteLine();
            if (problem == null && quote >= line && quote <= lastLine) {
                problem = "line " + quote + ": unclosed quote (the quoted field runs to the end of the input)";
            }
            if (first && header) {
                first = false;
                if (problem == null || skipBad) {
                    // a header's bytes are not data: under --skip-bad a bad one is reported, not a SKIPPED row
                    if (problem != null && firstErrors.size() < 3) {
                        firstErrors.add(problem + " (in the header; its column count is used)");
                    }
                    int[] chosen = (int[]) layout(record.getFieldCount(), line, true);
                    commit(record.getFieldCount(), chosen, new float[chosen.length]);
                    continue;
                }
            }
            if (problem == null) {
                problem = process(record, line, first, out);
            }
            first = false;
            if (problem != null) {
                if (!skipBad) {
                    out.flush();
                    throw new Main.UserException(problem);
                }
                skipped++;
                if (firstErrors.size() < 3) {
                    firstErrors.add(problem);
                }
                out.write("NaN,NaN,NaN,SKIPPED\n");
            } else {
                processed++;
            }
        }
        out.flush();
        var err = spec == null ? null : spec.commandLine().getErr();
        if (err != null) {
            err.printf(Locale.ROOT, "score: %,d rows scored%s%s%n", processed,
                    skipped > 0 ? String.format(Locale.ROOT, ", %,d bad rows skipped", skipped) : "",
                    detector == null ? "" : String.format(Locale.ROOT, "; %,d anomalies, %,d abstentions, %d changes",
                            detector.anomalies(), detector.abstentions(), detector.changes()));
            for (String e : firstErrors) {
                err.println("  skipped " + e);
            }
            err.flush();
        }
        return 0;
    }

    private static final java.util.regex.Pattern TOO_MANY_FIELDS = java.util.regex.Pattern.compile(
            "Record starting at line (\\d+) has surpassed the maximum limit of (\\d+) fields");
    private static final java.util.regex.Pattern STARTED_IN_LINE = java.util.regex.Pattern.compile(
            "^Exception when reading record that started in line (\\d+): ");

    /**
     * A parse error of the CSV reader, by the line it names (the record's first line; else the line after the last
     * record read).
     */
    static String malformed(String message, long lastLine) {
        var m = TOO_MANY_FIELDS.matcher(message);
        if (m.find()) {
            return "line " + m.group(1) + ": more than " + m.group(2) + " columns (the most a row may have)";
        }
        var started = STARTED_IN_LINE.matcher(message);
        if (started.find()) {
            return "line " + started.group(1) + ": malformed CSV: " + message.substring(started.end());
        }
        return "line " + (lastLine + 1) + ": malformed CSV: " + message;
    }

    private static String message(CsvParseException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? e.getMessage() : t.getMessage();
    }

    /** Line breaks inside the record's quoted fields: a record spans this many lines after its first. */
    private static long lineBreaks(CsvRecord record) {
        long n = 0;
        for (int i = 0; i < record.getFieldCount(); i++) {
            String f = record.getField(i);
            for (int j = 0; j < f.length(); j++) {
                char c = f.charAt(j);
                if (c == '\n' || (c == '\r' && (j + 1 == f.length() || f.charAt(j + 1) != '\n'))) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * The field without the blanks around it: spaces, tabs and (inside a quoted field) line breaks. ({@link String#trim}
     * also removed NUL and every other control character, so {@code 1\0} or a UTF-16 file read as UTF-8 passed as
     * numbers.)
     */
    static String trimBlanks(String f) {
        int from = 0;
        int to = f.length();
        while (from < to && blank(f.charAt(from))) {
            from++;
        }
        while (to > from && blank(f.charAt(to - 1))) {
            to--;
        }
        return f.substring(from, to);
    }

    private static boolean blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** Longest field text quoted in a message. */
    private static final int SHOWN = 60;

    /**
     * A field as a one-line message shows it: control characters (line breaks, escape sequences) as a backslash,
     * u and four hex digits,
     * cut after {@value #SHOWN} characters with the full length given.
     */
    static String shown(String f) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < f.length() && i < SHOWN; i++) {
            char c = f.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        if (f.length() > SHOWN) {
            b.append("... (").append(String.format(Locale.ROOT, "%,d", f.length())).append(" characters)");
        }
        return b.toString();
    }

    private static boolean blank(CsvRecord record) {
        return record.getFieldCount() == 1 && record.getField(0).isBlank();
    }

    /**
     * Processes one data record; returns a description of the problem, or null. Until a row has been read
     * successfully, each row proposes the layout for its own column count, which is kept only if the row is good.
     */
    private String process(CsvRecord fields, long lineNumber, boolean first, Writer out) throws IOException {
        int[] columnsOfRow = features;
        float[] values = row;
        if (fieldCount < 0) {
            Object layout = layout(fields.getFieldCount(), lineNumber, false);
            if (layout instanceof String problem) {
                return problem;
            }
            columnsOfRow = (int[]) layout;
            values = new float[columnsOfRow.length];
        } else if (fields.getFieldCount() != fieldCount) {
            return "line " + lineNumber + ": expected " + fieldCount + " columns but found " + fields.getFieldCount();
        }
        for (int i = 0; i < columnsOfRow.length; i++) {
            String f = trimBlanks(fields.getField(columnsOfRow[i]));
            float v;
            try {
                if (!TextInput.plainNumber(f)) {
                    throw new NumberFormatException(f);
                }
                v = Float.parseFloat(f);
            } catch (NumberFormatException e) {
                return "line " + lineNumber + ", column " + (columnsOfRow[i] + 1) + ": not a number: '" + shown(f) + "'"
                        + (first && !header ? " (use --header if the first line is a header)" : "");
            }
            if (!Float.isFinite(v)) {
                return "line " + lineNumber + ", column " + (columnsOfRow[i] + 1) + ": "
                        + (Float.isNaN(v) || f.toLowerCase(Locale.ROOT).contains("inf") ? "value is " + v
                        : "value '" + shown(f) + "' is outside the float range") + " (values must be finite)";
            }
            values[i] = v;
        }
        float label = 0;
        if (task != TaskOption.mean) {
            String f = trimBlanks(fields.getField(labelColumn - 1));
            try {
                if (!TextInput.plainNumber(f)) {
                    throw new NumberFormatException(f);
                }
                label = Float.parseFloat(f);
            } catch (NumberFormatException e) {
                return "line " + lineNumber + ", column " + labelColumn + ": label is not a number: '" + shown(f) + "'";
            }
            if (task == TaskOption.linear && !Float.isFinite(label)) {
                return "line " + lineNumber + ", column " + labelColumn + ": label '" + shown(f) + "' is "
                        + (Float.isNaN(label) ? "NaN" : "outside the float range") + " (labels must be finite)";
            }
            if (task == TaskOption.logistic && label != 0 && label != 1) {
                return "line " + lineNumber + ", column " + labelColumn + ": label must be 0 or 1: " + shown(f);
            }
        }
        if (fieldCount < 0) {
            commit(fields.getFieldCount(), columnsOfRow, values);
        }
        Outcome o;
        try {
            o = switch (task) {
                case mean -> detector.process(row);
                case linear -> detector.process(row, label);
                case logistic -> detector.process(row, (int) label);
            };
        } catch (IllegalArgumentException e) {
            // the library refused the sample and left the detector unchanged: report it like any bad row
            return "line " + lineNumber + ": " + e.getMessage();
        }
        out.write(Double.toString(o.score()));
        out.write(',');
        out.write(Double.toString(o.lower()));
        out.write(',');
        out.write(Double.toString(o.upper()));
        out.write(',');
        out.write(o.decision().name());
        out.write('\n');
        return null;
    }

    /**
     * The feature columns for rows of {@code fields} columns, or a String describing why the options cannot use
     * such rows. From the header (with {@code --header}) such a problem stops the run (status 1, like a bad row);
     * from a row it is a problem with that row (so {@code --skip-bad} skips it without fixing the layout).
     */
    private Object layout(int fields, long lineNumber, boolean fromHeader) {
        String problem = null;
        int[] chosen = null;
        if (labelColumn != null && labelColumn > fields) {
            problem = "line " + lineNumber + ": --label-column " + labelColumn + " but the " + (fromHeader ? "header"
                    : "row") + " has " + fields + " columns";
        } else {
            try {
                chosen = columns == null ? allBut(fields, labelColumn) : parseColumns(columns, fields, labelColumn);
                if (chosen.length == 0) {
                    problem = "line " + lineNumber + ": no feature columns (the " + (fromHeader ? "header" : "row")
                            + " has " + fields + " columns)";
                }
            } catch (Main.UserException e) {
                problem = "line " + lineNumber + ": " + e.getMessage();
            }
        }
        if (problem != null && fromHeader) {
            // the options do not fit this file: a data error (status 1), as for the first row without --header
            throw new Main.UserException(problem);
        }
        return problem != null ? problem : chosen;
    }

    /** Fixes the layout (from the header, or the first good row) and builds the detector for it. */
    private void commit(int fields, int[] chosen, float[] values) {
        fieldCount = fields;
        features = chosen;
        row = values;
        int d = features.length;
        Estimator e = switch (task) {
            case mean -> {
                MeanEstimator.Builder b = MeanEstimator.builder(d);
                if (halfLife != null) {
                    b.stepSize(StepSize.halfLife(halfLife));
                }
                yield b.build();
            }
            case linear -> {
                LinearRegression.Builder b = LinearRegression.builder(d);
                if (step != null) {
                    b.stepSize(StepSize.constant(step));
                }
                yield b.build();
            }
            case logistic -> {
                LinearRegression.Builder b = LogisticRegression.builder(d);
                if (step != null) {
                    b.stepSize(StepSize.constant(step));
                }
                yield b.buildLogistic();
            }
        };
        detector = AnomalyDetector.builder(e).quantile(quantile).confidence(confidence)
                .method(threshold == ThresholdOption.cs ? AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE
                        : AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD)
                .warmup(warmup).build();
    }

    static int[] allBut(int fields, Integer label) {
        int[] out = new int[label == null ? fields : fields - 1];
        for (int i = 0, j = 0; i < fields; i++) {
            if (label == null || i != label - 1) {
                out[j++] = i;
            }
        }
        return out;
    }

    /**
     * Parses '2-5,8' (1-based, inclusive) into 0-based indices; with {@code fields < 0} only checks the syntax and
     * the label (nothing is expanded, so no range is too large to check).
     */
    static int[] parseColumns(String spec, int fields, Integer label) {
        List<Integer> out = new ArrayList<>();
        for (String part : spec.split(",", -1)) {
            String p = part.trim();
            int from;
            int to;
            try {
                int dash = p.indexOf('-');
                from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw new Main.UserException("--columns '" + spec + "': cannot read '" + p + "' (expected e.g. 2-5,8)");
            }
            if (to >= 1 && to < from && (fields < 0 || from <= fields)) {
                throw new Main.UserException("--columns '" + spec + "': '" + p + "' runs backwards (write " + to + "-"
                        + from + ")");
            }
            if (from < 1 || to < from || (fields >= 0 && to > fields)) {
                throw new Main.UserException("--columns '" + spec + "': '" + p + "' is outside 1.."
                        + (fields >= 0 ? fields : "the number of columns"));
            }
            if (label != null && label >= from && label <= to) {
                throw new Main.UserException("--columns includes the label column " + label);
            }
            for (int c = from; fields >= 0 && c <= to; c++) {
                out.add(c - 1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
