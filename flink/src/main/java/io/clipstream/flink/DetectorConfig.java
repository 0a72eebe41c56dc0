package io.clipstream.flink;

import io.clipstream.Estimator;
import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The configuration of a keyed detection operator: what every key's detector starts from, and what the operator
 * emits. Immutable and {@link Serializable} (Flink ships it to the task managers inside the function); every
 * setter of the {@link Builder} validates eagerly with the library's messages, so a bad setting fails when the job
 * graph is built, not on the cluster.
 *
 * <pre>{@code
 * DetectorConfig config = DetectorConfig.builder(MeanEstimator.builder(16).build())   // the estimator of each key
 *         .quantile(0.99).confidence(0.05)                                          // as AnomalyDetector.Builder
 *         .build();
 * }</pre>
 *
 * <p>The estimator given to {@link #builder(Estimator)} is a <i>prototype</i>: its snapshot is taken at once and
 * every new key starts from a copy of that state (so a pre-trained estimator gives every key a warm start; an
 * untrained one, the usual case, starts every key at zero). Later changes to the prototype have no effect. Custom
 * estimators are not supported (their loss is code, which the state bytes cannot carry).
 */
public final class DetectorConfig implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final DetectorTemplate template;
    private final boolean emitEstimates;
    private final Duration stateTtl;

    private DetectorConfig(Builder b) {
        this.template = new DetectorTemplate(b.estimator, b.method, b.warmup, b.levelRate, b.maxPeaks, b.quantile,
                b.confidence, b.skipUpdateOnAnomaly, b.detectChanges, b.changeQuantile, b.blockLength,
                b.acceptEarlierPeaksQuantile);
        this.emitEstimates = b.emitEstimates;
        this.stateTtl = b.stateTtl;
    }

    /**
     * A builder whose keys each start from a copy of {@code prototype}'s current state.
     *
     * @throws IllegalArgumentException if {@code prototype} is null or a custom estimator
     */
    public static Builder builder(Estimator prototype) {
        return new Builder(prototype);
    }

    /** A new detector in the starting state of every key (independent of any other). */
    public AnomalyDetector newDetector() {
        return template.newDetector();
    }

    /** The estimators' task. */
    public Task task() {
        return template.task();
    }

    /** The sample dimension {@code d}. */
    public int dimension() {
        return template.dimension();
    }

    /** The number of classes (softmax; 1 otherwise). */
    public int classes() {
        return template.classes();
    }

    /** How scores become decisions (default peaks over threshold); see {@link AdaptiveThreshold.Method}. */
    public AdaptiveThreshold.Method method() {
        return template.method();
    }

    /** Peaks over threshold: the scores each key's threshold calibrates on before it can flag. */
    public int warmup() {
        return template.warmup();
    }

    /** The threshold's target quantile {@code p}. */
    public double quantile() {
        return template.quantile();
    }

    /** The threshold's confidence parameter {@code a}. */
    public double confidence() {
        return template.confidence();
    }

    /** Whether samples decided ANOMALY are kept out of the estimate. */
    public boolean skipUpdateOnAnomaly() {
        return template.skipUpdateOnAnomaly();
    }

    /** Whether the change test runs. */
    public boolean detectChanges() {
        return template.detectChanges();
    }

    /** Whether every {@link DetectionResult} carries a copy of the key's estimate after the sample. */
    public boolean emitEstimates() {
        return emitEstimates;
    }

    /** How long a key's detector is kept without an element for it (processing time), or null: forever. */
    public Duration stateTtl() {
        return stateTtl;
    }

    /** Whether samples need a label ({@link LabelExtractor}): every task but the mean. */
    public boolean needsLabels() {
        return template.task() != Task.MEAN;
    }

    DetectorTemplate template() {
        return template;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorConfig c && template.equals(c.template) && emitEstimates == c.emitEstimates
                && Objects.equals(stateTtl, c.stateTtl);
    }

    @Override
    public int hashCode() {
        return (31 * template.hashCode() + Boolean.hashCode(emitEstimates)) * 31 + Objects.hashCode(stateTtl);
    }

    @Override
    public String toString() {
        return "DetectorConfig[" + template + (emitEstimates ? ", emit estimates" : "")
                + (stateTtl == null ? "" : ", state TTL " + stateTtl) + "]";
    }

    /**
     * Builds a {@link DetectorConfig}. The threshold settings and their defaults are those of
     * {@link AnomalyDetector.Builder}; each setter validates at once.
     */
    public static final class Builder {
        private final byte[] estimator;
        private AdaptiveThreshold.Method method = AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD;
        private int warmup = DetectorTemplate.DEFAULT_WARMUP;
        private double levelRate;
        private int maxPeaks = DetectorTemplate.DEFAULT_MAX_PEAKS;
        private double quantile = 0.99;
        private double confidence = 0.05;
        private boolean skipUpdateOnAnomaly;
        private boolean detectChanges = true;
        private double changeQuantile = 0.5;
        private int blockLength = 1024;
        private boolean emitEstimates;
        private Duration stateTtl;
        private boolean acceptEarlierPeaksQuantile;

        private Builder(Estimator prototype) {
            if (prototype == null) {
                throw new IllegalArgumentException("prototype estimator must not be null");
            }
            if (prototype.task() == Task.CUSTOM) {
                throw new IllegalArgumentException("keyed detection supports mean, linear, logistic and softmax "
                        + "estimators, not CUSTOM (its loss is code that per-key state bytes cannot carry)");
            }
            this.estimator = prototype.snapshot();
        }

        /**
         * How scores become decisions (default {@link AdaptiveThreshold.Method#PEAKS_OVER_THRESHOLD}: every key can
         * flag after {@link #warmup} of its own scores); {@link AdaptiveThreshold.Method#CONFIDENCE_SEQUENCE}
         * abstains until it is sure, which takes roughly {@code (1-p)^-2} scores per key.
         */
        public Builder method(AdaptiveThreshold.Method m) {
            AdaptiveThreshold.builder().method(m); // the library's check and message
            this.method = m;
            return this;
        }

        /** Peaks over threshold: scores per key that calibrate its threshold, in [32, 2^20] (default 500). */
        public Builder warmup(int n) {
            AdaptiveThreshold.builder().warmup(n);
            this.warmup = n;
            return this;
        }

        /** Peaks over threshold: the rate of the moving level subtracted from scores, in [0, 1) (default 0, off). */
        public Builder levelRate(double rate) {
            AdaptiveThreshold.builder().levelRate(rate);
            this.levelRate = rate;
            return this;
        }

        /** Peaks over threshold: recent peaks kept for the tail fit, in [16, 2^20] (default 256). */
        public Builder maxPeaks(int n) {
            AdaptiveThreshold.builder().maxPeaks(n);
            this.maxPeaks = n;
            return this;
        }

        /**
         * The target quantile {@code p} in (0, 1) (default 0.99): scores above it are anomalies; peaks over
         * threshold needs {@code p >= 0.75}, checked by {@link #build()}.
         */
        public Builder quantile(double p) {
            this.quantile = AdaptiveThreshold.checkQuantile(p);
            return this;
        }

        /** The confidence parameter {@code a} in (0, 1) (default 0.05) of the change test and the confidence sequence. */
        public Builder confidence(double a) {
            this.confidence = AdaptiveThreshold.checkConfidence(a);
            return this;
        }

        /** Keep samples decided ANOMALY out of the estimate (default false). */
        public Builder skipUpdateOnAnomaly(boolean skip) {
            this.skipUpdateOnAnomaly = skip;
            return this;
        }

        /** Run the change test (default true). */
        public Builder detectChanges(boolean detect) {
            this.detectChanges = detect;
            return this;
        }

        /** The quantile the change test watches, in (0, 1) (default 0.5). */
        public Builder changeQuantile(double q) {
            if (!(q > 0 && q < 1)) {
                throw new IllegalArgumentException("change quantile must be in (0, 1): " + q);
            }
            this.changeQuantile = q;
            return this;
        }

        /** The change test's block length, at least 64 (default 1024). */
        public Builder blockLength(int n) {
            if (n < 64) {
                throw new IllegalArgumentException("block length must be >= 64: " + n);
            }
            this.blockLength = n;
            return this;
        }

        /**
         * Whether every result carries a copy of the key's estimate after the sample (default false: it costs an
         * array of {@code parameterCount} floats per element).
         */
        public Builder emitEstimates(boolean emit) {
            this.emitEstimates = emit;
            return this;
        }

        /**
         * Forget a key's detector after {@code ttl} of processing time without an element for it (Flink state TTL,
         * refreshed by every element; expired state is never returned and is cleaned up by the state backend in the
         * background). The key's next element then starts a fresh detector. Default: keys are kept forever, which
         * on the heap backend costs about 40-95 KB per key ever seen (d = 16 to 256).
         *
         * @throws IllegalArgumentException if {@code ttl} is null, zero or negative
         */
        public Builder stateTtl(Duration ttl) {
            if (ttl == null || ttl.isZero() || ttl.isNegative()) {
                throw new IllegalArgumentException("state TTL must be a positive duration: " + ttl);
            }
            this.stateTtl = ttl;
            return this;
        }

        /**
         * Keep a job configured by a version without the {@code p >= 0.75} check for peaks over threshold exactly
         * as it was (default false); see {@code AdaptiveThreshold.Builder.acceptEarlierPeaksQuantile}. Its
         * checkpoints restore either way; never set it for a new configuration.
         */
        public Builder acceptEarlierPeaksQuantile(boolean accept) {
            this.acceptEarlierPeaksQuantile = accept;
            return this;
        }

        /**
         * Builds the configuration, building one detector from it to check that the parts go together.
         *
         * @throws IllegalArgumentException if they do not (the library's message)
         */
        public DetectorConfig build() {
            Objects.requireNonNull(estimator);
            return new DetectorConfig(this);
        }
    }
}
