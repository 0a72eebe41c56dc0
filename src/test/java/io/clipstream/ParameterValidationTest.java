package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Builders refuse every parameter the float arithmetic cannot use: values that round to infinity or to 0 as a
 * float, and steps outside a task's documented range (issue 12, item 2). Before, {@code l2(1e300)} was accepted,
 * became {@code mu = Infinity}, and the first update wrote NaN into the state and then threw.
 */
class ParameterValidationTest {

    @Test
    void l2BeyondFloatOrRoundingToZeroIsRefusedByEveryBuilder() {
        for (double bad : new double[] {1e300, Math.nextUp((double) Float.MAX_VALUE) * 1.0000001, 1e-60,
                Double.MIN_VALUE}) {
            String value = String.valueOf(bad);
            List<Executable> builders = List.of(() -> MeanEstimator.builder(4).l2(bad),
                    () -> LinearRegression.builder(4).l2(bad), () -> LogisticRegression.builder(4).l2(bad),
                    () -> SoftmaxRegression.builder(4, 3).l2(bad),
                    () -> CustomEstimator.builder(4, ExtremeValuesProperties.LEAST_SQUARES).l2(bad),
                    () -> EstimatorConfig.checkL2(bad));
            for (Executable b : builders) {
                String message = assertThrows(IllegalArgumentException.class, b).getMessage();
                assertTrue(message.startsWith("l2 must round to a finite float > 0 (it is used as one): " + value
                        + " rounds to "), message);
            }
        }
        // the ends of the usable range are accepted
        LinearRegression.builder(4).l2(Float.MAX_VALUE).build();
        LinearRegression.builder(4).l2(Float.MIN_VALUE).build();
        LinearRegression.builder(4).l2(0).build();
    }

    /** The issue's case: refused at the builder now, so no update can run with an infinite L2 coefficient. */
    @Test
    void theReportedL2CaseIsRefusedBeforeAnyStateExists() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearRegression.builder(4).l2(1e300));
        assertEquals("l2 must round to a finite float > 0 (it is used as one): 1.0E300 rounds to Infinity",
                e.getMessage());
    }

    @Test
    void stepSizesMustBePositiveFloatsAtEveryUpdate() {
        assertRefused("step size must round to a finite float > 0 (it is used as one): 1.0E300 rounds to Infinity",
                () -> StepSize.constant(1e300));
        assertRefused("step size must round to a finite float > 0 (it is used as one): 1.0E-60 rounds to 0.0",
                () -> StepSize.constant(1e-60));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StepSize.halfLife(1e50)).getMessage()
                .matches("half-life is too long: its step 6\\.93\\d*E-51 rounds to 0 as a float \\(steps are used as "
                        + "floats\\): 1\\.0E50"));
        assertSchedule("Horizon[c=1.0E300, alpha=0.5, horizon=10]: eta(0) = 3.16", () -> StepSize.horizon(1e300, 0.5, 10));
        assertSchedule("Horizon[c=1.0E-50, alpha=0.5, horizon=10]: eta(0) = 3.16", () -> StepSize.horizon(1e-50, 0.5, 10));
        assertSchedule("Doubling[c=1.0E300, alpha=0.5, firstEpoch=1]: eta(0) = 1.0E300",
                () -> StepSize.doubling(1e300, 0.5, 1));
        assertSchedule("Doubling[c=1.0E-30, alpha=1.0, firstEpoch=1]: eta(9223372036854775807) = 2.16",
                () -> StepSize.doubling(1e-30, 1, 1));
        assertSchedule("InverseTime[c=1.0E-30, offset=1.0]: eta(9223372036854775807) = 1.08",
                () -> StepSize.inverseTime(1e-30, 1));
        assertSchedule("InverseTime[c=1.0E300, offset=1.0]: eta(0) = 1.0E300", () -> StepSize.inverseTime(1e300, 1));
        // ordinary schedules are untouched
        StepSize.doubling(0.5, 1, 1);
        StepSize.inverseTime(1e-20, 1);
        StepSize.halfLife(1e40);
        StepSize.constant(Float.MAX_VALUE);
    }

    @Test
    void fixedClipLevelsMustBePositiveFloats() {
        assertRefused("clip level must round to a finite float > 0 (it is used as one): 1.0E300 rounds to Infinity",
                () -> ClipPolicy.fixed(1e300));
        assertRefused("clip level must round to a finite float > 0 (it is used as one): 1.0E-50 rounds to 0.0",
                () -> ClipPolicy.fixed(1e-50));
        ClipPolicy.fixed(Float.MIN_VALUE);
        ClipPolicy.fixed(Float.MAX_VALUE);
    }

    /** {@code StepSize.constant} documents (0, 1] for the mean: a larger step overshoots the sample. */
    @Test
    void theMeansStepMustStayInItsDocumentedRange() {
        assertRefused("the mean's step size must be in (0, 1]: Constant[value=1.5] starts at 1.5",
                () -> MeanEstimator.builder(4).stepSize(StepSize.constant(1.5)).build());
        assertRefused("the mean's step size must be in (0, 1]: Horizon[c=2.0, alpha=0.0, horizon=10] starts at 2.0",
                () -> MeanEstimator.builder(4).stepSize(StepSize.horizon(2, 0, 10)).build());
        assertRefused("the mean's step size must be in (0, 1]: InverseTime[c=3.0, offset=1.0] starts at 3.0",
                () -> MeanEstimator.builder(4).stepSize(StepSize.inverseTime(3, 1)).build());
        assertRefused("a keyed store's step size must be in (0, 1] (it estimates means): Constant[value=1.5]",
                () -> io.clipstream.ingest.KeyedStore.builder(4).stepSize(StepSize.constant(1.5)));
        MeanEstimator.builder(4).stepSize(StepSize.constant(1)).build();
        MeanEstimator.builder(4).stepSize(StepSize.inverseTime(1, 1)).build();
        // models take any positive float step (normalised steps are a fraction of the residual, plain ones are not)
        LinearRegression.builder(4).stepSize(StepSize.constant(1.5)).build();
    }

    /**
     * A custom loss whose gradient norm overflows double (each component finite): before, {@code lambda / norm}
     * was {@code inf / inf} before the first sample, and the state became NaN.
     */
    @Test
    void aCustomGradientWhoseNormOverflowsDoubleIsClippedNotNaN() {
        Loss huge = (theta, x, y, g) -> {
            for (int i = 0; i < g.length; i++) {
                g[i] = i % 2 == 0 ? 1e308 : -1e308;
            }
            return 1;
        };
        for (ClipPolicy clip : List.of(ClipPolicy.adaptive(), ClipPolicy.none(), ClipPolicy.fixed(1),
                ClipPolicy.rollingQuantile(0.5, 8))) {
            CustomEstimator c = CustomEstimator.builder(4, huge).clip(clip).build();
            for (int i = 0; i < 3; i++) {
                c.update(new float[4], 0f);
                ExtremeValuesTest.assertFiniteState(c, clip.toString());
            }
            assertEquals(3, c.samplesSeen());
            assertTrue(Double.isFinite(c.clipLevel()) || clip instanceof ClipPolicy.None, clip + ": " + c.clipLevel());
            float[] theta = Fixtures.estimate(c);
            assertTrue(theta[0] < 0 && theta[1] > 0, "moved against the gradient: " + java.util.Arrays.toString(theta));
            byte[] snap = c.snapshot();
            CustomEstimator.restore(snap, huge).update(new float[4], 0f);
        }
    }

    /** The message names the schedule and the offending step; the step's last digits are left to Math.pow. */
    private static void assertSchedule(String prefix, Executable call) {
        String message = assertThrows(IllegalArgumentException.class, call).getMessage();
        assertTrue(message.startsWith(prefix) && message.endsWith(" is not a float > 0 (steps are used as floats)"),
                message);
    }

    private static void assertRefused(String message, Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void buildersRefuseAnImpossibleDimensionOrMeanStepWhenGivenNotAtBuild() {
        int tooBig = EstimatorConfig.MAX_PARAMETERS + 1;
        for (Executable b : List.<Executable>of(() -> MeanEstimator.builder(tooBig),
                () -> LinearRegression.builder(tooBig), () -> LogisticRegression.builder(tooBig))) {
            assertEquals("dimension must be <= 2^28: " + tooBig,
                    assertThrows(IllegalArgumentException.class, b).getMessage());
        }
        assertEquals("dimension must be > 0: 0", assertThrows(IllegalArgumentException.class,
                () -> MeanEstimator.builder(0)).getMessage());
        MeanEstimator.Builder mean = MeanEstimator.builder(4);
        String message = assertThrows(IllegalArgumentException.class,
                () -> mean.stepSize(StepSize.constant(2))).getMessage();
        assertTrue(message.startsWith("the mean's step size must be in (0, 1]: "), message);
        assertEquals(StepSize.constant(1).eta(0), mean.stepSize(StepSize.constant(1)).build().config().stepSize().eta(0),
                "a refused setter leaves the builder as it was");
    }

    @Test
    void stepSizesRefuseANegativeUpdateNumber() {
        for (StepSize s : List.of(StepSize.constant(0.1), StepSize.halfLife(10), StepSize.inverseTime(1, 1),
                StepSize.doubling(1, 0.5, 10), StepSize.horizon(1, 0.5, 100))) {
            assertEquals("update number t must be >= 0: -2",
                    assertThrows(IllegalArgumentException.class, () -> s.eta(-2)).getMessage(), s.toString());
            assertTrue(s.eta(0) > 0 && s.eta(5) > 0);
        }
    }
}
