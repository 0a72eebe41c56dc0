package io.clipstream.experiments;

import io.clipstream.ClipPolicy;
import io.clipstream.CustomEstimator;
import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.StepSize;
import io.clipstream.Task;

/**
 * The estimators compared in the experiments, each built for a task and dimension with the same base step size.
 * <ul>
 *   <li>{@link #CLIPPED}: clipped SGD with the library defaults (constant step, adaptive clip level).</li>
 *   <li>{@link #PLAIN}: plain SGD, the same constant step, no clipping.</li>
 *   <li>{@link #INVERSE_TIME}: clipped SGD with the {@code 1/t} schedule, {@code eta_t = 1 / (t + 1)} for the mean
 *       (the running average) and {@code min(eta, 1 / (t + 1))}-like for models via {@code 1/(t + 1/eta)}.</li>
 *   <li>{@link #HUBER}: SGD on the Huber loss with the same constant step (scikit-learn's SGDRegressor with
 *       {@code loss='huber'}): each residual coordinate (mean) or the residual (linear) is clamped at
 *       {@code delta = 1.345 scale}, with the true noise scale given as an oracle advantage; no gradient clipping.</li>
 * </ul>
 */
public enum Method {
    CLIPPED, PLAIN, INVERSE_TIME, HUBER;

    /** A lower-case name for tables. */
    public String label() {
        return switch (this) {
            case CLIPPED -> "clipped";
            case PLAIN -> "plain";
            case INVERSE_TIME -> "1/t";
            case HUBER -> "huber";
        };
    }

    /**
     * Builds this method's estimator with the library's default step size and clip policy for the task (the
     * baselines keep the default step and drop the clipping).
     *
     * @param scale the inlier noise scale (for Huber's delta)
     */
    public Estimator build(Task task, int dimension, double scale) {
        double eta = (task == Task.MEAN ? MeanEstimator.builder(1).build() : LinearRegression.builder(1).build())
                .stepSize();
        ClipPolicy clip = switch (task) {
            case MEAN -> MeanEstimator.builder(1).build().config().clipPolicy();
            case LINEAR -> LinearRegression.builder(1).build().config().clipPolicy();
            default -> LogisticRegression.builder(1).buildLogistic().config().clipPolicy();
        };
        return build(task, dimension, eta, clip, scale);
    }

    /**
     * Builds this method's estimator.
     *
     * @param eta the constant step (or the {@code 1/t} schedule's starting point)
     * @param clip the clip policy of the clipped variants
     * @param scale the inlier noise scale (for Huber's delta)
     */
    public Estimator build(Task task, int dimension, double eta, ClipPolicy clip, double scale) {
        StepSize step = this == INVERSE_TIME ? StepSize.inverseTime(1, task == Task.MEAN ? 1 : 1 / eta)
                : StepSize.constant(eta);
        ClipPolicy policy = this == PLAIN || this == HUBER ? ClipPolicy.none() : clip;
        if (this == HUBER) {
            return huber(task, dimension, step, 1.345 * scale);
        }
        return switch (task) {
            case MEAN -> MeanEstimator.builder(dimension).stepSize(step).clip(policy).build();
            case LINEAR -> LinearRegression.builder(dimension).stepSize(step).clip(policy).build();
            case LOGISTIC -> LogisticRegression.builder(dimension).stepSize(step).clip(policy).buildLogistic();
            default -> throw new IllegalArgumentException("experiments cover mean, linear and logistic: " + task);
        };
    }

    private static Estimator huber(Task task, int dimension, StepSize step, double delta) {
        return switch (task) {
            case MEAN -> CustomEstimator.builder(dimension, (theta, x, y, g) -> {
                double loss = 0;
                for (int i = 0; i < theta.length; i++) {
                    double r = theta[i] - x[i];
                    double a = Math.abs(r);
                    g[i] = Math.max(-delta, Math.min(delta, r));
                    loss += a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
                }
                return loss;
            }).stepSize(step).clip(ClipPolicy.none()).build();
            case LINEAR -> {
                // normalised like the library's model steps: divide by a fixed ||x||^2 ~ d (unit-scale features)
                double norm = dimension;
                yield CustomEstimator.builder(dimension, (w, x, y, g) -> {
                    double m = 0;
                    for (int i = 0; i < w.length; i++) {
                        m += (double) w[i] * x[i];
                    }
                    double r = y - m;
                    double psi = Math.max(-delta, Math.min(delta, r));
                    for (int i = 0; i < w.length; i++) {
                        g[i] = -psi * x[i] / norm;
                    }
                    double a = Math.abs(r);
                    return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
                }).stepSize(step).clip(ClipPolicy.none()).build();
            }
            default -> throw new IllegalArgumentException("the Huber baseline covers mean and linear: " + task);
        };
    }
}
