package io.clipstream;

import io.clipstream.internal.kernel.Kernels;
import io.clipstream.internal.kernel.StepResult;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Online robust linear regression: {@code l = 1/2 (y - w.x)^2 + mu/2 ||w||^2}, gradient {@code -r x + mu w} with
 * the residual {@code r = y - w.x}; the fused kernel gets {@code ||g||} from {@code w.x}, {@code ||x||^2} and
 * {@code ||w||^2} without materialising {@code g}. For an intercept, append a constant feature (e.g. 1) to x.
 *
 * <p><b>Score</b>: the absolute residual {@code |y - w.x|} before the step.
 *
 * <p><b>Step normalisation</b> (on by default): the step is divided by a robust running median of
 * {@code ||x||^2} (normalised LMS), so each step corrects about {@code eta} of the residual whatever the feature
 * scale and dimension (plain SGD is only stable for {@code eta ||x||^2 < 2}). The default step is 0.05.
 *
 * See {@link Estimator} for bad input, allocation and thread safety.
 */
public final class LinearRegression extends Estimator {

    private final StepResult result = new StepResult();

    LinearRegression(EstimatorConfig config, Kernels kernels) {
        super(config, kernels);
        if (config.task() != Task.LINEAR) {
            throw new IllegalArgumentException("not a LINEAR configuration: " + config.task());
        }
    }

    /** A builder for a linear regression over {@code d} features. */
    public static Builder builder(int dimension) {
        return new Builder(Task.LINEAR, dimension);
    }

    /**
     * Restores a linear regression from a snapshot.
     *
     * @throws IllegalArgumentException if the snapshot is invalid or holds another task
     */
    public static LinearRegression restore(byte[] snapshot) {
        return (LinearRegression) readSnapshot(bytes(snapshot), Task.LINEAR, null, null);
    }

    /**
     * Applies one step with features {@code x} (length {@code d}) and target {@code y}.
     *
     * @return the absolute residual before the step
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, or {@code y} is
     *     not finite
     */
    public double update(float[] x, float y) {
        return applyOne(acceptExact(x), 0, y, 0);
    }

    /** As {@link #update(float[], float)} with the features at {@code x[offset .. offset + d)}. */
    public double update(float[] x, int offset, float y) {
        return applyOne(accept(x, offset), 0, y, 0);
    }

    /** As {@link #update(float[], float)} with the features at element {@code index} of {@code x}. */
    public double update(MemorySegment x, long index, float y) {
        MemorySegment s = accept(x, index);
        return applyOne(s, s == x ? index : 0, y, 0);
    }

    /** Same as {@link #update(float[], float)}. */
    public double scoreAndUpdate(float[] x, float y) {
        return update(x, y);
    }

    /** The absolute residual {@code |y - w.x|} without updating. */
    public double score(float[] x, float y) {
        MemorySegment s = view(x);
        checkLabel(y, 0);
        return Math.abs(y - ModelMath.margin(this, s, 0));
    }

    /** The absolute residual for the features at element {@code index} of {@code x}, without updating. */
    public double score(MemorySegment x, long index, float y) {
        checkLabel(y, 0);
        MemorySegment s = view(x, index);
        return Math.abs(y - ModelMath.margin(this, s, s == x ? index : 0));
    }

    /** The prediction {@code w.x}. */
    public double predict(float[] x) {
        return ModelMath.margin(this, view(x), 0);
    }

    /** The prediction {@code w.x} for the features at element {@code index} of {@code x}. */
    public double predict(MemorySegment x, long index) {
        MemorySegment s = view(x, index);
        return ModelMath.margin(this, s, s == x ? index : 0);
    }

    /**
     * Applies {@code n} rows of {@code xs[offset ..]} with targets {@code ys[ysOffset ..]} in order, writing
     * the scores (NaN for skipped rows) to {@code scores} (or null).
     *
     * @return the number of rows applied
     * @throws IllegalArgumentException for bad arguments, or under {@link BadRowPolicy#REJECT_BATCH} if any row or
     *     target is bad (nothing is applied)
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

    /** One step; NaN (and nothing changed) if the sample or the target is not finite. */
    @Override
    double stepRow(MemorySegment x, long index, float y, int label) {
        if (!Float.isFinite(y)) {
            return Double.NaN;
        }
        float lambda = clip.level();
        double eta = ModelMath.eta(this, x, index);
        if (eta != eta) {
            return Double.NaN;
        }
        double norm = kernels.clippedLinearStep(params, 0, x, index, dimension, y, eta, lambda, mu, result);
        if (norm != norm) {
            return Double.NaN;
        }
        accepted(norm, lambda);
        ModelMath.observeScale(this, result.xNormSquared, x, index);
        return Math.abs(y - result.margin);
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
        return Float.isFinite(y) ? null : "target y is " + y + " (must be finite)";
    }

    /** Builds a {@link LinearRegression} or {@link LogisticRegression}; every setter validates eagerly. */
    public static final class Builder {
        private final Task task;
        private final int dimension;
        private StepSize stepSize = Defaults.MODEL_STEP_SIZE;
        private ClipPolicy clip;
        private double l2;
        private boolean normalizeSteps = true;
        private Kernels kernels;

        Builder(Task task, int dimension) {
            this.task = task;
            this.dimension = EstimatorConfig.checkDimension(dimension);
            this.clip = task == Task.LINEAR ? Defaults.CLIP : Defaults.CLASSIFIER_CLIP;
        }

        /**
         * The step-size policy (default {@code StepSize.constant(0.05)}: with normalised steps, the fraction of a
         * sample's residual one step corrects).
         */
        public Builder stepSize(StepSize stepSize) {
            this.stepSize = Objects.requireNonNull(stepSize, "stepSize");
            return this;
        }

        /** The clip policy (default {@link ClipPolicy#adaptive()}; 3x the median for logistic regression). */
        public Builder clip(ClipPolicy clip) {
            this.clip = Objects.requireNonNull(clip, "clip");
            return this;
        }

        /** The L2 coefficient {@code mu >= 0} (default 0). */
        public Builder l2(double mu) {
            this.l2 = EstimatorConfig.checkL2(mu);
            return this;
        }

        /** Divide the step by a robust running median of {@code ||x||^2} (default true). */
        public Builder normalizeSteps(boolean normalize) {
            this.normalizeSteps = normalize;
            return this;
        }

        Builder kernels(Kernels kernels) {
            this.kernels = kernels;
            return this;
        }

        EstimatorConfig config() {
            return new EstimatorConfig(task, dimension, 1, stepSize, clip, l2, normalizeSteps);
        }

        /** Builds a linear regression starting at {@code w = 0}. */
        public LinearRegression build() {
            if (task != Task.LINEAR) {
                throw new IllegalStateException("this builder makes " + task + " models");
            }
            return new LinearRegression(config(), kernels);
        }

        /** Builds a logistic regression starting at {@code w = 0}. */
        public LogisticRegression buildLogistic() {
            if (task != Task.LOGISTIC) {
                throw new IllegalStateException("this builder makes " + task + " models");
            }
            return new LogisticRegression(config(), kernels);
        }
    }
}
