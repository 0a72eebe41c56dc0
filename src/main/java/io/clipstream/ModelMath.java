package io.clipstream;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Per-sample helpers the model estimators share. */
final class ModelMath {
    private ModelMath() {
    }

    /** {@code w.x} for the first parameter row; throws (uncounted: a score path) for non-finite features. */
    static double margin(Estimator e, MemorySegment x, long index) {
        double m = e.kernels.dot(e.params, 0, x, index, e.dimension);
        if (!Double.isFinite(m)) {
            throw e.nonFiniteScore(x, index);
        }
        return m;
    }

    /**
     * The smallest {@code ||x||^2} estimate a normalised step divides by ({@code 2^-300}, below the squared norm of
     * any non-zero float vector, {@code Float.MIN_VALUE^2 = 2^-298}): the running median can decay further only
     * through a long run of all-zero samples. It bounds the normalised step by {@code eta * 2^300 < 2^430}, and
     * the kernels' double-precision path stays finite for any finite input up to {@code eta < 2^600} (see
     * {@link io.clipstream.internal.kernel.Kernels#clippedLinearStep}).
     */
    static final double MIN_SCALE = 0x1p-300;
    /** {@code 1 / MIN_SCALE}. */
    static final double MAX_INVERSE_SCALE = 0x1p300;

    /**
     * The step for this sample: the schedule's, divided by the running median of {@code ||x||^2} when steps are
     * normalised (the first sample, and any sample while every earlier one was zero, uses its own). NaN when
     * {@code x} is not finite.
     *
     * <p>In double: for features below about {@code 1e-10} the quotient exceeds what a float step carried (it
     * overflowed to infinity below about {@code 1e-20}, and an infinite step made the state NaN), and it is used
     * only in double arithmetic by the kernels.
     */
    static double eta(Estimator e, MemorySegment x, long index) {
        double eta = e.schedule.eta();
        MedianTracker scale = e.featureScale;
        if (scale == null) {
            return eta;
        }
        double inverse = scale.inverse();
        if (inverse > 0 && inverse <= MAX_INVERSE_SCALE) {
            return eta * inverse;
        }
        return eta * coldInverseScale(e, scale, x, index);
    }

    /** {@code 1 / ||x||^2} when the tracker has no positive value yet, else the bound; NaN for non-finite x. */
    private static double coldInverseScale(Estimator e, MedianTracker scale, MemorySegment x, long index) {
        if (scale.value() > 0) {
            return MAX_INVERSE_SCALE; // below MIN_SCALE (a subnormal double has an infinite inverse)
        }
        double xx = sumSquares(e, x, index, e.kernels.sumSquares(x, index, e.dimension));
        if (!Double.isFinite(xx)) {
            return Double.NaN;
        }
        return xx > 0 ? Math.min(1 / xx, MAX_INVERSE_SCALE) : 1;
    }

    /**
     * Feeds a sample's {@code ||x||^2} to the feature-scale tracker. {@code xNormSquared} is the kernel's (a float
     * sum on the fast path): below {@code Float.MIN_NORMAL} it has lost precision or underflowed to 0, so it is
     * recomputed in double, where the squares of all finite floats are exact enough and never underflow.
     */
    static void observeScale(Estimator e, double xNormSquared, MemorySegment x, long index) {
        if (e.featureScale != null) {
            e.featureScale.observe(sumSquares(e, x, index, xNormSquared));
        }
    }

    /** {@code floatSum} unless it is below {@code Float.MIN_NORMAL}; then {@code ||x||^2} in double. */
    private static double sumSquares(Estimator e, MemorySegment x, long index, double floatSum) {
        if (floatSum >= Float.MIN_NORMAL || floatSum != floatSum) {
            return floatSum;
        }
        double sum = 0;
        for (int i = 0; i < e.dimension; i++) {
            double v = x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + i);
            sum += v * v;
        }
        return sum;
    }

    /**
     * {@code log(1 + e^z)} without overflow: {@code max(z, 0) + log(1 + e^-|z|)}. {@code Math.log} (an intrinsic)
     * instead of {@code Math.log1p} (not one) saves ~10 ns per logistic update; with {@code e^-|z|} in (0, 1] the
     * only loss is for {@code e^-|z| < 2^-53}, where the result is off by less than 1e-16 absolute.
     */
    static double softplus(double z) {
        return Math.max(z, 0) + Math.log(1 + Math.exp(-Math.abs(z)));
    }
}
