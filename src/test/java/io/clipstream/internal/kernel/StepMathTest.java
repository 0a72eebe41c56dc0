package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class StepMathTest {

    @Test
    void clipFactorIsOneBelowTheLevelAndLevelOverNormAbove() {
        assertEquals(1.0, StepMath.clipFactor(2, 1));
        assertEquals(1.0, StepMath.clipFactor(2, 2));
        assertEquals(0.5, StepMath.clipFactor(2, 4));
        assertEquals(1.0, StepMath.clipFactor(2, 0), "a zero gradient is not clipped");
        assertEquals(1.0, StepMath.clipFactor(Double.POSITIVE_INFINITY, 1e300), "infinite level: plain SGD");
        assertTrue(Double.isNaN(StepMath.clipFactor(1, Double.NaN)), "NaN norm poisons the step");
    }

    @Test
    void sigmoidIsStableAtBothEnds() {
        assertEquals(0.5, StepMath.sigmoid(0));
        assertEquals(1.0, StepMath.sigmoid(800));
        assertEquals(0.0, StepMath.sigmoid(-800));
        assertTrue(StepMath.sigmoid(-700) > 0, "no underflow to 0 where the double range allows");
        assertEquals(1 / (1 + Math.exp(-1.5)), StepMath.sigmoid(1.5), 1e-16);
        assertEquals(Math.exp(-1.5) / (1 + Math.exp(-1.5)), StepMath.sigmoid(-1.5), 1e-16);
    }

    @Test
    void coefficientsAreMinusTheLossDerivativeAndLossesAreReported() {
        StepResult r = new StepResult();
        assertEquals(3 - 1.25, StepMath.coefficientAndLoss(false, 3, 1.25, r));
        assertEquals(0.5 * 1.75 * 1.75, r.loss);
        // logistic: c = y * sigmoid(-y m), loss = log(1 + exp(-y m)), computed exactly as sigmoid() does
        // Math.exp may differ by an ulp between the interpreter and the intrinsic: compare within 1e-16
        assertEquals(StepMath.sigmoid(-2), StepMath.coefficientAndLoss(true, 1, 2, r), 1e-16);
        assertEquals(Math.log1p(Math.exp(-2)), r.loss, 1e-15, "log(1 + e) is within a few ulps of log1p(e)");
        assertEquals(-StepMath.sigmoid(2), StepMath.coefficientAndLoss(true, -1, 2, r), 1e-16);
        assertEquals(2 + Math.log1p(Math.exp(-2)), r.loss, 1e-15);
        assertEquals(1.0, StepMath.coefficientAndLoss(true, 1, -800, r), "saturated sigmoid");
        assertEquals(800.0, r.loss, "no overflow at large margins");
    }

    @Test
    void modelGradientNormMatchesTheVector() {
        // g = -c x + mu w with x = (1, 2), w = (3, -1), c = 0.5, mu = 0.25
        double c = 0.5;
        double mu = 0.25;
        double[] x = {1, 2};
        double[] w = {3, -1};
        double g0 = -c * x[0] + mu * w[0];
        double g1 = -c * x[1] + mu * w[1];
        double margin = w[0] * x[0] + w[1] * x[1];
        double expected = Math.hypot(g0, g1);
        assertEquals(expected, StepMath.modelGradientNorm(c, margin, 5, 10, mu), 1e-15);
        assertEquals(0.5 * Math.sqrt(5), StepMath.modelGradientNorm(c, margin, 5, 10, 0), 1e-15);
        assertEquals(0.0, StepMath.modelGradientNorm(1, 1, 1, 1, 1), "cancellation clamps at 0, never NaN");
        assertEquals(0.0, StepMath.modelGradientNorm(1, 1 + 1e-12, 1, 1, 1));
    }

    @Test
    void meanFastScaleChoosesTheWidePathAtTheThresholdAndOnOvershoot() {
        assertEquals(0.1f, StepMath.meanFastScale(1f, 0.1f, 10f, 1f));
        assertEquals((float) (0.1 * 0.5), StepMath.meanFastScale(4f, 0.1f, 1f, 1f));
        assertTrue(Float.isNaN(StepMath.meanFastScale((float) Kernels.WIDE_THRESHOLD, 0.1f, 1f, 1f)));
        assertFalse(Float.isNaN(StepMath.meanFastScale(Math.nextDown((float) Kernels.WIDE_THRESHOLD), 0.1f, 1f, 1f)));
        assertTrue(Float.isNaN(StepMath.meanFastScale(Float.NaN, 0.1f, 1f, 1f)));
        assertTrue(Float.isNaN(StepMath.meanFastScale(Float.POSITIVE_INFINITY, 0.1f, 1f, 1f)));
        assertEquals(1f, StepMath.meanFastScale(1f, 1f, 10f, 1f), "s * k == 1 is still a convex step");
        assertTrue(Float.isNaN(StepMath.meanFastScale(1f, 1f, 10f, 1.5f)), "s * k > 1 overshoots");
    }

    @Test
    void modelFastRejectsLargeSumsAndCoefficients() {
        StepResult r = new StepResult();
        assertTrue(StepMath.modelFast(false, 1f, 0.1f, 1f, 0f, 0.5f, 1f, 1f, r));
        assertEquals(0.5, r.gradientNorm);
        assertEquals((float) (0.1 * 0.5), r.xCoefficient);
        assertEquals(1f, r.wCoefficient);
        assertFalse(r.wide);
        float big = (float) Kernels.WIDE_THRESHOLD;
        assertFalse(StepMath.modelFast(false, 1f, 0.1f, 1f, 0f, big, 1f, 1f, r));
        assertFalse(StepMath.modelFast(false, 1f, 0.1f, 1f, 0f, -big, 1f, 1f, r));
        assertFalse(StepMath.modelFast(false, 1f, 0.1f, 1f, 0f, 0f, big, 1f, r));
        assertFalse(StepMath.modelFast(false, 1f, 0.1f, 1f, 0f, 0f, 1f, big, r));
        assertFalse(StepMath.modelFast(false, 1f, 0.1f, 1f, 0f, Float.NaN, 1f, 1f, r));
        // unclipped plain SGD with a huge residual: |a| = eta * |r| >= 2^64
        assertFalse(StepMath.modelFast(false, 0x1p70f, 1f, Float.POSITIVE_INFINITY, 0f, 0f, 1f, 1f, r));
        assertTrue(StepMath.modelFast(false, 0x1p60f, 1f, Float.POSITIVE_INFINITY, 0f, 0f, 1f, 1f, r));
        // |b| = |1 - eta mu| >= 2^64
        assertFalse(StepMath.modelFast(false, 1f, 0x1p66f, Float.POSITIVE_INFINITY, 1f, 0f, 1f, 1f, r));
        // the coefficient limit is exclusive: |a| = 2^64 exactly goes wide, just below stays fast
        assertFalse(StepMath.modelFast(false, 0x1p64f, 1f, Float.POSITIVE_INFINITY, 0f, 0f, 1f, 1f, r));
        assertTrue(StepMath.modelFast(false, Math.nextDown(0x1p64f), 1f, Float.POSITIVE_INFINITY, 0f, 0f, 1f, 1f, r));
        assertFalse(StepMath.modelFast(false, 0f, 0x1p64f, Float.POSITIVE_INFINITY, 1f, 0f, 1f, 1f, r),
                "|b| = |1 - 2^64| rounds to 2^64");
        assertTrue(StepMath.modelFast(false, 0f, 0x1p62f, Float.POSITIVE_INFINITY, 1f, 0f, 1f, 1f, r));
    }

    @Test
    void saturateClampsToTheFloatRange() {
        assertEquals(Float.MAX_VALUE, StepMath.saturate(1e300));
        assertEquals(-Float.MAX_VALUE, StepMath.saturate(-1e300));
        assertEquals(1.5f, StepMath.saturate(1.5));
        assertTrue(Float.isNaN(StepMath.saturate(Double.NaN)));
    }
}
