package io.clipstream.experiments;

import io.clipstream.Task;
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
 * The main job's default scenario: one seeded heavy-tailed stream (Student-t, nu = 3, elliptical) with anomalies
 * (far, in one fixed direction: a coordinated pattern), slow drift and abrupt change points, fed sample by sample
 * to three {@link AnomalyDetector}s that differ only in the estimator behind them: clipped SGD with the library's
 * defaults, plain SGD (same step, no clipping) and the {@code 1/t} schedule. It measures tracking error, anomaly
 * precision/recall/F1 against the stream's ground truth, abstention, detection delay after each change point and
 * throughput, and can write a self-contained HTML report.
 */
public final class Demo {

    /**
     * Scenario settings.
     *
     * @param samples stream length
     * @param dimension sample dimension
     * @param anomalyFraction fraction of anomalies
     * @param anomalyDistance distance of anomalies, in noise radii
     * @param driftPerSample drift of the mean per sample, in noise radii
     * @param changePoints sample indices of abrupt changes
     * @param jump size of each change, in noise radii
     * @param quantile the detectors' target quantile
     * @param confidence the detectors' confidence parameter
     * @param seed random seed
     */
    public record Settings(int samples, int dimension, double anomalyFraction, double anomalyDistance,
                           double driftPerSample, long[] changePoints, double jump, double quantile,
                           double confidence, long seed) {

        /** The embedded default: d = 256, 200,000 samples, 5% anomalies, slow drift, two change points. */
        public static Settings defaults() {
            // p = 0.99, the detectors' default (peaks over threshold); 0.9 suited the confidence sequence, which
            // flags the top 1 - p of all scores and so needed p below the 5% anomalies
            return new Settings(200_000, 256, 0.05, 10, 2e-5, new long[] {70_000, 140_000}, 10, 0.99, 0.05, 7);
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
            changePoints = changePoints.clone();
        }
    }

    /** What one method achieved. */
    public record MethodResult(Method method, double trackingError, long truePositives, long falsePositives,
                               long falseNegatives, long abstentions, long[] detectionDelays, long changesDetected,
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
     * @param flaggedTimes sample indices of (a subsample of) the clipped detector's ANOMALY decisions
     * @param flaggedScores their scores
     * @param detectedChanges sample indices where the clipped detector's change test fired
     * @param kernels the kernels in use
     */
    public record Result(Settings settings, List<MethodResult> methods, double[] times, double[][] errors,
                         double[] scores, double[] lowers, double[] uppers, double[] flaggedTimes,
                         double[] flaggedScores, long[] detectedChanges, String kernels) {
    }

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
        SyntheticStream stream = SyntheticStream.builder(Task.MEAN, d).tail(Tail.STUDENT_T, 3)
                .corruption(s.anomalyFraction(), Corruption.FAR_FIXED)
                .corruptionDistance(Math.max(1e-9, s.anomalyDistance()) * radius).corruptionSpread(0.5)
                .drift(s.driftPerSample() * radius).changePoints(s.jump() * radius, s.changePoints())
                .offset(0).seed(s.seed()).build();
        AnomalyDetector[] detectors = new AnomalyDetector[METHODS.length];
        for (int m = 0; m < METHODS.length; m++) {
            detectors[m] = AnomalyDetector.builder(METHODS[m].build(Task.MEAN, d, 1)).quantile(s.quantile())
                    .confidence(s.confidence()).build();
        }
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
        List<double[]> flagged = new ArrayList<>();
        List<Long> changes = new ArrayList<>();
        float[] x = new float[d];
        float[] truth = new float[d];
        float[] estimate = new float[d];
        long onePercent = Math.max(1, s.samples() / 100);
        // about 2,000 flagged points in the plot, spread over the whole stream
        long flaggedStride = Math.max(1, Math.round(s.samples() * (1 - s.quantile()) / 2000));
        long flaggedSeen = 0;
        for (int t = 0; t < s.samples(); t++) {
            boolean anomaly = stream.next(x);
            boolean traced = t % step == 0;
            boolean measure = t % 10 == 0;
            if (measure || traced) {
                stream.truth(truth);
            }
            boolean timed = t >= s.samples() / 2;
            for (int m = 0; m < METHODS.length; m++) {
                long t0 = timed ? System.nanoTime() : 0;
                Outcome o = detectors[m].process(x);
                if (timed) {
                    nanos[m] += System.nanoTime() - t0;
                }
                boolean flag = o.decision() == Decision.ANOMALY;
                if (flag && anomaly) {
                    tp[m]++;
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
                    }
                }
                if (measure || traced) {
                    detectors[m].estimator().estimate(estimate);
                    double e = Run.error(estimate, truth, stream);
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
        List<MethodResult> results = new ArrayList<>();
        for (int m = 0; m < METHODS.length; m++) {
            results.add(new MethodResult(METHODS[m], errorSum[m] / errorCount, tp[m], fp[m], fn[m],
                    detectors[m].abstentions(), delays[m], detectors[m].changes(),
                    (s.samples() - s.samples() / 2) / (nanos[m] / 1e9)));
        }
        double[] ft = new double[flagged.size()];
        double[] fs = new double[flagged.size()];
        for (int i = 0; i < ft.length; i++) {
            ft[i] = flagged.get(i)[0];
            fs[i] = flagged.get(i)[1];
        }
        return new Result(s, results, times, errors, scores, lowers, uppers, ft, fs,
                changes.stream().mapToLong(Long::longValue).toArray(), detectors[0].estimator().kernelName());
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

    /** The summary table as aligned text. */
    public static String table(Result r) {
        List<List<String>> rows = tableRows(r);
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

    static List<List<String>> tableRows(Result r) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("method", "tracking error", "precision", "recall", "F1",
                "abstention"));
        for (int i = 0; i < r.settings().changePoints().length; i++) {
            header.add("delay @" + r.settings().changePoints()[i]);
        }
        header.add("changes");
        header.add("samples/s");
        rows.add(header);
        for (MethodResult m : r.methods()) {
            List<String> row = new ArrayList<>(List.of(m.method().label() + (m.method() == Method.CLIPPED
                    ? " (default)" : m.method() == Method.PLAIN ? " SGD" : " schedule"),
                    fmt("%.3f", m.trackingError()), fmt("%.3f", m.precision()), fmt("%.3f", m.recall()),
                    fmt("%.3f", m.f1()), fmt("%.1f%%", 100.0 * m.abstentions() / r.settings().samples())));
            for (long delay : m.detectionDelays()) {
                row.add(delay < 0 ? "missed" : delay + "");
            }
            row.add(m.changesDetected() + "");
            row.add(fmt("%,.0f", m.samplesPerSecond()));
            rows.add(row);
        }
        return rows;
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }

    /** A one-paragraph description of the scenario. */
    public static String describe(Settings s) {
        return String.format(Locale.ROOT, "%,d samples of dimension %d, Student-t(3) noise; %.0f%% anomalies %.0f +- 50%% "
                + "noise radii away in one fixed direction; drift %.0e radii per sample; abrupt jumps of %.0f radii at %s. "
                + "Detectors: quantile p = %s, confidence a = %s. Tracking error is ||estimate - truth|| in noise "
                + "radii; precision and recall count ANOMALY decisions against the stream's ground truth (abstentions "
                + "are not flags); delay is the number of samples from a change point to the change test firing (changes: how many "
                + "times it fired in all; one change point can fire it twice, when the data moves and again when the "
                + "estimate has caught up and the scores fall back); "
                + "samples/s is one detector's throughput (score, decide, update) over the second half of the stream, "
                + "after JIT warm-up.",
                s.samples(), s.dimension(), 100 * s.anomalyFraction(), s.anomalyDistance(), s.driftPerSample(),
                s.jump(), Arrays.toString(s.changePoints()), s.quantile(), s.confidence());
    }

    /** Writes the self-contained HTML report. */
    public static void report(Result r, Path file, String environment) throws IOException {
        HtmlReport html = new HtmlReport("clipstream demo: robust tracking and adaptive anomaly thresholds");
        html.paragraph(describe(r.settings()));
        html.heading("Summary");
        html.table(tableRows(r));
        html.heading("Estimation error over time");
        SvgChart errors = new SvgChart("Tracking error (noise radii, log scale)", "sample", "error", true).size(920, 360);
        for (int m = 0; m < r.methods().size(); m++) {
            errors.line(r.methods().get(m).method().label(), r.times(), r.errors()[m]);
        }
        for (long cp : r.settings().changePoints()) {
            errors.rule(cp);
        }
        html.chart(errors);
        html.heading("Scores and the adaptive threshold (clipped SGD)");
        double cap = 0;
        double floor = Double.POSITIVE_INFINITY;
        for (double v : r.scores()) {
            cap = Math.max(cap, v);
            if (v > 0) {
                floor = Math.min(floor, v);
            }
        }
        cap *= 1.5;
        floor = Double.isFinite(floor) ? floor / 2 : 1e-3;
        double[] lower = r.lowers().clone();
        double[] upper = r.uppers().clone();
        for (int i = 0; i < lower.length; i++) {
            // an infinite end of the interval is drawn at the edge of the plotted range
            lower[i] = Double.isFinite(lower[i]) ? Math.max(lower[i], floor) : floor;
            upper[i] = Double.isFinite(upper[i]) ? Math.min(upper[i], cap) : cap;
        }
        SvgChart scores = new SvgChart("Score (distance to the estimate), threshold interval and flagged samples",
                "sample", "score (log scale)", true).size(920, 400);
        scores.band("threshold interval", r.times(), lower, upper, "#2ca02c");
        scores.marks("score (1 in " + Math.max(1, r.settings().samples() / TRACE_POINTS) + ")", r.times(),
                r.scores(), "#1f77b4");
        scores.marks("ANOMALY (a subsample)", r.flaggedTimes(), r.flaggedScores(), "#d62728");
        for (long cp : r.settings().changePoints()) {
            scores.rule(cp);
        }
        html.chart(scores);
        html.paragraph("Detected changes (clipped SGD's change test) at samples " + Arrays.toString(r.detectedChanges())
                + ". Where the band reaches the top of the plot the threshold is still infinite: after a change "
                + "(upward) the threshold recalibrates on the next 500 scores, and those samples abstain.");
        html.heading("Environment");
        html.preformatted(environment + "\nkernels: " + r.kernels());
        html.write(file);
    }
}
