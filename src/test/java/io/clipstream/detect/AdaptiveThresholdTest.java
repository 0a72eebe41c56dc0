package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

class AdaptiveThresholdTest {

    @Test
    void radiusFollowsTheFormula() {
        double t = 10_000;
        double a = 0.05;
        double expected = 0.85 * Math.sqrt((Math.log(Math.log(Math.E * t)) + 0.8 * Math.log(1612 / a)) / t);
        assertEquals(expected, QuantileConfidence.radius(10_000, a), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, QuantileConfidence.radius(0, a));
        long n = QuantileConfidence.scoresUntilFinite(0.95, 0.05);
        assertTrue(2 * QuantileConfidence.radius(n, 0.05) < 0.05);
        assertTrue(2 * QuantileConfidence.radius(n - 1, 0.05) >= 0.05, "the first such t: " + n);
        assertTrue(n > 10_000 && n < 14_000, "about 12,000 scores for p = 0.95: " + n);
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void scoresUntilFiniteSaturatesAndRefusesLevelsOutsideTheOpenInterval() {
        assertEquals(Long.MAX_VALUE, QuantileConfidence.scoresUntilFinite(1 - 1e-10, 0.05), "once looped forever");
        assertEquals(Long.MAX_VALUE, QuantileConfidence.scoresUntilFinite(1e-10, 0.05));
        double top = 1 - 1e-8;
        double gap = (1 - top) / 2;
        long n = QuantileConfidence.scoresUntilFinite(top, 0.05);
        assertTrue(n < Long.MAX_VALUE && QuantileConfidence.radius(n, 0.05) < gap
                && QuantileConfidence.radius(n / 2, 0.05) >= gap, "a finite count near the top: " + n);
        for (double p : new double[] {0, 1, -0.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuantileConfidence.scoresUntilFinite(p, 0.05));
            assertEquals("p must be in (0, 1): " + p, e.getMessage());
        }
        for (double a : new double[] {0, 1, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuantileConfidence.scoresUntilFinite(0.99, a));
            assertEquals("a must be in (0, 1): " + a, e.getMessage());
        }
        AdaptiveThreshold far = AdaptiveThreshold.builder().method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                .quantile(1 - 1e-10).build();
        assertEquals(Long.MAX_VALUE, far.warmup(), "a threshold that can never become finite says so");
    }

    /**
     * A stationary stream (exponential scores, p = 0.95, a = 0.05): no mistake (an ANOMALY below the true
     * 0.95-quantile or a BENIGN above it, beyond the histogram's 1% value rounding) and at most the paper's bound on
     * abstentions, 7 sqrt(T ln(1612 ln(e T) / a^2)).
     */
    @Test
    void stationaryStreamMakesNoMistakesAndFewAbstentions() {
        double p = 0.95;
        double a = 0.05;
        double trueQuantile = -Math.log(1 - p);
        AdaptiveThreshold th = new AdaptiveThreshold(p, a, true, 0.5, 1024);
        SplittableRandom r = new SplittableRandom(1);
        int total = 200_000;
        int mistakes = 0;
        int abstentions = 0;
        for (int i = 0; i < total; i++) {
            double score = -Math.log1p(-r.nextDouble());
            Decision d = th.decide(score);
            if (d == Decision.ANOMALY && score < trueQuantile * 0.99 || d == Decision.BENIGN && score > trueQuantile * 1.01) {
                mistakes++;
            }
            abstentions += d == Decision.ABSTAIN ? 1 : 0;
            assertTrue(!th.observe(score), "false change at " + i);
        }
        double bound = 7 * Math.sqrt(total * Math.log(1612 * Math.log(Math.E * total) / (a * a)));
        assertEquals(0, mistakes);
        assertTrue(abstentions <= bound, abstentions + " abstentions > bound " + bound);
        assertTrue(th.lower() < trueQuantile && trueQuantile < th.upper(), th.lower() + " .. " + th.upper());
    }

    @Test
    void aShiftIsDetectedQuicklyAndTheHistoryReset() {
        AdaptiveThreshold th = new AdaptiveThreshold(0.95, 0.05, true, 0.5, 1024);
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 30_000; i++) {
            assertTrue(!th.observe(-Math.log1p(-r.nextDouble())));
        }
        double before = th.upper();
        int delay = -1;
        for (int i = 0; i < 5_000 && delay < 0; i++) {
            if (th.observe(5 - Math.log1p(-r.nextDouble()))) {
                delay = i;
            }
        }
        // the shift lands mid-block; the bound is about one block length (1024) plus the block's minimum evidence
        assertTrue(delay >= 0 && delay < 1200, "detected after " + delay + " shifted scores");
        assertEquals(1, th.changes());
        assertTrue(th.scoresSinceReset() <= 1024, "history restarted from the block: " + th.scoresSinceReset());
        assertEquals(Double.POSITIVE_INFINITY, th.upper(), "a fresh history cannot certify the 0.95-quantile yet");
        assertTrue(Double.isFinite(before));
    }

    @Test
    void withoutChangeDetectionTheHistoryKeepsEverything() {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, false, 0.5, 4096);
        for (int i = 0; i < 20_000; i++) {
            assertTrue(!th.observe(i < 10_000 ? 1 : 100));
        }
        assertEquals(20_000, th.scoresSinceReset());
        assertEquals(0, th.changes());
    }

    @Test
    void parametersAreValidated() {
        assertEquals("quantile p must be in (0, 1): 1.0", assertThrows(IllegalArgumentException.class,
                () -> new AdaptiveThreshold(1, 0.05, true, 0.5, 4096)).getMessage());
        assertEquals("confidence a must be in (0, 1): 0.0", assertThrows(IllegalArgumentException.class,
                () -> new AdaptiveThreshold(0.9, 0, true, 0.5, 4096)).getMessage());
        assertEquals("block length must be >= 64: 10", assertThrows(IllegalArgumentException.class,
                () -> new AdaptiveThreshold(0.9, 0.05, true, 0.5, 10)).getMessage());
    }

    /**
     * Scores of any magnitude are accepted: zeros, subnormals, values near Double.MAX_VALUE and +Infinity, jumping
     * across hundreds of decades, never break the histograms (a DoubleHistogram alone throws once its values span
     * more than ~10^12), and the interval stays ordered.
     */
    @Property(tries = 200)
    void scoresOfAnyMagnitudeAreAccepted(@ForAll("scores") List<Double> scores, @ForAll boolean changes) {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, changes, 0.5, 64);
        for (double score : scores) {
            th.observe(score);
            th.decide(score);
            assertTrue(!(th.lower() > th.upper()), th.lower() + " > " + th.upper());
        }
    }

    @Provide
    Arbitrary<List<Double>> scores() {
        Arbitrary<Double> special = Arbitraries.of(0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300, 1.0, 1e300,
                Double.MAX_VALUE, Double.POSITIVE_INFINITY);
        Arbitrary<Double> logUniform = Arbitraries.doubles().between(-320, 308).map(e -> Math.pow(10, e));
        return Arbitraries.frequencyOf(Tuple.of(1, special), Tuple.of(4, logUniform)).list().ofMaxSize(3000);
    }

    /** After the scores' scale moves by 15 decades the history moves with it and the threshold follows. */
    @Test
    void thresholdFollowsAScaleShiftBeyondTheHistogramRange() {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 20_000; i++) {
            th.observe(1e-12 * (1 - Math.log1p(-r.nextDouble())));
        }
        assertTrue(th.upper() < 1e-11, "upper " + th.upper());
        for (int i = 0; i < 20_000; i++) {
            th.observe(1e3 * (1 - Math.log1p(-r.nextDouble())));
        }
        assertTrue(th.changes() >= 1);
        double trueQuantile = 1e3 * (1 - Math.log(0.1));
        assertTrue(th.lower() > 0.8 * trueQuantile && th.upper() < 1.25 * trueQuantile,
                "[" + th.lower() + ", " + th.upper() + "] around " + trueQuantile);
    }

    @Test
    void negativeAndNaNScoresAreRejectedWithoutRecording() {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        th.observe(1);
        assertEquals("score must be >= 0 and not NaN: -1.0",
                assertThrows(IllegalArgumentException.class, () -> th.observe(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> th.observe(Double.NaN));
        assertEquals(1, th.scoresSinceReset());
    }

    @Test
    void stateRestoresIntoAThresholdThatContinuesIdentically() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        AdaptiveThreshold th = new AdaptiveThreshold(0.95, 0.05, true, 0.5, 1024);
        for (int i = 0; i < 5000; i++) {
            th.observe(Math.abs(r.nextGaussian()) * (i < 3000 ? 1 : 5));
        }
        byte[] state = th.state();
        AdaptiveThreshold copy = new AdaptiveThreshold(0.95, 0.05, true, 0.5, 1024);
        copy.restoreState(state);
        assertEquals(th.lower(), copy.lower());
        assertEquals(th.upper(), copy.upper());
        assertEquals(th.changes(), copy.changes());
        assertEquals(th.scoresSinceReset(), copy.scoresSinceReset());
        for (int i = 0; i < 5000; i++) {
            double s = Math.abs(r.nextGaussian()) * (i < 2000 ? 5 : 20);
            assertEquals(th.decide(s), copy.decide(s), "decision " + i);
            assertEquals(th.observe(s), copy.observe(s), "change " + i);
            assertEquals(th.upper(), copy.upper(), "upper " + i);
        }
        assertEquals(th.changes(), copy.changes());
    }

    @Test
    void badStateIsRefusedAndChangesNothing() {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        for (int i = 0; i < 2000; i++) {
            th.observe(1 + (i % 100) / 10.0);
        }
        byte[] state = th.state();
        AdaptiveThreshold other = new AdaptiveThreshold(0.95, 0.05, true, 0.5, 1024);
        for (int i = 0; i < 500; i++) {
            other.observe(i % 7);
        }
        double lo = other.lower();
        double hi = other.upper();
        long n = other.scoresSinceReset();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> other.restoreState(state)).getMessage()
                .contains("p=0.9"));
        assertThrows(IllegalArgumentException.class,
                () -> other.restoreState(java.util.Arrays.copyOf(state, state.length - 3)));
        byte[] damaged = state.clone();
        damaged[0] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> other.restoreState(damaged));
        assertEquals(lo, other.lower());
        assertEquals(hi, other.upper());
        assertEquals(n, other.scoresSinceReset());
    }
}
