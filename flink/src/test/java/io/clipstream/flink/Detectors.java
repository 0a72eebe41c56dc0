package io.clipstream.flink;

import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.detect.AnomalyDetector;
import java.util.SplittableRandom;

/** Detectors in various states, for the serializer tests. */
final class Detectors {

    private Detectors() {
    }

    static DetectorConfig meanConfig(int dimension) {
        return DetectorConfig.builder(MeanEstimator.builder(dimension).build()).quantile(0.8).confidence(0.1)
                .blockLength(128).build();
    }

    /** A mean detector after {@code samples} seeded samples (with outliers and, after half of them, a shift). */
    static AnomalyDetector trainedMean(DetectorConfig config, int samples, long seed) {
        AnomalyDetector d = config.newDetector();
        feedMean(d, config.dimension(), samples, seed);
        return d;
    }

    static void feedMean(AnomalyDetector d, int dimension, int samples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[dimension];
        for (int t = 0; t < samples; t++) {
            double level = t > samples / 2 ? 5 : 0;
            for (int i = 0; i < dimension; i++) {
                x[i] = (float) (level + r.nextGaussian() + (r.nextDouble() < 0.02 ? 30 : 0));
            }
            d.process(x);
        }
    }

    /** One detector of every task, trained on a few hundred seeded samples. */
    static AnomalyDetector[] everyTask(int dimension, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        AnomalyDetector mean = AnomalyDetector.builder(MeanEstimator.builder(dimension).build()).quantile(0.8).build();
        AnomalyDetector linear = AnomalyDetector.builder(LinearRegression.builder(dimension).build())
                .skipUpdateOnAnomaly(true).build();
        AnomalyDetector logistic = AnomalyDetector.builder(LogisticRegression.builder(dimension).buildLogistic())
                .detectChanges(false).build();
        AnomalyDetector softmax = AnomalyDetector.builder(SoftmaxRegression.builder(dimension, 3).build())
                .blockLength(64).build();
        float[] x = new float[dimension];
        for (int t = 0; t < 600; t++) {
            double dot = 0;
            for (int i = 0; i < dimension; i++) {
                x[i] = (float) r.nextGaussian();
                dot += x[i] * (i + 1) / dimension;
            }
            mean.process(x);
            linear.process(x, (float) (dot + 0.1 * r.nextGaussian()));
            logistic.process(x, dot > 0 ? 1 : 0);
            softmax.process(x, dot > 0.5 ? 2 : dot > -0.5 ? 1 : 0);
        }
        return new AnomalyDetector[] {mean, linear, logistic, softmax};
    }

    /** A detector's snapshot, taken under its monitor as the serializer does (tests share detectors across threads). */
    static byte[] bytes(AnomalyDetector d) {
        synchronized (d) {
            return d.snapshot();
        }
    }
}
