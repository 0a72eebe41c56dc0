package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.MeanEstimator;
import io.clipstream.ingest.KeyedStore;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * With the defaults the first ANOMALY is possible after the documented warm-up (500 samples), everywhere: the
 * detector builder, the keyed store's pooled threshold, after a reset and after a detected change; small risks
 * give finite, ordered thresholds after the same warm-up; parameters are validated eagerly.
 */
class WarmupTest {

    static float[] sample(SplittableRandom r, int d, double shift) {
        float[] x = new float[d];
        for (int i = 0; i < d; i++) {
            x[i] = (float) (r.nextGaussian() + shift);
        }
        return x;
    }

    @Test
    void theBuilderDefaultsFlagAClearAnomalyAtSampleOneThousand() {
        AnomalyDetector det = AnomalyDetector.builder(MeanEstimator.builder(16).build()).build();
        assertEquals(AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, det.threshold().method());
        assertEquals(0.99, det.threshold().quantile());
        assertEquals(500, det.threshold().warmup());
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 1200; i++) {
            Outcome o = det.process(sample(r, 16, i == 1000 ? 6 : 0));
            if (i < 500) {
                assertEquals(Decision.ABSTAIN, o.decision(), "sample " + i);
                assertEquals(Double.POSITIVE_INFINITY, o.upper());
            } else {
                assertTrue(Double.isFinite(o.upper()), "finite from sample 500 on: " + i);
                assertTrue(o.decision() != Decision.ABSTAIN, "no abstention after the warm-up: " + i);
            }
            if (i == 1000) {
                assertEquals(Decision.ANOMALY, o.decision(), "6 sigma per coordinate at sample 1000: " + o);
            }
        }
        assertEquals(0, det.threshold().warmupRemaining());
        // the confidence sequence it replaces: still infinite here (315,571 scores at p = 0.99, a = 0.05)
        assertEquals(315_571, QuantileConfidence.scoresUntilFinite(0.99, 0.05));
    }

    /**
     * The confidence sequence's {@code warmup()} is when its upper end (what an ANOMALY needs) becomes finite, also
     * below p = 1/2, where the lower end is the later one (it reported 3,036 at p = 0.1 while ANOMALY came after ~40).
     */
    @Test
    void theConfidenceSequencesWarmupIsWhenTheUpperEndBecomesFinite() {
        for (double p : new double[] {0.1, 0.3, 0.5, 0.9}) {
            AdaptiveThreshold th = AdaptiveThreshold.builder().method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                    .quantile(p).detectChanges(false).build();
            long warmup = th.warmup();
            assertEquals(QuantileConfidence.scoresUntilUpperFinite(p, 0.05), warmup);
            assertTrue(warmup <= QuantileConfidence.scoresUntilFinite(p, 0.05));
            SplittableRandom r = new SplittableRandom(3);
            long finiteAt = -1;
            for (long t = 1; t <= 4 * warmup + 200 && finiteAt < 0; t++) {
                th.observe(-Math.log1p(-r.nextDouble()));
                if (Double.isFinite(th.upper())) {
                    finiteAt = t;
                    assertEquals(0, th.warmupRemaining());
                } else {
                    assertTrue(th.warmupRemaining() >= 1 && th.warmupRemaining() <= Math.max(1, warmup - t),
                            "p " + p + " t " + t + ": " + th.warmupRemaining());
                }
            }
            // finite at the first refresh (every min(128, t / 16) scores) at or after the warm-up
            assertTrue(finiteAt >= warmup && finiteAt <= warmup + Math.max(1, Math.min(128, finiteAt / 16)),
                    "p " + p + ": warm-up " + warmup + ", upper finite after " + finiteAt);
            assertEquals(Decision.ANOMALY, th.decide(1e6), "p " + p);
        }
        assertEquals(QuantileConfidence.scoresUntilFinite(0.99, 0.05),
                QuantileConfidence.scoresUntilUpperFinite(0.99, 0.05), "the same above 1/2");
    }

    @Test
    void finiteAgainWithinTheWarmupAfterAResetAndAfterAChange() {
        AdaptiveThreshold th = AdaptiveThreshold.builder().build();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 3000; i++) {
            th.observe(-Math.log1p(-r.nextDouble()));
        }
        assertTrue(Double.isFinite(th.upper()));
        th.reset();
        assertEquals(Double.POSITIVE_INFINITY, th.upper());
        assertEquals(500, th.warmupRemaining());
        for (int i = 0; i < 500; i++) {
            assertEquals(Decision.ABSTAIN, th.decide(1));
            th.observe(-Math.log1p(-r.nextDouble()));
        }
        assertTrue(Double.isFinite(th.upper()), "finite 500 scores after the reset");
        assertEquals(Decision.ANOMALY, th.decide(50));
        // an abrupt upward shift (scores x 20): found by the burst of flags, then 500 scores of calibration
        int changedAt = -1;
        int finiteAt = -1;
        for (int i = 0; i < 3000 && finiteAt < 0; i++) {
            boolean changed = th.observe(20 * (1 - Math.log1p(-r.nextDouble())));
            if (changed && changedAt < 0) {
                changedAt = i;
            }
            if (changedAt >= 0 && Double.isFinite(th.upper())) {
                finiteAt = i;
            }
        }
        assertTrue(changedAt >= 0 && changedAt < 100, "change found after " + changedAt + " shifted scores");
        assertTrue(finiteAt - changedAt <= 500, "finite " + (finiteAt - changedAt) + " scores after the change");
        assertEquals(Decision.ANOMALY, th.decide(2000));
        assertEquals(Decision.BENIGN, th.decide(20));
    }

    /** The keyed store's pooled threshold, default settings: a 10-sigma sample is flagged within ~1,000 samples. */
    @Test
    void theKeyedStoresPooledThresholdWarmsUpQuickly() {
        int d = 8;
        try (KeyedStore store = KeyedStore.builder(d).maxKeys(20).build()) {
            assertEquals(500, store.threshold().warmup());
            SplittableRandom r = new SplittableRandom(3);
            int firstFinite = -1;
            for (int i = 0; i < 1500; i++) {
                long key = i % 20;
                boolean anomaly = i == 1400;
                Decision dec = store.process(key, sample(r, d, anomaly ? 10 : 0), i);
                if (firstFinite < 0 && Double.isFinite(store.threshold().upper())) {
                    firstFinite = i;
                }
                if (anomaly) {
                    assertEquals(Decision.ANOMALY, dec, "level " + store.lastLevel());
                }
            }
            // 20 keys x 16 samples of per-key warm-up (not pooled) + 500 pooled levels
            assertTrue(firstFinite > 0 && firstFinite <= 20 * 16 + 500 + 20, "finite at sample " + firstFinite);
        }
    }

    /** Small risks: finite after the same warm-up, ordered by p, and near the truth once there is evidence. */
    @Test
    void smallRisksGiveFiniteOrderedThresholds() {
        double[] ps = {0.99, 0.999, 0.9999, 0.99999, 0.999999};
        AdaptiveThreshold[] th = new AdaptiveThreshold[ps.length];
        for (int k = 0; k < ps.length; k++) {
            th[k] = AdaptiveThreshold.builder().quantile(ps[k]).build();
        }
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < 60_000; i++) {
            double s = -Math.log1p(-r.nextDouble()); // exponential: true (1 - q)-quantile is -ln q
            for (AdaptiveThreshold t : th) {
                t.observe(s);
            }
            if (i == 499) {
                for (int k = 0; k < ps.length; k++) {
                    assertTrue(Double.isFinite(th[k].upper()), "p = " + ps[k] + " finite after 500");
                    assertTrue(k == 0 || th[k].upper() >= th[k - 1].upper(), "ordered by p at 500");
                }
            }
        }
        for (int k = 0; k < ps.length; k++) {
            double truth = -Math.log(1 - ps[k]);
            double ratio = th[k].upper() / truth;
            // measured: 0.94, 0.98, 1.01, 1.18, 1.28 at 60,000 scores; margin [0.7, 1.6]
            assertTrue(ratio > 0.7 && ratio < 1.6, "p = " + ps[k] + ": " + th[k].upper() + " vs " + truth);
        }
    }

    @Test
    void parametersAreValidatedEagerlyNamingTheValue() {
        assertEquals("warmup must be in [32, 1048576] scores: 10", assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().warmup(10)).getMessage());
        assertEquals("level rate must be in [0, 1): 1.0", assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().levelRate(1)).getMessage());
        assertEquals("level rate must be in [0, 1): NaN", assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().levelRate(Double.NaN)).getMessage());
        assertEquals("max peaks must be in [16, 1048576]: 8", assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().maxPeaks(8)).getMessage());
        assertEquals("method must not be null", assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().method(null)).getMessage());
        assertEquals("quantile p must be in (0, 1): 1.0", assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().quantile(1)).getMessage());
        String low = "peaks over threshold needs quantile p >= 0.75 (it models the upper tail of the scores), not "
                + "0.3; the confidence sequence (method CONFIDENCE_SEQUENCE) takes any p in (0, 1)";
        assertEquals(low, assertThrows(IllegalArgumentException.class,
                () -> AdaptiveThreshold.builder().quantile(0.3).build()).getMessage());
        assertEquals(low, assertThrows(IllegalArgumentException.class,
                () -> AnomalyDetector.builder(MeanEstimator.builder(2).build()).quantile(0.3).build()).getMessage());
        assertEquals(low, assertThrows(IllegalArgumentException.class,
                () -> io.clipstream.ingest.KeyedStore.builder(2).quantile(0.3).build()).getMessage());
        AdaptiveThreshold.builder().quantile(0.3).method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE).build();
        AdaptiveThreshold.builder().quantile(AdaptiveThreshold.MIN_PEAKS_QUANTILE).build();
        // a configuration saved before the check is rebuilt as written only when asked for by name
        assertEquals(0.3, AdaptiveThreshold.builder().quantile(0.3).acceptEarlierPeaksQuantile(true).build()
                .quantile());
        assertEquals(0.6, AnomalyDetector.builder(MeanEstimator.builder(2).build()).quantile(0.6)
                .acceptEarlierPeaksQuantile(true).build().threshold().quantile());
        assertEquals(low, assertThrows(IllegalArgumentException.class, () -> AdaptiveThreshold.builder().quantile(0.3)
                .acceptEarlierPeaksQuantile(true).acceptEarlierPeaksQuantile(false).build()).getMessage());
        assertEquals("quantile p must be in (0, 1): NaN", assertThrows(IllegalArgumentException.class,
                () -> AnomalyDetector.builder(MeanEstimator.builder(2).build()).quantile(Double.NaN)).getMessage());
        assertEquals("warmup must be in [32, 1048576] scores: 0", assertThrows(IllegalArgumentException.class,
                () -> AnomalyDetector.builder(MeanEstimator.builder(2).build()).warmup(0)).getMessage());
    }

    /**
     * Clean scores of several shapes: the alarm rate stays near q = 0.01. Measured (these seeds): exponential
     * 0.0115, lognormal 0.0132, Pareto 2.5 0.0235, half-normal 0.0125. Margin: within [0.5, 3] x q.
     */
    @Test
    void theAlarmRateOnCleanScoresIsNearTheRisk() {
        for (int shape = 0; shape < 4; shape++) {
            AdaptiveThreshold th = AdaptiveThreshold.builder().build();
            SplittableRandom r = new SplittableRandom(10 + shape);
            long flagged = 0;
            long decided = 0;
            for (int i = 0; i < 40_000; i++) {
                double u = r.nextDouble();
                double s = switch (shape) {
                    case 0 -> -Math.log1p(-u);                  // exponential
                    case 1 -> Math.exp(r.nextGaussian());       // lognormal
                    case 2 -> Math.pow(1 - u, -1 / 2.5) - 1;    // Pareto 2.5
                    default -> Math.abs(r.nextGaussian());      // half-normal
                };
                Decision d = th.decide(s);
                decided += d != Decision.ABSTAIN ? 1 : 0;
                flagged += d == Decision.ANOMALY ? 1 : 0;
                th.observe(s);
            }
            double rate = (double) flagged / decided;
            assertTrue(rate > 0.005 && rate < 0.03, "shape " + shape + ": alarm rate " + rate + " at q = 0.01");
        }
    }

    /**
     * The same at the lowest quantiles peaks over threshold accepts (p = 0.75 and 0.9, seeds 20-23): the rate
     * is about twice q there (README "Anomaly decisions"), never the collapse below the bound (0.3x q at p = 0.5,
     * 88% ABSTAIN at 0.3 in the detector). Measured (these seeds): 1.9-2.5x q. Margin: within [1, 3.5] x q, and no
     * ABSTAIN after the warm-up.
     */
    @Test
    void atTheLowestAcceptedQuantilesTheRateStaysWithinAFewTimesTheRisk() {
        for (double p : new double[] {AdaptiveThreshold.MIN_PEAKS_QUANTILE, 0.9}) {
            for (int shape = 0; shape < 4; shape++) {
                AdaptiveThreshold th = AdaptiveThreshold.builder().quantile(p).build();
                SplittableRandom r = new SplittableRandom(20 + shape);
                long flagged = 0;
                long abstained = 0;
                int n = 30_000;
                for (int i = 0; i < n; i++) {
                    double u = r.nextDouble();
                    double s = switch (shape) {
                        case 0 -> -Math.log1p(-u);
                        case 1 -> Math.exp(r.nextGaussian());
                        case 2 -> Math.pow(1 - u, -1 / 2.5) - 1;
                        default -> Math.abs(r.nextGaussian());
                    };
                    Decision d = th.decide(s);
                    if (i >= th.warmup()) {
                        abstained += d == Decision.ABSTAIN ? 1 : 0;
                        flagged += d == Decision.ANOMALY ? 1 : 0;
                    }
                    th.observe(s);
                }
                double ratio = flagged / (double) (n - th.warmup()) / (1 - p);
                assertEquals(0, abstained, "p = " + p + ", shape " + shape);
                assertTrue(ratio > 1 && ratio < 3.5, "p = " + p + ", shape " + shape + ": " + ratio + " x q");
            }
        }
    }
}
