package io.clipstream;

import java.util.Objects;

/**
 * The immutable, validated configuration of an estimator, as its builder produced it; snapshots record it.
 *
 * @param task what is estimated
 * @param dimension the sample dimension {@code d}
 * @param classes the number of classes for softmax, 1 otherwise
 * @param stepSize the step-size policy
 * @param clipPolicy the clip policy
 * @param l2 the L2 coefficient {@code mu} ({@code l += mu/2 ||theta||^2}): 0, or a value that rounds to a finite
 *     float {@code > 0}
 * @param normalizeSteps for models: divide the step by a robust running estimate of {@code ||x||^2}
 */
public record EstimatorConfig(Task task, int dimension, int classes, StepSize stepSize, ClipPolicy clipPolicy,
                              double l2, boolean normalizeSteps) {

    /** Largest supported {@code classes * dimension} (the parameters are addressed with int counts). */
    public static final int MAX_PARAMETERS = 1 << 28;

    /**
     * Validates every field: shape, {@link #checkL2 l2}, a mean's step in {@code (0, 1]} (the step sizes and clip
     * policies validate themselves when created), and normalised steps for models only.
     */
    public EstimatorConfig {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(stepSize, "stepSize");
        Objects.requireNonNull(clipPolicy, "clipPolicy");
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be > 0: " + dimension);
        }
        if (task == Task.SOFTMAX ? classes < 2 : classes != 1) {
            throw new IllegalArgumentException(task == Task.SOFTMAX ? "softmax needs at least 2 classes: " + classes
                    : "classes must be 1 for " + task + ": " + classes);
        }
        if ((long) classes * dimension > MAX_PARAMETERS) {
            throw new IllegalArgumentException("classes * dimension must be <= 2^28: " + classes + " * " + dimension);
        }
        checkL2(l2);
        if (task == Task.MEAN) {
            checkMeanStep(stepSize);
        }
        if (normalizeSteps && (task == Task.MEAN || task == Task.CUSTOM)) {
            throw new IllegalArgumentException("normalizeSteps applies to linear, logistic and softmax models only");
        }
    }

    /**
     * Validates a dimension of a one-output estimator (mean, linear, logistic, custom) when its builder is
     * created, so that the builder refuses it at once rather than at {@code build()}.
     *
     * @return {@code dimension}
     * @throws IllegalArgumentException unless {@code 0 < dimension <= MAX_PARAMETERS}
     */
    public static int checkDimension(int dimension) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be > 0: " + dimension);
        }
        if (dimension > MAX_PARAMETERS) {
            throw new IllegalArgumentException("dimension must be <= 2^28: " + dimension);
        }
        return dimension;
    }

    /**
     * Validates a mean estimator's step size (shared by its builder, which checks eagerly, and this record).
     *
     * @return {@code stepSize}
     * @throws IllegalArgumentException unless the step starts in (0, 1]
     */
    public static StepSize checkMeanStep(StepSize stepSize) {
        if (!(stepSize.eta(0) <= 1)) {
            throw new IllegalArgumentException("the mean's step size must be in (0, 1]: " + stepSize + " starts at "
                    + stepSize.eta(0));
        }
        return stepSize;
    }

    /**
     * Validates an L2 coefficient (shared by every builder that takes one, so the rule and message agree).
     *
     * @return {@code mu}
     * @throws IllegalArgumentException unless {@code mu} is 0 or rounds to a finite float {@code > 0} (the
     *     estimators use it as a float)
     */
    public static double checkL2(double mu) {
        if (!(mu >= 0 && Double.isFinite(mu))) {
            throw new IllegalArgumentException("l2 must be finite and >= 0: " + mu);
        }
        return mu == 0 ? 0 : FloatParameters.checkPositiveFloat("l2", mu);
    }

    /** Number of parameters: {@code classes * dimension}. */
    public int parameterCount() {
        return classes * dimension;
    }
}
