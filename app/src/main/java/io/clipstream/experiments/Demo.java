package io.clipstream.experiments;

import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Decision;
import io.clipstream.detect.Outcome;
import io.clipstream.report.HtmlReport;
import io.clipstream.report.SvgChart;
import io.clipstream.synthetic.SyntheticStream;
import io.clipstream.synthetic.SyntheticStream.Corruption;
import io.clipstream.synthetic.SyntheticStream.Tail;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * The main job's default scenario: one seeded heavy-tailed stream (Student-t, nu = 3, elliptical) with slow drift and
 * abrupt change points, fed sample by sample to three {@link AnomalyDetector}s that differ only in the estimator
 * behind them: clipped SGD with the library's defaults, plain SGD (same step, no clipping) and the {@code 1/t}
 * schedule.
 *
 * <p>The anomalies are the paper's corruptions by an oblivious adversary: a fixed fraction of samples, all in one
 * direction (one source, one signature), of two severities: <i>loud</i> ones far away and <i>subtle</i> ones a few
 * noise radii out. Every sample moves plain SGD's estimate by {@code eta} times its distance, so the loud anomalies
 * drag it towards them by about {@code fraction x distance}: the subtle anomalies, which lie in the same direction,
 * then sit close to the dragged estimate (masked), and ordinary samples sit far from it (false alarms). Clipped SGD
 * moves by at most {@code eta} times the clip level per sample, however far the sample: its estimate, and so its
 * scores, do not depend on how loud the loud anomalies are. {@link Settings#farOnly()} is the former scenario, where
 * every anomaly is far enough for either estimate and clipping changes no decision.
 *
 * <p>It measures tracking error; the scores' AUC and best F1 over any fixed threshold (neither depends on a threshold
 * rule); the F1 of a simple causal rule (flag a score above the 0.95-quantile of the previous 2,000 scores); and the
 * detector's own decisions: precision, recall (also per severity), F1, abstention, detection delay after each change
 * point and throughput. It can write a self-contained HTML report.
 */
public final class Demo {

    /**
     * Scenario settings.
     *
     * @param samples stream length
     * @param dimension sample dimension
     * @param anomalyFraction fraction of anomalies
     * @param anomalyDistance distance of the loud anomalies, in noise radii (each varied by +-50%)
     * @param subtleShare share of the anomalies that are subtle, in [0, 1]
     * @param subtleDistance distance of the subtle anomalies, in noise radii (each varied by +-50%)
     * @param driftPerSample drift of the mean per sample, in noise radii
     * @param changePoints sample indices of abrupt changes
     * @param jump size of each change, in noise radii
     * @param quantile the detectors' target quantile
     * @param confidence the detectors' confidence parameter
     * @param seed random seed
     */
    /** Largest anomaly distance in noise radii: the samples are floats, and 1e39 radii overflowed them mid-run. */
    static final double MAX_DISTANCE = 1e30;

    public record Settings(int samples, int dimension, double anomalyFraction, double anomalyDistance,
                           double subtleShare, double subtleDistance, double driftPerSample, long[] changePoints,
                           double jump, double quantile, double confidence, long seed) {

        /**
         * The embedded default: d = 256, 200,000 samples, 4% anomalies in one direction, half of them loud (200 noise
         * radii away), half subtle (5 radii), slow drift, two change points of 10 radii.
         */
        public static Settings defaults() {
            // p = 0.99, the detectors' default (peaks over threshold); 0.9 suited the confidence sequence, which
            // flags the top 1 - p of all scores and so needed p below the anomalies' share
            return new Settings(200_000, 256, 0.04, 200, 0.5, 5, 2e-5, new long[] {70_000, 140_000}, 10, 0.99, 0.05, 7);
        }

        /**
         * The former default: 5% anomalies, all at 10 radii (+-50%) in one direction, far enough for either
         * estimate; otherwise as {@link #defaults()}.
         */
        public static Settings farOnly() {
            return new Settings(200_000, 256, 0.05, 10, 0, 5, 2e-5, new long[] {70_000, 140_000}, 10, 0.99, 0.05, 7);
        }

        /** Validates the settings, naming the first bad value. */
        public Settings {
            if (samples < 1) {
                throw new IllegalArgumentException("samples must be >= 1: " + samples);
            }
            if (dimension < 1) {
                throw new IllegalArgumentException("dimension must be >= 1: " + dimension);
            }
            if (!(anomalyFraction >= 0 && anomalyFraction < 1)) {
                throw new IllegalArgumentException("anomaly fraction must be in [0, 1): " + anomalyFraction);
            }
            if (!(anomalyDistance > 0 && anomalyDistance <= MAX_DISTANCE)) {
                throw new IllegalArgumentException("anomaly distance must be in (0, 1e30] noise radii (samples are "
                        + "floats; farther ones overflow): " + anomalyDistance);
            }
            if (!(subtleShare >= 0 && subtleShare <= 1)) {
                throw new IllegalArgumentException("subtle share must be in [0, 1]: " + subtleShare);
            }
            if (!(subtleDistance > 0 && subtleDistance <= MAX_DISTANCE)) {
                throw new IllegalArgumentException("subtle distance must be in (0, 1e30] noise radii (samples are "
                        + "floats; farther ones overflow): " + subtleDistance);
            }
            if (!(quantile >= AdaptiveThreshold.MIN_PEAKS_QUANTILE && quantile < 1)) {
                // the detectors use peaks over threshold, an upper-tail model
                throw new IllegalArgumentException("quantile must be in [" + AdaptiveThreshold.MIN_PEAKS_QUANTILE
                        + ", 1) (peaks over threshold): " + quantile);
            }
            if (!(confidence > 0 && confidence < 1)) {
                throw new IllegalArgumentException("confidence must be in (0, 1): " + confidence);
            }
            changePoints = changePoints.clone();
        }

        /** These settings with another length, dimension and seed (change points at 35% and 70% of the length). */
        public Settings resized(int newSamples, int newDimension, long newSeed) {
            return new Settings(newSamples, newDimension, anomalyFraction, anomalyDistance, subtleShare, subtleDistance,
                    driftPerSample, new long[] {Math.round(newSamples * 0.35), Math.round(newSamples * 0.7)}, jump,
                    quantile, confidence, newSeed);
        }

        /** These settings with another distance of the loud anomalies. */
        public Settings withAnomalyDistance(double distance) {
            return new Settings(samples, dimension, anomalyFraction, distance, subtleShare, subtleDistance,
                    driftPerSample, changePoints, jump, quantile, confidence, seed);
        }

        /** These settings with other detector parameters. */
        public Settings withThreshold(double newQuantile, double newConfidence) {
            return new Settings(samples, dimension, anomalyFraction, anomalyDistance, subtleShare, subtleDistance,
                    driftPerSample, changePoints, jump, newQuantile, newConfidence, seed);
        }
    }

    /**
     * What one method achieved.
     *
     * @param trackingError mean distance of the estimate to the truth, in noise radii
     * @param auc the scores' AUC against the ground truth (threshold-free)
     * @param bestF1 the best F1 of any fixed threshold on the scores (threshold-free, an oracle's choice)
     * @param rollingF1 F1 of flagging a score above the 0.95-quantile of the previous 2,000 scores
     * @param subtleRecall share of the subtle anomalies the detector decided ANOMALY
     * @param loudRecall share of the loud anomalies the detector decided ANOMALY
     */
    public record MethodResult(Method method, double trackingError, double auc, double bestF1, double rollingF1,
                               long truePositives, long falsePositives, long falseNegatives, double subtleRecall,
                               double loudRecall, long abstentions, long[] detectionDelays, long changesDetected,
                               double samplesPerSecond) {
        /** ANOMALY decisions that were anomalies, over all ANOMALY decisions. */
        public double precision() {
            return truePositives == 0 ? 0 : (double) truePositives / (truePositives + falsePositives);
        }

        /** Anomalies decided ANOMALY, over all anomalies. */
        public double recall() {
            return truePositives == 0 ? 0 : (double) truePositives / (truePositives + falseNegatives);
        }

        /** Harmonic mean of precision and recall. */
        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    /**
     * The run's results and the series for the report.
     *
     * @param settings the scenario
     * @param methods per-method results
     * @param times sample index of each point of the traces
     * @param errors per-method tracking error at each traced point
     * @param scores clipped SGD's score at each traced point
     * @param lowers the clipped detector's lower threshold at each traced point
     * @param uppers its upper threshold at each traced point
     * @param decisions the clipped detector's decision at each traced point
     * @param flaggedTimes sample indices of (a subsample of) the clipped detector's ANOMALY decisions
     * @param flaggedScores their scores
     * @param detectedChanges sample indices where the clipped detector's change test fired
     * @param noThreshold the sample ranges {@code [start, end)} during which the clipped detector had no finite
     *     upper threshold (calibrating: no ANOMALY possible), as {@code {start, end}} pairs
     * @param kernels the kernels in use
     */
    public record Result(Settings settings, List<MethodResult> methods, double[] times, double[][] errors,
                         double[] scores, double[] lowers, double[] uppers, Decision[] decisions,
                         double[] flaggedTimes, double[] flaggedScores, long[] detectedChanges, List<long[]> noThreshold,
                         String kernels) {
    }

    /** The simple causal threshold rule beside the detector's: this quantile of the previous scores... */
    static final double ROLLING_QUANTILE = 0.95;
    /** ... over this many previous scores. */
    static final int ROLLING_WINDOW = 2000;

    private static final Method[] METHODS = {Method.CLIPPED, Method.PLAIN, Method.INVERSE_TIME};
    private static final int TRACE_POINTS = 2000;

    private Demo() {
    }

    /**
     * Runs the scenario.
     *
     * @param progress called with the number of samples done, every 1% of the stream
     */
    public static Result run(Settings s, LongConsumer progress) {
        int d = s.dimension();
        double radius = Math.sqrt(d);
        SyntheticStream.Builder builder = SyntheticStream.builder(Task.MEAN, d).tail(Tail.STUDENT_T, 3)
                .corruption(s.anomalyFraction(), Corruption.FAR_FIXED)
                .corruptionDistance(s.anomalyDistance() * radius).corruptionSpread(0.5)
                .drift(s.driftPerSample() * radius).changePoints(s.jump() * radius, s.changePoints())
                .offset(0).seed(s.seed());
        if (s.subtleShare() > 0) {
            builder.nearCorruptions(s.subtleShare(), s.subtleDistance() * radius);
        }
        SyntheticStream stream = builder.build();
        AnomalyDetector[] detectors = new AnomalyDetector[METHODS.length];
        for (int m = 0; m < METHODS.length; m++) {
            detectors[m] = AnomalyDetector.builder(METHODS[m].build(Task.MEAN, d, 1)).quantile(s.quantile())
                    .confidence(s.confidence()).build();
        }
        double[][] allScores = new double[METHODS.length][s.samples()];
        boolean[] truth = new boolean[s.samples()];
        boolean[] subtle = new boolean[s.samples()];
        long[][] caught = new long[METHODS.length][2];
        long[] tp = new long[METHODS.length];
        long[] fp = new long[METHODS.length];
        long[] fn = new long[METHODS.length];
        long[] nanos = new long[METHODS.length];
        double[] errorSum = new double[METHODS.length];
        long errorCount = 0;
        long[][] delays = new long[METHODS.length][s.changePoints().length];
        for (long[] row : delays) {
            Arrays.fill(row, -1);
        }
        int step = Math.max(1, s.samples() / TRACE_POINTS);
        int points = (s.samples() + step - 1) / step;
        double[] times = new double[points];
        double[][] errors = new double[METHODS.length][points];
        double[] scores = new double[points];
        double[] lowers = new double[points];
        double[] uppers = new double[points];
        Decision[] decisions = new Decision[points];
        List<long[]> noThreshold = new ArrayList<>();
        long noThresholdSince = -1;
        List<double[]> flagged = new ArrayList<>();
        List<Long> changes = new ArrayList<>();
        float[] x = new float[d];
        float[] truthMean = new float[d];
        float[] estimate = new float[d];
        long onePercent = Math.max(1, s.samples() / 100);
        // about 2,000 flagged points in the plot, spread over the whole stream
        long flaggedStride = Math.max(1, Math.round(s.samples() * (1 - s.quantile()) / 2000));
        long flaggedSeen = 0;
        for (int t = 0; t < s.samples(); t++) {
            boolean anomaly = stream.next(x);
            truth[t] = anomaly;
            subtle[t] = anomaly && stream.lastNear();
            boolean traced = t % step == 0;
            boolean measure = t % 10 == 0;
            if (measure || traced) {
                stream.truth(truthMean);
            }
            boolean timed = t >= s.samples() / 2;
            for (int m = 0; m < METHODS.length; m++) {
                long t0 = timed ? System.nanoTime() : 0;
                Outcome o = detectors[m].process(x);
                if (timed) {
                    nanos[m] += System.nanoTime() - t0;
                }
                boolean flag = o.decision() == Decision.ANOMALY;
                allScores[m][t] = o.score();
                if (flag && anomaly) {
                    tp[m]++;
                    caught[m][subtle[t] ? 0 : 1]++;
                } else if (flag) {
                    fp[m]++;
                } else if (anomaly) {
                    fn[m]++;
                }
                if (o.changeDetected()) {
                    int cp = lastChangePointBefore(s.changePoints(), t);
                    if (cp >= 0 && delays[m][cp] < 0) {
                        delays[m][cp] = t - s.changePoints()[cp];
                    }
                    if (m == 0) {
                        changes.add((long) t);
                    }
                }
                if (m == 0) {
                    if (flag && flaggedSeen++ % flaggedStride == 0) {
                        flagged.add(new double[] {t, o.score()});
                    }
                    if (traced) {
                        scores[t / step] = o.score();
                        lowers[t / step] = o.lower();
                        uppers[t / step] = o.upper();
                        decisions[t / step] = o.decision();
                    }
                    boolean none = !Double.isFinite(o.upper());
                    if (none && noThresholdSince < 0) {
                        noThresholdSince = t;
                    } else if (!none && noThresholdSince >= 0) {
                        noThreshold.add(new long[] {noThresholdSince, t});
                        noThresholdSince = -1;
                    }
                }
                if (measure || traced) {
                    detectors[m].estimator().estimate(estimate);
                    double e = Run.error(estimate, truthMean, stream);
                    if (measure) {
                        errorSum[m] += e;
                    }
                    if (traced) {
                        errors[m][t / step] = e;
                    }
                }
            }
            if (measure) {
                errorCount++;
            }
            if (traced) {
                times[t / step] = t;
            }
            if ((t + 1) % onePercent == 0 || t + 1 == s.samples()) {
                progress.accept(t + 1);
            }
        }
        long subtleCount = 0;
        long anomalies = 0;
        for (int t = 0; t < s.samples(); t++) {
            subtleCount += subtle[t] ? 1 : 0;
            anomalies += truth[t] ? 1 : 0;
        }
        List<MethodResult> results = new ArrayList<>();
        for (int m = 0; m < METHODS.length; m++) {
            boolean[] rolling = rollingQuantileFlags(allScores[m], ROLLING_WINDOW, ROLLING_QUANTILE);
            results.add(new MethodResult(METHODS[m], errorSum[m] / errorCount, auc(allScores[m], truth),
                    bestF1(allScores[m], truth), f1(rolling, truth), tp[m], fp[m], fn[m],
                    ratio(caught[m][0], subtleCount), ratio(caught[m][1], anomalies - subtleCount),
                    detectors[m].abstentions(), delays[m], detectors[m].changes(),
                    (s.samples() - s.samples() / 2) / (nanos[m] / 1e9)));
        }
        double[] ft = new double[flagged.size()];
        double[] fs = new double[flagged.size()];
        for (int i = 0; i < ft.length; i++) {
            ft[i] = flagged.get(i)[0];
            fs[i] = flagged.get(i)[1];
        }
        if (noThresholdSince >= 0) {
            noThreshold.add(new long[] {noThresholdSince, s.samples()});
        }
        return new Result(s, results, times, errors, scores, lowers, uppers, decisions, ft, fs,
                changes.stream().mapToLong(Long::longValue).toArray(), List.copyOf(noThreshold),
                detectors[0].estimator().kernelName());
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    // ------------------------------------------------------------------ threshold-free and simple-rule measures

    /**
     * AUC (Mann-Whitney): the probability that a random anomaly scores above a random ordinary sample, ties counting
     * one half; NaN without both kinds. O(n log n) on primitive arrays.
     */
    static double auc(double[] scores, boolean[] positive) {
        double[][] split = split(scores, positive);
        double[] pos = split[0];
        double[] neg = split[1];
        if (pos.length == 0 || neg.length == 0) {
            return Double.NaN;
        }
        double wins = 0;
        int below = 0; // negatives strictly below the current positive score
        int i = 0;
        while (i < pos.length) {
            double v = pos[i];
            int j = i;
            while (j < pos.length && pos[j] == v) {
                j++;
            }
            while (below < neg.length && neg[below] < v) {
                below++;
            }
            int equal = below;
            while (equal < neg.length && neg[equal] == v) {
                equal++;
            }
            wins += (j - i) * (below + 0.5 * (equal - below));
            i = j;
        }
        return wins / ((double) pos.length * neg.length);
    }

    /** The best F1 of any rule "score > c" over the whole stream (an oracle's threshold); 0 without anomalies. */
    static double bestF1(double[] scores, boolean[] positive) {
        double[][] split = split(scores, positive);
        double[] pos = split[0];
        double[] neg = split[1];
        int p = pos.length - 1;
        int q = neg.length - 1;
        long tp = 0;
        long fp = 0;
        double best = 0;
        // walk the thresholds from the top: flag every score >= v, for each distinct v
        while (p >= 0 || q >= 0) {
            double v = Math.max(p >= 0 ? pos[p] : Double.NEGATIVE_INFINITY, q >= 0 ? neg[q] : Double.NEGATIVE_INFINITY);
            while (p >= 0 && pos[p] == v) {
                tp++;
                p--;
            }
            while (q >= 0 && neg[q] == v) {
                fp++;
                q--;
            }
            best = Math.max(best, 2.0 * tp / (tp + fp + pos.length));
        }
        return best;
    }

    /** Sorted scores of the positives and of the negatives. */
    private static double[][] split(double[] scores, boolean[] positive) {
        int count = 0;
        for (boolean b : positive) {
            count += b ? 1 : 0;
        }
        double[] pos = new double[count];
        double[] neg = new double[scores.length - count];
        for (int t = 0, a = 0, b = 0; t < scores.length; t++) {
            if (positive[t]) {
                pos[a++] = scores[t];
            } else {
                neg[b++] = scores[t];
            }
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        return new double[][] {pos, neg};
    }

    /**
     * A causal rule independent of the library's thresholds: flag score {@code t} when it is above the
     * {@code quantile} of the previous {@code window} scores (recomputed every 50 samples; nothing is flagged
     * before 100 scores).
     */
    static boolean[] rollingQuantileFlags(double[] scores, int window, double quantile) {
        boolean[] flags = new boolean[scores.length];
        double[] ring = new double[window];
        double[] work = new double[window];
        int filled = 0;
        int position = 0;
        double threshold = Double.POSITIVE_INFINITY;
        for (int t = 0; t < scores.length; t++) {
            flags[t] = scores[t] > threshold;
            ring[position] = scores[t];
            position = position + 1 == window ? 0 : position + 1;
            filled = Math.min(filled + 1, window);
            if (filled >= 100 && t % 50 == 0) {
                System.arraycopy(ring, 0, work, 0, filled);
                Arrays.sort(work, 0, filled);
                threshold = work[Math.min(filled - 1, (int) Math.floor(quantile * filled))];
            }
        }
        return flags;
    }

    /** F1 of flags against the truth. */
    static double f1(boolean[] flags, boolean[] positive) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int t = 0; t < flags.length; t++) {
            if (flags[t] && positive[t]) {
                tp++;
            } else if (flags[t]) {
                fp++;
            } else if (positive[t]) {
                fn++;
            }
        }
        return tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
    }

    private static int lastChangePointBefore(long[] changePoints, long t) {
        int found = -1;
        for (int i = 0; i < changePoints.length; i++) {
            if (changePoints[i] <= t) {
                found = i;
            }
        }
        return found;
    }

    // ------------------------------------------------------------------ presentation

    /**
     * One line per run for robustness checks over seeds, dimensions and distances: for each method the AUC, best F1,
     * the rolling rule's F1 and the detector's F1.
     */
    public static String summaryHeader() {
        StringBuilder sb = new StringBuilder(fmt("%-6s %5s %6s", "seed", "dim", "loud"));
        for (Method m : METHODS) {
            sb.append(fmt("  | %-7s %6s %6s %6s %6s", m.label(), "AUC", "bestF1", "roll", "det"));
        }
        return sb.toString();
    }

    /** The line of {@link #summaryHeader()} for one run. */
    public static String summaryLine(Result r) {
        Settings s = r.settings();
        StringBuilder sb = new StringBuilder(fmt("%-6d %5d %6.0f", s.seed(), s.dimension(), s.anomalyDistance()));
        for (MethodResult m : r.methods()) {
            sb.append(fmt("  | %-7s %6.4f %6.3f %6.3f %6.3f", "", m.auc(), m.bestF1(), m.rollingF1(), m.f1()));
        }
        return sb.toString();
    }

    /** Both summary tables (scores, then decisions) as aligned text. */
    public static String table(Result r) {
        return align(scoreRows(r)) + "\n" + align(decisionRows(r));
    }

    private static String align(List<List<String>> rows) {
        int[] widths = new int[rows.get(0).size()];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                sb.append(c == 0 ? String.format("%-" + widths[c] + "s", cell) : String.format("%" + widths[c] + "s", cell));
                sb.append(c + 1 < row.size() ? "  " : "\n");
            }
            if (i == 0) {
                sb.append("-".repeat(Arrays.stream(widths).sum() + 2 * (widths.length - 1))).append('\n');
            }
        }
        return sb.toString();
    }

    private static String name(Method m) {
        return m.label() + (m == Method.CLIPPED ? " (default)" : m == Method.PLAIN ? " SGD" : " schedule");
    }

    /** The estimates and their scores, whatever the threshold rule. */
    static List<List<String>> scoreRows(Result r) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("method", "tracking error", "AUC", "best F1", fmt("F1, rolling %.2f-quantile", ROLLING_QUANTILE),
                "samples/s"));
        for (MethodResult m : r.methods()) {
            rows.add(List.of(name(m.method()), fmt("%.3f", m.trackingError()), fmt("%.4f", m.auc()),
                    fmt("%.3f", m.bestF1()), fmt("%.3f", m.rollingF1()), fmt("%,.0f", m.samplesPerSecond())));
        }
        return rows;
    }

    /** The detectors' decisions. */
    static List<List<String>> decisionRows(Result r) {
        boolean mixed = r.settings().subtleShare() > 0 && r.settings().subtleShare() < 1;
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("detector", "precision", "recall"));
        if (mixed) {
            header.add("recall subtle");
            header.add("recall loud");
        }
        header.addAll(List.of("F1", "abstention"));
        for (int i = 0; i < r.settings().changePoints().length; i++) {
            header.add("delay @" + r.settings().changePoints()[i]);
        }
        header.add("changes");
        rows.add(header);
        for (MethodResult m : r.methods()) {
            List<String> row = new ArrayList<>(List.of(name(m.method()), fmt("%.3f", m.precision()),
                    fmt("%.3f", m.recall())));
            if (mixed) {
                row.add(fmt("%.3f", m.subtleRecall()));
                row.add(fmt("%.3f", m.loudRecall()));
            }
            row.add(fmt("%.3f", m.f1()));
            row.add(fmt("%.1f%%", 100.0 * m.abstentions() / r.settings().samples()));
            for (long delay : m.detectionDelays()) {
                row.add(delay < 0 ? "missed" : delay + "");
            }
            row.add(m.changesDetected() + "");
            rows.add(row);
        }
        return rows;
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }

    private static String fmt(String f, Object... v) {
        return String.format(Locale.ROOT, f, v);
    }

    /** A one-paragraph description of the scenario. */
    public static String describe(Settings s) {
        return describe(s, false);
    }

    /**
     * As {@link #describe(Settings)}; with {@code perRun}, for summary lines that each give their own dimension and
     * loud distance (columns {@code dim} and {@code loud}): the paragraph names those columns instead of one value.
     */
    public static String describe(Settings s, boolean perRun) {
        String loud = perRun ? "the line's 'loud' distance" : fmt("%.0f", s.anomalyDistance());
        String anomalies = s.subtleShare() == 0
                ? fmt("%.0f%% anomalies %s +- 50%% noise radii away in one fixed direction", 100 * s.anomalyFraction(),
                        loud)
                : fmt("%.0f%% anomalies in one fixed direction: %.0f%% of them loud, %s +- 50%% noise radii away, "
                        + "%.0f%% subtle, %.0f +- 50%% radii away", 100 * s.anomalyFraction(),
                        100 * (1 - s.subtleShare()), loud, 100 * s.subtleShare(), s.subtleDistance());
        String dimension = perRun ? "the line's 'dim'" : Integer.toString(s.dimension());
        return fmt("%,d samples of dimension %s, Student-t(3) noise; %s; drift %.0e radii per sample; abrupt jumps "
                + "of %.0f radii at %s. Detectors: quantile p = %s, confidence a = %s.%n%n"
                + "Scores: tracking error is ||estimate - truth|| in noise radii; AUC and best F1 (the best of any fixed "
                + "threshold, an oracle's choice) rank the scores of the whole stream and depend on no threshold rule; "
                + "the rolling rule flags a score above the %.2f-quantile of the previous %,d scores; samples/s is one "
                + "detector's throughput (score, decide, update) over the second half of the stream, after JIT warm-up.%n"
                + "Decisions: precision and recall count the detector's ANOMALY decisions against the stream's ground "
                + "truth (abstentions are not flags); delay is the number of samples from a change point to the change "
                + "test firing (changes: how many times it fired in all; one change point can fire it twice, when the "
                + "data moves and again when the estimate has caught up and the scores fall back).",
                s.samples(), dimension, anomalies, s.driftPerSample(), s.jump(), Arrays.toString(s.changePoints()),
                s.quantile(), s.confidence(), ROLLING_QUANTILE, ROLLING_WINDOW);
    }

    /** Writes the self-contained HTML report. */
    public static void report(Result r, Path file, String environment) throws IOException {
        HtmlReport html = new HtmlReport("clipstream demo: robust tracking and adaptive anomaly thresholds");
        for (String part : describe(r.settings()).split("\\R+")) {
            html.paragraph(part);
        }
        html.heading("Scores");
        html.table(scoreRows(r));
        html.heading("Decisions");
        html.table(decisionRows(r));
        html.heading("Estimation error over time");
        SvgChart errors = new SvgChart("Tracking error (noise radii, log scale)", "sample", "error", true).size(920, 360);
        for (int m = 0; m < r.methods().size(); m++) {
            errors.line(r.methods().get(m).method().label(), r.times(), r.errors()[m]);
        }
        for (long cp : r.settings().changePoints()) {
            errors.rule(cp);
        }
        html.chart(errors);
        html.heading("Scores, the threshold and the decisions (clipped SGD)");
        html.chart(scoreChart(r));
        html.paragraph(scoreCaption(r));
        html.heading("Environment");
        html.preformatted(environment + "\nkernels: " + r.kernels());
        html.write(file);
    }

    /**
     * The clipped detector's scores with its threshold and decisions: every traced score marked by its decision
     * (BENIGN, ABSTAIN, ANOMALY in three shapes and colours), more ANOMALY decisions from a subsample, the threshold's
     * upper end as a line (and its lower end, dashed, where the method has an interval), hatched spans where the
     * threshold is not finite yet, true change points dashed and detected changes solid.
     */
    static SvgChart scoreChart(Result r) {
        SvgChart chart = new SvgChart("Score (distance to the estimate), threshold and decisions", "sample",
                "score (log scale)", true).size(920, 420);
        double[] start = new double[r.noThreshold().size()];
        double[] end = new double[start.length];
        for (int i = 0; i < start.length; i++) {
            start[i] = r.noThreshold().get(i)[0];
            end[i] = r.noThreshold().get(i)[1];
        }
        if (start.length > 0) {
            chart.spans("no threshold yet (calibrating): every sample ABSTAIN", start, end, "#999999");
        }
        chart.line("threshold: ANOMALY above", r.times(), r.uppers(), "#2ca02c");
        boolean interval = false;
        for (int i = 0; i < r.lowers().length; i++) {
            interval |= Double.isFinite(r.lowers()[i]) && r.lowers()[i] < r.uppers()[i];
        }
        if (interval) {
            chart.band("ABSTAIN between the ends", r.times(), r.lowers(), r.uppers(), "#ff7f0e");
            chart.dashed("lower end: BENIGN below", r.times(), r.lowers(), "#2ca02c");
        }
        int step = Math.max(1, r.settings().samples() / TRACE_POINTS);
        for (Decision d : Decision.values()) {
            int n = 0;
            for (Decision e : r.decisions()) {
                n += e == d ? 1 : 0;
            }
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0, k = 0; i < r.decisions().length; i++) {
                if (r.decisions()[i] == d) {
                    x[k] = r.times()[i];
                    y[k++] = r.scores()[i];
                }
            }
            String name = d + " (score of 1 sample in " + step + ": " + n + ")";
            switch (d) {
                case BENIGN -> chart.marks(name, x, y, "#7f7f7f", SvgChart.Shape.CIRCLE);
                case ABSTAIN -> chart.marks(name, x, y, "#ff7f0e", SvgChart.Shape.TRIANGLE);
                case ANOMALY -> chart.marks(name, x, y, "#d62728", SvgChart.Shape.CROSS);
            }
        }
        chart.marks("more ANOMALY decisions (a subsample)", r.flaggedTimes(), r.flaggedScores(), "#d62728",
                SvgChart.Shape.CROSS);
        for (long cp : r.settings().changePoints()) {
            chart.rule(cp, "true change point", "#000000", true);
        }
        for (long c : r.detectedChanges()) {
            chart.rule(c, "change detected", "#9467bd", false);
        }
        return chart;
    }

    /** What {@link #scoreChart} shows, in words that match its drawing. */
    static String scoreCaption(Result r) {
        long none = 0;
        for (long[] span : r.noThreshold()) {
            none += span[1] - span[0];
        }
        return "Each traced score is drawn by its decision: grey dots BENIGN, orange triangles ABSTAIN, red crosses "
                + "ANOMALY (red crosses without a grey or orange twin are further ANOMALY decisions from a subsample). "
                + "The green line is the threshold (a score above it is ANOMALY); where the method has an interval "
                + "(the confidence sequence), its lower end is dashed and the ABSTAIN zone between the ends is shaded "
                + "orange. The line has gaps where the threshold is infinite: those spans are hatched grey, the "
                + "threshold is calibrating (after the start, or after an upward change) and no sample can be "
                + "ANOMALY there (" + String.format(java.util.Locale.ROOT, "%,d", none) + " samples in all). "
                + "Dashed black lines are the stream's true change points, solid purple lines the changes the "
                + "detector reported, at samples " + Arrays.toString(r.detectedChanges()) + ".";
    }
}
