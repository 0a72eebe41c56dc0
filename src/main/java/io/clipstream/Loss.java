package io.clipstream;

/**
 * A user-supplied loss for {@link CustomEstimator}: strongly convex in {@code theta} (or made so by the
 * estimator's L2 term), differentiable. Runs on the scalar path; clipping, step sizes, snapshots and bad-input
 * handling are the estimator's.
 */
@FunctionalInterface
public interface Loss {
    /**
     * Writes the gradient of the loss at {@code theta} for the sample {@code (x, y)} into {@code gradient} and
     * returns the loss value. Must not keep references to the arrays, which the estimator reuses.
     *
     * @param theta the current parameters (read only)
     * @param x the sample (read only)
     * @param y the sample's label (0 when the task has none)
     * @param gradient receives the gradient, same length as theta
     * @return the loss
     */
    double gradient(float[] theta, float[] x, float y, double[] gradient);
}
