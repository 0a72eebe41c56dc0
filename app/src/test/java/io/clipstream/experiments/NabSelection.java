package io.clipstream.experiments;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How the NAB configuration was chosen, reproducibly: {@code java -cp target/classes:target/test-classes:<deps>
 * io.clipstream.experiments.NabSelection ../shared/data/nab grid} (about 10 minutes on one core). Scores every
 * configuration of {@link #grid()} on the 18 files with {@link NabScore} (the Java port of {@code nab_score.py};
 * scalar kernels, {@code -Dclipstream.kernels=scalar}, make runs bit-reproducible), then
 * <ul>
 *   <li><b>in-sample</b>: the configuration with the best standard-profile score on all 18 files (what
 *       {@link Nab.Settings#defaults()} is: selection and evaluation on the same files);</li>
 *   <li><b>leave one category out</b>: for each of the three categories, the configuration and the three
 *       per-profile thresholds are chosen on the other two, and the held-out category is scored at those
 *       thresholds; the held-out raw scores of the three folds are summed and normalised like a full run (null and
 *       perfect detector on all 18 files), so every file is scored by a configuration chosen without it.</li>
 * </ul>
 * With stdin lines instead of {@code grid} ({@code key=value} overrides of the defaults, or {@code prior}), prints
 * the scores of each line's configuration ({@code VERBOSE=1}: per file).
 */
public final class NabSelection {

    static final List<String> CATEGORIES = List.of("artificialNoAnomaly", "artificialWithAnomaly", "realKnownCause");

    /**
     * The grid, 2 x 2 x 3^6 = 2,916 configurations: seasonal model on/off, level channel on/off, window 8/16/32,
     * smoothing 16/32/64, history 1,000/2,000/4,000, second weight 0/0.25/0.5, suppression 200/500/1,000 rows,
     * margin 0.5/1/2 decades.
     */
    static List<Nab.Settings> grid() {
        boolean[] onOff = {true, false};
        int[] windows = {8, 16, 32};
        int[] smoothings = {16, 32, 64};
        int[] histories = {1000, 2000, 4000};
        double[] seconds = {0, 0.25, 0.5};
        int[] suppressions = {200, 500, 1000};
        double[] margins = {0.5, 1, 2};
        List<Nab.Settings> out = new ArrayList<>();
        for (int i = 0; i < 2 * 2 * 729; i++) {
            int r = i;
            double margin = margins[r % 3];
            r /= 3;
            int suppress = suppressions[r % 3];
            r /= 3;
            double second = seconds[r % 3];
            r /= 3;
            int history = histories[r % 3];
            r /= 3;
            int smoothing = smoothings[r % 3];
            r /= 3;
            int window = windows[r % 3];
            r /= 3;
            boolean level = onOff[r % 2];
            r /= 2;
            boolean seasonal = onOff[r % 2];
            out.add(new Nab.Settings(window, seasonal, level, smoothing, history, second, suppress, margin));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        List<NabScore.LabelledFile> files = NabScore.load(Path.of(args.length > 0 ? args[0] : "../shared/data/nab"));
        if (args.length > 1 && args[1].equals("grid")) {
            runGrid(files);
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            Nab.Settings s = parse(line);
            List<double[]> scores = scoreAll(files, s);
            NabScore.Scores r = NabScore.score(files, scores, null);
            System.out.printf(Locale.ROOT, "%s | %s | det %d fp %d thr %.4f%n", r, line, r.detected()[0],
                    r.falsePositives()[0], r.thresholds()[0]);
            if (System.getenv("VERBOSE") != null) {
                verbose(files, scores, r.thresholds()[0]);
            }
        }
    }

    static List<double[]> scoreAll(List<NabScore.LabelledFile> files, Nab.Settings s) {
        List<double[]> scores = new ArrayList<>();
        for (NabScore.LabelledFile f : files) {
            scores.add(Nab.score(f.epochSeconds(), f.values(), s));
        }
        return scores;
    }

    /** One configuration's results: in-sample, and per held-out category the training score and held-out raw. */
    record Evaluation(Nab.Settings settings, NabScore.Scores all, NabScore.Scores[] training,
                      NabScore.Scores[] heldOut) {
    }

    static void runGrid(List<NabScore.LabelledFile> files) {
        List<Evaluation> results = new ArrayList<>();
        long t0 = System.nanoTime();
        List<Nab.Settings> grid = grid();
        for (Nab.Settings s : grid) {
            List<double[]> scores = scoreAll(files, s);
            NabScore.Scores all = NabScore.score(files, scores, null);
            NabScore.Scores[] training = new NabScore.Scores[CATEGORIES.size()];
            NabScore.Scores[] heldOut = new NabScore.Scores[CATEGORIES.size()];
            for (int h = 0; h < CATEGORIES.size(); h++) {
                List<NabScore.LabelledFile> trainFiles = new ArrayList<>();
                List<double[]> trainScores = new ArrayList<>();
                List<NabScore.LabelledFile> testFiles = new ArrayList<>();
                List<double[]> testScores = new ArrayList<>();
                for (int i = 0; i < files.size(); i++) {
                    boolean test = files.get(i).category().equals(CATEGORIES.get(h));
                    (test ? testFiles : trainFiles).add(files.get(i));
                    (test ? testScores : trainScores).add(scores.get(i));
                }
                training[h] = NabScore.score(trainFiles, trainScores, null);
                heldOut[h] = NabScore.score(testFiles, testScores, training[h].thresholds());
            }
            results.add(new Evaluation(s, all, training, heldOut));
            System.err.printf(Locale.ROOT, "%d/%d %s %s%n", results.size(), grid.size(), all, s);
        }
        // leave one category out: choose on the other categories only (ties: the first in grid order)
        int profiles = NabScore.PROFILES.size();
        double[] raw = new double[profiles];
        for (int h = 0; h < CATEGORIES.size(); h++) {
            final int fold = h;
            Evaluation best = results.stream().max((a, b) -> Double.compare(a.training()[fold].standard(),
                    b.training()[fold].standard())).orElseThrow();
            NabScore.Scores held = best.heldOut()[h];
            for (int p = 0; p < profiles; p++) {
                raw[p] += held.raw()[p];
            }
            System.out.printf(Locale.ROOT, "Held out %s: chosen on the rest (%s) %s; held-out %s (raw %.2f / %.2f / %.2f,"
                    + " det %d fp %d)%n", CATEGORIES.get(h), best.training()[h], best.settings(), held, held.raw()[0],
                    held.raw()[1], held.raw()[2], held.detected()[0], held.falsePositives()[0]);
        }
        results.sort((a, b) -> Double.compare(b.all().standard(), a.all().standard()));
        System.out.println("Top 15 in-sample (standard / low FP / low FN), of " + results.size() + " configurations in "
                + Math.round((System.nanoTime() - t0) / 1e9) + " s:");
        for (int i = 0; i < Math.min(15, results.size()); i++) {
            Evaluation e = results.get(i);
            System.out.printf(Locale.ROOT, "  %s  det %d fp %d  %s%n", e.all(), e.all().detected()[0],
                    e.all().falsePositives()[0], e.settings());
        }
        double[] sorted = results.stream().mapToDouble(e -> e.all().standard()).sorted().toArray();
        System.out.printf(Locale.ROOT, "Standard score over the grid: min %.2f, median %.2f, max %.2f%n", sorted[0],
                sorted[sorted.length / 2], sorted[sorted.length - 1]);
        for (Nab.Settings named : List.of(Nab.Settings.prior(), Nab.Settings.defaults())) {
            NabScore.Scores r = NabScore.score(files, scoreAll(files, named), null);
            System.out.printf(Locale.ROOT, "%s: %s  det %d fp %d  %s%n", named.equals(Nab.Settings.prior()) ? "prior()"
                    : "defaults()", r, r.detected()[0], r.falsePositives()[0], named);
        }
        NabScore.Scores ref = results.get(0).all();
        StringBuilder sb = new StringBuilder("Leave-one-category-out NAB score (standard / low FP / low FN):");
        for (int p = 0; p < profiles; p++) {
            sb.append(String.format(Locale.ROOT, " %.2f", 100 * (raw[p] - ref.nul()[p]) / (ref.perfect()[p] - ref.nul()[p])));
        }
        System.out.println(sb);
    }

    static void verbose(List<NabScore.LabelledFile> files, List<double[]> scores, double thr) {
        for (int fi = 0; fi < files.size(); fi++) {
            NabScore.LabelledFile f = files.get(fi);
            double[] sc = scores.get(fi);
            StringBuilder sb = new StringBuilder();
            double outside = 0;
            int fp = 0;
            for (int i = f.firstScored(); i < sc.length; i++) {
                if (f.windowId()[i] < 0) {
                    outside = Math.max(outside, sc[i]);
                    fp += sc[i] >= thr ? 1 : 0;
                }
            }
            for (int[] w : f.windows()) {
                double best = 0;
                int first = -1;
                for (int i = Math.max(w[0], f.firstScored()); i <= w[1]; i++) {
                    best = Math.max(best, sc[i]);
                    if (first < 0 && sc[i] >= thr) {
                        first = i - w[0];
                    }
                }
                sb.append(String.format(Locale.ROOT, " [max %.3f first %d/%d]", best, first, w[1] - w[0] + 1));
            }
            System.out.printf(Locale.ROOT, "   %-55s out %.3f fp %3d %s%n", f.relative(), outside, fp, sb);
            StringBuilder rows = new StringBuilder();
            for (int i = f.firstScored(); i < sc.length; i++) {
                if (sc[i] >= thr) {
                    rows.append(f.windowId()[i] < 0 ? " F" : " T").append(i).append(String.format(Locale.ROOT, ":%.1f",
                            4 * sc[i] / (1 - sc[i])));
                }
            }
            System.out.println("      " + rows);
        }
    }

    static Nab.Settings parse(String line) {
        Nab.Settings p = line.contains("prior") ? Nab.Settings.prior() : Nab.Settings.defaults();
        int window = p.window();
        boolean seasonal = p.seasonal();
        boolean level = p.level();
        int smoothing = p.smoothing();
        int history = p.history();
        double second = p.secondWeight();
        int suppress = p.suppress();
        double margin = p.margin();
        for (String kv : line.trim().split("\\s+")) {
            String[] a = kv.split("=");
            switch (a[0]) {
                case "window" -> window = Integer.parseInt(a[1]);
                case "seasonal" -> seasonal = Boolean.parseBoolean(a[1]);
                case "level" -> level = Boolean.parseBoolean(a[1]);
                case "smoothing" -> smoothing = Integer.parseInt(a[1]);
                case "history" -> history = Integer.parseInt(a[1]);
                case "second" -> second = Double.parseDouble(a[1]);
                case "suppress" -> suppress = Integer.parseInt(a[1]);
                case "margin" -> margin = Double.parseDouble(a[1]);
                case "prior", "defaults" -> { }
                default -> throw new IllegalArgumentException(kv);
            }
        }
        return new Nab.Settings(window, seasonal, level, smoothing, history, second, suppress, margin);
    }
}
