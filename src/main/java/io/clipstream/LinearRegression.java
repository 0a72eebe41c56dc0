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
        return (LinearRegression) SnapshotFormat.read(bytes(snapshot), Task.LINEAR, null, null);
    }

    /**
     * Applies one step with features {@code x} (length {@code d}) and target {@code y}.
     *
     * @return the absolute residual before the step
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, or {@code y} is
     *     not finite
     */
    public double update(float[] x, float y) {
        return step(acceptExact(x), 0, y, -1);
    }

    /** As {@link #update(float[], float)} with the features at {@code x[offset .. offset + d)}. */
    public double update(float[] x, int offset, float y) {
        return step(accept(x, offset), 0, y, -1);
    }

    /** As {@link #update(float[], float)} with the features at element {@code index} of {@code x}. */
    public double update(MemorySegment x, long index, float y) {
        MemorySegment s = accept(x, index);
        return step(s, s == x ? index : 0, y, -1);
    }

    /** Same as {@link #update(float[], float)}. */
    public double scoreAndUpdate(float[] x, float y) {
        return update(x, y);
    }

    /** The absolute residual {@code |y - w.x|} without updating. */
    public double score(float[] x, float y) {
        checkLength(x);
        checkTarget(y, -1);
        return Math.abs(y - ModelMath.margin(this, view(x, 0), 0));
    }

    /** The absolute residual for the features at element {@code index} of {@code x}, without updating. */
    public double score(MemorySegment x, long index, float y) {
        checkTarget(y, -1);
        MemorySegment s = view(x, index);
        return Math.abs(y - ModelMath.margin(this, s, s == x ? index : 0));
    }

    /** The prediction {@code w.x}. */
    public double predict(float[] x) {
        checkLength(x);
        return ModelMath.margin(this, view(x, 0), 0);
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
        acceptBatch(xs, offset, n, scores, scoresOffset, policy);
        acceptLabels(ys, ysOffset, n);
        if (policy == BadRowPolicy.REJECT_BATCH) {
            rejectBadRows(slab(xs), offset, n, ys, ysOffset);
        }
        int applied = 0;
        for (int i = 0; i < n; i++) {
            double score = batchStep(stage(xs, offset + i * dimension), 0, ys[ysOffset + i]);
            applied += score == score ? 1 : 0;
            if (scores != null) {
                scores[scoresOffset + i] = score;
            }
        }
        return applied;
    }

    /**
     * As {@link #updateBatch(float[], int, int, float[], int, double[], int, BadRowPolicy)} over a segment: row
     * {@code i} at element {@code index + i * d} of {@code xs}; scores as doubles at element {@code scoresIndex} of
     * {@code scores} (or null).
     */
    public int updateBatch(MemorySegment xs, long index, int n, float[] ys, int ysOffset, MemorySegment scores,
                           long scoresIndex, BadRowPolicy policy) {
        acceptBatch(xs, index, n, scores, scoresIndex, policy);
        acceptLabels(ys, ysOffset, n);
        if (policy == BadRowPolicy.REJECT_BATCH) {
            rejectBadRows(xs, index, n, ys, ysOffset);
        }
        boolean heap = !xs.isNative();
        int applied = 0;
        for (int i = 0; i < n; i++) {
            long row = index + (long) i * dimension;
            double score = heap ? batchStep(stage(xs, row), 0, ys[ysOffset + i]) : batchStep(xs, row, ys[ysOffset + i]);
            applied += score == score ? 1 : 0;
            if (scores != null) {
                scores.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, scoresIndex + i, score);
            }
        }
        return applied;
    }

    /** REJECT_BATCH: names the first row with a non-finite value or target (the value first within a row). */
    private void rejectBadRows(MemorySegment xs, long index, int n, float[] ys, int offset) {
        int badTarget = 0;
        while (badTarget < n && Float.isFinite(ys[offset + badTarget])) {
            badTarget++;
        }
        rejectBatchIfNonFinite(xs, index, Math.min(n, badTarget + 1), n);
        if (badTarget < n) {
            countRejected(n);
            throw new IllegalArgumentException("row " + badTarget + ": target y is " + ys[offset + badTarget]
                    + " (must be finite); the batch of " + n + " rows was not applied");
        }
    }

    /** A batch row: NaN and counted as rejected if its features or target are not finite. */
    private double batchStep(MemorySegment x, long index, float y) {
        double score = Float.isFinite(y) ? tryStep(x, index, y) : Double.NaN;
        if (score != score) {
            countRejected(1);
        }
        return score;
    }

    private void checkLength(float[] x) {
        if (x != null && x.length != dimension) {
            throw new IllegalArgumentException("x has length " + x.length + " but the estimator's dimension is "
                    + dimension);
        }
    }

    private void checkTarget(float y, long row) {
        if (!Float.isFinite(y)) {
            throw new IllegalArgumentException((row < 0 ? "" : "row " + row + ": ") + "target y is " + y
                    + " (must be finite)");
        }
    }

    private double step(MemorySegment x, long index, float y, long row) {
        if (!Float.isFinite(y)) {
            throw rejectSample(x, index, row, "target y is " + y + " (must be finite)");
        }
        double score = tryStep(x, index, y);
        if (score != score) {
            throw rejectSample(x, index, row, null);
        }
        return score;
    }

    /** One step; NaN (and nothing changed) if the sample is not finite. */
    private double tryStep(MemorySegment x, long index, float y) {
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
            if (dimension <= 0) {
                throw new IllegalArgumentException("dimension must be > 0: " + dimension);
            }
            this.task = task;
            this.dimension = dimension;
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
