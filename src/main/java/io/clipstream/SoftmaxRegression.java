package io.clipstream;

import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Online robust multinomial (softmax) logistic regression over {@code K} classes: parameters {@code W}
 * ({@code K x d}, row-major), {@code p = softmax(W x)}, {@code l = -log p_label + mu/2 ||W||^2}, gradient
 * {@code (p - e_label) x^T + mu W}, whose Frobenius norm {@code ||p - e_label|| ||x||} (without L2) is clipped as a
 * whole. Built from the dot, sum-of-squares, scale and axpy kernels: {@code K + 1} reads of x for the logits and
 * {@code K} axpys for the update.
 *
 * <p><b>Score</b>: the log loss {@code -log p_label} before the step.
 *
 * <p><b>Step normalisation</b> (on by default), as for {@link LinearRegression}.
 *
 * See {@link Estimator} for bad input, allocation and thread safety.
 */
public final class SoftmaxRegression extends Estimator {

    private static final double LIMIT = 0x1p100;
    private static final double COEFFICIENT_LIMIT = 0x1p64;
    /** A bound on the weights after a float update, with room below {@code Float.MAX_VALUE} (2^128). */
    private static final double FLOAT_LIMIT = 0x1p120;

    private final int classes;
    private final double[] logits;
    private final double[] coefficients;
    /** An upper bound on {@code max |W_ij|}, kept in O(1) per step, so the float update provably cannot overflow. */
    private double weightBound;

    SoftmaxRegression(EstimatorConfig config, Kernels kernels) {
        super(config, kernels);
        if (config.task() != Task.SOFTMAX) {
            throw new IllegalArgumentException("not a SOFTMAX configuration: " + config.task());
        }
        this.classes = config.classes();
        this.logits = new double[classes];
        this.coefficients = new double[classes];
    }

    /** A builder for {@code classes} classes over {@code d} features. */
    public static Builder builder(int dimension, int classes) {
        return new Builder(dimension, classes);
    }

    /**
     * Restores a softmax regression from a snapshot.
     *
     * @throws IllegalArgumentException if the snapshot is invalid or holds another task
     */
    public static SoftmaxRegression restore(byte[] snapshot) {
        return (SoftmaxRegression) readSnapshot(bytes(snapshot), Task.SOFTMAX, null, null);
    }

    /** The number of classes {@code K}. */
    public int classes() {
        return classes;
    }

    @Override
    void afterRestore() {
        weightBound = maxAbsWeight();
    }

    /**
     * Applies one step with features {@code x} (length {@code d}) and a label in {@code [0, K)}.
     *
     * @return the log loss before the step
     * @throws IllegalArgumentException if {@code x} is null, of the wrong length or not finite, or the label is
     *     out of range
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
        return logLoss(s, 0, label);
    }

    /** The log loss of the features at element {@code index} of {@code x} with {@code label}, without updating. */
    public double score(MemorySegment x, long index, int label) {
        checkLabel(0f, label);
        MemorySegment s = view(x, index);
        return logLoss(s, s == x ? index : 0, label);
    }

    private double logLoss(MemorySegment s, long index, int label) {
        double max = logits(s, index);
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            sum += Math.exp(logits[k] - max);
        }
        return Math.log(sum) - (logits[label] - max);
    }

    /**
     * Writes {@code p = softmax(W x)} into {@code out[0..K)}.
     *
     * @throws IllegalArgumentException if {@code x} is invalid or {@code out} shorter than {@code K}
     */
    public void probabilities(float[] x, double[] out) {
        MemorySegment s = view(x);
        if (out == null || out.length < classes) {
            throw new IllegalArgumentException("out must hold " + classes + " probabilities");
        }
        double max = logits(s, 0);
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            out[k] = Math.exp(logits[k] - max);
            sum += out[k];
        }
        for (int k = 0; k < classes; k++) {
            out[k] /= sum;
        }
    }

    /** The most likely class. */
    public int predict(float[] x) {
        logits(view(x), 0);
        int best = 0;
        for (int k = 1; k < classes; k++) {
            if (logits[k] > logits[best]) {
                best = k;
            }
        }
        return best;
    }

    /**
     * Applies {@code n} rows with labels in order, writing the scores (NaN for skipped rows) to {@code scores}
     * (or null).
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

    @Override
    boolean labelOk(float y, int label) {
        return label >= 0 && label < classes;
    }

    @Override
    Labels labels() {
        return Labels.CLASSES;
    }

    @Override
    String labelProblem(float y, int label) {
        return labelOk(y, label) ? null : "label must be in [0, " + classes + "): " + label;
    }

    /** Fills {@link #logits} and returns their maximum; throws (uncounted) on non-finite features. */
    private double logits(MemorySegment x, long index) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            double m = kernels.dot(params, (long) k * dimension, x, index, dimension);
            if (!Double.isFinite(m)) {
                throw nonFiniteScore(x, index);
            }
            logits[k] = m;
            max = Math.max(max, m);
        }
        return max;
    }

    /** One step; NaN (and nothing changed) if the sample is not finite or the label out of range. */
    @Override
    double stepRow(MemorySegment x, long index, float unused, int label) {
        if (label < 0 || label >= classes) {
            return Double.NaN;
        }
        float lambda = clip.level();
        double eta = ModelMath.eta(this, x, index);
        if (eta != eta) {
            return Double.NaN;
        }
        double xx = kernels.sumSquares(x, index, dimension);
        if (!Double.isFinite(xx)) {
            return Double.NaN;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            double m = kernels.dot(params, (long) k * dimension, x, index, dimension);
            if (!Double.isFinite(m)) {
                return Double.NaN;
            }
            logits[k] = m;
            max = Math.max(max, m);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            coefficients[k] = Math.exp(logits[k] - max);
            sum += coefficients[k];
        }
        double loss = Math.log(sum) - (logits[label] - max);
        double inverseSum = 1 / sum;
        double cc = 0;
        double cm = 0;
        for (int k = 0; k < classes; k++) {
            double c = (k == label ? 1 : 0) - coefficients[k] * inverseSum;
            coefficients[k] = c;
            cc += c * c;
            cm += c * logits[k];
        }
        double ww = 0;
        if (mu != 0) {
            for (int k = 0; k < classes; k++) {
                ww += kernels.sumSquares(params, (long) k * dimension, dimension);
            }
        }
        double norm = mu == 0 ? Math.sqrt(cc * xx) : Math.sqrt(Math.max(0, cc * xx - 2.0 * mu * cm + (double) mu * mu * ww));
        double sd = eta * Math.min(1.0, lambda / norm);
        double b = 1 - sd * mu;
        if (weightBound >= LIMIT) {
            weightBound = maxAbsWeight();
        }
        // the float update computes b W_k, then adds a_k x with |a_k| <= sd: the new weights are bounded by
        // weightBound |b| + sd ||x||, which must stay well inside the float range (bounding b and W separately
        // allowed 2^64 * 2^100)
        boolean fast = xx < LIMIT && Math.abs(max) < LIMIT && weightBound < LIMIT && Math.abs(b) < COEFFICIENT_LIMIT
                && sd < COEFFICIENT_LIMIT && weightBound * Math.abs(b) + sd * Math.sqrt(xx) < FLOAT_LIMIT;
        for (int k = 0; k < classes && fast; k++) {
            fast = Math.abs(logits[k]) < LIMIT;
        }
        if (fast) {
            double largest = 0;
            for (int k = 0; k < classes; k++) {
                long row = (long) k * dimension;
                if (b != 1) {
                    kernels.scale((float) b, params, row, dimension);
                }
                float a = (float) (sd * coefficients[k]);
                kernels.axpy(a, x, index, params, row, dimension);
                largest = Math.max(largest, Math.abs(a));
            }
            weightBound = weightBound * Math.abs(b) + largest * Math.sqrt(xx);
        } else {
            wideUpdate(x, index, sd, b);
            weightBound = maxAbsWeight();
        }
        accepted(norm, lambda);
        ModelMath.observeScale(this, xx, x, index);
        return loss;
    }

    /** The update in double, saturating at the float range: for inputs or weights near its end. */
    private void wideUpdate(MemorySegment x, long index, double sd, double b) {
        for (int k = 0; k < classes; k++) {
            double a = sd * coefficients[k];
            for (int j = 0; j < dimension; j++) {
                long at = (long) k * dimension + j;
                double w = params.getAtIndex(ValueLayout.JAVA_FLOAT, at);
                double v = b * w + a * x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + j);
                params.setAtIndex(ValueLayout.JAVA_FLOAT, at,
                        (float) Math.max(-Float.MAX_VALUE, Math.min(Float.MAX_VALUE, v)));
            }
        }
    }

    private double maxAbsWeight() {
        double m = 0;
        for (long i = 0; i < size; i++) {
            m = Math.max(m, Math.abs(params.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
        return m;
    }

    /** Builds a {@link SoftmaxRegression}; every setter validates eagerly. */
    public static final class Builder {
        private final int dimension;
        private final int classes;
        private StepSize stepSize = Defaults.MODEL_STEP_SIZE;
        private ClipPolicy clip = Defaults.CLASSIFIER_CLIP;
        private double l2;
        private boolean normalizeSteps = true;
        private Kernels kernels;

        private Builder(int dimension, int classes) {
            if (dimension <= 0) {
                throw new IllegalArgumentException("dimension must be > 0: " + dimension);
            }
            if (classes < 2) {
                throw new IllegalArgumentException("softmax needs at least 2 classes: " + classes);
            }
            if ((long) classes * dimension > EstimatorConfig.MAX_PARAMETERS) {
                throw new IllegalArgumentException("classes * dimension must be <= 2^28: " + classes + " * " + dimension);
            }
            this.dimension = dimension;
            this.classes = classes;
        }

        /**
         * The step-size policy (default {@code StepSize.constant(0.05)}: with normalised steps, the fraction of a
         * sample's residual one step corrects).
         */
        public Builder stepSize(StepSize stepSize) {
            this.stepSize = Objects.requireNonNull(stepSize, "stepSize");
            return this;
        }

        /** The clip policy (default 3x the tracked median gradient norm, {@code adaptive(3, 0.5, 0.05)}). */
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

        /** Builds the model starting at {@code W = 0}. */
        public SoftmaxRegression build() {
            return new SoftmaxRegression(new EstimatorConfig(Task.SOFTMAX, dimension, classes, stepSize, clip, l2,
                    normalizeSteps), kernels);
        }
    }
}
