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
 * non-finite value or gradient makes the sample rejected like a non-finite input.
 *
 * See {@link Estimator} for bad input, allocation and thread safety.
 */
public final class CustomEstimator extends Estimator {

    private final Loss loss;
    private final float[] theta;
    private final float[] xBuffer;
    private final double[] gradient;

    CustomEstimator(EstimatorConfig config, Loss loss, Kernels kernels) {
        super(config, kernels);
        if (config.task() != Task.CUSTOM) {
            throw new IllegalArgumentException("not a CUSTOM configuration: " + config.task());
        }
        this.loss = Objects.requireNonNull(loss, "loss");
        this.theta = new float[dimension];
        this.xBuffer = new float[dimension];
        this.gradient = new double[dimension];
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
        return (CustomEstimator) SnapshotFormat.read(bytes(snapshot), Task.CUSTOM, loss, null);
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
     *     finite, or the loss returned a non-finite value
     */
    public double update(float[] x, float y) {
        if (x == null || x.length != dimension) {
            acceptExact(x); // throws and counts
        }
        return step(x, y);
    }

    /** As {@link #update(float[], float)} with the sample at element {@code index} of {@code x} (copied). */
    public double update(MemorySegment x, long index, float y) {
        checkSegmentCounted(x, index);
        MemorySegment.copy(x, ValueLayout.JAVA_FLOAT_UNALIGNED, index * 4, xBuffer, 0, dimension);
        return step(xBuffer, y);
    }

    private void checkSegmentCounted(MemorySegment x, long index) {
        try {
            checkSegment(x, index, dimension, "x");
        } catch (IllegalArgumentException e) {
            countRejected(1);
            throw e;
        }
    }

    /**
     * The loss of {@code (x, y)} without updating (not counted in {@link #rejectedCount()} when refused).
     *
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, or {@code y} is not
     *     finite
     */
    public double score(float[] x, float y) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        if (x.length != dimension) {
            throw new IllegalArgumentException("x has length " + x.length + " but the estimator's dimension is "
                    + dimension);
        }
        IllegalArgumentException bad = problem(x, y);
        if (bad != null) {
            throw bad;
        }
        return loss.gradient(theta, x, y, gradient);
    }

    /** The first non-finite value of {@code x}, or a non-finite {@code y}, as an exception; null if none. */
    private IllegalArgumentException problem(float[] x, float y) {
        for (int i = 0; i < dimension; i++) {
            if (!Float.isFinite(x[i])) {
                return new IllegalArgumentException("x[" + i + "] is " + x[i] + " (values must be finite)");
            }
        }
        if (!Float.isFinite(y)) {
            return new IllegalArgumentException("label y is " + y + " (must be finite)");
        }
        return null;
    }

    private double step(float[] x, float y) {
        IllegalArgumentException bad = problem(x, y);
        if (bad != null) {
            countRejected(1);
            throw bad;
        }
        double value = loss.gradient(theta, x, y, gradient);
        double sq = 0;
        for (int i = 0; i < dimension; i++) {
            double g = gradient[i] + mu * (double) theta[i];
            if (!Double.isFinite(g)) {
                countRejected(1);
                throw new IllegalArgumentException("the loss returned a non-finite gradient at index " + i + ": "
                        + gradient[i]);
            }
            gradient[i] = g;
            sq += g * g;
        }
        if (!Double.isFinite(value)) {
            countRejected(1);
            throw new IllegalArgumentException("the loss returned a non-finite value: " + value);
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
            if (dimension <= 0) {
                throw new IllegalArgumentException("dimension must be > 0: " + dimension);
            }
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
