package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Finite samples at the ends of the float range, from subnormals to {@code Float.MAX_VALUE}: every one is applied
 * and leaves a finite, usable state (issue 12, item 1). {@link ExtremeValuesProperties} covers random mixes.
 */
class ExtremeValuesTest {

    /** The three models whose steps are normalised by the running median of {@code ||x||^2}. */
    static List<IntFunction<Estimator>> models() {
        return List.of(d -> LinearRegression.builder(d).build(), d -> LogisticRegression.builder(d).buildLogistic(),
                d -> SoftmaxRegression.builder(d, 3).build());
    }

    static double update(Estimator e, float[] x, float y, int label) {
        return switch (e) {
            case MeanEstimator m -> m.update(x);
            case LinearRegression l -> l.update(x, y);
            case LogisticRegression l -> l.update(x, label);
            case SoftmaxRegression s -> s.update(x, label);
            case CustomEstimator c -> c.update(x, y);
        };
    }

    static void assertFiniteState(Estimator e, String what) {
        for (float v : Fixtures.estimate(e)) {
            assertTrue(Float.isFinite(v), e.task() + " " + what + ": state became " + v);
        }
    }

    /**
     * The reported case ({@code LinearRegression.builder(1).build().update(new float[]{1e-22f}, 1f)} left w NaN) and
     * its neighbours: the normalised step {@code eta / median ||x||^2} overflowed the float it was rounded to once
     * the median fell below {@code eta / Float.MAX_VALUE}; an infinite step times the zero L2 coefficient made the
     * update's w-coefficient NaN.
     */
    @Test
    void tinyFeaturesKeepEveryModelFiniteAndUsable() {
        for (float v : new float[] {1e-18f, 1e-20f, 1e-21f, 1e-22f, 1e-25f, 1e-38f, 1e-40f, Float.MIN_VALUE}) {
            for (int d : new int[] {1, 16, 1000}) {
                for (IntFunction<Estimator> make : models()) {
                    Estimator e = make.apply(d);
                    float[] x = new float[d];
                    Arrays.fill(x, v);
                    String what = "x = " + v + ", d = " + d;
                    double score = update(e, x, 1f, 1);
                    assertTrue(Double.isFinite(score), what + ": score " + score);
                    assertFiniteState(e, what);
                    // usable afterwards: ordinary samples are accepted and the snapshot restores
                    float[] ordinary = new float[d];
                    Arrays.fill(ordinary, 1f);
                    update(e, ordinary, 2f, 0);
                    update(e, x, 1f, 1);
                    assertFiniteState(e, what + ", then an ordinary sample");
                    assertEquals(3, e.samplesSeen(), what);
                    byte[] snap = e.snapshot();
                    assertArrayEquals(snap, Estimator.restore(snap).snapshot(), what);
                }
            }
        }
    }

    /**
     * Step normalisation is what makes the models scale-free: a model fed {@code s x} must predict on {@code s x}
     * what a model fed {@code x} predicts on {@code x}. With {@code s = 2^-72} the squared norms are float subnormals
     * and with {@code s = 2^-100} they underflow to 0 in float (normalisation silently switched off, the model did
     * not learn); both are ordinary doubles. Scaling by a power of two is exact, so only rounding separates the two
     * models (the tiny one runs on the kernels' double-precision path).
     */
    @Test
    void tinyFeaturesAreNormalisedLikeUnitFeatures() {
        int d = 8;
        for (double scale : new double[] {0x1p-72, 0x1p-100}) {
            LinearRegression unit = LinearRegression.builder(d).build();
            LinearRegression tiny = LinearRegression.builder(d).build();
            LogisticRegression unitLog = LogisticRegression.builder(d).buildLogistic();
            LogisticRegression tinyLog = LogisticRegression.builder(d).buildLogistic();
            SplittableRandom r = new SplittableRandom(12);
            float[] truth = Fixtures.gaussian(r, d, 1);
            for (int i = 0; i < 3000; i++) {
                float[] x = Fixtures.gaussian(r, d, 1);
                float[] s = scaled(x, scale);
                float y = 0;
                for (int j = 0; j < d; j++) {
                    y += truth[j] * x[j];
                }
                y += (float) (0.1 * r.nextGaussian());
                unit.update(x, y);
                tiny.update(s, y);
                int label = y > 0 ? 1 : 0;
                unitLog.update(x, label);
                tinyLog.update(s, label);
            }
            for (int i = 0; i < 20; i++) {
                float[] x = Fixtures.gaussian(r, d, 1);
                float[] s = scaled(x, scale);
                double expected = unit.predict(x);
                assertEquals(expected, tiny.predict(s), 1e-3 * (1 + Math.abs(expected)),
                        "linear prediction at scale " + scale);
                assertEquals(unitLog.probability(x), tinyLog.probability(s), 1e-3,
                        "logistic probability at scale " + scale);
            }
        }
    }

    private static float[] scaled(float[] x, double scale) {
        float[] s = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            s[j] = (float) (x[j] * scale);
        }
        return s;
    }

    /**
     * Found by {@link ExtremeValuesProperties}: softmax's float fast path admitted weights up to {@code 2^100} and a
     * shrink factor {@code b = 1 - eta mu} up to {@code 2^64}, so {@code b W} could reach {@code 2^164} and overflow
     * to infinity. Here {@code W ~ 6.7e29} (below {@code 2^100}), {@code b = 1 - 1e10}, on a zero sample.
     */
    @Test
    void softmaxShrinkingLargeWeightsStaysFinite() {
        SoftmaxRegression s = SoftmaxRegression.builder(1, 3).clip(ClipPolicy.none()).normalizeSteps(false)
                .stepSize(StepSize.constant(1)).l2(1e10).build();
        s.update(new float[] {1e30f}, 0);
        s.update(new float[1], 1);
        assertFiniteState(s, "W ~ 6.7e29 shrunk by 1 - 1e10");
        assertEquals(2, s.samplesSeen());
    }

    /**
     * One million features: samples of subnormals, of values near {@code Float.MAX_VALUE}, and both mixed with
     * zeros, on every task; each is applied and the state stays finite.
     */
    @Test
    void aMillionFeaturesFromSubnormalsToFloatMax() {
        int d = 1_000_000;
        SplittableRandom r = new SplittableRandom(13);
        float[][] samples = new float[4][d];
        for (int j = 0; j < d; j++) {
            samples[0][j] = Float.MIN_VALUE * (1 + r.nextInt(8)) * (r.nextBoolean() ? 1 : -1);
            samples[1][j] = Float.MAX_VALUE * (float) (0.5 + 0.5 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
            samples[2][j] = j % 1000 == 0 ? samples[1][j] : 0f;
            samples[3][j] = j % 2 == 0 ? samples[0][j] : samples[1][j];
        }
        List<Estimator> estimators = List.of(MeanEstimator.builder(d).build(), LinearRegression.builder(d).build(),
                LogisticRegression.builder(d).buildLogistic(), SoftmaxRegression.builder(d, 3).build());
        for (Estimator e : estimators) {
            for (int k = 0; k < samples.length; k++) {
                float y = k % 2 == 0 ? Float.MIN_VALUE : -Float.MAX_VALUE;
                double score = update(e, samples[k], y, k % 2);
                assertTrue(!Double.isNaN(score), e.task() + " sample " + k + ": score NaN");
                assertFiniteState(e, "d = 1e6, sample " + k);
            }
            assertEquals(samples.length, e.samplesSeen(), e.task().toString());
        }
    }
}
