package io.clipstream.experiments;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A port of {@code ../shared/tools/nab_score.py} (NAB's scoring rules: probation, windows, scaled sigmoid, one
 * threshold per profile optimised over the scored files, normalisation between the null and the perfect detector),
 * so that tests and the configuration selection can score thousands of runs without leaving the JVM. The Python
 * tool stays the reference for every reported number; {@link NabSelection} checks that both agree.
 */
final class NabScore {

    /** A cost profile. */
    record Profile(String name, double tp, double fp, double fn) {
    }

    static final List<Profile> PROFILES = List.of(new Profile("standard", 1, 0.11, 1),
            new Profile("reward_low_FP_rate", 1, 0.22, 1), new Profile("reward_low_FN_rate", 1, 0.11, 2));

    static final double MAX_TP = sigmoid(-1);

    /**
     * One labelled data file.
     *
     * @param relative {@code category/file.csv}
     * @param values the values
     * @param epochSeconds the timestamps
     * @param windows inclusive row ranges {@code [left, right]}
     * @param firstScored first row after the probationary period
     * @param windowId per row: index of its window or -1
     * @param u per row: the unweighted scaled-sigmoid value
     */
    record LabelledFile(String relative, double[] values, long[] epochSeconds, int[][] windows, int firstScored,
                        int[] windowId, double[] u) {
        String category() {
            return relative.substring(0, relative.indexOf('/'));
        }

        /** Windows that end after the probationary period. */
        int scoredWindows() {
            int n = 0;
            for (int[] w : windows) {
                n += w[1] >= firstScored ? 1 : 0;
            }
            return n;
        }
    }

    private NabScore() {
    }

    static double sigmoid(double y) {
        return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
    }

    /** Reads every labelled file of {@code nab} ({@code nab/data/...}, {@code nab/labels/combined_windows.json}). */
    static List<LabelledFile> load(Path nab) throws IOException {
        Map<String, List<LocalDateTime[]>> labels = labels(nab.resolve("labels/combined_windows.json"));
        List<LabelledFile> out = new ArrayList<>();
        for (Map.Entry<String, List<LocalDateTime[]>> e : labels.entrySet()) {
            Nab.Series s = Nab.read(nab.resolve("data").resolve(e.getKey()), Path.of(e.getKey()));
            out.add(labelled(e.getKey(), s.values(), s.epochSeconds(), e.getValue()));
        }
        return out;
    }

    /**
     * {@code file} without its first {@code k} rows, as if its recording had started {@code k} rows later: windows by
     * their timestamps, the probationary period and the scaled sigmoid from the rows that remain.
     */
    static LabelledFile dropFirst(LabelledFile file, int k) throws IOException {
        long[] t = file.epochSeconds();
        if (k < 0 || k >= t.length) {
            throw new IllegalArgumentException(file.relative() + ": cannot drop " + k + " of its " + t.length + " rows");
        }
        if (k == 0) {
            return file;
        }
        List<LocalDateTime[]> windows = new ArrayList<>();
        for (int[] w : file.windows()) {
            if (w[0] < k) {
                throw new IOException(file.relative() + ": a window starts in the first " + k + " rows");
            }
            windows.add(new LocalDateTime[] {time(t[w[0]]), time(t[w[1]])});
        }
        return labelled(file.relative(), Arrays.copyOfRange(file.values(), k, t.length),
                Arrays.copyOfRange(t, k, t.length), windows);
    }

    private static LocalDateTime time(long epochSecond) {
        return LocalDateTime.ofEpochSecond(epochSecond, 0, java.time.ZoneOffset.UTC);
    }

    private static LabelledFile labelled(String relative, double[] values, long[] t, List<LocalDateTime[]> labels)
            throws IOException {
        int n = values.length;
        Map<Long, Integer> first = new HashMap<>();
        for (int i = 0; i < n; i++) {
            first.putIfAbsent(t[i], i);
        }
        int[][] windows = new int[labels.size()][];
        for (int k = 0; k < windows.length; k++) {
            LocalDateTime[] w = labels.get(k);
            Integer left = first.get(seconds(w[0]));
            Integer right = first.get(seconds(w[1]));
            if (left == null || right == null) {
                throw new IOException(relative + ": window edge is not a data timestamp");
            }
            windows[k] = new int[] {left, right};
        }
        Arrays.sort(windows, (a, b) -> Integer.compare(a[0], b[0]));
        double probation = Math.min(Math.floor(0.15 * n), 0.15 * 5000);
        int[] wid = new int[n];
        double[] u = new double[n];
        Arrays.fill(wid, -1);
        Arrays.fill(u, -1);
        for (int k = 0; k < windows.length; k++) {
            int left = windows[k][0];
            int right = windows[k][1];
            int width = right - left + 1;
            for (int i = left; i <= right; i++) {
                wid[i] = k;
                u[i] = sigmoid(-(double) (right - i + 1) / width);
            }
            int stop = k + 1 < windows.length ? windows[k + 1][0] : n;
            double denom = Math.max(width - 1, 1);
            for (int i = right + 1; i < stop; i++) {
                u[i] = sigmoid((i - right) / denom);
            }
        }
        return new LabelledFile(relative, values, t, windows, (int) Math.ceil(probation), wid, u);
    }

    private static long seconds(LocalDateTime t) {
        return t.toEpochSecond(java.time.ZoneOffset.UTC);
    }

    /** The windows file: {@code {"category/file.csv": [["start", "end"], ...], ...}}, read with a tokenizer. */
    static Map<String, List<LocalDateTime[]>> labels(Path json) throws IOException {
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(Files.readString(json));
        Map<String, List<LocalDateTime[]>> out = new LinkedHashMap<>();
        List<LocalDateTime[]> current = null;
        LocalDateTime pending = null;
        while (m.find()) {
            String s = m.group(1);
            if (s.endsWith(".csv")) {
                current = new ArrayList<>();
                out.put(s, current);
                pending = null;
            } else if (current != null) {
                LocalDateTime t = LocalDateTime.parse(s.replace(' ', 'T'));
                if (pending == null) {
                    pending = t;
                } else {
                    current.add(new LocalDateTime[] {pending, t});
                    pending = null;
                }
            }
        }
        return out;
    }

    /**
     * Scores of one run.
     *
     * @param normalized per profile, {@code 100 (raw - null) / (perfect - null)}
     * @param thresholds per profile, the threshold used
     * @param detected per profile, windows detected
     * @param falsePositives per profile, false-positive rows
     * @param raw per profile, the raw score
     * @param nul per profile, the null detector's raw score on the same files
     * @param perfect per profile, the perfect detector's raw score
     */
    record Scores(double[] normalized, double[] thresholds, int[] detected, int[] falsePositives, double[] raw,
                  double[] nul, double[] perfect) {
        double standard() {
            return normalized[0];
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%.2f / %.2f / %.2f", normalized[0], normalized[1],
                    normalized[2]);
        }
    }

    /** Profile-independent sums over the scored rows at one threshold. */
    private record Sums(int detected, double best, double fp, int fpRows) {
    }

    /**
     * NAB scores of {@code scores} (one array per file, in the order of {@code files}); per profile, the threshold
     * is {@code fixed[p]} if {@code fixed} is not null, else the one that maximises the raw score over these files
     * (ties to the highest).
     */
    static Scores score(List<LabelledFile> files, List<double[]> scores, double[] fixed) {
        int windows = 0;
        int scoredWindows = 0;
        int points = 0;
        for (LabelledFile f : files) {
            windows += f.windows().length;
            scoredWindows += f.scoredWindows();
            points += f.values().length - f.firstScored();
        }
        // all scored rows sorted by score, descending
        double[] s = new double[points];
        int[] w = new int[points];
        double[] u = new double[points];
        int k = 0;
        int base = 0;
        for (int fi = 0; fi < files.size(); fi++) {
            LabelledFile f = files.get(fi);
            double[] sc = scores.get(fi);
            for (int i = f.firstScored(); i < f.values().length; i++) {
                s[k] = sc[i];
                w[k] = f.windowId()[i] < 0 ? -1 : base + f.windowId()[i];
                u[k] = f.u()[i];
                k++;
            }
            base += f.windows().length;
        }
        Integer[] order = new Integer[points];
        for (int i = 0; i < points; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
        double[] normalized = new double[PROFILES.size()];
        double[] thresholds = new double[PROFILES.size()];
        int[] detected = new int[PROFILES.size()];
        int[] fpRows = new int[PROFILES.size()];
        double[] raws = new double[PROFILES.size()];
        double[] nuls = new double[PROFILES.size()];
        double[] perfects = new double[PROFILES.size()];
        Sums all = everything(files);
        for (int p = 0; p < PROFILES.size(); p++) {
            Profile pr = PROFILES.get(p);
            double threshold;
            if (fixed != null) {
                threshold = fixed[p];
            } else {
                threshold = optimise(pr, s, w, u, order, base, scoredWindows);
            }
            Sums at = at(s, w, u, base, threshold);
            double raw = raw(pr, scoredWindows, at);
            double nul = Math.max(raw(pr, scoredWindows, new Sums(0, 0, 0, 0)), raw(pr, scoredWindows, all));
            double perfect = pr.tp() * windows;
            normalized[p] = perfect > nul ? 100 * (raw - nul) / (perfect - nul) : Double.NaN;
            thresholds[p] = threshold;
            detected[p] = at.detected();
            fpRows[p] = at.fpRows();
            raws[p] = raw;
            nuls[p] = nul;
            perfects[p] = perfect;
        }
        return new Scores(normalized, thresholds, detected, fpRows, raws, nuls, perfects);
    }

    private static double raw(Profile p, int windows, Sums s) {
        return p.tp() / MAX_TP * s.best() - p.fn() * (windows - s.detected()) + p.fp() * s.fp();
    }

    private static double optimise(Profile pr, double[] s, int[] w, double[] u, Integer[] order, int windowIds,
                                   int scoredWindows) {
        double[] bestU = new double[windowIds];
        boolean[] seen = new boolean[windowIds];
        int detected = 0;
        double best = 0;
        double fp = 0;
        double top = order.length == 0 ? 0 : s[order[0]];
        double bestThreshold = top < 1.1 ? 1.1 : Math.nextUp(top);
        double bestScore = raw(pr, scoredWindows, new Sums(0, 0, 0, 0));
        int k = 0;
        while (k < order.length) {
            double v = s[order[k]];
            while (k < order.length && s[order[k]] == v) {
                int i = order[k];
                if (w[i] < 0) {
                    fp += u[i];
                } else if (!seen[w[i]]) {
                    seen[w[i]] = true;
                    bestU[w[i]] = u[i];
                    detected++;
                    best += u[i];
                } else if (u[i] > bestU[w[i]]) {
                    best += u[i] - bestU[w[i]];
                    bestU[w[i]] = u[i];
                }
                k++;
            }
            double score = raw(pr, scoredWindows, new Sums(detected, best, fp, 0));
            // strictly better by more than the tolerance: ties go to the higher threshold, found first
            if (score > bestScore + 1e-12 * Math.max(1, Math.abs(bestScore))) {
                bestScore = score;
                bestThreshold = v;
            }
        }
        return bestThreshold;
    }

    private static Sums at(double[] s, int[] w, double[] u, int windowIds, double threshold) {
        double[] bestU = new double[windowIds];
        boolean[] seen = new boolean[windowIds];
        int detected = 0;
        double best = 0;
        double fp = 0;
        int fpRows = 0;
        for (int i = 0; i < s.length; i++) {
            if (!(s[i] >= threshold)) {
                continue;
            }
            if (w[i] < 0) {
                fp += u[i];
                fpRows++;
            } else if (!seen[w[i]]) {
                seen[w[i]] = true;
                bestU[w[i]] = u[i];
                detected++;
                best += u[i];
            } else if (u[i] > bestU[w[i]]) {
                best += u[i] - bestU[w[i]];
                bestU[w[i]] = u[i];
            }
        }
        return new Sums(detected, best, fp, fpRows);
    }

    /** Every scored row detected (the null detector's other option). */
    private static Sums everything(List<LabelledFile> files) {
        int detected = 0;
        double best = 0;
        double fp = 0;
        for (LabelledFile f : files) {
            boolean[] seen = new boolean[f.windows().length];
            for (int i = f.firstScored(); i < f.values().length; i++) {
                int wi = f.windowId()[i];
                if (wi < 0) {
                    fp += f.u()[i];
                } else if (!seen[wi]) {
                    seen[wi] = true;
                    detected++;
                    best += f.u()[i];
                }
            }
        }
        return new Sums(detected, best, fp, 0);
    }
}
