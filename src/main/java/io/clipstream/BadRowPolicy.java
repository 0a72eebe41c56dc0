package io.clipstream;

/**
 * What a batch call does with a row that has a non-finite value or an invalid label. (A null policy is refused
 * with an {@link IllegalArgumentException}, like any other bad argument.)
 */
public enum BadRowPolicy {
    /**
     * Check every row first; if any is bad, throw an {@link IllegalArgumentException} naming the first bad row
     * (whether its problem is a value or the label; within a row, the value), index and value, apply nothing, and
     * count every row of the batch in {@link Estimator#rejectedCount()}. Costs one extra pass over the batch.
     */
    REJECT_BATCH,
    /**
     * Apply the good rows in order, skip the bad ones (their score is NaN) and count them in
     * {@link Estimator#rejectedCount()}. Costs nothing extra: the kernels detect bad rows themselves.
     */
    SKIP_AND_COUNT
}
