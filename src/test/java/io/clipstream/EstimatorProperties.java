package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Arbitrary interleavings of good samples, finite samples near Float.MAX_VALUE and bad samples (NaN, infinities,
 * wrong length, null, labels out of range), on every task: the state stays finite, every bad sample is rejected
 * with an IllegalArgumentException and leaves the state bit-identical (apart from the rejected counter), and the
 * counters add up.
 */
class EstimatorProperties {

    enum Kind { GOOD, HUGE, NAN, POSITIVE_INFINITY, NEGATIVE_INFINITY, WRONG_LENGTH, NULL, BAD_LABEL }

    record Action(Kind kind, int index, long seed) {
    }

    @Property(tries = 120)
    void goodAndBadSamplesInAnyOrder(@ForAll("tasks") Task task, @ForAll("dimensions") int d,
                                     @ForAll @Size(max = 60) List<@net.jqwik.api.From("actions") Action> actions) {
        Estimator e = switch (task) {
            case MEAN -> MeanEstimator.builder(d).build();
            case LINEAR -> LinearRegression.builder(d).build();
            case LOGISTIC -> LogisticRegression.builder(d).buildLogistic();
            case SOFTMAX -> SoftmaxRegression.builder(d, 3).build();
            default -> throw new AssertionError();
        };
        long accepted = 0;
        long rejected = 0;
        for (Action a : actions) {
            SplittableRandom r = new SplittableRandom(a.seed());
            float[] x = Fixtures.gaussian(r, d, 3);
            int label = r.nextInt(task == Task.SOFTMAX ? 3 : 2);
            float y = (float) r.nextGaussian();
            int at = Math.floorMod(a.index(), d);
            boolean bad = true;
            switch (a.kind()) {
                case GOOD -> bad = false;
                case HUGE -> {
                    for (int i = 0; i < d; i++) {
                        x[i] = (r.nextBoolean() ? 1 : -1) * Float.MAX_VALUE * (float) (0.5 + 0.5 * r.nextDouble());
                    }
                    y = Float.MAX_VALUE * (r.nextBoolean() ? 1 : -1);
                    bad = false;
                }
                case NAN -> x[at] = Float.NaN;
                case POSITIVE_INFINITY -> x[at] = Float.POSITIVE_INFINITY;
                case NEGATIVE_INFINITY -> x[at] = Float.NEGATIVE_INFINITY;
                case WRONG_LENGTH -> x = java.util.Arrays.copyOf(x, d + 1 + at % 3);
                case NULL -> x = null;
                case BAD_LABEL -> {
                    if (task == Task.MEAN) {
                        x[at] = Float.NaN;
                    } else {
                        label = task == Task.SOFTMAX ? 3 + at : -1 - at;
                        y = Float.NaN;
                    }
                }
            }
            byte[] before = Fixtures.state(e);
            float[] sample = x;
            int l = label;
            float target = y;
            if (bad) {
                assertThrows(IllegalArgumentException.class, () -> apply(e, sample, l, target), a.toString());
                assertArrayEquals(before, Fixtures.state(e), "rejected " + a + " changed the state");
                rejected++;
            } else {
                double score = apply(e, sample, l, target);
                assertTrue(!Double.isNaN(score), "score of an accepted sample is NaN: " + a);
                accepted++;
            }
            for (float v : Fixtures.estimate(e)) {
                assertTrue(Float.isFinite(v), task + " state became " + v + " after " + a);
            }
        }
        assertEquals(accepted, e.samplesSeen());
        assertEquals(rejected, e.rejectedCount());
        assertTrue(e.clippedCount() <= e.samplesSeen());
    }

    private static double apply(Estimator e, float[] x, int label, float y) {
        return switch (e) {
            case MeanEstimator m -> m.update(x);
            case LinearRegression l -> l.update(x, y);
            case LogisticRegression l -> l.update(x, label);
            case SoftmaxRegression s -> s.update(x, label);
            default -> throw new AssertionError();
        };
    }

    @Provide
    Arbitrary<Task> tasks() {
        return Arbitraries.of(Task.MEAN, Task.LINEAR, Task.LOGISTIC, Task.SOFTMAX);
    }

    @Provide
    Arbitrary<Integer> dimensions() {
        return Arbitraries.of(1, 3, 16, 17, 67, 300);
    }

    @Provide
    Arbitrary<Action> actions() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(6, Kind.GOOD), net.jqwik.api.Tuple.of(2, Kind.HUGE),
                net.jqwik.api.Tuple.of(1, Kind.NAN), net.jqwik.api.Tuple.of(1, Kind.POSITIVE_INFINITY),
                net.jqwik.api.Tuple.of(1, Kind.NEGATIVE_INFINITY), net.jqwik.api.Tuple.of(1, Kind.WRONG_LENGTH),
                net.jqwik.api.Tuple.of(1, Kind.NULL), net.jqwik.api.Tuple.of(1, Kind.BAD_LABEL));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, 1000), Arbitraries.longs())
                .as(Action::new);
    }
}
