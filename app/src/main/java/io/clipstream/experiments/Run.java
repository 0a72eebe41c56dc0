package io.clipstream.experiments;

import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.Task;
import io.clipstream.CustomEstimator;
import io.clipstream.synthetic.SyntheticStream;

/**
 * Runs one estimator over one seeded synthetic stream and measures how well it tracks the truth.
 *
 * <p>The tracking error at time t is {@code ||theta_t - theta*_t||}, normalised by the typical noise norm
 * {@code scale sqrt(d)} for the mean and by {@code ||theta*||} for models. {@link Result#error()} averages it
 * over the samples after the burn-in; {@link Result#errorAt} is the per-sample trace (for recovery times and
 * plots); a held-out loss on clean samples from the final distribution is reported for models.
 */
public final class Run {

    /**
     * What a run produced.
     *
     * @param error mean tracking error after the burn-in
     * @param trace tracking error per sample
     * @param heldOutLoss mean loss on clean held-out samples at the end (NaN for the mean task)
     * @param bayesLoss the true parameters' mean loss on the same held-out samples (NaN for the mean task)
     * @param nanosPerSample wall time per update (estimator only, rough)
     */
    public record Result(double error, double[] trace, double heldOutLoss, double bayesLoss, double nanosPerSample) {
        /** {@code heldOutLoss - bayesLoss}: how much worse than the truth the final model predicts. */
        public double excessLoss() {
            return heldOutLoss - bayesLoss;
        }

        /** Tracking error after sample {@code t}. */
        public double errorAt(int t) {
            return trace[t];
        }

        /** Mean of the trace over {@code [from, to)}. */
        public double meanError(int from, int to) {
            double s = 0;
            for (int t = from; t < to; t++) {
                s += trace[t];
            }
            return s / (to - from);
        }
    }

    private Run() {
    }

    /** Runs {@code samples} updates; {@code burnIn} samples are excluded from {@link Result#error()}. */
    public static Result run(SyntheticStream stream, Estimator estimator, int samples, int burnIn) {
        int d = stream.dimension();
        float[] x = new float[d];
        float[] truth = new float[d];
        float[] estimate = new float[d];
        double[] trace = new double[samples];
        double sum = 0;
        long nanos = 0;
        for (int t = 0; t < samples; t++) {
            stream.next(x);
            long t0 = System.nanoTime();
            apply(estimator, x, stream);
            nanos += System.nanoTime() - t0;
            stream.truth(truth);
            estimator.estimate(estimate);
            double e = error(estimate, truth, stream);
            trace[t] = e;
            if (t >= burnIn) {
                sum += e;
            }
        }
        double heldOut = Double.NaN;
        double bayes = Double.NaN;
        if (stream.task() != Task.MEAN) {
            estimator.estimate(estimate);
            heldOut = heldOutLoss(stream, estimate);
            stream.truth(truth);
            bayes = heldOutLoss(stream, truth);
        }
        return new Result(sum / Math.max(1, samples - burnIn), trace, heldOut, bayes, (double) nanos / samples);
    }

    static void apply(Estimator e, float[] x, SyntheticStream stream) {
        switch (e) {
            case MeanEstimator m -> m.update(x);
            case LinearRegression l -> l.update(x, stream.label());
            case LogisticRegression l -> l.update(x, stream.classLabel());
            case CustomEstimator c -> c.update(x, stream.label());
            default -> throw new IllegalArgumentException("unsupported estimator " + e.task());
        }
    }

    static double error(float[] estimate, float[] truth, SyntheticStream stream) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < truth.length; i++) {
            double dv = estimate[i] - (double) truth[i];
            diff += dv * dv;
            norm += (double) truth[i] * truth[i];
        }
        double denominator = stream.task() == Task.MEAN
                ? stream.scale() * Math.sqrt(stream.dimension()) : Math.sqrt(Math.max(norm, 1e-30));
        return Math.sqrt(diff) / denominator;
    }

    /**
     * Mean loss of weights {@code w} on 2000 clean samples from the stream's final distribution (squared error or
     * log loss); the held-out set depends only on the stream, so different weights are scored on the same samples.
     */
    static double heldOutLoss(SyntheticStream stream, float[] w) {
        SyntheticStream clean = stream.cleanCopy(stream.index() + 1_000_003L);
        int d = stream.dimension();
        float[] x = new float[d];
        double total = 0;
        int n = 2000;
        for (int i = 0; i < n; i++) {
            clean.next(x);
            double m = 0;
            for (int j = 0; j < d; j++) {
                m += (double) w[j] * x[j];
            }
            if (stream.task() == Task.LOGISTIC) {
                double y = clean.classLabel() == 1 ? 1 : -1;
                double z = -y * m;
                total += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
            } else {
                double r = clean.label() - m;
                total += 0.5 * r * r;
            }
        }
        return total / n;
    }
}
