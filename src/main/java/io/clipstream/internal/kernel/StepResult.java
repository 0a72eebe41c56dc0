package io.clipstream.internal.kernel;

/**
 * Mutable scratch filled by the model step kernels; one instance per estimator, reused for every sample so
 * that the hot path allocates nothing. Not thread-safe.
 */
public final class StepResult {
    /** {@code w . x} before the step. */
    public double margin;
    /** {@code ||x||^2}. */
    public double xNormSquared;
    /** {@code ||w||^2} before the step (only computed when the L2 term is on, else 0). */
    public double wNormSquared;
    /** The pre-clip gradient norm. */
    public double gradientNorm;
    /** The coefficient {@code a} of {@code x} in the update {@code w <- b w + a x} (as rounded to float). */
    public float xCoefficient;
    /** The coefficient {@code b} of {@code w} in the update {@code w <- b w + a x}; exactly 1 without L2. */
    public float wCoefficient;
    /**
     * The sample's loss before the step: {@code 1/2 (y - w.x)^2} (linear) or {@code log(1 + e^(-y w.x))}
     * (logistic); the L2 term is not included.
     */
    public double loss;
    /** Whether the step ran on the wide (double) path because a float intermediate could overflow. */
    public boolean wide;

    /** Creates an empty result. */
    public StepResult() {
    }
}
