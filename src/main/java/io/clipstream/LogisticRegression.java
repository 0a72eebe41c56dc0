package io.clipstream;

import io.clipstream.internal.kernel.Kernels;
import io.clipstream.internal.kernel.StepMath;
import io.clipstream.internal.kernel.StepResult;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Online robust binary logistic regression: labels 0 and 1 (internally {@code y = -1, +1}),
 * {@code l = log(1 + exp(-y w.x)) + mu/2 ||w||^2}, gradient {@code -y sigmoid(-y w.x) x + mu w}. For an
 * intercept, append a constant feature (e.g. 1) to x.
 *
 * <p><b>Score</b>: the log loss {@code -log p(label | x)} before the step.
 *
 * <p><b>Step normalisation</b> (on by default), as for {@link LinearRegression}.
 *
 * See {@link Estimator} for bad input, allocation and thread safety.
 */
public final class LogisticRegression extends Estimator {

    private final StepResult result = new StepResult();

    LogisticRegression(EstimatorConfig config, Kernels kernels) {
        super(config, kernels);
        if (config.task() != Task.LOGISTIC) {
            throw new IllegalArgumentException("not a LOGISTIC configuration: " + config.task());
        }
    }

    /** A builder (finish with {@link LinearRegression.Builder#buildLogistic()}). */
    public static LinearRegression.Builder builder(int dimension) {
        return new LinearRegression.Builder(Task.LOGISTIC, dimension);
    }

    /**
     * Restores a logistic regression from a snapshot.
     *
     * @throws IllegalArgumentException if the snapshot is invalid or holds another task
     */
    public static LogisticRegression restore(byte[] snapshot) {
        return (LogisticRegression) readSnapshot(bytes(snapshot), Task.LOGISTIC, null, null);
    }

    /**
     * Applies one step with features {@code x} (length {@code d}) and label 0 or 1.
     *
     * @return the log loss before the step
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, or the label is
     *     not 0 or 1
     */
    public double update(float[] x, int label) {
        return applyOne(acceptExact(x), 0, 0f, label);
    }

    /** As {@link #update(float[], int)} with the features at {@code x[offset .. offset + d)}. */
    public double update(float[] x, int offset, int label) {
        return applyOne(accept(x, offset), 0, 0f, label);
    }

    /** As {@link #update(float[], int)} with the features at element {@code index} of {@code x}. */
    public double update(MemorySegment x, long index, int label) {
        MemorySegment s = accept(x, index);
        return applyOne(s, s == x ? index : 0, 0f, label);
    }

    /** Same as {@link #update(float[], int)}. */
    public double scoreAndUpdate(float[] x, int label) {
        return update(x, label);
    }

    /** The log loss of {@code (x, label)} without updating. */
    public double score(float[] x, int label) {
        MemorySegment s = view(x);
        checkLabel(0f, label);
        double m = ModelMath.margin(this, s, 0);
        return ModelMath.softplus(label == 1 ? -m : m);
    }

    /** The log loss of the features at element {@code index} of {@code x} with {@code label}, without updating. */
    public double score(MemorySegment x, long index, int label) {
        checkLabel(0f, label);
        MemorySegment s = view(x, index);
        double m = ModelMath.margin(this, s, s == x ? index : 0);
        return ModelMath.softplus(label == 1 ? -m : m);
    }

    /** {@code P(label = 1 | x) = sigmoid(w.x)}. */
    public double probability(float[] x) {
        return StepMath.sigmoid(ModelMath.margin(this, view(x), 0));
    }

    /** {@code P(label = 1 | x)} for the features at element {@code index} of {@code x}. */
    public double probability(MemorySegment x, long index) {
        MemorySegment s = view(x, index);
        return StepMath.sigmoid(ModelMath.margin(this, s, s == x ? index : 0));
    }

    /** The margin {@code w.x}. */
    public double margin(float[] x) {
        return ModelMath.margin(this, view(x), 0);
    }

    /**
     * Applies {@code n} rows of {@code xs[offset ..]} with labels {@code labels[labelsOffset ..]} in order,
     * writing the scores (NaN for skipped rows) to {@code scores} (or null).
     *
     * @return the number of rows applied
     * @throws IllegalArgumentException for bad arguments, or under {@link BadRowPolicy#REJECT_BATCH} if any row or
     *     label is bad (nothing is applied)
     */
    public int updateBatch(float[] xs, int offset, int n, int[] labels, int labelsOffset, double[] scores,
                           int scoresOffset, BadRowPolicy policy) {
        return updateRows(true, xs, null, offset, n, null, labels, labelsOffset, scores, null, scoresOffset, policy);
    }

    /**
     * As {@link #updateBatch(float[], int, int, int[], int, double[], int, BadRowPolicy)} over a segment: row
     * {@code i} at element {@code index + i * d} of {@code xs}; scores as doubles at element {@code scoresIndex} of
     * {@code scores} (or null).
     */
    public int updateBatch(MemorySegment xs, long index, int n, int[] labels, int labelsOffset, MemorySegment scores,
                           long scoresIndex, BadRowPolicy policy) {
        return updateRows(false, null, xs, index, n, null, labels, labelsOffset, null, scores, scoresIndex, policy);
    }

    /** One step; NaN (and nothing changed) if the sample is not finite or the label not 0 or 1. */
    @Override
    double stepRow(MemorySegment x, long index, float unused, int label) {
        if (label != 0 && label != 1) {
            return Double.NaN;
        }
        float y = label == 1 ? 1f : -1f;
        float lambda = clip.level();
        double eta = ModelMath.eta(this, x, index);
        if (eta != eta) {
            return Double.NaN;
        }
        double norm = kernels.clippedLogisticStep(params, 0, x, index, dimension, y, eta, lambda, mu, result);
        if (norm != norm) {
            return Double.NaN;
        }
        accepted(norm, lambda);
        ModelMath.observeScale(this, result.xNormSquared, x, index);
        return result.loss;
    }

    @Override
    boolean labelOk(float y, int label) {
        return label == 0 || label == 1;
    }

    @Override
    Labels labels() {
        return Labels.CLASSES;
    }

    @Override
    String labelProblem(float y, int label) {
        return labelOk(y, label) ? null : "label must be 0 or 1: " + label;
    }
}
