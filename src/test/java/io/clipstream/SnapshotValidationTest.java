package io.clipstream;

import static io.clipstream.SnapshotBytes.withByte;
import static io.clipstream.SnapshotBytes.withDouble;
import static io.clipstream.SnapshotBytes.withFloat;
import static io.clipstream.SnapshotBytes.withInt;
import static io.clipstream.SnapshotBytes.withLong;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Restore validates every field, by the builders' rules (issue 12, item 3): a snapshot whose checksum is valid but
 * whose fields are out of range is refused with an {@link IllegalArgumentException}, and whatever restores is
 * usable (it accepts a good sample, stays finite, and writes a snapshot its own reader accepts). Every case below
 * edits one field of a real snapshot and recomputes the CRC.
 */
class SnapshotValidationTest {

    /** A good sample for {@code e}'s task, applied; then the state is finite and the snapshot restores. */
    static void assertUsable(Estimator e, Loss loss) {
        SplittableRandom r = new SplittableRandom(e.dimension());
        float[] x = Fixtures.gaussian(r, e.dimension(), 1);
        double score = ExtremeValuesTest.update(e, x, 0.5f, 1);
        assertTrue(!Double.isNaN(score), "score of a good sample is NaN");
        ExtremeValuesTest.assertFiniteState(e, "restored, then a good sample");
        byte[] again = e.snapshot();
        Estimator back = e instanceof CustomEstimator ? CustomEstimator.restore(again, loss) : Estimator.restore(again);
        assertArrayEquals(again, back.snapshot(), "its own snapshot restores to the same bytes");
    }

    private static Estimator fed(Estimator e, int n) {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            ExtremeValuesTest.update(e, Fixtures.gaussian(r, e.dimension(), 1), 1f, i % 2);
        }
        return e;
    }

    private static void assertRefused(String fragment, byte[] bytes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Estimator.restore(bytes),
                "expected a refusal mentioning: " + fragment);
        assertTrue(e.getMessage().startsWith("invalid snapshot: ") && e.getMessage().contains(fragment),
                e.getMessage());
    }

    @Test
    void configurationFieldsFollowTheBuildersRules() {
        byte[] linear = fed(LinearRegression.builder(4).l2(0.01).build(), 5).snapshot();
        assertRefused("l2 must round to a finite float > 0", withDouble(linear, SnapshotBytes.L2, 1e300));
        assertRefused("l2 must round to a finite float > 0", withDouble(linear, SnapshotBytes.L2, 1e-60));
        assertRefused("step size must round to a finite float > 0", withDouble(linear, SnapshotBytes.STEP_1, 1e300));
        byte[] mean = fed(MeanEstimator.builder(4).stepSize(StepSize.constant(0.5)).build(), 5).snapshot();
        assertRefused("the mean's step size must be in (0, 1]", withDouble(mean, SnapshotBytes.STEP_1, 1.5));
        byte[] fixed = fed(MeanEstimator.builder(4).clip(ClipPolicy.fixed(2)).build(), 5).snapshot();
        assertRefused("clip level must round to a finite float > 0", withDouble(fixed, SnapshotBytes.CLIP_1, 1e-50));
        assertRefused("flags", withByte(mean, SnapshotBytes.FLAGS, 2));
        assertRefused("normalizeSteps", withByte(mean, SnapshotBytes.FLAGS, 1));
    }

    @Test
    void unusedFieldsAndPaddingMustBeZero() {
        byte[] mean = fed(MeanEstimator.builder(4).stepSize(StepSize.constant(0.5)).clip(ClipPolicy.fixed(2)).build(), 5)
                .snapshot();
        assertRefused("byte 25", withByte(mean, 25, 1));
        assertRefused("byte 57", withByte(mean, 57, 1));
        assertRefused("byte 148", withByte(mean, 148, 1));
        assertRefused("step parameter 2", withDouble(mean, SnapshotBytes.STEP_2, 0.5));
        assertRefused("step parameter 3", withLong(mean, SnapshotBytes.STEP_3, 7));
        assertRefused("clip parameter 2", withDouble(mean, SnapshotBytes.CLIP_2, 0.5));
        assertRefused("rolling window", withInt(mean, SnapshotBytes.RING_COUNT, 1));
        assertRefused("clip state", withDouble(mean, SnapshotBytes.CLIP_STATE, 3));
        assertRefused("feature-scale state", withDouble(mean, SnapshotBytes.SCALE_STATE, 1));
    }

    @Test
    void countersMustBeConsistent() {
        byte[] s = fed(MeanEstimator.builder(4).clip(ClipPolicy.fixed(0.1)).build(), 5).snapshot();
        assertRefused("clipped", withLong(s, SnapshotBytes.CLIPPED, 6));
        assertRefused("samples", withLong(s, SnapshotBytes.SAMPLES, -1));
        assertRefused("rejected", withLong(s, SnapshotBytes.REJECTED, -1));
        assertRefused("schedule time", withLong(s, SnapshotBytes.TIME, 9));
        byte[] none = fed(MeanEstimator.builder(4).clip(ClipPolicy.none()).build(), 5).snapshot();
        assertRefused("clipped", withLong(none, SnapshotBytes.CLIPPED, 1));
    }

    /** Counters saturate at Long.MAX_VALUE instead of wrapping to a negative count the reader would refuse. */
    @Test
    void countersAtLongMaxValueRestoreAndStayUsable() {
        for (Estimator e : new Estimator[] {fed(MeanEstimator.builder(4).build(), 5),
                fed(LinearRegression.builder(4).stepSize(StepSize.inverseTime(1, 1)).build(), 5),
                fed(LogisticRegression.builder(4).stepSize(StepSize.doubling(0.5, 0.5, 3)).buildLogistic(), 5)}) {
            byte[] s = e.snapshot();
            long max = Long.MAX_VALUE;
            byte[] edited = withLong(withLong(withLong(withLong(s, SnapshotBytes.SAMPLES, max), SnapshotBytes.TIME, max),
                    SnapshotBytes.CLIPPED, max), SnapshotBytes.REJECTED, max);
            Estimator restored = Estimator.restore(edited);
            assertUsable(restored, null);
            assertEquals(max, restored.samplesSeen());
            assertEquals(max, restored.clippedCount());
            assertEquals(max, restored.rejectedCount());
            assertTrue(restored.stepSize() > 0, "the step at the end of the schedule is still a positive float");
        }
    }

    @Test
    void trackerStatesMustBeInRange() {
        byte[] adaptive = fed(LinearRegression.builder(4).build(), 5).snapshot();
        assertRefused("clip state", withDouble(adaptive, SnapshotBytes.CLIP_STATE, Double.POSITIVE_INFINITY));
        assertRefused("clip state", withDouble(adaptive, SnapshotBytes.CLIP_STATE, -1));
        assertRefused("feature-scale state", withDouble(adaptive, SnapshotBytes.SCALE_STATE, Double.POSITIVE_INFINITY));
        assertRefused("feature-scale state", withDouble(adaptive, SnapshotBytes.SCALE_STATE, -1e-300));
        // the tracker's own "nothing seen yet" (NaN) and zero are states it reaches by itself
        assertUsable(Estimator.restore(withDouble(adaptive, SnapshotBytes.CLIP_STATE, Double.NaN)), null);
        assertUsable(Estimator.restore(withDouble(adaptive, SnapshotBytes.CLIP_STATE, 0)), null);

        byte[] rolling = fed(MeanEstimator.builder(4).clip(ClipPolicy.rollingQuantile(0.5, 8)).build(), 5).snapshot();
        assertRefused("clip state", withDouble(rolling, SnapshotBytes.CLIP_STATE, Double.NaN));
        assertRefused("clip state", withDouble(rolling, SnapshotBytes.CLIP_STATE, 0));
        assertRefused("clip state", withDouble(rolling, SnapshotBytes.CLIP_STATE, 1e300));
        assertRefused("rolling window", withInt(rolling, SnapshotBytes.RING_POSITION, 2));
        assertRefused("rolling window", withInt(rolling, SnapshotBytes.RING_SINCE, 7));
        assertRefused("rolling window value", withFloat(rolling, SnapshotFormat.HEADER + 4 * 6, 1f));
        byte[] empty = MeanEstimator.builder(4).clip(ClipPolicy.rollingQuantile(0.5, 8)).build().snapshot();
        assertRefused("clip state", withDouble(empty, SnapshotBytes.CLIP_STATE, 1));
    }

    /**
     * A tiny feature-scale state (the running median of {@code ||x||^2}) used to make the normalised step overflow
     * and the next update NaN; it is a state the tracker reaches on tiny features, so it restores and is usable.
     */
    @Test
    void aTinyFeatureScaleRestoresAndIsUsable() {
        for (double tiny : new double[] {1e-40, 1e-300, Double.MIN_VALUE, 0}) {
            for (Estimator e : new Estimator[] {fed(LinearRegression.builder(4).build(), 5),
                    fed(LogisticRegression.builder(4).buildLogistic(), 5), fed(SoftmaxRegression.builder(4, 3).build(), 5)}) {
                assertUsable(Estimator.restore(withDouble(e.snapshot(), SnapshotBytes.SCALE_STATE, tiny)), null);
            }
        }
    }

    @Test
    void everyFieldEditOfAGoodSnapshotIsRefusedOrUsable() {
        byte[] good = fed(LinearRegression.builder(3).build(), 7).snapshot();
        int refused = 0;
        for (int at = 8; at < SnapshotFormat.HEADER; at++) {
            for (int v : new int[] {0, 1, 0x7f, 0x80, 0xff}) {
                if (good[at] == (byte) v) {
                    continue;
                }
                byte[] bytes = withByte(good, at, v);
                Estimator e;
                try {
                    e = Estimator.restore(bytes);
                } catch (IllegalArgumentException expected) {
                    refused++;
                    continue;
                }
                assertUsable(e, null);
            }
        }
        assertTrue(refused > 0);
    }
}
