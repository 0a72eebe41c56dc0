package io.clipstream.experiments;

import io.clipstream.MeanEstimator;
import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Decision;
import io.clipstream.synthetic.SyntheticStream;
import io.clipstream.synthetic.SyntheticStream.Corruption;
import io.clipstream.synthetic.SyntheticStream.Tail;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Precision, recall and F1 of each threshold mode on the measures of issue 9: (a) the demo's scenario, (b) the
 * RCF-comparison stream (clipstream's side; the demo's stream at 40,000 samples, d = 16/64/256), (c) two seeded
 * Gaussian scenarios from the issue, plus (b) with other seeds as a check on data not used to choose the peaks
 * over threshold constants. Every row scores one stream with the library's default {@link MeanEstimator} (scores
 * do not depend on the threshold: nothing skips updates) and replays the scores through each mode, deciding then
 * recording as {@link AnomalyDetector} does; for the default mode the replay is checked against a real
 * {@code AnomalyDetector} on the first stream. Run:
 * {@code java --add-modules jdk.incubator.vector -cp app/target/clipstream.jar
 * io.clipstream.experiments.ThresholdModes} (about a minute; Markdown on stdout).
 */
public final class ThresholdModes {

    private ThresholdModes() {
    }

    /** A stream's scores and ground truth. */
    record Scored(String name, double[] scores, boolean[] anomaly) {
    }

    /** One mode. */
    record Mode(String name, java.util.function.Supplier<Rule> rule) {
    }

    /** A decision rule over a score sequence: decide, then record. */
    interface Rule {
        Decision decide(double score);

        void observe(double score);
    }

    static Rule threshold(AdaptiveThreshold t) {
        return new Rule() {
            @Override
            public Decision decide(double score) {
                return t.decide(score);
            }

            @Override
            public void observe(double score) {
                t.observe(score);
            }
        };
    }

    /**
     * The baseline of the issue: Welford's running mean and variance of the scores, ANOMALY when the z-score
     * exceeds 3 (after 30 scores). {@code excludeFlagged}: flagged scores are kept out of the running moments
     * (the stronger variant on contaminated streams).
     */
    static Rule welford(boolean excludeFlagged) {
        return new Rule() {
            long n;
            double mean;
            double m2;
            boolean last;

            @Override
            public Decision decide(double score) {
                last = n >= 30 && score > mean + 3 * Math.sqrt(m2 / (n - 1));
                return n < 30 ? Decision.ABSTAIN : last ? Decision.ANOMALY : Decision.BENIGN;
            }

            @Override
            public void observe(double score) {
                if (excludeFlagged && last) {
                    return;
                }
                n++;
                double d = score - mean;
                mean += d / n;
                m2 += d * (score - mean);
            }
        };
    }

    static List<Mode> modes() {
        return List.of(
                new Mode("peaks over threshold, p = 0.99 (default)",
                        () -> threshold(AdaptiveThreshold.builder().build())),
                new Mode("peaks over threshold, p = 0.999",
                        () -> threshold(AdaptiveThreshold.builder().quantile(0.999).build())),
                new Mode("confidence sequence, p = 0.99",
                        () -> threshold(AdaptiveThreshold.builder().method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                                .build())),
                new Mode("confidence sequence, p = 0.9 (the demo's)",
                        () -> threshold(AdaptiveThreshold.builder().method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                                .quantile(0.9).build())),
                new Mode("Welford z > 3", () -> welford(false)),
                new Mode("Welford z > 3, flagged kept out", () -> welford(true)));
    }

    /** The demo's stream (the same builder calls as {@link Demo#run}), any dimension, length and seed. */
    static Scored demoStream(String name, int d, int n, long seed, long[] changePoints) {
        Demo.Settings s = Demo.Settings.defaults();
        double radius = Math.sqrt(d);
        SyntheticStream stream = SyntheticStream.builder(Task.MEAN, d).tail(Tail.STUDENT_T, 3)
                .corruption(s.anomalyFraction(), Corruption.FAR_FIXED)
                .corruptionDistance(s.anomalyDistance() * radius).corruptionSpread(0.5)
                .drift(s.driftPerSample() * radius).changePoints(s.jump() * radius, changePoints)
                .offset(0).seed(seed).build();
        MeanEstimator m = MeanEstimator.builder(d).build();
        double[] scores = new double[n];
        boolean[] anomaly = new boolean[n];
        float[] x = new float[d];
        for (int t = 0; t < n; t++) {
            anomaly[t] = stream.next(x);
            scores[t] = m.update(x);
        }
        return new Scored(name, scores, anomaly);
    }

    /** The RCF comparison's stream: the demo's, change points scaled to {@code n} (as its DetectionStream does). */
    static Scored rcfStream(int d, int n, long seed) {
        Demo.Settings s = Demo.Settings.defaults();
        long[] cps = new long[s.changePoints().length];
        for (int i = 0; i < cps.length; i++) {
            cps[i] = Math.round((double) s.changePoints()[i] * n / s.samples());
        }
        return demoStream("(b) RCF-comparison stream, d = " + d + ", seed " + seed, d, n, seed, cps);
    }

    /**
     * Gaussian noise of unit scale per coordinate, d = 16; a fraction of anomalies displaced by {@code distances}
     * noise radii (sqrt(d)) in a random direction, or by {@code perCoordinate} sigma on every coordinate.
     */
    static Scored gaussian(String name, int n, long seed, double fraction, double[] distances, double perCoordinate) {
        int d = 16;
        SplittableRandom r = new SplittableRandom(seed);
        MeanEstimator m = MeanEstimator.builder(d).build();
        double[] scores = new double[n];
        boolean[] anomaly = new boolean[n];
        float[] x = new float[d];
        double[] u = new double[d];
        for (int t = 0; t < n; t++) {
            boolean a = r.nextDouble() < fraction;
            double norm = 0;
            double distance = distances.length == 0 ? 0 : distances[r.nextInt(distances.length)] * Math.sqrt(d);
            for (int i = 0; i < d; i++) {
                u[i] = r.nextGaussian();
                norm += u[i] * u[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                double v = r.nextGaussian();
                if (a) {
                    v += perCoordinate > 0 ? perCoordinate : distance * u[i] / norm;
                }
                x[i] = (float) v;
            }
            anomaly[t] = a;
            scores[t] = m.update(x);
        }
        return new Scored(name, scores, anomaly);
    }

    /** Counts of one mode on one stream. */
    record Result(long tp, long fp, long fn, long abstained, long n) {
        double precision() {
            return tp == 0 ? 0 : (double) tp / (tp + fp);
        }

        double recall() {
            return tp == 0 ? 0 : (double) tp / (tp + fn);
        }

        double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    static Result evaluate(Scored s, Rule rule) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long ab = 0;
        for (int i = 0; i < s.scores().length; i++) {
            Decision d = rule.decide(s.scores()[i]);
            boolean flag = d == Decision.ANOMALY;
            boolean a = s.anomaly()[i];
            tp += flag && a ? 1 : 0;
            fp += flag && !a ? 1 : 0;
            fn += !flag && a ? 1 : 0;
            ab += d == Decision.ABSTAIN ? 1 : 0;
            rule.observe(s.scores()[i]);
        }
        return new Result(tp, fp, fn, ab, s.scores().length);
    }

    /** The replay of the default mode must be what an AnomalyDetector decides on the same stream. */
    static void checkReplay() {
        Demo.Settings s = Demo.Settings.defaults();
        int d = 16;
        int n = 20_000;
        SyntheticStream stream = SyntheticStream.builder(Task.MEAN, d).tail(Tail.STUDENT_T, 3)
                .corruption(s.anomalyFraction(), Corruption.FAR_FIXED).corruptionDistance(s.anomalyDistance() * 4)
                .corruptionSpread(0.5).seed(11).build();
        AnomalyDetector det = AnomalyDetector.builder(MeanEstimator.builder(d).build()).build();
        AdaptiveThreshold replay = AdaptiveThreshold.builder().build();
        float[] x = new float[d];
        for (int t = 0; t < n; t++) {
            stream.next(x);
            var o = det.process(x);
            if (replay.decide(o.score()) != o.decision()) {
                throw new IllegalStateException("replay differs from the detector at sample " + t);
            }
            replay.observe(o.score());
        }
    }

    public static void main(String[] args) {
        checkReplay();
        Demo.Settings demo = Demo.Settings.defaults();
        List<Scored> streams = new ArrayList<>();
        streams.add(demoStream("(a) demo scenario (d = 256, 200,000 samples, seed 7)", demo.dimension(),
                demo.samples(), demo.seed(), demo.changePoints()));
        for (int d : new int[] {16, 64, 256}) {
            streams.add(rcfStream(d, 40_000, demo.seed()));
        }
        streams.add(gaussian("(c) 1% shifted 3 sigma per coordinate (d = 16, 100,000)", 100_000, 5, 0.01,
                new double[0], 3));
        streams.add(gaussian("(c) 5% at 3/5/10 noise radii (d = 16, 100,000)", 100_000, 6, 0.05,
                new double[] {3, 5, 10}, 0));
        for (long seed : new long[] {8, 9}) {
            for (int d : new int[] {16, 64, 256}) {
                streams.add(rcfStream(d, 40_000, seed));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| measure | mode | precision | recall | F1 | abstained |\n|---|---|---:|---:|---:|---:|\n");
        for (Scored s : streams) {
            for (Mode m : modes()) {
                Result r = evaluate(s, m.rule().get());
                out.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %.1f%% |%n", s.name(),
                        m.name(), r.precision(), r.recall(), r.f1(), 100.0 * r.abstained() / r.n()));
            }
            System.err.println("[threshold-modes] " + s.name() + " done");
        }
        System.out.print(out);
    }
}
