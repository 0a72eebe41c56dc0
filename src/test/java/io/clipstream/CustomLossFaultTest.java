package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * A loss that throws, or writes into the arrays it is given, is the loss's fault: the sample is refused (counted, the
 * message says what the loss did) and the estimator behaves exactly like its own snapshot afterwards. (A throwing
 * loss once left a batch half-applied and uncounted with its raw exception; a loss writing into theta changed the
 * next step behind a refusal or a score.)
 */
class CustomLossFaultTest {

    /** 0: squared distance; 1: throw on the call; 2: write into theta and x, then return normally. */
    private int mode;
    private int calls;
    private int throwAt = -1;

    private final Loss loss = (theta, x, y, g) -> {
        calls++;
        if (mode == 1 || calls == throwAt) {
            throw new ArithmeticException("boom");
        }
        double s = 0;
        for (int i = 0; i < theta.length; i++) {
            g[i] = theta[i] - x[i];
            s += g[i] * g[i] / 2;
        }
        if (mode == 2) {
            theta[0] = 1000f;
            x[0] = Float.NaN;
        }
        return s;
    };

    private CustomEstimator fed() {
        CustomEstimator e = CustomEstimator.builder(2, loss).build();
        for (int i = 0; i < 10; i++) {
            e.update(new float[] {1, 2}, 0f);
        }
        return e;
    }

    @Test
    void aThrowingLossRefusesTheSampleAndIsCounted() {
        CustomEstimator e = fed();
        byte[] before = e.snapshot();
        mode = 1;
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.update(new float[] {1, 2},
                0f));
        assertEquals("the loss threw java.lang.ArithmeticException: boom", ex.getMessage());
        assertEquals(1, e.rejectedCount());
        assertEquals(10, e.samplesSeen());
        IllegalArgumentException scored = assertThrows(IllegalArgumentException.class,
                () -> e.score(new float[] {1, 2}, 0f));
        assertEquals("the loss threw java.lang.ArithmeticException: boom", scored.getMessage());
        mode = 0;
        assertSameAsRestored(before, e);
    }

    @Test
    void aLossThatThrowsInABatchSkipsAndCountsItsRow() {
        CustomEstimator e = CustomEstimator.builder(2, loss).build();
        throwAt = 3;
        double[] scores = new double[4];
        int applied = e.updateBatch(new float[8], 0, 4, new float[4], 0, scores, 0, BadRowPolicy.REJECT_BATCH);
        assertEquals(3, applied);
        assertEquals(3, e.samplesSeen());
        assertEquals(1, e.rejectedCount(), "every row applied or counted");
        assertEquals(Double.NaN, scores[2]);
        assertEquals(0.0, scores[3]);
    }

    @Test
    void writesIntoTheLossArraysChangeNothing() {
        CustomEstimator e = fed();
        byte[] before = e.snapshot();
        mode = 2;
        double s = e.score(new float[] {1, 2}, 0f);
        assertArrayEquals(before, e.snapshot());
        e.update(new float[] {1, 2}, 0f);
        mode = 0;
        CustomEstimator twin = CustomEstimator.restore(before, loss);
        twin.update(new float[] {1, 2}, 0f);
        assertArrayEquals(twin.snapshot(), e.snapshot(), "the step ran from the estimator's own theta and sample");
        assertEquals(twin.score(new float[] {3, 4}, 0f), e.score(new float[] {3, 4}, 0f));
        assertEquals(s, CustomEstimator.restore(before, loss).score(new float[] {1, 2}, 0f));
    }

    private void assertSameAsRestored(byte[] before, CustomEstimator e) {
        CustomEstimator twin = CustomEstimator.restore(before, loss);
        for (int i = 0; i < 5; i++) {
            float[] x = {i, 2 * i};
            assertEquals(twin.update(x, 0f), e.update(x, 0f));
        }
        float[] probe = {7, 8};
        assertEquals(twin.score(probe, 0f), e.score(probe, 0f));
    }
}
