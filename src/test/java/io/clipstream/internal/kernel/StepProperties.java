package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.KernelFixtures.D;
import static io.clipstream.internal.kernel.KernelFixtures.MAX_LANES;
import static io.clipstream.internal.kernel.KernelFixtures.U;
import static io.clipstream.internal.kernel.KernelFixtures.assertSameBits;
import static io.clipstream.internal.kernel.KernelFixtures.assertUntouchedOutside;
import static io.clipstream.internal.kernel.KernelFixtures.assertWithin;
import static io.clipstream.internal.kernel.KernelFixtures.bound;
import static io.clipstream.internal.kernel.KernelFixtures.mulAdd;
import static io.clipstream.internal.kernel.KernelFixtures.read;
import static io.clipstream.internal.kernel.KernelFixtures.segment;
import static io.clipstream.internal.kernel.KernelFixtures.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clipstream.internal.kernel.KernelFixtures.Profile;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The fused clipped-SGD steps. For each implementation: the returned pre-clip norm (and the model steps'
 * margin, ||x||^2, ||w||^2) lie within the R bound of a double oracle; the update is bit-identical to the
 * documented per-element formula applied with the coefficients that follow from the implementation's own
 * pass-1 values (so SIMD and scalar agree bit for bit whenever their reductions agree); a step moves theta by
 * at most {@code eta * lambda}; the wide path matches a double-precision recomputation; the model coefficient
 * matches a finite-difference derivative of the loss; NaN in gives NaN out; out-of-range arguments throw before
 * anything is written.
 */
class StepProperties {

    enum Task { MEAN, LINEAR, LOGISTIC }

    @Property(generation = GenerationMode.EXHAUSTIVE, tries = 20000)
    void everyTailLength(@ForAll("widths") int bits, @ForAll boolean nativeMemory, @ForAll boolean fma,
                         @ForAll @IntRange(min = 0, max = 4 * MAX_LANES + 3) int length,
                         @ForAll @IntRange(min = 0, max = 1) int offsetChoice, @ForAll Task task) {
        SplittableRandom r = new SplittableRandom(((bits * 131L + length) * 5 + offsetChoice) * 7 + task.ordinal());
        Profile profile = Profile.values()[(length + task.ordinal()) % Profile.values().length];
        run(task, bits, fma, nativeMemory, offsetChoice * 3, offsetChoice * 5 + 1, length, profile, r);
    }

    @Property(tries = 400)
    void randomLengthsOffsetsValuesAndParameters(@ForAll("widths") int bits, @ForAll boolean nativeMemory,
                                                 @ForAll boolean fma, @ForAll("lengths") int length,
                                                 @ForAll @IntRange(min = 0, max = 17) int thetaIndex,
                                                 @ForAll @IntRange(min = 0, max = 17) int xIndex,
                                                 @ForAll Profile profile, @ForAll Task task, @ForAll long seed) {
        run(task, bits, fma, nativeMemory, thetaIndex, xIndex, length, profile, new SplittableRandom(seed));
    }

    /**
     * Class N, transactional: a NaN or an infinity anywhere in x (or the label) makes every step return NaN and
     * write nothing.
     */
    @Property(tries = 200)
    void nonFiniteInputReturnsNaNAndWritesNothing(@ForAll("widths") int bits, @ForAll boolean fma,
                                                  @ForAll @IntRange(min = 1, max = 200) int length,
                                                  @ForAll("nonFinite") float bad, @ForAll boolean badLabel,
                                                  @ForAll("mus") float mu, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            float[] x = values(r, length, Profile.NORMAL);
            if (!badLabel) {
                x[r.nextInt(length)] = bad;
            }
            float y = badLabel ? bad : 1f;
            float[] theta0 = values(r, length, Profile.NORMAL);
            MemorySegment theta = segment(true, 0, theta0, 0);
            MemorySegment sx = segment(true, 0, x, 0);
            String context = k + " bad=" + bad + (badLabel ? " in label" : " in x");
            if (!badLabel) {
                assertTrue(Double.isNaN(k.clippedMeanStep(theta, 0, sx, 0, length, 0.1f, 1f, mu)), context + " mean");
            }
            StepResult result = new StepResult();
            assertTrue(Double.isNaN(k.clippedLinearStep(theta, 0, sx, 0, length, y, 0.1f, 1f, mu, result)),
                    context + " linear");
            assertTrue(Double.isNaN(result.gradientNorm), context + " linear result");
            if (!badLabel) {
                assertTrue(Double.isNaN(k.clippedLogisticStep(theta, 0, sx, 0, length, 1f, 0.1f, 1f, mu, result)),
                        context + " logistic");
            }
            assertSameBits(theta0, read(theta, 0, length), context + " wrote the state");
        }
    }

    @Provide
    Arbitrary<Float> nonFinite() {
        return Arbitraries.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
    }

    /**
     * The mean step runs over slices on native memory up to SimdKernels.SLICE_LIMIT floats and over offsets
     * otherwise. Both loops have the same shape, but reduceLanes(ADD) has no specified order (C2's tree and the
     * interpreter's sequential sum differ, and the two twins need not be compiled at the same moment), so the
     * norms agree within the R bound, and when they are equal the updates are bit-identical.
     */
    @Property(tries = 60)
    void slicedAndOffsetPathsGiveTheSameBits(@ForAll("widths") int bits, @ForAll boolean fma,
                                             @ForAll("aroundSliceLimit") int length,
                                             @ForAll @IntRange(min = 0, max = 5) int offset, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Kernels k = KernelFixtures.simd(bits, fma);
        float[] theta = values(r, length, Profile.NORMAL);
        float[] x = values(r, length, Profile.NORMAL);
        MemorySegment nt = segment(true, offset, theta, 0);
        MemorySegment nx = segment(true, offset, x, 0);
        MemorySegment ht = segment(false, offset, theta, 0);
        MemorySegment hx = segment(false, offset, x, 0);
        double a = k.clippedMeanStep(nt, offset, nx, offset, length, 0.1f, 1f, 0f);
        double b = k.clippedMeanStep(ht, offset, hx, offset, length, 0.1f, 1f, 0f);
        double exact = 0;
        for (int i = 0; i < length; i++) {
            double d = x[i] - (double) theta[i];
            exact += d * d;
        }
        assertWithin(a * a, exact, bound(length, 3, exact) + 0x1p-50 * a * a, k + " native norm, n=" + length);
        assertWithin(b * b, exact, bound(length, 3, exact) + 0x1p-50 * b * b, k + " heap norm, n=" + length);
        if (a == b) {
            assertSameBits(read(nt, offset, length), read(ht, offset, length), k + " theta, n=" + length);
        }
    }

    @Provide
    Arbitrary<Integer> aroundSliceLimit() {
        int limit = SimdKernels.SLICE_LIMIT;
        return Arbitraries.oneOf(Arbitraries.integers().between(limit - 40, limit + 40),
                Arbitraries.integers().between(0, 300));
    }

    /** Finite values near Float.MAX_VALUE never make the state Inf or NaN (the wide path saturates). */
    @Property(tries = 150)
    void hugeFiniteValuesKeepStateFinite(@ForAll("widths") int bits, @ForAll boolean fma, @ForAll Task task,
                                         @ForAll @IntRange(min = 1, max = 100) int length,
                                         @ForAll("etas") float eta, @ForAll("lambdas") float lambda,
                                         @ForAll("mus") float mu, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            MemorySegment theta = segment(true, 0, values(r, length, Profile.HUGE), 0);
            MemorySegment x = segment(true, 0, values(r, length, Profile.HUGE), 0);
            float y = task == Task.LOGISTIC ? (r.nextBoolean() ? 1f : -1f) : Float.MAX_VALUE * (r.nextBoolean() ? 1 : -1);
            double norm = switch (task) {
                case MEAN -> k.clippedMeanStep(theta, 0, x, 0, length, eta, lambda, mu);
                case LINEAR -> k.clippedLinearStep(theta, 0, x, 0, length, y, eta, lambda, mu, new StepResult());
                case LOGISTIC -> k.clippedLogisticStep(theta, 0, x, 0, length, y, eta, lambda, mu, new StepResult());
            };
            assertFalse(Double.isNaN(norm), k + " " + task + " norm");
            for (float v : read(theta, 0, length)) {
                assertTrue(Float.isFinite(v), k + " " + task + " state became " + v);
            }
        }
    }

    /** Step kernels read everything before they write: a short x or theta throws and leaves theta unchanged. */
    @Property(tries = 60)
    void outOfRangeThrowsBeforeWriting(@ForAll("widths") int bits, @ForAll Task task,
                                       @ForAll @IntRange(min = 2, max = 300) int length, @ForAll boolean shortTheta,
                                       @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Kernels k : List.of(KernelFixtures.simd(bits, true), KernelFixtures.scalar(true))) {
            float[] theta0 = values(r, shortTheta ? length - 1 : length, Profile.NORMAL);
            MemorySegment theta = segment(true, 0, theta0, 0);
            MemorySegment x = segment(true, 0, values(r, shortTheta ? length : length - 1, Profile.NORMAL), 0);
            assertThrows(IndexOutOfBoundsException.class, () -> {
                switch (task) {
                    case MEAN -> k.clippedMeanStep(theta, 0, x, 0, length, 0.1f, 1f, 0f);
                    case LINEAR -> k.clippedLinearStep(theta, 0, x, 0, length, 1f, 0.1f, 1f, 0f, new StepResult());
                    case LOGISTIC -> k.clippedLogisticStep(theta, 0, x, 0, length, 1f, 0.1f, 1f, 0f, new StepResult());
                }
            }, k + " " + task);
            assertSameBits(theta0, read(theta, 0, theta0.length), k + " " + task + " wrote before throwing");
        }
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(128, 256, 512);
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 3000), Arbitraries.of(1, 13, 207, 702, 4098));
    }

    @Provide
    Arbitrary<Float> etas() {
        return Arbitraries.of(1e-3f, 0.01f, 0.1f, 0.5f, 1f, 2f);
    }

    @Provide
    Arbitrary<Float> lambdas() {
        return Arbitraries.of(1e-3f, 0.1f, 1f, 10f, 1e3f, Float.POSITIVE_INFINITY);
    }

    @Provide
    Arbitrary<Float> mus() {
        return Arbitraries.of(0f, 0.01f, 0.5f);
    }

    // ------------------------------------------------------------------ dispatch

    private static final float[] ETAS = {1e-3f, 0.01f, 0.1f, 0.5f, 1f, 2f};
    private static final float[] LAMBDAS = {1e-3f, 0.1f, 1f, 10f, 1e3f, Float.POSITIVE_INFINITY};
    private static final float[] MUS = {0f, 0f, 0.01f, 0.5f};

    private static void run(Task task, int bits, boolean fma, boolean nativeMemory, long thetaIndex, long xIndex,
                            int length, Profile profile, SplittableRandom r) {
        float eta = ETAS[r.nextInt(ETAS.length)];
        float lambda = LAMBDAS[r.nextInt(LAMBDAS.length)];
        float mu = MUS[r.nextInt(MUS.length)];
        float[] theta = values(r, length, profile);
        float[] x = values(r, length, profile);
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            String context = k + " " + task + " n=" + length + " eta=" + eta + " lambda=" + lambda + " mu=" + mu
                    + " offsets=" + thetaIndex + "," + xIndex + (nativeMemory ? " native " : " heap ") + profile;
            switch (task) {
                case MEAN -> checkMean(k, fma, nativeMemory, thetaIndex, xIndex, theta, x, eta, lambda, mu, context);
                case LINEAR, LOGISTIC -> {
                    float y = task == Task.LOGISTIC ? (r.nextBoolean() ? 1f : -1f)
                            : values(r, 1, profile.equals(Profile.HUGE) ? Profile.HUGE : Profile.NORMAL)[0];
                    checkModel(k, task == Task.LOGISTIC, fma, nativeMemory, thetaIndex, xIndex, theta, x, y, eta,
                            lambda, mu, profile, context);
                }
            }
        }
    }

    // ------------------------------------------------------------------ mean

    private static void checkMean(Kernels k, boolean fma, boolean nativeMemory, long thetaIndex, long xIndex,
                                  float[] theta0, float[] x, float eta, float lambda, float mu, String context) {
        int n = theta0.length;
        MemorySegment st = segment(nativeMemory, thetaIndex, theta0, 2);
        MemorySegment sx = segment(nativeMemory, xIndex, x, 2);
        double norm = k.clippedMeanStep(st, thetaIndex, sx, xIndex, n, eta, lambda, mu);
        float[] theta1 = read(st, thetaIndex, n);
        assertUntouchedOutside(st, thetaIndex, n, context);
        assertSameBits(x, read(sx, xIndex, n), context + " must not write x");

        float kf = 1f + mu;
        double exact = 0;
        double absSum = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - (double) kf * theta0[i];
            exact += d * d;
            double loose = Math.abs(x[i]) + Math.abs((double) kf * theta0[i]);
            absSum += (fma || kf == 1f) ? d * d : loose * loose;
        }
        assertWithin(norm * norm, exact, bound(n, 3, absSum) + 0x1p-50 * norm * norm, context + " norm^2");

        // Reconstruct the implementation's float pass-1 sum and the decision it implies.
        float sum = (float) (norm * norm);
        float s = (float) (eta * Math.min(1.0, lambda / Math.sqrt(sum)));
        boolean fast = sum < 0x1p100 && (double) s * kf <= 1.0;
        float[] expected = new float[n];
        if (fast) {
            for (int i = 0; i < n; i++) {
                float d = mulAdd(fma, theta0[i], -kf, x[i]);
                expected[i] = mulAdd(fma, d, s, theta0[i]);
            }
            assertSameBits(expected, theta1, context + " update (s=" + s + ")");
            // squares of subnormal differences underflow: the computed norm can be below the true one by up to
            // sqrt(n Float.MIN_VALUE), and then the step is clipped at the true norm only
            double slack = Math.sqrt(n * (double) Float.MIN_VALUE);
            assertStepBounded(theta0, theta1, eta * (Math.min(Math.max(norm, Math.sqrt(exact)), lambda) + slack),
                    context);
        } else {
            double sd = eta * Math.min(1.0, lambda / Math.sqrt(exact));
            for (int i = 0; i < n; i++) {
                double t = theta0[i];
                expected[i] = saturate(t + sd * (x[i] - (double) kf * t));
            }
            assertWithinUlps(expected, theta1, 1, context + " wide update");
        }
    }

    /** The step-norm invariant: ||theta1 - theta0|| <= eta * min(norm, lambda), up to rounding of theta1. */
    private static void assertStepBounded(float[] before, float[] after, double limit, String context) {
        double step = 0;
        double size = 0;
        for (int i = 0; i < before.length; i++) {
            double d = (double) after[i] - before[i];
            step += d * d;
            size += (double) after[i] * after[i];
        }
        double allowed = limit * (1 + 1e-5) + 2 * U * Math.sqrt(size) + before.length * (double) Float.MIN_VALUE;
        if (!(Math.sqrt(step) <= allowed)) {
            fail(context + ": step norm " + Math.sqrt(step) + " exceeds eta * min(norm, lambda) = " + limit);
        }
    }

    // ------------------------------------------------------------------ linear and logistic

    private static void checkModel(Kernels k, boolean logistic, boolean fma, boolean nativeMemory, long wIndex,
                                   long xIndex, float[] w0, float[] x, float y, float eta, float lambda, float mu,
                                   Profile profile, String context) {
        int n = w0.length;
        MemorySegment sw = segment(nativeMemory, wIndex, w0, 2);
        MemorySegment sx = segment(nativeMemory, xIndex, x, 2);
        StepResult result = new StepResult();
        double norm = logistic ? k.clippedLogisticStep(sw, wIndex, sx, xIndex, n, y, eta, lambda, mu, result)
                : k.clippedLinearStep(sw, wIndex, sx, xIndex, n, y, eta, lambda, mu, result);
        float[] w1 = read(sw, wIndex, n);
        assertUntouchedOutside(sw, wIndex, n, context);
        assertSameBits(x, read(sx, xIndex, n), context + " must not write x");
        assertEquals(norm, result.gradientNorm, context + " returned norm vs result");

        double m = 0;
        double mAbs = 0;
        double xx = 0;
        double ww = 0;
        for (int i = 0; i < n; i++) {
            m += (double) w0[i] * x[i];
            mAbs += Math.abs((double) w0[i] * x[i]);
            xx += (double) x[i] * x[i];
            ww += (double) w0[i] * w0[i];
        }
        float[] expected = new float[n];
        {
            // From the exact values: comfortably inside every fast-path bound, the wide path must not run.
            double c = logistic ? y * sigmoid(-y * m) : y - m;
            double exactNorm = mu == 0 ? Math.abs(c) * Math.sqrt(xx)
                    : Math.sqrt(Math.max(0, c * c * xx - 2 * c * mu * m + (double) mu * mu * ww));
            double sd = eta * Math.min(1.0, lambda / exactNorm);
            boolean clearlyFast = mAbs < 0x1p96 && xx < 0x1p96 && ww < 0x1p96 && Math.abs(sd * c) < 0x1p62
                    && Math.abs(1 - sd * mu) < 0x1p62;
            if (clearlyFast) {
                assertFalse(result.wide, context + " took the wide path for inputs far inside the float range");
            }
        }
        if (!result.wide) {
            assertWithin(result.margin, m, bound(n, 0, mAbs), context + " margin");
            assertWithin(result.xNormSquared, xx, bound(n, 0, xx), context + " ||x||^2");
            assertWithin(result.wNormSquared, ww, bound(n, 0, ww), context + " ||w||^2");
            // the decision, recomputed from the implementation's own float pass-1 values
            double mf = result.margin;
            double c = logistic ? y * sigmoid(-y * mf) : y - mf;
            double expectedNorm = mu == 0 ? Math.abs(c) * Math.sqrt(result.xNormSquared)
                    : Math.sqrt(Math.max(0, c * c * result.xNormSquared - 2 * c * mu * mf
                            + (double) mu * mu * result.wNormSquared));
            assertEquals(expectedNorm, norm, context + " gradient norm from pass-1 values");
            assertWithin(result.loss, loss(logistic, y, mf), 1e-15 * Math.max(1, result.loss), context + " loss");
            double sd = eta * Math.min(1.0, lambda / expectedNorm);
            float a = (float) (sd * c);
            float b = (float) (1 - sd * mu);
            assertTrue(Math.abs(mf) < 0x1p100 && result.xNormSquared < 0x1p100 && result.wNormSquared < 0x1p100
                    && Math.abs(sd * c) < 0x1p64 && Math.abs(1 - sd * mu) < 0x1p64, context + " fast path taken "
                    + "although a bound was exceeded");
            assertEquals(a, result.xCoefficient, context + " x coefficient");
            assertEquals(b, result.wCoefficient, context + " w coefficient");
            for (int i = 0; i < n; i++) {
                expected[i] = mulAdd(fma, x[i], a, w0[i] * b);
            }
            assertSameBits(expected, w1, context + " update");
            if (profile == Profile.NORMAL && n > 0) {
                assertCoefficientIsLossDerivative(logistic, y, m, c, mAbs, n, context);
            }
        } else {
            double c = logistic ? y * sigmoid(-y * m) : y - m;
            double expectedNorm = mu == 0 ? Math.abs(c) * Math.sqrt(xx)
                    : Math.sqrt(Math.max(0, c * c * xx - 2 * c * mu * m + (double) mu * mu * ww));
            assertWithin(norm, expectedNorm, 1e-12 * expectedNorm, context + " wide norm");
            double sd = eta * Math.min(1.0, lambda / expectedNorm);
            for (int i = 0; i < n; i++) {
                expected[i] = saturate((1 - sd * mu) * w0[i] + sd * c * x[i]);
            }
            assertWithinUlps(expected, w1, 2, context + " wide update");
        }
    }

    /**
     * Independent check of the loss derivative: the coefficient c of x in the negative gradient must equal
     * {@code -dl/dm}, estimated by central differences of the loss itself.
     */
    private static void assertCoefficientIsLossDerivative(boolean logistic, float y, double m, double c, double mAbs,
                                                          int n, String context) {
        double h = 1e-4 * Math.max(1, Math.abs(m));
        double derivative = (loss(logistic, y, m + h) - loss(logistic, y, m - h)) / (2 * h);
        // c came from the float margin; allow for its error (|dc/dm| <= 1 for both losses) and the difference quotient
        double tolerance = 1e-6 * Math.max(1, Math.abs(c)) + KernelFixtures.gamma(n + 1) * mAbs + 1e-5 * h;
        assertWithin(c, -derivative, tolerance, context + " coefficient vs -dl/dm");
    }

    private static double loss(boolean logistic, double y, double m) {
        if (!logistic) {
            return 0.5 * (y - m) * (y - m);
        }
        double z = -y * m; // softplus(z) = log(1 + e^z), written so that it cannot overflow
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    // ------------------------------------------------------------------ helpers

    private static float saturate(double v) {
        return (float) Math.max(-Float.MAX_VALUE, Math.min(Float.MAX_VALUE, v));
    }

    private static void assertWithinUlps(float[] expected, float[] actual, int ulps, String context) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.isNaN(e) || Float.isNaN(a)) {
                if (Float.isNaN(e) != Float.isNaN(a)) {
                    fail(context + ": element " + i + " expected " + e + " but was " + a);
                }
                continue;
            }
            if (!(Math.abs((double) e - a) <= ulps * (double) Math.ulp(e) + Float.MIN_VALUE)) {
                fail(context + ": element " + i + " expected " + e + " but was " + a + " (more than " + ulps + " ulp)");
            }
        }
    }
}
