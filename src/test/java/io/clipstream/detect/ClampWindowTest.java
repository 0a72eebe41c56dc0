package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The history's ten-decade window follows the majority of the scores (review finding, stop 20): one early tiny score
 * capped every later score at about 0.84, so a confidence sequence at p = 0.9 flagged 43% of Exp(1) scores, 13,084
 * of them below the true quantile, and the change test never fired; one huge score is still the one clamped.
 */
class ClampWindowTest {

    private static final double TRUE_Q = Math.log(10); // the 0.9-quantile of Exp(1)

    /** Decides then observes 60,000 Exp(1) scores with {@code odd} at index 1; returns {anomalies, below the quantile}. */
    private static long[] run(AdaptiveThreshold t, double odd) {
        SplittableRandom r = new SplittableRandom(1);
        long anomalies = 0;
        long below = 0;
        for (int i = 0; i < 60_000; i++) {
            double s = i == 1 ? odd : -Math.log(1 - r.nextDouble());
            if (i > 20_000 && t.decide(s) == Decision.ANOMALY) {
                anomalies++;
                if (s < TRUE_Q / 1.02) {
                    below++;
                }
            }
            t.observe(s);
        }
        return new long[] {anomalies, below};
    }

    @Test
    void oneEarlyTinyOrHugeScoreDoesNotMoveTheQuantiles() {
        for (double odd : new double[] {1e-12, 1e-150, 1e12, 1e150}) {
            AdaptiveThreshold cs = AdaptiveThreshold.builder().method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                    .quantile(0.9).build();
            long[] r = run(cs, odd);
            assertEquals(0, r[1], "odd " + odd + ": ANOMALY below the true 0.9-quantile");
            assertTrue(r[0] < 0.1 * 40_000, "odd " + odd + ": flagged " + r[0]);
            assertTrue(cs.upper() > TRUE_Q && cs.upper() < 1.3 * TRUE_Q, "odd " + odd + ": upper " + cs.upper());
            assertEquals(0, cs.changes(), "odd " + odd);
            byte[] state = cs.state();
            AdaptiveThreshold restored = AdaptiveThreshold.restore(state);
            assertArrayEquals(state, restored.state());
        }
    }

    /** The window moves when the scores above it outnumber the ones far below, and a restore decides the same. */
    @Test
    void theWindowMovesUpWithTheMajorityAndRestoresIdentically() {
        AdaptiveThreshold t = AdaptiveThreshold.builder().method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                .quantile(0.9).detectChanges(false).build();
        SplittableRandom r = new SplittableRandom(4);
        t.observe(1e-12);
        for (int i = 0; i < 3; i++) {
            t.observe(1 + r.nextDouble());
        }
        AdaptiveThreshold twin = AdaptiveThreshold.restore(t.state());
        for (int i = 0; i < 20_000; i++) {
            double s = -Math.log(1 - r.nextDouble());
            t.observe(s);
            twin.observe(s);
        }
        assertArrayEquals(t.state(), twin.state());
        assertTrue(t.upper() > TRUE_Q && t.upper() < 1.3 * TRUE_Q, "upper " + t.upper());
    }

    /** After a downward change a provisional threshold decides: no warm-up is pending then. */
    @Test
    void noWarmupRemainsWhileAProvisionalThresholdDecides() {
        AdaptiveThreshold t = AdaptiveThreshold.builder().build();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 20_000; i++) {
            double s = (i < 5000 ? 10 : 1) * -Math.log(1 - r.nextDouble());
            if (t.observe(s) && i >= 5000) {
                assertTrue(t.upper() < Double.POSITIVE_INFINITY);
                assertEquals(Decision.ANOMALY, t.decide(1e6));
                assertEquals(0, t.warmupRemaining());
                return;
            }
        }
        throw new AssertionError("no downward change found");
    }
}
