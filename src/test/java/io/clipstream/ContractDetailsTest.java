package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.Calls.Input;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The details of the bad-input contract that an outside test found broken (issue 12, item 5). */
class ContractDetailsTest {

    private static final int D = 5;
    private static final int N = 6;

    static List<Supplier<Estimator>> batchEstimators() {
        return List.of(() -> MeanEstimator.builder(D).build(), () -> LinearRegression.builder(D).build(),
                () -> LogisticRegression.builder(D).buildLogistic(), () -> SoftmaxRegression.builder(D, 3).build());
    }

    private static final Loss MEAN_LOSS = (theta, x, y, g) -> {
        double loss = 0;
        for (int i = 0; i < theta.length; i++) {
            g[i] = theta[i] - x[i];
            loss += 0.5 * g[i] * g[i];
        }
        return loss;
    };

    /** The javadoc of rejectedCount says score calls are not counted; CustomEstimator.score counted them. */
    @Test
    void customScoreRefusalsAreNotCounted() {
        CustomEstimator c = CustomEstimator.builder(3, MEAN_LOSS).build();
        assertEquals("x[1] is NaN (values must be finite)", assertThrows(IllegalArgumentException.class,
                () -> c.score(new float[] {0, Float.NaN, 0}, 0f)).getMessage());
        assertEquals("label y is Infinity (must be finite)", assertThrows(IllegalArgumentException.class,
                () -> c.score(new float[3], Float.POSITIVE_INFINITY)).getMessage());
        assertEquals(0, c.rejectedCount());
        assertThrows(IllegalArgumentException.class, () -> c.update(new float[] {0, Float.NaN, 0}, 0f));
        assertEquals(1, c.rejectedCount(), "updates still count");
    }

    @Test
    void customScoreOfNullSaysNull() {
        CustomEstimator c = CustomEstimator.builder(3, MEAN_LOSS).build();
        assertEquals("x must not be null", assertThrows(IllegalArgumentException.class,
                () -> c.score(null, 0f)).getMessage());
        assertEquals("x has length 2 but the estimator's dimension is 3", assertThrows(IllegalArgumentException.class,
                () -> c.score(new float[2], 0f)).getMessage());
    }

    /** A null policy was an NPE; every batch call over every input kind refuses it with an IAE, counting the rows. */
    @Test
    void aNullPolicyIsAnIllegalArgumentCountedForEveryRow() {
        for (Supplier<Estimator> make : batchEstimators()) {
            for (Input input : List.of(Input.ARRAY, Input.HEAP_SEGMENT, Input.NATIVE_SEGMENT)) {
                Estimator e = make.get();
                byte[] before = Fixtures.state(e);
                IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Calls.updateBatch(e,
                        input, new float[N * D], 0, N, new float[N], new int[N], 0, N, null));
                assertEquals("policy must not be null", x.getMessage());
                assertEquals(N, e.rejectedCount(), e.task() + " " + input);
                assertArrayEquals(before, Fixtures.state(e));
            }
        }
    }

    /**
     * REJECT_BATCH named the label's row when an earlier row had a bad value: it names the first bad row, whatever
     * its problem (within one row, the value).
     */
    @Test
    void rejectBatchNamesTheFirstBadRowValueOrLabel() {
        for (Supplier<Estimator> make : batchEstimators()) {
            for (Input input : List.of(Input.ARRAY, Input.HEAP_SEGMENT, Input.NATIVE_SEGMENT)) {
                Estimator e = make.get();
                if (e instanceof MeanEstimator) {
                    continue; // no labels
                }
                SplittableRandom r = new SplittableRandom(4);
                float[] xs = Fixtures.gaussian(r, N * D, 1);
                float[] ys = new float[N];
                int[] labels = new int[N];
                xs[2 * D + 3] = Float.NaN;
                ys[4] = Float.NaN;
                labels[4] = 9;
                String what = e.task() + " " + input;
                assertEquals("row 2: x[3] is NaN (values must be finite); the batch of 6 rows was not applied",
                        assertThrows(IllegalArgumentException.class, () -> Calls.updateBatch(e, input, xs, 0, N, ys,
                                labels, 0, -1, BadRowPolicy.REJECT_BATCH)).getMessage(), what);
                ys[1] = Float.POSITIVE_INFINITY;
                labels[1] = -1;
                String label = assertThrows(IllegalArgumentException.class, () -> Calls.updateBatch(e, input, xs, 0, N,
                        ys, labels, 0, -1, BadRowPolicy.REJECT_BATCH)).getMessage();
                assertTrue(label.startsWith("row 1: ") && !label.contains("x["), what + ": " + label);
                xs[D] = Float.NEGATIVE_INFINITY;
                assertEquals("row 1: x[0] is -Infinity (values must be finite); the batch of 6 rows was not applied",
                        assertThrows(IllegalArgumentException.class, () -> Calls.updateBatch(e, input, xs, 0, N, ys,
                                labels, 0, -1, BadRowPolicy.REJECT_BATCH)).getMessage(), what + ", same row");
                assertEquals(3L * N, e.rejectedCount());
                assertEquals(0, e.samplesSeen());
            }
        }
    }

    /**
     * One rule for refused batch calls: every row is counted, whatever the argument at fault (a short xs added n,
     * short labels added 0); a batch with {@code n < 0} has no rows to count. The state never changes.
     */
    @Test
    void everyRefusedBatchCountsItsRows() {
        float[] xs = new float[N * D];
        for (Supplier<Estimator> make : batchEstimators()) {
            for (Input input : List.of(Input.ARRAY, Input.HEAP_SEGMENT, Input.NATIVE_SEGMENT)) {
                Estimator e = make.get();
                byte[] before = Fixtures.state(e);
                String what = e.task() + " " + input;
                List<Runnable> refused = List.of(
                        () -> Calls.updateBatch(e, input, null, 0, N, new float[N], new int[N], 0, -1,
                                BadRowPolicy.SKIP_AND_COUNT),
                        () -> Calls.updateBatch(e, input, new float[N * D - 1], 0, N, new float[N], new int[N], 0, -1,
                                BadRowPolicy.SKIP_AND_COUNT),
                        () -> Calls.updateBatch(e, input, xs, -1, N, new float[N], new int[N], 0, -1,
                                BadRowPolicy.SKIP_AND_COUNT),
                        () -> Calls.updateBatch(e, input, xs, 0, N, new float[N], new int[N], 0, N - 1,
                                BadRowPolicy.SKIP_AND_COUNT),
                        () -> Calls.updateBatch(e, input, xs, 0, N, new float[N], new int[N], 0, -1, null));
                List<Runnable> labelled = List.of(
                        () -> Calls.updateBatch(e, input, xs, 0, N, null, null, 0, -1, BadRowPolicy.SKIP_AND_COUNT),
                        () -> Calls.updateBatch(e, input, xs, 0, N, new float[N - 1], new int[N - 1], 0, -1,
                                BadRowPolicy.SKIP_AND_COUNT),
                        () -> Calls.updateBatch(e, input, xs, 0, N, new float[N], new int[N], 1, -1,
                                BadRowPolicy.SKIP_AND_COUNT));
                long expected = 0;
                for (Runnable call : refused) {
                    assertThrows(IllegalArgumentException.class, call::run, what);
                    expected += N;
                    assertEquals(expected, e.rejectedCount(), what);
                }
                if (!(e instanceof MeanEstimator)) {
                    for (Runnable call : labelled) {
                        assertThrows(IllegalArgumentException.class, call::run, what);
                        expected += N;
                        assertEquals(expected, e.rejectedCount(), what + " (labels)");
                    }
                }
                assertThrows(IllegalArgumentException.class, () -> Calls.updateBatch(e, input, xs, 0, -2, new float[N],
                        new int[N], 0, -1, BadRowPolicy.SKIP_AND_COUNT));
                assertEquals(expected, e.rejectedCount(), what + ": n < 0 counts nothing");
                assertArrayEquals(before, Fixtures.state(e), what);
            }
        }
    }
}
