package io.clipstream;

import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Clipped SGD on a user-supplied {@link Loss} (plus the optional L2 term), on the scalar path: the loss fills a
 * gradient array, the estimator adds {@code mu theta}, clips the whole gradient and steps. The loss must be
 * strongly convex in {@code theta} (or made so by {@code l2}) for the estimate to be meaningful.
 *
 * <p><b>Score</b>: the loss value returned by {@link Loss#gradient} before the step.
 *
 * <p>A snapshot does not contain the loss: restore with {@link #restore(byte[], Loss)}. A loss that returns a
 * non-finite value or gradient, or throws a RuntimeException, makes the sample rejected like a non-finite input
 * (counted, state unchanged; the message names what the loss did). The loss is given copies of theta and of the
 * sample, so writing into them changes nothing.
 *
 * See {@link Estimator} for bad input, allocation and thread safety.
 */
public final class CustomEstimator extends Estimator {

    private final Loss loss;
    private final float[] theta;
    private final float[] xBuffer;
    private final double[] gradient;
    /**
     * What the loss is given: copies of theta and of the sample, refreshed at each call, so that a loss that writes
     * into its "read only" arrays cannot change the state behind a refusal or a score (it once could, unseen: the
     * next step ran from the loss's theta while the snapshot still held the old one).
     */
    private final float[] thetaForLoss;
    private final float[] xForLoss;

    CustomEstimator(EstimatorConfig config, Loss loss, Kernels kernels) {
        super(config, kernels);
        if (config.task() != Task.CUSTOM) {
            throw new IllegalArgumentException("not a CUSTOM configuration: " + config.task());
        }
        this.loss = Objects.requireNonNull(loss, "loss");
        this.theta = new float[dimension];
        this.xBuffer = new float[dimension];
        this.gradient = new double[dimension];
        this.thetaForLoss = new float[dimension];
        this.xForLoss = new float[dimension];
    }

    /** A builder for a custom loss over samples of dimension {@code d} (and parameters of the same size). */
    public static Builder builder(int dimension, Loss loss) {
        return new Builder(dimension, loss);
    }

    /**
     * Restores a custom estimator; the loss must be the one the snapshot was taken with.
     *
     * @throws IllegalArgumentException if the snapshot is invalid, holds another task, or {@code loss} is null
     */
    public static CustomEstimator restore(byte[] snapshot, Loss loss) {
        if (loss == null) {
            throw new IllegalArgumentException("loss must not be null");
        }
        return (CustomEstimator) readSnapshot(bytes(snapshot), Task.CUSTOM, loss, null);
    }

    @Override
    void afterRestore() {
        MemorySegment.copy(params, ValueLayout.JAVA_FLOAT, 0, theta, 0, dimension);
    }

    /**
     * Applies one step with sample {@code x} (length {@code d}) and label {@code y} (ignored by losses without one).
     *
     * @return the loss before the step
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, {@code y} is not
     *     finite, or the loss returned a non-finite value or threw
     */
    public double update(float[] x, float y) {
        return applyOne(acceptExact(x), 0, y, 0);
    }

    /** As {@link #update(float[], float)} with the sample at {@code x[offset .. offset + d)}. */
    public double update(float[] x, int offset, float y) {
        return applyOne(accept(x, offset), 0, y, 0);
    }

    /** As {@link #update(float[], float)} with the sample at element {@code index} of {@code x}. */
    public double update(MemorySegment x, long index, float y) {
        MemorySegment s = accept(x, index);
        return applyOne(s, s == x ? index : 0, y, 0);
    }

    /**
     * Applies {@code n} rows of {@code xs[offset ..]} with labels {@code ys[ysOffset ..]} in order, writing the
     * scores (NaN for skipped rows) to {@code scores} (or null). Under {@link BadRowPolicy#REJECT_BATCH} every row
     * and label is checked before any is applied; a row whose loss returns a non-finite value (or throws) can only
     * be found when its step is taken, so it is skipped and counted under either policy (the rows before it stay applied).
     *
     * @return the number of rows applied
     * @throws IllegalArgumentException for bad arguments, or under {@link BadRowPolicy#REJECT_BATCH} if any row or
     *     label is not finite (nothing is applied)
     */
    public int updateBatch(float[] xs, int offset, int n, float[] ys, int ysOffset, double[] scores,
                           int scoresOffset, BadRowPolicy policy) {
        return updateRows(true, xs, null, offset, n, ys, null, ysOffset, scores, null, scoresOffset, policy);
    }

    /**
     * As {@link #updateBatch(float[], int, int, float[], int, double[], int, BadRowPolicy)} over a segment: row
     * {@code i} at element {@code index + i * d} of {@code xs}; scores as doubles at element {@code scoresIndex} of
     * {@code scores} (or null).
     */
    public int updateBatch(MemorySegment xs, long index, int n, float[] ys, int ysOffset, MemorySegment scores,
                           long scoresIndex, BadRowPolicy policy) {
        return updateRows(false, null, xs, index, n, ys, null, ysOffset, null, scores, scoresIndex, policy);
    }

    /**
     * The loss of {@code (x, y)} without updating (not counted in {@link #rejectedCount()} when refused).
     *
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, or {@code y} is not
     *     finite
     */
    public double score(float[] x, float y) {
        if (x == null) {
            throw nullArgument("x");
        }
        if (x.length != dimension) {
            throw wrongLength(x.length);
        }
        for (int i = 0; i < dimension; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException(nonFiniteValue(i, x[i]));
            }
        }
        checkLabel(y, 0);
        System.arraycopy(x, 0, xForLoss, 0, dimension);
        RuntimeException threw = callLoss(xForLoss, y);
        if (threw != null) {
            throw new IllegalArgumentException("the loss threw " + threw, threw);
        }
        return lossValue;
    }

    /** The last loss value {@link #callLoss} got. */
    private double lossValue;
    /** What the loss threw at the last refused step, or null. */
    private RuntimeException lossThrew;

    /**
     * Calls the loss on copies of theta and {@code x}; returns null, or what it threw (a RuntimeException from the
     * loss is the loss's fault, not a sample's: the sample is refused with it, counted, and the state is unchanged).
     */
    private RuntimeException callLoss(float[] x, float y) {
        System.arraycopy(theta, 0, thetaForLoss, 0, dimension);
        try {
            lossValue = loss.gradient(thetaForLoss, x, y, gradient);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private String lossThrew() {
        return "the loss threw " + lossThrew;
    }

    @Override
    boolean labelOk(float y, int label) {
        return Float.isFinite(y);
    }

    @Override
    Labels labels() {
        return Labels.TARGETS;
    }

    @Override
    String labelProblem(float y, int label) {
        return Float.isFinite(y) ? null : "label y is " + y + " (must be finite)";
    }

    /** What the last refused step found wrong with the loss: -1 none, else the gradient index, or d for the value. */
    private int lossFault = -1;
    private double lossFaultValue;

    /** The sample first, then the label, then what the loss returned. */
    @Override
    String refusal(MemorySegment x, long index, float y, int label) {
        for (int i = 0; i < dimension; i++) {
            if (!Float.isFinite(xBuffer[i])) {
                return nonFiniteValue(i, xBuffer[i]);
            }
        }
        String problem = labelProblem(y, label);
        if (problem != null) {
            return problem;
        }
        if (lossThrew != null) {
            return lossThrew();
        }
        return lossFault < dimension ? "the loss returned a non-finite gradient at index " + lossFault + ": "
                + lossFaultValue : "the loss returned a non-finite value: " + lossFaultValue;
    }

    /** Copies the sample to the loss's array and steps; NaN (nothing changed) for a sample or loss it refuses. */
    @Override
    double stepRow(MemorySegment x, long index, float y, int label) {
        lossThrew = null;
        float[] xs = xBuffer;
        MemorySegment.copy(x, ValueLayout.JAVA_FLOAT_UNALIGNED, index * 4, xs, 0, dimension);
        for (int i = 0; i < dimension; i++) {
            if (!Float.isFinite(xs[i])) {
                return Double.NaN;
            }
        }
        if (!Float.isFinite(y)) {
            return Double.NaN;
        }
        System.arraycopy(xs, 0, xForLoss, 0, dimension);
        lossThrew = callLoss(xForLoss, y);
        if (lossThrew != null) {
            return Double.NaN;
        }
        double value = lossValue;
        double sq = 0;
        for (int i = 0; i < dimension; i++) {
            double g = gradient[i] + mu * (double) theta[i];
            if (!Double.isFinite(g)) {
                return lossFault(i, g);
            }
            gradient[i] = g;
            sq += g * g;
        }
        if (!Double.isFinite(value)) {
            return lossFault(dimension, value);
        }
        float lambda = clip.level();
        double norm = Math.sqrt(sq);
        if (norm < Double.POSITIVE_INFINITY) {
            double sd = schedule.eta() * Math.min(1.0, lambda / norm);
            for (int i = 0; i < dimension; i++) {
                theta[i] = saturate(theta[i] - sd * gradient[i]);
            }
        } else {
            norm = hugeGradientStep(lambda);
        }
        MemorySegment.copy(theta, 0, params, ValueLayout.JAVA_FLOAT, 0, dimension);
        accepted(norm, lambda);
        return value;
    }

    private double lossFault(int at, double value) {
        lossFault = at;
        lossFaultValue = value;
        return Double.NaN;
    }

    /**
     * The step for a gradient whose components are finite but whose norm overflows double (cold): the norm is
     * taken over the gradient scaled by its largest component, the clipped step is
     * {@code eta * min(lambda, ||g||) * g / ||g||} (unclipped, {@code eta g}, only when {@code lambda} is
     * infinite), and the norm reported to the clip tracker saturates at {@code Double.MAX_VALUE}.
     */
    private double hugeGradientStep(float lambda) {
        double largest = 0;
        for (int i = 0; i < dimension; i++) {
            largest = Math.max(largest, Math.abs(gradient[i]));
        }
        double scaledSquares = 0;
        for (int i = 0; i < dimension; i++) {
            double u = gradient[i] / largest;
            scaledSquares += u * u;
        }
        double scaledNorm = Math.sqrt(scaledSquares); // in [1, sqrt(d)]
        double eta = schedule.eta();
        if (lambda == Float.POSITIVE_INFINITY) {
            for (int i = 0; i < dimension; i++) {
                theta[i] = saturate(theta[i] - eta * gradient[i]);
            }
        } else {
            double sd = eta * lambda / scaledNorm;
            for (int i = 0; i < dimension; i++) {
                theta[i] = saturate(theta[i] - sd * (gradient[i] / largest));
            }
        }
        return Double.MAX_VALUE;
    }

    private static float saturate(double v) {
        return (float) Math.max(-Float.MAX_VALUE, Math.min(Float.MAX_VALUE, v));
    }

    /** Builds a {@link CustomEstimator}; every setter validates eagerly. */
    public static final class Builder {
        private final int dimension;
        private final Loss loss;
        private StepSize stepSize = Defaults.STEP_SIZE;
        private ClipPolicy clip = Defaults.CLIP;
        private double l2;

        private Builder(int dimension, Loss loss) {
            EstimatorConfig.checkDimension(dimension);
            if (loss == null) {
                throw new IllegalArgumentException("loss must not be null");
            }
            this.dimension = dimension;
            this.loss = loss;
        }

        /** The step-size policy (default {@code StepSize.halfLife(300)}). */
        public Builder stepSize(StepSize stepSize) {
            this.stepSize = Objects.requireNonNull(stepSize, "stepSize");
            return this;
        }

        /** The clip policy (default {@link ClipPolicy#adaptive()}). */
        public Builder clip(ClipPolicy clip) {
            this.clip = Objects.requireNonNull(clip, "clip");
            return this;
        }

        /** The L2 coefficient {@code mu >= 0} (default 0). */
        public Builder l2(double mu) {
            this.l2 = EstimatorConfig.checkL2(mu);
            return this;
        }

        /** Builds the estimator starting at {@code theta = 0}. */
        public CustomEstimator build() {
            return new CustomEstimator(new EstimatorConfig(Task.CUSTOM, dimension, 1, stepSize, clip, l2, false), loss,
                    null);
        }
    }
}
