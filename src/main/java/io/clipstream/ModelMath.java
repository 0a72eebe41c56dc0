package io.clipstream;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Per-sample helpers the model estimators share. */
final class ModelMath {
    private ModelMath() {
    }

    /** {@code w.x} for the first parameter row. */
    static double margin(Estimator e, MemorySegment x, long index) {
        double m = e.kernels.dot(e.params, 0, x, index, e.dimension);
        if (!Double.isFinite(m)) {
            long bad = e.kernels.firstNonFinite(x, index, e.dimension);
            throw new IllegalArgumentException("x[" + bad + "] is "
                    + x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + Math.max(0, bad)) + " (values must be finite)");
        }
        return m;
    }

    /**
     * The step for this sample: the schedule's, divided by the running median of {@code ||x||^2} when steps are
     * normalised (the first sample computes its own). NaN when {@code x} is not finite.
     */
    static float eta(Estimator e, MemorySegment x, long index) {
        float eta = e.schedule.eta();
        if (e.featureScale == null) {
            return eta;
        }
        double inverse = e.featureScale.inverse();
        if (!(inverse > 0 && inverse < Double.POSITIVE_INFINITY)) {
            double scale = e.kernels.sumSquares(x, index, e.dimension);
            if (!Double.isFinite(scale)) {
                return Float.NaN;
            }
            inverse = scale > 0 ? 1 / scale : 1;
        }
        return (float) (eta * inverse);
    }

    static void observeScale(Estimator e, double xNormSquared) {
        if (e.featureScale != null) {
            e.featureScale.observe(xNormSquared);
        }
    }

    /**
     * {@code log(1 + e^z)} without overflow: {@code max(z, 0) + log(1 + e^-|z|)}. {@code Math.log} (an intrinsic)
     * instead of {@code Math.log1p} (not one) saves ~10 ns per logistic update; with {@code e^-|z|} in (0, 1] the
     * only loss is for {@code e^-|z| < 2^-53}, where the result is off by less than 1e-16 absolute.
     */
    static double softplus(double z) {
        return Math.max(z, 0) + Math.log(1 + Math.exp(-Math.abs(z)));
    }

    static void checkScores(MemorySegment scores, long index, int n) {
        if (scores != null && (index < 0 || scores.byteSize() / 8 - index < n)) {
            throw new IllegalArgumentException("scores must hold " + n + " doubles from element " + index
                    + " but has " + scores.byteSize() + " bytes");
        }
    }

    static void checkLabels(float[] ys, int offset, int n) {
        if (ys == null) {
            throw new IllegalArgumentException("ys must not be null");
        }
        if (offset < 0 || offset > ys.length || ys.length - offset < n) {
            throw new IllegalArgumentException("ys must hold " + n + " labels from offset " + offset
                    + " but has length " + ys.length);
        }
    }

    static void checkLabels(int[] labels, int offset, int n) {
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        if (offset < 0 || offset > labels.length || labels.length - offset < n) {
            throw new IllegalArgumentException("labels must hold " + n + " labels from offset " + offset
                    + " but has length " + labels.length);
        }
    }
}
