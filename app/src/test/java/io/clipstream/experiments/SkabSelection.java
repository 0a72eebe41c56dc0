package io.clipstream.experiments;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * How the SKAB configuration is chosen and evaluated, reproducibly (test classpath;
 * {@code mvn -q -DskipTests package exec:exec@skab} from {@code app/} runs {@code table}):
 * <ul>
 *   <li>{@code SkabSelection DATA grid}: runs every configuration of {@link #grid()} on every file once, then
 *       reports the configuration chosen <b>in-sample</b> (on all labelled files), chosen by <b>leave one group
 *       out</b> (valve1 chosen on valve2 and applied to valve1, and the reverse) and by <b>leave one file out</b>
 *       (each of the 20 labelled files flagged by the configuration chosen on the other 19); the held-out flags of
 *       all folds are pooled and scored like one run.</li>
 *   <li>{@code SkabSelection DATA small}: the same over {@link #smallGrid()} (the defaults' selection).</li>
 *   <li>{@code SkabSelection DATA table [OUT]}: the README's figures (the defaults written to {@code OUT/defaults}
 *       and scored from the files, the prior's configuration, the small grid's protocols).</li>
 *   <li>{@code SkabSelection DATA} with {@code key=value ...} lines on stdin (overrides of the defaults, or
 *       {@code prior}): each line's figures, per group; {@code VERBOSE=1} per file.</li>
 * </ul>
 * <p>Selection criterion on the training files: the largest F1 (the leaderboard's metric over the labelled training
 * files) among configurations whose false-alarm rate there is at most {@link #MAX_FAR}% (the target); ties go to
 * the earlier configuration of the grid. The unlabelled {@code anomaly-free.csv} is never used for selection: its
 * false-alarm rate under each chosen configuration is reported beside the figures, held out by construction.
 */
public final class SkabSelection {

    /** Largest training false-alarm rate (%) a selected configuration may have. */
    static final double MAX_FAR = 20;

    /** The labelled file groups of the shared subset (anomaly-free.csv is never used for selection). */
    static final List<String> GROUPS = List.of("valve1", "valve2");

    /** One loaded file. */
    record File(String relative, String group, double[][] rows, int[] truth) {
        boolean labelled() {
            return truth != null;
        }
    }

    static List<File> load(Path data) throws IOException {
        List<File> out = new ArrayList<>();
        for (Path p : Skab.find(data)) {
            Skab.Series s = Skab.read(data.resolve(p), p);
            String rel = p.toString().replace('\\', '/');
            String group = rel.contains("/") ? rel.substring(0, rel.indexOf('/')) : "";
            out.add(new File(rel, group, s.rows(), s.anomaly()));
        }
        return out;
    }

    /** Per-file counts of one configuration: {@code counts[f]} (unlabelled files: all rows normal). */
    static SkabScore.Counts[] run(List<File> files, Skab.Settings s) {
        SkabScore.Counts[] c = new SkabScore.Counts[files.size()];
        for (int f = 0; f < files.size(); f++) {
            File file = files.get(f);
            int[] flags = Skab.detect(file.rows(), s).anomaly();
            c[f] = file.labelled() ? SkabScore.counts(file.truth(), flags, SkabScore.SKIP)
                    : SkabScore.unlabelledFalseAlarms(flags, SkabScore.SKIP);
        }
        return c;
    }

    /** Sum over the files that pass {@code which}. */
    static SkabScore.Counts sum(SkabScore.Counts[] c, IntPredicate which) {
        SkabScore.Counts t = SkabScore.Counts.ZERO;
        for (int f = 0; f < c.length; f++) {
            if (which.test(f)) {
                t = t.plus(c[f]);
            }
        }
        return t;
    }

    /**
     * The small grid: the structure fixed (differences for persistent sensors, half-lives 4 and 32 rows, drift
     * half-life 100 rows as in the prior, runs that end when the residual is back within the dead band); only the
     * two parameters of the detection/false-alarm trade-off searched: the risk (0.1 .. 1e-4) and the dead band
     * (0.25 .. 1 standard deviation). 16 configurations.
     */
    static List<Skab.Settings> smallGrid() {
        List<Skab.Settings> out = new ArrayList<>();
        for (double band : new double[] {0.25, 0.5, 0.75, 1}) {
            for (double risk : new double[] {1e-1, 1e-2, 1e-3, 1e-4}) {
                out.add(new Skab.Settings(SkabScore.SKIP, 4, 32, risk, 100, band, true, 0));
            }
        }
        return out;
    }

    /** The full grid (see the README's SKAB section for why these values). */
    static List<Skab.Settings> grid() {
        double[] shorts = {2, 4, 8};
        double[] longs = {16, 32, 64, 128};
        double[] risks = {1e-1, 1e-2, 1e-3, 1e-4};
        double[] drifts = {0, 100, 300, 1000};
        double[] bands = {0, 0.25, 0.5, 1};
        boolean[] differencing = {false, true};
        double[] exits = {0, 0.5};
        List<Skab.Settings> out = new ArrayList<>();
        for (double exit : exits) {
        for (boolean diff : differencing) {
            for (double band : bands) {
                for (double drift : drifts) {
                    for (double risk : risks) {
                        for (double sh : shorts) {
                            for (double lo : longs) {
                                if (band > 0 || exit > 0) {
                                    out.add(new Skab.Settings(SkabScore.SKIP, sh, lo, risk, drift, band, diff, exit));
                                }
                            }
                        }
                    }
                }
            }
        }
        }
        return out;
    }

    /** The best configuration on the training files (see the class comment); its index in the grid. */
    static int select(List<File> files, List<SkabScore.Counts[]> results, IntPredicate training) {
        int best = -1;
        double bestF1 = -1;
        boolean bestFeasible = false;
        for (int i = 0; i < results.size(); i++) {
            SkabScore.Counts c = sum(results.get(i), f -> files.get(f).labelled() && training.test(f));
            boolean feasible = c.far() <= MAX_FAR;
            double f1 = c.f1();
            if ((feasible && !bestFeasible) || (feasible == bestFeasible && f1 > bestF1)) {
                best = i;
                bestF1 = f1;
                bestFeasible = feasible;
            }
        }
        return best;
    }

    /**
     * Pooled held-out counts: every fold's test files counted with the configuration chosen on the rest;
     * {@code unlabelled}: the anomaly-free file under each fold's choice, pooled.
     */
    record HeldOut(SkabScore.Counts labelled, SkabScore.Counts unlabelled, List<String> choices) {
    }

    static HeldOut heldOut(List<File> files, List<SkabScore.Counts[]> results, List<Skab.Settings> grid,
                           List<IntPredicate> folds) {
        SkabScore.Counts labelled = SkabScore.Counts.ZERO;
        SkabScore.Counts unlabelled = SkabScore.Counts.ZERO;
        List<String> choices = new ArrayList<>();
        for (IntPredicate test : folds) {
            int chosen = select(files, results, test.negate());
            choices.add(describe(grid.get(chosen)));
            SkabScore.Counts[] c = results.get(chosen);
            for (int f = 0; f < files.size(); f++) {
                if (!files.get(f).labelled()) {
                    unlabelled = unlabelled.plus(c[f]);
                } else if (test.test(f)) {
                    labelled = labelled.plus(c[f]);
                }
            }
        }
        return new HeldOut(labelled, unlabelled, choices);
    }

    static String describe(Skab.Settings s) {
        return String.format(Locale.ROOT, "short=%s long=%s risk=%s drift=%s band=%s diff=%s exit=%s",
                num(s.shortHalfLife()), num(s.longHalfLife()), s.risk(), num(s.driftHalfLife()), num(s.deadBand()),
                s.differencing(), num(s.exitFraction()));
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** One line: all labelled files, valve1, valve2, anomaly-free FAR. */
    static String line(List<File> files, SkabScore.Counts[] c) {
        SkabScore.Counts all = sum(c, f -> files.get(f).labelled());
        SkabScore.Counts v1 = sum(c, f -> files.get(f).group().equals("valve1"));
        SkabScore.Counts v2 = sum(c, f -> files.get(f).group().equals("valve2"));
        SkabScore.Counts free = sum(c, f -> !files.get(f).labelled());
        return String.format(Locale.ROOT, "all %s | valve1 %s | valve2 %s | anomaly-free FAR %.2f%%", all, v1, v2,
                free.far());
    }

    public static void main(String[] args) throws Exception {
        Path data = ExecData.require(Path.of(args.length > 0 ? args[0] : "../shared/data/skab").toAbsolutePath()
                .normalize(), "SKAB", "-Dclipstream.data=DIR (reads DIR/skab)");
        List<File> files = load(data);
        String mode = args.length > 1 ? args[1] : "";
        if (mode.equals("grid")) {
            runGrid(files, grid());
            return;
        }
        if (mode.equals("small")) {
            runGrid(files, smallGrid());
            return;
        }
        if (mode.equals("table")) {
            table(data, files, Path.of(args.length > 2 ? args[2] : "target/skab"));
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String text;
        while ((text = in.readLine()) != null) {
            if (text.isBlank()) {
                continue;
            }
            Skab.Settings s = parse(text);
            SkabScore.Counts[] c = run(files, s);
            System.out.println(line(files, c) + " | " + describe(s));
            if (System.getenv("VERBOSE") != null) {
                for (int f = 0; f < files.size(); f++) {
                    System.out.println("  " + files.get(f).relative() + " " + c[f]);
                }
            }
        }
    }

    /**
     * The README's figures: the defaults run end to end (files written under {@code out} by the command's own code,
     * then read back and scored by {@link SkabScore}), the prior's configuration, and the small grid's selection
     * protocols.
     */
    static void table(Path data, List<File> files, Path out) throws IOException {
        long t0 = System.nanoTime();
        Skab.Result r = Skab.run(data, out.resolve("defaults"), Skab.Settings.defaults(), n -> { });
        SkabScore.Report report = SkabScore.score(data, out.resolve("defaults"), SkabScore.SKIP);
        System.out.printf(Locale.ROOT, "defaults (%s), %d files in %.1f s, written to %s:%n  %s | anomaly-free FAR %.2f%%%n",
                describe(Skab.Settings.defaults()), r.files(), (System.nanoTime() - t0) / 1e9, out.resolve("defaults"),
                report.total(), report.unlabelled().far());
        Path root = data.getParent() == null ? null : data.getParent().getParent();
        System.out.println("  check: python3 " + (root == null ? "skab_score.py" : root.resolve("tools/skab_score.py"))
                + " --data " + data + " --results " + out.resolve("defaults").toAbsolutePath());
        System.out.println("prior's configuration on the current code (" + describe(Skab.Settings.prior()) + "):");
        System.out.println("  " + line(files, run(files, Skab.Settings.prior())));
        System.out.println("small grid (" + smallGrid().size() + " configurations: risk x dead band):");
        runGrid(files, smallGrid());
    }

    static void runGrid(List<File> files, List<Skab.Settings> grid) {
        long t0 = System.nanoTime();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        List<SkabScore.Counts[]> results = grid.parallelStream().map(s -> {
            SkabScore.Counts[] c = run(files, s);
            if (done.incrementAndGet() % 100 == 0) {
                System.err.printf(Locale.ROOT, "%d/%d configurations, %.0f s%n", done.get(), grid.size(),
                        (System.nanoTime() - t0) / 1e9);
            }
            return c;
        }).toList();
        int inSample = select(files, results, f -> true);
        System.out.println("in-sample choice: " + describe(grid.get(inSample)));
        System.out.println("  " + line(files, results.get(inSample)));

        List<IntPredicate> groupFolds = new ArrayList<>();
        for (String g : GROUPS) {
            groupFolds.add(f -> files.get(f).group().equals(g));
        }
        HeldOut logo = heldOut(files, results, grid, groupFolds);
        System.out.println("leave one group out (" + String.join(", ", GROUPS) + " held out in turn; anomaly-free "
                + "FAR pooled over the folds' choices):");
        for (int i = 0; i < GROUPS.size(); i++) {
            System.out.println("  without " + GROUPS.get(i) + ": " + logo.choices().get(i));
        }
        System.out.printf(Locale.ROOT, "  held out: labelled %s | anomaly-free FAR %.2f%%%n", logo.labelled(),
                logo.unlabelled().far());

        List<IntPredicate> fileFolds = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            int only = f;
            if (files.get(f).labelled()) {
                fileFolds.add(x -> x == only);
            }
        }
        HeldOut lofo = heldOut(files, results, grid, fileFolds);
        System.out.printf(Locale.ROOT, "leave one file out: labelled %s | anomaly-free FAR %.2f%% (pooled over folds) | "
                + "%d distinct choices%n", lofo.labelled(), lofo.unlabelled().far(),
                lofo.choices().stream().distinct().count());
        lofo.choices().stream().distinct().forEach(c -> System.out.println("  " + c));

        // the best few in-sample, for the record
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < grid.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(sum(results.get(b), f -> files.get(f).labelled()).f1(),
                sum(results.get(a), f -> files.get(f).labelled()).f1()));
        System.out.println("top 15 by F1 over the labelled files:");
        for (int i = 0; i < Math.min(15, order.size()); i++) {
            int k = order.get(i);
            System.out.println("  " + line(files, results.get(k)) + " | " + describe(grid.get(k)));
        }
    }

    /** {@code prior}, {@code defaults}, or {@code key=value} overrides of the defaults. */
    static Skab.Settings parse(String text) {
        String t = text.strip();
        if (t.equals("prior")) {
            return Skab.Settings.prior();
        }
        Skab.Settings d = Skab.Settings.defaults();
        double sh = d.shortHalfLife();
        double lo = d.longHalfLife();
        double risk = d.risk();
        double drift = d.driftHalfLife();
        double band = d.deadBand();
        boolean diff = d.differencing();
        double exit = d.exitFraction();
        for (String kv : t.split("\\s+")) {
            if (kv.equals("defaults")) {
                continue;
            }
            String[] p = kv.split("=", 2);
            switch (p[0]) {
                case "short" -> sh = Double.parseDouble(p[1]);
                case "long" -> lo = Double.parseDouble(p[1]);
                case "risk" -> risk = Double.parseDouble(p[1]);
                case "drift" -> drift = Double.parseDouble(p[1]);
                case "band" -> band = Double.parseDouble(p[1]);
                case "diff" -> diff = Boolean.parseBoolean(p[1]);
                case "exit" -> exit = Double.parseDouble(p[1]);
                default -> throw new IllegalArgumentException("unknown key " + p[0]);
            }
        }
        return new Skab.Settings(d.warmup(), sh, lo, risk, drift, band, diff, exit);
    }
}
