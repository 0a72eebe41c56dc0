package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.MeanEstimator;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Detection quality of the default threshold (peaks over threshold, p = 0.99) against baselines on the same
 * scores, seeded: the confidence sequence (the previous default) and Welford z-score rules (running mean and
 * variance of the scores, ANOMALY above z = 3; over all scores, or with flagged scores kept out). The default's
 * scores come from a real {@link AnomalyDetector}; the baselines replay them (decide, then record). Each stream
 * takes well under a second.
 */
class DetectionQualityTest {

    record Counts(long tp, long fp, long fn) {
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

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "P %.3f R %.3f F1 %.3f", precision(), recall(), f1());
        }
    }

    /** A stream: samples and labels, generated on the fly. */
    interface Stream {
        boolean next(float[] x);
    }

    record Result(Counts detector, Counts cs99, Counts cs90, Counts welford, Counts welfordKept) {
    }

    static Result run(Stream stream, int d, int n, AnomalyDetector detector) {
        double[] scores = new double[n];
        boolean[] truth = new boolean[n];
        float[] x = new float[d];
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < n; i++) {
            truth[i] = stream.next(x);
            Outcome o = detector.process(x);
            scores[i] = o.score();
            boolean flag = o.decision() == Decision.ANOMALY;
            tp += flag && truth[i] ? 1 : 0;
            fp += flag && !truth[i] ? 1 : 0;
            fn += !flag && truth[i] ? 1 : 0;
        }
        return new Result(new Counts(tp, fp, fn),
                replay(scores, truth, new AdaptiveThreshold(0.99, 0.05, true, 0.5, 1024)),
                replay(scores, truth, new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024)),
                welford(scores, truth, false), welford(scores, truth, true));
    }

    static Counts replay(double[] scores, boolean[] truth, AdaptiveThreshold th) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean flag = th.decide(scores[i]) == Decision.ANOMALY;
            tp += flag && truth[i] ? 1 : 0;
            fp += flag && !truth[i] ? 1 : 0;
            fn += !flag && truth[i] ? 1 : 0;
            th.observe(scores[i]);
        }
        return new Counts(tp, fp, fn);
    }

    static Counts welford(double[] scores, boolean[] truth, boolean keepFlaggedOut) {
        long n = 0;
        double mean = 0;
        double m2 = 0;
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            double s = scores[i];
            boolean flag = n >= 30 && s > mean + 3 * Math.sqrt(m2 / (n - 1));
            tp += flag && truth[i] ? 1 : 0;
            fp += flag && !truth[i] ? 1 : 0;
            fn += !flag && truth[i] ? 1 : 0;
            if (!(keepFlaggedOut && flag)) {
                n++;
                double delta = s - mean;
                mean += delta / n;
                m2 += delta * (s - mean);
            }
        }
        return new Counts(tp, fp, fn);
    }

    static AnomalyDetector detector(int d) {
        return AnomalyDetector.builder(MeanEstimator.builder(d).build()).build();
    }

    /**
     * The first scenario: d = 16, unit Gaussian noise, 100,000 samples, 1% shifted by 3 sigma on every
     * coordinate; before, 0 of ~1,000 were caught. Measured (seed 5; the scores differ slightly between the vector
     * widths the build runs): default P 0.42 R 0.996 F1 0.59 (it flags
     * a share 1 - p = 1% of ordinary samples, as many as there are anomalies); confidence sequence at 0.99:
     * recall 0; Welford z > 3: F1 1.000 (the scores are Gaussian-like, where z > 3 is a 0.1% rule). Margins:
     * recall >= 0.95; confidence sequence recall <= 0.01; F1 >= 0.5.
     */
    @Test
    void onePercentShiftedThreeSigmaIsCaught() {
        int d = 16;
        SplittableRandom r = new SplittableRandom(5);
        Result res = run(x -> {
            boolean a = r.nextDouble() < 0.01;
            for (int i = 0; i < d; i++) {
                x[i] = (float) (r.nextGaussian() + (a ? 3 : 0));
            }
            return a;
        }, d, 100_000, detector(d));
        String msg = "default " + res.detector() + "; CS(0.99) " + res.cs99() + "; Welford " + res.welford();
        assertTrue(res.detector().recall() >= 0.95, msg);
        assertTrue(res.cs99().recall() <= 0.01, msg);
        assertTrue(res.detector().f1() >= 0.5, msg);
    }

    /**
     * The second scenario: d = 16, Gaussian noise, 5% anomalies at 3, 5 or 10 noise radii in random
     * directions. Measured (seed 6): default P 0.824 R 0.995 F1 0.901; confidence sequence at 0.99: F1 0 (recall
     * 0.03 was the figure); Welford z > 3 over all scores F1 0.648 (the anomalies inflate its variance),
     * with flagged scores kept out F1 0.976. Margins: default F1 >= 0.85, >= Welford (all scores) + 0.15, within
     * 0.1 of Welford (flagged kept out), confidence sequence recall <= 0.05.
     */
    @Test
    void fivePercentAtThreeFiveTenRadii() {
        int d = 16;
        SplittableRandom r = new SplittableRandom(6);
        double[] radii = {3, 5, 10};
        double[] u = new double[d];
        Result res = run(x -> {
            boolean a = r.nextDouble() < 0.05;
            double distance = radii[r.nextInt(3)] * Math.sqrt(d);
            double norm = 0;
            for (int i = 0; i < d; i++) {
                u[i] = r.nextGaussian();
                norm += u[i] * u[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                x[i] = (float) (r.nextGaussian() + (a ? distance * u[i] / norm : 0));
            }
            return a;
        }, d, 100_000, detector(d));
        String msg = "default " + res.detector() + "; CS(0.99) " + res.cs99() + "; Welford " + res.welford()
                + "; Welford kept out " + res.welfordKept();
        assertTrue(res.detector().f1() >= 0.85, msg);
        assertTrue(res.detector().f1() >= res.welford().f1() + 0.15, msg);
        assertTrue(res.detector().f1() >= res.welfordKept().f1() - 0.1, msg);
        assertTrue(res.cs99().recall() <= 0.05, msg);
    }

    /**
     * Heavy tails, drift and abrupt jumps (the demo's kind of stream at d = 16): Student-t(3) elliptical noise,
     * 5% anomalies at 10 noise radii +-50% in one fixed direction, jumps of 10 radii at samples 14,000 and 28,000
     * of 40,000. Measured (seed 7): default P 0.791 R 0.937 F1 0.858; confidence sequence at p = 0.9 (its best
     * setting here) F1 0.577, at 0.99 nothing flagged; Welford z > 3 F1 0.739, with flagged scores kept out 0.547.
     * Margins: default F1 >= confidence sequence (0.9) + 0.1, >= Welford (all scores) + 0.05; the confidence sequence at 0.99
     * flags nothing. The app's ThresholdModes tabulates the demo's and the RCF comparison's streams.
     */
    @Test
    void heavyTailsDriftAndJumps() {
        int d = 16;
        SplittableRandom r = new SplittableRandom(7);
        double radius = Math.sqrt(d);
        double[] theta = new double[d];
        double[] dir = new double[d];
        double[] anomalyDir = new double[d];
        unit(r, anomalyDir);
        unit(r, dir);
        int[] t = {0};
        Result res = run(x -> {
            if (t[0] == 14_000 || t[0] == 28_000) {
                double[] jump = new double[d];
                unit(r, jump);
                for (int i = 0; i < d; i++) {
                    theta[i] += 10 * radius * jump[i];
                }
            }
            t[0]++;
            for (int i = 0; i < d; i++) {
                theta[i] += 2e-5 * radius * dir[i];
            }
            boolean a = r.nextDouble() < 0.05;
            if (a) {
                double distance = 10 * radius * (1 + 0.5 * (2 * r.nextDouble() - 1));
                for (int i = 0; i < d; i++) {
                    x[i] = (float) (theta[i] + distance * anomalyDir[i]);
                }
            } else {
                double chi = 0;
                for (int k = 0; k < 3; k++) {
                    double g = r.nextGaussian();
                    chi += g * g;
                }
                double scale = Math.sqrt((3 - 2) / chi); // Student-t(3), unit variance per coordinate
                for (int i = 0; i < d; i++) {
                    x[i] = (float) (theta[i] + scale * r.nextGaussian());
                }
            }
            return a;
        }, d, 40_000, detector(d));
        String msg = "default " + res.detector() + "; CS(0.9) " + res.cs90() + "; CS(0.99) " + res.cs99()
                + "; Welford " + res.welford() + "; Welford kept out " + res.welfordKept();
        assertTrue(res.detector().f1() >= res.cs90().f1() + 0.1, msg);
        assertTrue(res.detector().f1() >= res.welford().f1() + 0.05, msg);
        assertEquals(0, res.cs99().tp(), msg);
    }

    static void unit(SplittableRandom r, double[] u) {
        double n = 0;
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextGaussian();
            n += u[i] * u[i];
        }
        n = Math.sqrt(n);
        for (int i = 0; i < u.length; i++) {
            u[i] /= n;
        }
    }
}
