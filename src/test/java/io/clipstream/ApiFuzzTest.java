package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clipstream.Calls.Input;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A seeded, bounded fuzzer of the public update, batch and score calls (issue 12, item 7): random mixes of good,
 * extreme (subnormal to {@code Float.MAX_VALUE}) and bad samples, labels and batch arguments, on every task and
 * every input kind (array, array + offset, heap segment, native segment; batches over arrays and both segment
 * kinds, under SKIP_AND_COUNT, REJECT_BATCH and a null policy), with random step, clip and L2 settings. For every
 * call it predicts from the arguments alone whether the call must be refused, and checks the contract:
 * <ul>
 *   <li>refused: an {@link IllegalArgumentException} (nothing else), the state bit-identical (snapshot bytes apart
 *       from the rejected counter), and {@code rejectedCount} up by exactly the rule's count (1 per sample, every
 *       row of a refused batch, none for {@code n < 0} or a score call);</li>
 *   <li>accepted: the state finite, {@code samplesSeen} up by the rows applied, skipped rows counted.</li>
 * </ul>
 */
class ApiFuzzTest {

    private static final int CALLS = 1_500;

    @Test
    void randomCallsKeepTheContract() {
        for (long seed = 1; seed <= 3; seed++) {
            for (Task task : Task.values()) {
                run(task, seed);
            }
        }
    }

    private static void run(Task task, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 31 + task.ordinal());
        int d = new int[] {1, 3, 8, 17}[r.nextInt(4)];
        Estimator e = ExtremeValuesProperties.estimator(task, d, r);
        int classes = e instanceof SoftmaxRegression s ? s.classes() : 2;
        for (int call = 0; call < CALLS; call++) {
            String where = task + " seed " + seed + " call " + call + " (" + e.config() + ")";
            int kind = r.nextInt(10);
            if (kind < 6) {
                perSample(e, r, d, classes, where);
            } else if (kind < 9) {
                batch(e, r, d, classes, where);
            } else {
                score(e, r, d, classes, where);
            }
        }
    }

    /** A row: 0 good, 1 extreme but finite, 2 non-finite. */
    private static float[] row(SplittableRandom r, int d, int quality) {
        float[] x = quality == 1 ? ExtremeValuesProperties.sample(r, d) : Fixtures.gaussian(r, d, 2);
        if (quality == 2) {
            x[r.nextInt(d)] = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[r.nextInt(3)];
        }
        return x;
    }

    private static int quality(SplittableRandom r) {
        int q = r.nextInt(10);
        return q < 6 ? 0 : q < 8 ? 1 : 2;
    }

    private static boolean badLabel(Estimator e, float y, int label, int classes) {
        return switch (e.task()) {
            case LINEAR, CUSTOM -> !Float.isFinite(y);
            case LOGISTIC, SOFTMAX -> label < 0 || label >= classes;
            case MEAN -> false;
        };
    }

    private static float target(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> Float.NaN;
            case 1 -> r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            case 2 -> ExtremeValuesProperties.extreme(r);
            default -> (float) r.nextGaussian();
        };
    }

    private static int label(SplittableRandom r, int classes) {
        return r.nextInt(8) == 0 ? (r.nextBoolean() ? -1 : classes + r.nextInt(3)) : r.nextInt(classes);
    }

    private static void perSample(Estimator e, SplittableRandom r, int d, int classes, String where) {
        Input input = Input.values()[r.nextInt(Input.values().length)];
        int shape = r.nextInt(20);
        float[] x = shape == 0 ? null : shape == 1 ? new float[d + 1 + r.nextInt(3)]
                : shape == 2 ? new float[Math.max(0, d - 1)] : row(r, d, quality(r));
        float y = target(r);
        int label = label(r, classes);
        // a whole array must be exactly d long; from an offset or index, at least d values must follow it
        boolean exact = input == Input.ARRAY;
        boolean refuse = x == null || (exact ? x.length != d : x.length < d) || !allFinite(x)
                || badLabel(e, y, label, classes);
        expect(e, where + " " + input + " update " + describe(x) + " y=" + y + " label=" + label, refuse, refuse ? 1 : 0,
                refuse ? 0 : 1, () -> Calls.update(e, input, x, y, label));
    }

    private static void score(Estimator e, SplittableRandom r, int d, int classes, String where) {
        float[] x = r.nextInt(10) == 0 ? null : row(r, d, quality(r));
        float y = target(r);
        int label = label(r, classes);
        byte[] before = e.snapshot();
        try {
            double s = switch (e) {
                case MeanEstimator m -> m.score(x);
                case LinearRegression l -> l.score(x, y);
                case LogisticRegression l -> l.score(x, label);
                case SoftmaxRegression sm -> sm.score(x, label);
                case CustomEstimator c -> c.score(x, y);
            };
            assertTrue(x != null && allFinite(x) && !badLabel(e, y, label, classes), where + ": score accepted "
                    + describe(x) + " y=" + y + " label=" + label + ": " + s);
        } catch (IllegalArgumentException expected) {
            // a bad score argument; the state must not change, not even the rejected count
        } catch (RuntimeException other) {
            fail(where + ": score threw " + other, other);
        }
        assertArrayEquals(before, e.snapshot(), where + ": a score call changed the state or the counters");
    }

    private static void batch(Estimator e, SplittableRandom r, int d, int classes, String where) {
        Input input = new Input[] {Input.ARRAY, Input.HEAP_SEGMENT, Input.NATIVE_SEGMENT}[r.nextInt(3)];
        int n = r.nextInt(12) == 0 ? -1 - r.nextInt(3) : r.nextInt(6);
        int rows = Math.max(0, n);
        int offset = r.nextInt(12) == 0 ? -1 : r.nextInt(3);
        float[] xs = new float[Math.max(0, offset) + rows * d];
        int badRows = 0;
        float[] ys = new float[rows];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            float[] x = row(r, d, quality(r));
            System.arraycopy(x, 0, xs, Math.max(0, offset) + i * d, d);
            ys[i] = r.nextInt(6) == 0 ? target(r) : (float) r.nextGaussian();
            labels[i] = r.nextInt(6) == 0 ? label(r, classes) : r.nextInt(classes);
            if (!allFinite(x) || badLabel(e, ys[i], labels[i], classes)) {
                badRows++;
            }
        }
        boolean argumentError = n < 0 || offset < 0;
        int shape = r.nextInt(16);
        float[] slab = xs;
        if (shape == 0) {
            slab = null;
            argumentError = true;
        } else if (shape == 1 && xs.length > 0) {
            slab = Arrays.copyOf(xs, xs.length - 1); // one float short of offset + n d (an offset past the end
            argumentError = true;                      // is refused even for n = 0)
        }
        float[] targets = ys;
        int[] classesOf = labels;
        int labelsOffset = 0;
        if (shape == 2) {
            targets = null;
            classesOf = null;
            argumentError |= e.task() != Task.MEAN;
        } else if (shape == 3) {
            labelsOffset = 1; // one label short (an offset past the end is refused even for n = 0)
            argumentError |= e.task() != Task.MEAN;
        }
        int scoresLength = shape == 4 ? Math.max(0, rows - 1) : r.nextBoolean() ? -1 : rows;
        argumentError |= shape == 4 && rows > 0;
        BadRowPolicy policy = shape == 5 ? null : r.nextBoolean() ? BadRowPolicy.SKIP_AND_COUNT
                : BadRowPolicy.REJECT_BATCH;
        argumentError |= policy == null;
        boolean refuse = argumentError || policy == BadRowPolicy.REJECT_BATCH && badRows > 0;
        long counted = refuse ? rows : badRows;
        long applied = refuse ? 0 : rows - badRows;
        float[] s = slab;
        float[] t = targets;
        int[] l = classesOf;
        int lo = labelsOffset;
        String what = where + " " + input + " batch n=" + n + " offset=" + offset + " shape=" + shape + " policy="
                + policy + " bad rows=" + badRows;
        Object result = expect(e, what, refuse, counted, applied,
                () -> Calls.updateBatch(e, input, s, offset, n, t, l, lo, scoresLength, policy));
        if (!refuse) {
            assertEquals((int) applied, ((Number) result).intValue(), what + ": rows applied");
        }
    }

    /** Runs {@code call} and checks the contract; returns its result (null if refused). */
    private static Object expect(Estimator e, String what, boolean refuse, long counted, long applied,
                                 java.util.concurrent.Callable<?> call) {
        byte[] before = Fixtures.state(e);
        long rejected = e.rejectedCount();
        long samples = e.samplesSeen();
        Object result = null;
        try {
            result = call.call();
            if (refuse) {
                fail(what + ": accepted, but must be refused");
            }
            if (result instanceof Double score) {
                assertTrue(!score.isNaN(), what + ": the score of an accepted sample is NaN");
            }
        } catch (IllegalArgumentException refused) {
            if (!refuse) {
                fail(what + ": refused, but must be accepted: " + refused.getMessage(), refused);
            }
            assertArrayEquals(before, Fixtures.state(e), what + ": a refused call changed the state");
        } catch (Exception other) {
            fail(what + ": threw " + other + " (only IllegalArgumentException is documented)", other);
        }
        assertEquals(rejected + counted, e.rejectedCount(), what + ": rejected count");
        assertEquals(samples + applied, e.samplesSeen(), what + ": samples seen");
        for (float v : Fixtures.estimate(e)) {
            if (!Float.isFinite(v)) {
                fail(what + ": the state became " + v);
            }
        }
        return result;
    }

    private static boolean allFinite(float[] x) {
        for (float v : x) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(float[] x) {
        if (x == null) {
            return "null";
        }
        float max = 0;
        for (float v : x) {
            max = Float.isFinite(v) ? Math.max(max, Math.abs(v)) : v;
        }
        return "x[" + x.length + "] (max |x| " + max + ")";
    }
}
