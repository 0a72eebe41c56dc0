package io.clipstream;

import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Online robust estimate of the mean (location) of a stream of vectors:
 * {@code l(x, theta) = 1/2 ||x - theta||^2 + mu/2 ||theta||^2}, gradient {@code (1 + mu) theta - x}.
 *
 * <p><b>Score</b>: the pre-clip gradient norm against the estimate before the step,
 * {@code ||x - (1 + mu) theta||}, which without an L2 term is the distance {@code ||x - theta||}.
 *
 * <pre>{@code
 * MeanEstimator mean = MeanEstimator.builder(256).build();     // adaptive clip, half-life 300
 * double score = mean.update(sample);                          // distance before the step
 * mean.estimate(current);                                      // copy the estimate out
 * }</pre>
 *
 * See {@link Estimator} for bad input, allocation and thread safety.
 */
public final class MeanEstimator extends Estimator {

    private final MemorySegment scratch;

    MeanEstimator(EstimatorConfig config, Kernels kernels) {
        super(config, kernels);
        if (config.task() != Task.MEAN) {
            throw new IllegalArgumentException("not a MEAN configuration: " + config.task());
        }
        this.scratch = Arena.ofAuto().allocate(8, 8);
    }

    /** A builder for a mean estimator of dimension {@code d}. */
    public static Builder builder(int dimension) {
        return new Builder(dimension);
    }

    /**
     * Restores a mean estimator from a snapshot.
     *
     * @throws IllegalArgumentException if the snapshot is invalid or holds another task
     */
    public static MeanEstimator restore(byte[] snapshot) {
        return (MeanEstimator) readSnapshot(bytes(snapshot), Task.MEAN, null, null);
    }

    static MeanEstimator restore(byte[] snapshot, Kernels kernels) {
        return (MeanEstimator) readSnapshot(bytes(snapshot), Task.MEAN, null, kernels);
    }

    // ------------------------------------------------------------------ per sample

    /**
     * Applies one step with sample {@code x} (length {@code d}).
     *
     * @return the score of {@code x} before the step
     * @throws IllegalArgumentException if {@code x} is null, not of length {@code d}, or not finite
     */
    public double update(float[] x) {
        return applyOne(acceptExact(x), 0, 0f, 0);
    }

    /** As {@link #update(float[])} with the sample at {@code x[offset .. offset + d)}. */
    public double update(float[] x, int offset) {
        return applyOne(accept(x, offset), 0, 0f, 0);
    }

    /** As {@link #update(float[])} with the sample at element {@code index} of {@code x} (native order floats). */
    public double update(MemorySegment x, long index) {
        MemorySegment s = accept(x, index);
        return applyOne(s, s == x ? index : 0, 0f, 0);
    }

    /** Same as {@link #update(float[])}: the score is always computed before the step. */
    public double scoreAndUpdate(float[] x) {
        return update(x);
    }

    /** Same as {@link #update(MemorySegment, long)}. */
    public double scoreAndUpdate(MemorySegment x, long index) {
        return update(x, index);
    }

    /**
     * The score of {@code x} against the current estimate, without updating.
     *
     * @throws IllegalArgumentException if {@code x} is null, not of length {@code d}, or not finite
     */
    public double score(float[] x) {
        return scoreOne(view(x), 0);
    }

    /** As {@link #score(float[])} with the sample at {@code x[offset .. offset + d)}. */
    public double score(float[] x, int offset) {
        return scoreOne(view(x, offset), 0);
    }

    /** As {@link #score(float[])} with the sample at element {@code index} of {@code x}. */
    public double score(MemorySegment x, long index) {
        MemorySegment s = view(x, index);
        return scoreOne(s, s == x ? index : 0);
    }

    /** The mean's step: one fused kernel pass; NaN (nothing changed) for a non-finite sample. */
    @Override
    double stepRow(MemorySegment x, long index, float y, int label) {
        float lambda = clip.level();
        double norm = kernels.clippedMeanStep(params, 0, x, index, dimension, schedule.eta(), lambda, mu);
        if (norm == norm) {
            accepted(norm, lambda);
        }
        return norm;
    }

    @Override
    boolean labelOk(float y, int label) {
        return true;
    }

    @Override
    Labels labels() {
        return Labels.NONE;
    }

    @Override
    String labelProblem(float y, int label) {
        return null;
    }

    private double scoreOne(MemorySegment x, long index) {
        double score = distance(x, index);
        if (!Double.isFinite(score)) {
            throw nonFiniteScore(x, index);
        }
        return score;
    }

    // ------------------------------------------------------------------ batches

    /**
     * Applies {@code n} samples stored row-major in {@code xs[offset ..]}, in order, writing each row's score
     * (before its step) to {@code scores[scoresOffset + i]} (NaN for skipped rows).
     *
     * @param scores receives the scores, or null if not wanted
     * @param policy what to do with rows holding non-finite values
     * @return the number of rows applied
     * @throws IllegalArgumentException for bad arguments, or under {@link BadRowPolicy#REJECT_BATCH} if any row is
     *     bad (nothing is applied)
     */
    public int updateBatch(float[] xs, int offset, int n, double[] scores, int scoresOffset, BadRowPolicy policy) {
        return updateRows(true, xs, null, offset, n, null, null, 0, scores, null, scoresOffset, policy);
    }

    /**
     * As {@link #updateBatch(float[], int, int, double[], int, BadRowPolicy)} over a segment: row {@code i} at
     * element {@code index + i * d} of {@code xs}; scores as doubles at element {@code scoresIndex} of
     * {@code scores} (or null).
     */
    public int updateBatch(MemorySegment xs, long index, int n, MemorySegment scores, long scoresIndex,
                           BadRowPolicy policy) {
        return updateRows(false, null, xs, index, n, null, null, 0, null, scores, scoresIndex, policy);
    }

    /**
     * Scores {@code n} rows against the current estimate without updating (one batch-scoring kernel call).
     *
     * @throws IllegalArgumentException for bad arguments or if any row is not finite (nothing is written)
     */
    public void scoreBatch(float[] xs, int offset, int n, double[] scores, int scoresOffset) {
        checkRowCount(n);
        checkRows(xs, offset, n);
        if (scores == null) {
            throw nullArgument("scores");
        }
        checkRange("scores", n, "values", scoresOffset, scores.length);
        checkScoreRows(slab(xs), offset, n);
        for (int i = 0; i < n; i++) {
            scores[scoresOffset + i] = distance(stage(xs, offset + i * dimension), 0);
        }
    }

    /** As {@link #scoreBatch(float[], int, int, double[], int)} over segments (scores as doubles). */
    public void scoreBatch(MemorySegment xs, long index, int n, MemorySegment scores, long scoresIndex) {
        checkRowCount(n);
        checkSegment(xs, index, (long) n * dimension, "xs");
        if (scores == null) {
            throw nullArgument("scores");
        }
        if (scoresIndex < 0 || scores.byteSize() / 8 - scoresIndex < n) {
            throw shortSegment("scores", n, "doubles", scoresIndex, scores.byteSize());
        }
        checkUsable(xs, "xs", false);
        checkUsable(scores, "scores", true);
        checkScoreRows(xs, index, n);
        if (xs.isNative()) {
            kernels.distances(1f + mu, params, 0, xs, index, dimension, n, dimension, scores, scoresIndex);
            return;
        }
        for (int i = 0; i < n; i++) {
            scores.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, scoresIndex + i,
                    distance(stage(xs, index + (long) i * dimension), 0));
        }
    }

    private double distance(MemorySegment x, long index) {
        kernels.distances(1f + mu, params, 0, x, index, dimension, 1, dimension, scratch, 0);
        return scratch.get(ValueLayout.JAVA_DOUBLE, 0);
    }

    // ------------------------------------------------------------------ builder

    /** Builds a {@link MeanEstimator}; every setter validates eagerly. */
    public static final class Builder {
        private final int dimension;
        private StepSize stepSize = Defaults.STEP_SIZE;
        private ClipPolicy clip = Defaults.CLIP;
        private double l2;
        private Kernels kernels;

        private Builder(int dimension) {
            this.dimension = EstimatorConfig.checkDimension(dimension);
        }

        /**
         * The step-size policy (default {@code StepSize.halfLife(300)}).
         *
         * @throws IllegalArgumentException if its first step is above 1 (a mean's step is a weight in (0, 1])
         */
        public Builder stepSize(StepSize stepSize) {
            this.stepSize = EstimatorConfig.checkMeanStep(Objects.requireNonNull(stepSize, "stepSize"));
            return this;
        }

        /** The clip policy (default {@link ClipPolicy#adaptive()}). */
        public Builder clip(ClipPolicy clip) {
            this.clip = Objects.requireNonNull(clip, "clip");
            return this;
        }

        /** The L2 coefficient {@code mu >= 0} (default 0), which shrinks the estimate towards 0. */
        public Builder l2(double mu) {
            this.l2 = EstimatorConfig.checkL2(mu);
            return this;
        }

        Builder kernels(Kernels kernels) {
            this.kernels = kernels;
            return this;
        }

        /** Builds the estimator, starting at {@code theta = 0}. */
        public MeanEstimator build() {
            return new MeanEstimator(new EstimatorConfig(Task.MEAN, dimension, 1, stepSize, clip, l2, false), kernels);
        }
    }
}
