package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.Task;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Streams a monitoring service really sends and a generator rarely does: all zeros (an idle host), one constant
 * vector, zeros then ordinary values, ordinary values then zeros, values near the ends of the float range. For
 * every task and both threshold methods the detector's snapshot, taken at several points, restores and the copy
 * continues exactly (same decisions, same snapshot after the same samples). A threshold that had seen only zero
 * scores wrote a state its own restore refused; this test holds the whole family.
 */
class DegenerateStreamsTest {

    private static final int D = 8;
    private static final int[] SNAPSHOT_AT = {0, 1, 40, 520, 1500};

    /** Sample {@code i} of each stream shape; {@code ordinary} is a seeded Gaussian value. */
    private static final List<StreamShape> SHAPES = List.of(
            new StreamShape("zeros", (i, g) -> 0f),
            new StreamShape("constant 3.5", (i, g) -> 3.5f),
            new StreamShape("zeros then ordinary", (i, g) -> i < 700 ? 0f : g),
            new StreamShape("ordinary then zeros", (i, g) -> i < 700 ? g : 0f),
            new StreamShape("tiny", (i, g) -> g * 1e-30f),
            new StreamShape("huge", (i, g) -> g * 1e30f),
            new StreamShape("subnormal", (i, g) -> Float.MIN_VALUE * (i % 3)));

    private record StreamShape(String name, Value value) {
    }

    @FunctionalInterface
    private interface Value {
        float at(int i, float gaussian);
    }

    private static List<IntFunction<AnomalyDetector.Builder>> builders() {
        return List.of(d -> AnomalyDetector.builder(MeanEstimator.builder(d).build()),
                d -> AnomalyDetector.builder(LinearRegression.builder(d).build()),
                d -> AnomalyDetector.builder(LogisticRegression.builder(d).buildLogistic()),
                d -> AnomalyDetector.builder(SoftmaxRegression.builder(d, 3).build()));
    }

    @Test
    void everyTaskSnapshotsAndContinuesExactlyOnDegenerateStreams() {
        for (AdaptiveThreshold.Method method : AdaptiveThreshold.Method.values()) {
            for (IntFunction<AnomalyDetector.Builder> builder : builders()) {
                for (StreamShape shape : SHAPES) {
                    for (int at : SNAPSHOT_AT) {
                        Supplier<AnomalyDetector> fresh = () -> builder.apply(D).method(method).build();
                        check(fresh.get(), shape, at, method);
                    }
                }
            }
        }
    }

    private static void check(AnomalyDetector d, StreamShape shape, int at, AdaptiveThreshold.Method method) {
        String what = d.estimator().task() + " " + method + ", " + shape.name() + ", snapshot after " + at;
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[D];
        int i = 0;
        for (; i < at; i++) {
            feed(d, shape, i, r, x);
        }
        byte[] state = d.snapshot();
        AnomalyDetector copy;
        try {
            copy = AnomalyDetector.restore(state);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(what + ": its own snapshot is refused: " + e.getMessage(), e);
        }
        assertArrayEquals(state, copy.snapshot(), what);
        SplittableRandom r2 = new SplittableRandom(99); // original and copy continue on the same samples
        SplittableRandom r3 = new SplittableRandom(99);
        float[] y = new float[D];
        for (int k = 0; k < 800; k++, i++) {
            Outcome a = feed(d, shape, i, r2, x);
            Outcome b = feed(copy, shape, i, r3, y);
            assertEquals(a.decision(), b.decision(), what + ", sample " + i);
            assertEquals(Double.doubleToLongBits(a.score()), Double.doubleToLongBits(b.score()), what + ", " + i);
        }
        assertArrayEquals(d.snapshot(), copy.snapshot(), what + ": after 800 more samples");
        // a NaN or negative threshold would silently never (or always) decide ANOMALY on such a stream
        double upper = d.threshold().upper();
        assertTrue(upper >= 0, what + ": threshold " + upper);
    }

    private static Outcome feed(AnomalyDetector d, StreamShape shape, int i, SplittableRandom r, float[] x) {
        for (int j = 0; j < D; j++) {
            x[j] = shape.value().at(i, (float) r.nextGaussian());
        }
        Task t = d.estimator().task();
        return switch (t) {
            case MEAN -> d.process(x);
            case LINEAR -> d.process(x, x[0] * 0.5f);
            case LOGISTIC -> d.process(x, i % 2);
            case SOFTMAX -> d.process(x, i % 3);
            default -> throw new AssertionError(t);
        };
    }
}
