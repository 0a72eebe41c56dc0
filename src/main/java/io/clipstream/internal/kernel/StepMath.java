package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.Kernels.WIDE_THRESHOLD;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar parts of the clipped steps that both kernel implementations share: the O(1) arithmetic between
 * the two passes (clip factor, loss coefficient, gradient norm) and the wide path, a double-precision rerun of
 * a whole kernel for the rare inputs whose float intermediates could overflow.
 *
 * <p>Sharing this code is deliberate: it is not vectorised, it runs once per sample (or only for inputs near
 * the float range's end), and having one copy means the two implementations take the same decisions from the
 * same pass-1 values.
 */
public final class StepMath {

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /**
     * Coefficients of a fast-path model update are kept below this bound (2^64), so that with
     * {@code |x_i|, |w_i| < 2^50} (implied by the sums being below {@link Kernels#WIDE_THRESHOLD})
     * no float product or sum in the update can overflow.
     */
    static final double COEFFICIENT_LIMIT = 0x1p64;

    private StepMath() {
    }

    /** The parameter ranges of {@link Kernels} ("Parameters"), for assertions. */
    static boolean validParameters(double eta, double maxEta, float lambda, float mu) {
        return eta > 0 && eta <= maxEta && lambda >= Float.MIN_VALUE && mu >= 0 && mu <= Float.MAX_VALUE;
    }

    /** {@code min(1, lambda / norm)}: 1 when {@code norm <= lambda} (also for norm 0), NaN for a NaN norm. */
    public static double clipFactor(double lambda, double norm) {
        return Math.min(1.0, lambda / norm);
    }

    /** Numerically stable logistic function {@code 1 / (1 + e^-z)}. */
    public static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /**
     * The coefficient {@code c} of {@code x} in the negative gradient of a margin loss (the residual {@code y - m}
     * for least squares, {@code y sigmoid(-y m)} for the logistic loss with {@code y in {-1, 1}}), and the sample's
     * loss into {@code r.loss}: {@code 1/2 (y - m)^2}, or
     * {@code softplus(z) = max(z, 0) + log(1 + e^-|z|)} with {@code z = -y m} for the logistic loss, which shares
     * {@code e^-|z|} with the sigmoid (one {@code exp} for both; the sigmoid is computed exactly as
     * {@link #sigmoid} does).
     */
    static double coefficientAndLoss(boolean logistic, double y, double margin, StepResult r) {
        if (!logistic) {
            double residual = y - margin;
            r.loss = 0.5 * residual * residual;
            return residual;
        }
        double z = -y * margin;
        double e = Math.exp(-Math.abs(z));
        r.loss = Math.max(z, 0) + Math.log(1 + e);
        return y * (z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
    }

    /**
     * {@code ||-c x + mu w||} from {@code ||x||^2}, {@code w.x} and {@code ||w||^2}, without the vector.
     * The expansion can cancel; it is clamped at 0 and only steers the clip factor.
     */
    static double modelGradientNorm(double c, double margin, double xx, double ww, double mu) {
        if (mu == 0) {
            return Math.abs(c) * Math.sqrt(xx);
        }
        double sq = c * c * xx - 2 * c * mu * margin + mu * mu * ww;
        return Math.sqrt(Math.max(0.0, sq));
    }

    /**
     * Step scale {@code s = eta * clipFactor} for the fast mean update from the float pass-1 sum, or NaN when
     * the wide path must run: the sum reached {@link Kernels#WIDE_THRESHOLD} (or is not finite), or the step
     * would overshoot ({@code s (1 + mu) > 1}), so {@code theta} is no longer a convex combination of itself
     * and {@code x} and could leave the float range.
     */
    static float meanFastScale(float sum, float eta, float lambda, float k) {
        assert validParameters(eta, Float.MAX_VALUE, lambda, k - 1) : "eta " + eta + ", lambda " + lambda + ", k " + k;
        if (!(sum < WIDE_THRESHOLD)) {
            return Float.NaN;
        }
        float s = (float) (eta * clipFactor(lambda, Math.sqrt(sum)));
        return (double) s * k <= 1.0 ? s : Float.NaN;
    }

    /**
     * Decides a model step from its float pass-1 values. On the fast path fills {@code r} (norm, margin and the
     * update coefficients) and returns true; the caller then applies
     * {@code w_i <- mulAdd(x_i, r.xCoefficient, w_i * r.wCoefficient)}. Returns false when the wide path must
     * run: a pass-1 value reached {@link Kernels#WIDE_THRESHOLD} or is not finite, or a coefficient would
     * exceed {@link #COEFFICIENT_LIMIT}.
     */
    static boolean modelFast(boolean logistic, float y, double eta, float lambda, float mu,
                             float margin, float xx, float ww, StepResult r) {
        assert validParameters(eta, 0x1p600, lambda, mu) : "eta " + eta + ", lambda " + lambda + ", mu " + mu;
        if (!(Math.abs(margin) < WIDE_THRESHOLD && xx < WIDE_THRESHOLD && ww < WIDE_THRESHOLD && Float.isFinite(y))) {
            return false;
        }
        double c = coefficientAndLoss(logistic, y, margin, r);
        double norm = modelGradientNorm(c, margin, xx, ww, mu);
        double sd = eta * clipFactor(lambda, norm);
        double a = sd * c;
        double b = 1.0 - sd * mu;
        if (!(Math.abs(a) < COEFFICIENT_LIMIT && Math.abs(b) < COEFFICIENT_LIMIT)) {
            return false;
        }
        r.margin = margin;
        r.xNormSquared = xx;
        r.wNormSquared = ww;
        r.gradientNorm = norm;
        r.wide = false;
        r.xCoefficient = (float) a;
        r.wCoefficient = (float) b;
        return true;
    }

    /** Rounds to float, saturating at {@code +-Float.MAX_VALUE} instead of overflowing; NaN stays NaN. */
    static float saturate(double v) {
        return (float) Math.max(-Float.MAX_VALUE, Math.min(Float.MAX_VALUE, v));
    }

    // ------------------------------------------------------------------ wide path (double precision)

    static float get(MemorySegment s, long index) {
        return s.getAtIndex(FLOAT, index);
    }

    static void set(MemorySegment s, long index, float v) {
        s.setAtIndex(FLOAT, index, v);
    }

    static double wideDot(MemorySegment a, long aIndex, MemorySegment b, long bIndex, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += (double) get(a, aIndex + i) * get(b, bIndex + i);
        }
        return sum;
    }

    static double wideSumSquares(MemorySegment a, long aIndex, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            double v = get(a, aIndex + i);
            sum += v * v;
        }
        return sum;
    }

    /** {@code sum_i (x_i - k a_i)^2} in double. */
    static double wideScaledSquaredDistance(float k, MemorySegment a, long aIndex, MemorySegment x, long xIndex,
                                            int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            double d = get(x, xIndex + i) - (double) k * get(a, aIndex + i);
            sum += d * d;
        }
        return sum;
    }

    /**
     * The whole mean step in double; theta saturates at the float range instead of overflowing. A double sum of
     * squares of finite floats cannot overflow, so a non-finite norm means a non-finite input: then nothing is
     * written and NaN is returned.
     */
    static double wideMeanStep(MemorySegment theta, long thetaIndex, MemorySegment x, long xIndex, int count,
                               float eta, float lambda, float mu) {
        float k = 1f + mu;
        double norm = Math.sqrt(wideScaledSquaredDistance(k, theta, thetaIndex, x, xIndex, count));
        if (!Double.isFinite(norm)) {
            return Double.NaN;
        }
        double s = eta * clipFactor(lambda, norm);
        for (int i = 0; i < count; i++) {
            double t = get(theta, thetaIndex + i);
            double d = get(x, xIndex + i) - (double) k * t;
            set(theta, thetaIndex + i, saturate(t + s * d));
        }
        return norm;
    }

    /**
     * The whole linear or logistic step in double; w saturates at the float range instead of overflowing. A
     * non-finite pass-1 value (or label) means a non-finite input: then nothing is written and NaN is returned.
     */
    static double wideModelStep(boolean logistic, MemorySegment w, long wIndex, MemorySegment x, long xIndex,
                                int count, float y, double eta, float lambda, float mu, StepResult r) {
        double margin = wideDot(w, wIndex, x, xIndex, count);
        double xx = wideSumSquares(x, xIndex, count);
        double ww = wideSumSquares(w, wIndex, count);
        if (!(Double.isFinite(margin) && Double.isFinite(xx) && Double.isFinite(ww) && Float.isFinite(y))) {
            r.margin = margin;
            r.xNormSquared = xx;
            r.wNormSquared = ww;
            r.gradientNorm = Double.NaN;
            r.xCoefficient = Float.NaN;
            r.wCoefficient = Float.NaN;
            r.wide = true;
            return Double.NaN;
        }
        double c = coefficientAndLoss(logistic, y, margin, r);
        double norm = modelGradientNorm(c, margin, xx, ww, mu);
        double sd = eta * clipFactor(lambda, norm);
        double a = sd * c;
        double b = 1.0 - sd * mu;
        for (int i = 0; i < count; i++) {
            double wi = get(w, wIndex + i);
            set(w, wIndex + i, saturate(b * wi + a * get(x, xIndex + i)));
        }
        r.margin = margin;
        r.xNormSquared = xx;
        r.wNormSquared = ww;
        r.gradientNorm = norm;
        r.xCoefficient = (float) a;
        r.wCoefficient = (float) b;
        r.wide = true;
        return norm;
    }
}
