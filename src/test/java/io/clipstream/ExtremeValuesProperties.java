package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every finite sample, of any magnitude from the smallest subnormal to {@code Float.MAX_VALUE}, in any mix across
 * coordinates and samples, on every task and every step, clip and L2 setting: the sample is applied, its score is a
 * number, and the state stays finite and restorable (issue 12, item 1: "a sample is either applied with a finite
 * state or refused with the state unchanged"; finite samples are never refused).
 */
class ExtremeValuesProperties {

    @Property(tries = 250)
    void everyFiniteSampleIsAppliedAndKeepsTheStateFinite(@ForAll("tasks") Task task, @ForAll("dimensions") int d,
                                                          @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Estimator e = estimator(task, d, r);
        int n = 1 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            float[] x = sample(r, d);
            float y = extreme(r);
            int label = r.nextInt(task == Task.SOFTMAX ? 3 : 2);
            double score = ExtremeValuesTest.update(e, x, y, label);
            String what = e.config() + ", sample " + i + " of magnitude ~" + magnitude(x) + ", y " + y;
            assertTrue(!Double.isNaN(score), what + ": score NaN");
            ExtremeValuesTest.assertFiniteState(e, what);
        }
        assertEquals(n, e.samplesSeen());
        assertEquals(0, e.rejectedCount());
        byte[] snap = e.snapshot();
        Estimator back = task == Task.CUSTOM ? CustomEstimator.restore(snap, LEAST_SQUARES) : Estimator.restore(snap);
        assertArrayEquals(snap, back.snapshot());
    }

    /** Least squares through the custom interface: {@code g = (theta.x - y) x}. */
    static final Loss LEAST_SQUARES = (theta, x, y, g) -> {
        double m = 0;
        for (int i = 0; i < theta.length; i++) {
            m += (double) theta[i] * x[i];
        }
        double residual = m - y;
        for (int i = 0; i < theta.length; i++) {
            g[i] = residual * x[i];
        }
        return 0.5 * residual * residual;
    };

    static Estimator estimator(Task task, int d, SplittableRandom r) {
        StepSize step = switch (r.nextInt(5)) {
            case 0 -> StepSize.constant(task == Task.MEAN || task == Task.CUSTOM ? 0.5 : 10);
            case 1 -> StepSize.halfLife(1 + r.nextInt(1000));
            case 2 -> StepSize.horizon(0.5, 0.5, 100);
            case 3 -> StepSize.doubling(0.5, 0.6, 4);
            default -> StepSize.inverseTime(1, 1);
        };
        ClipPolicy clip = switch (r.nextInt(4)) {
            case 0 -> ClipPolicy.adaptive();
            case 1 -> ClipPolicy.fixed(new double[] {1e-30, 1, 1e30}[r.nextInt(3)]);
            case 2 -> ClipPolicy.none();
            default -> ClipPolicy.rollingQuantile(0.5, 16);
        };
        double l2 = new double[] {0, 0, 1e-3, 1, 1e30, Float.MAX_VALUE}[r.nextInt(6)];
        boolean normalize = r.nextInt(4) != 0;
        return switch (task) {
            case MEAN -> MeanEstimator.builder(d).stepSize(step).clip(clip).l2(l2).build();
            case LINEAR -> LinearRegression.builder(d).stepSize(step).clip(clip).l2(l2).normalizeSteps(normalize)
                    .build();
            case LOGISTIC -> LogisticRegression.builder(d).stepSize(step).clip(clip).l2(l2)
                    .normalizeSteps(normalize).buildLogistic();
            case SOFTMAX -> SoftmaxRegression.builder(d, 3).stepSize(step).clip(clip).l2(l2)
                    .normalizeSteps(normalize).build();
            case CUSTOM -> CustomEstimator.builder(d, LEAST_SQUARES).stepSize(step).clip(clip).l2(l2).build();
        };
    }

    /** A value of random sign whose binary exponent is uniform over the whole float range, subnormals included. */
    static float extreme(SplittableRandom r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return 0f;
        }
        if (kind == 1) {
            return r.nextBoolean() ? Float.MAX_VALUE : -Float.MAX_VALUE;
        }
        if (kind == 2) {
            return r.nextBoolean() ? Float.MIN_VALUE : -Float.MIN_VALUE;
        }
        double v = Math.scalb(1 + r.nextDouble(), r.nextInt(-150, 128));
        float f = (float) Math.min(Float.MAX_VALUE, v);
        return r.nextBoolean() ? f : -f;
    }

    /** One sample: one magnitude for all coordinates, a magnitude per coordinate, or sparse extremes. */
    static float[] sample(SplittableRandom r, int d) {
        float[] x = new float[d];
        switch (r.nextInt(3)) {
            case 0 -> {
                float scale = Math.abs(extreme(r));
                for (int j = 0; j < d; j++) {
                    x[j] = (float) (scale * (0.5 + 0.5 * r.nextDouble())) * (r.nextBoolean() ? 1 : -1);
                }
            }
            case 1 -> {
                for (int j = 0; j < d; j++) {
                    x[j] = extreme(r);
                }
            }
            default -> {
                for (int k = 0; k < 1 + d / 8; k++) {
                    x[r.nextInt(d)] = extreme(r);
                }
            }
        }
        return x;
    }

    private static float magnitude(float[] x) {
        float m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Provide
    Arbitrary<Task> tasks() {
        return Arbitraries.of(Task.values());
    }

    @Provide
    Arbitrary<Integer> dimensions() {
        return Arbitraries.of(1, 2, 3, 8, 17, 64, 257, 4099);
    }
}
