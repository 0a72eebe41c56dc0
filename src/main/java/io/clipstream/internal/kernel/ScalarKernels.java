package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.Kernels.WIDE_THRESHOLD;
import static io.clipstream.internal.kernel.StepMath.DOUBLE;
import static io.clipstream.internal.kernel.StepMath.get;
import static io.clipstream.internal.kernel.StepMath.set;

import java.lang.foreign.MemorySegment;

/**
 * The scalar reference: plain sequential loops, no unrolling. It is both the production fallback (when the
 * Vector API is unavailable or C2 is off) and the readable specification of every kernel; {@link SimdKernels}
 * is tested against it.
 *
 * <p>{@code mulAdd(a, b, c)} below is {@code Math.fma(a, b, c)} when {@link #fma()} is on and {@code a * b + c}
 * otherwise; every place it appears is a place where the SIMD implementation uses the same operation.
 * Reductions accumulate in float in index order and, when the float sum reaches {@link Kernels#WIDE_THRESHOLD}
 * or is not finite, are recomputed in double.
 *
 * <p>A record so that, held in a {@code static final} field, its component is a constant to C2.
 *
 * @param fma whether multiply-add steps are fused
 */
public record ScalarKernels(boolean fma) implements Kernels {

    @Override
    public String name() {
        return fma ? "scalar" : "scalar-nofma";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public int vectorBitSize() {
        return Float.SIZE;
    }

    private float mulAdd(float a, float b, float c) {
        return fma ? Math.fma(a, b, c) : a * b + c;
    }

    /** Checks that {@code count} floats from element {@code index} lie inside {@code s}, before anything is touched. */
    static void checkRange(MemorySegment s, long index, long count) {
        java.util.Objects.checkFromIndexSize(index << 2, count << 2, s.byteSize());
    }

    // ---------------------------------------------------------------- reductions

    /** {@code acc = mulAdd(a_i, b_i, acc)} for i in order, starting from 0. */
    @Override
    public double dot(MemorySegment a, long aIndex, MemorySegment b, long bIndex, int count) {
        float acc = 0f;
        for (int i = 0; i < count; i++) {
            acc = mulAdd(get(a, aIndex + i), get(b, bIndex + i), acc);
        }
        return Math.abs(acc) < WIDE_THRESHOLD ? acc : StepMath.wideDot(a, aIndex, b, bIndex, count);
    }

    /** {@code acc = mulAdd(a_i, a_i, acc)} for i in order, starting from 0. */
    @Override
    public double sumSquares(MemorySegment a, long aIndex, int count) {
        float acc = 0f;
        for (int i = 0; i < count; i++) {
            float v = get(a, aIndex + i);
            acc = mulAdd(v, v, acc);
        }
        return acc < WIDE_THRESHOLD ? acc : StepMath.wideSumSquares(a, aIndex, count);
    }

    // ---------------------------------------------------------------- element-wise

    /** {@code y_i = mulAdd(alpha, x_i, y_i)}. */
    @Override
    public void axpy(float alpha, MemorySegment x, long xIndex, MemorySegment y, long yIndex, int count) {
        checkRange(x, xIndex, count);
        checkRange(y, yIndex, count);
        for (int i = 0; i < count; i++) {
            set(y, yIndex + i, mulAdd(alpha, get(x, xIndex + i), get(y, yIndex + i)));
        }
    }

    /** {@code x_i = alpha * x_i}. */
    @Override
    public void scale(float alpha, MemorySegment x, long xIndex, int count) {
        checkRange(x, xIndex, count);
        for (int i = 0; i < count; i++) {
            set(x, xIndex + i, alpha * get(x, xIndex + i));
        }
    }

    // ---------------------------------------------------------------- fused clipped-SGD steps

    /**
     * With {@code k = 1 + mu} (float) and the negated gradient {@code d_i = mulAdd(theta_i, -k, x_i)}:
     * pass 1 {@code acc = mulAdd(d_i, d_i, acc)}; {@code s = (float) (eta * clipFactor(lambda, sqrt(acc)))};
     * pass 2 {@code theta_i = mulAdd(d_i, s, theta_i)}. Runs {@link StepMath#wideMeanStep} instead when
     * {@link StepMath#meanFastScale} says so.
     */
    @Override
    public double clippedMeanStep(MemorySegment theta, long thetaIndex, MemorySegment x, long xIndex, int count,
                                  float eta, float lambda, float mu) {
        float k = 1f + mu;
        float negK = -k;
        float acc = 0f;
        for (int i = 0; i < count; i++) {
            float d = mulAdd(get(theta, thetaIndex + i), negK, get(x, xIndex + i));
            acc = mulAdd(d, d, acc);
        }
        float s = StepMath.meanFastScale(acc, eta, lambda, k);
        if (s != s) {
            return StepMath.wideMeanStep(theta, thetaIndex, x, xIndex, count, eta, lambda, mu);
        }
        for (int i = 0; i < count; i++) {
            float t = get(theta, thetaIndex + i);
            float d = mulAdd(t, negK, get(x, xIndex + i));
            set(theta, thetaIndex + i, mulAdd(d, s, t));
        }
        return Math.sqrt(acc);
    }

    @Override
    public double clippedLinearStep(MemorySegment w, long wIndex, MemorySegment x, long xIndex, int count,
                                    float y, double eta, float lambda, float mu, StepResult result) {
        return modelStep(false, w, wIndex, x, xIndex, count, y, eta, lambda, mu, result);
    }

    @Override
    public double clippedLogisticStep(MemorySegment w, long wIndex, MemorySegment x, long xIndex, int count,
                                      float y, double eta, float lambda, float mu, StepResult result) {
        return modelStep(true, w, wIndex, x, xIndex, count, y, eta, lambda, mu, result);
    }

    /**
     * Pass 1 accumulates, in float and index order, {@code m = mulAdd(w_i, x_i, m)},
     * {@code xx = mulAdd(x_i, x_i, xx)} and {@code ww = mulAdd(w_i, w_i, ww)}.
     * {@link StepMath#modelFast} turns them into the norm and the coefficients {@code a, b}; pass 2 applies
     * {@code w_i = mulAdd(x_i, a, w_i * b)}. Otherwise {@link StepMath#wideModelStep} runs.
     */
    private double modelStep(boolean logistic, MemorySegment w, long wIndex, MemorySegment x, long xIndex,
                             int count, float y, double eta, float lambda, float mu, StepResult result) {
        float m = 0f;
        float xx = 0f;
        float ww = 0f;
        for (int i = 0; i < count; i++) {
            float wi = get(w, wIndex + i);
            float xi = get(x, xIndex + i);
            m = mulAdd(wi, xi, m);
            xx = mulAdd(xi, xi, xx);
            ww = mulAdd(wi, wi, ww);
        }
        if (!StepMath.modelFast(logistic, y, eta, lambda, mu, m, xx, ww, result)) {
            return StepMath.wideModelStep(logistic, w, wIndex, x, xIndex, count, y, eta, lambda, mu, result);
        }
        float a = result.xCoefficient;
        float b = result.wCoefficient;
        for (int i = 0; i < count; i++) {
            set(w, wIndex + i, mulAdd(get(x, xIndex + i), a, get(w, wIndex + i) * b));
        }
        return result.gradientNorm;
    }

    /** Scans in index order. */
    @Override
    public long firstNonFinite(MemorySegment a, long aIndex, long count) {
        for (long i = 0; i < count; i++) {
            if (!Float.isFinite(get(a, aIndex + i))) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- batch scoring

    /** {@code out[i] = sqrt(acc)} with {@code d_j = mulAdd(theta_j, -k, x_ij); acc = mulAdd(d_j, d_j, acc)}. */
    @Override
    public void distances(float k, MemorySegment theta, long thetaIndex, MemorySegment xs, long xsIndex,
                          long stride, int n, int count, MemorySegment out, long outIndex) {
        if (n > 0) {
            checkRange(xs, xsIndex, (n - 1) * stride + count);
        }
        java.util.Objects.checkFromIndexSize(outIndex << 3, (long) n << 3, out.byteSize());
        for (int i = 0; i < n; i++) {
            long row = xsIndex + i * stride;
            float acc = 0f;
            for (int j = 0; j < count; j++) {
                float d = mulAdd(get(theta, thetaIndex + j), -k, get(xs, row + j));
                acc = mulAdd(d, d, acc);
            }
            double sq = acc < WIDE_THRESHOLD ? acc
                    : StepMath.wideScaledSquaredDistance(k, theta, thetaIndex, xs, row, count);
            out.setAtIndex(DOUBLE, outIndex + i, Math.sqrt(sq));
        }
    }

}
