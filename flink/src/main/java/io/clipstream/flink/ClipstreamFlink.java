package io.clipstream.flink;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Per-key anomaly detection on Apache Flink: one clipstream estimator and detector per key, kept in Flink keyed
 * state and checkpointed in the library's own snapshot format.
 *
 * <pre>{@code
 * DetectorConfig config = DetectorConfig.builder(MeanEstimator.builder(16).build()).quantile(0.99).build();
 * Detection<String, Event> detection = ClipstreamFlink.detect(events, Event::host, Event::features, config);
 * detection.results().uid("detect")
 *         .filter(DetectionResult::isAnomaly)
 *         .sinkTo(alerts);
 * detection.rejected().sinkTo(deadLetters);                    // NaN, wrong length, bad labels: never a failure
 * }</pre>
 *
 * <p>{@code detect} is for mean detectors (features only); {@code detectLabelled} for linear, logistic and softmax
 * regressions, whose samples have a label (the target, or the class). Both take a plain stream and a key
 * selector, or a stream keyed already.
 *
 * <p>Every entry point validates its arguments eagerly (an {@link IllegalArgumentException} when the job graph is
 * built); the operator itself is {@link DetectFunction}, whose javadoc describes the per-element behaviour, bad
 * samples and metrics; the state serializer is {@link AnomalyDetectorSerializer}.
 */
public final class ClipstreamFlink {

    /** The id of the rejected-samples side output. */
    public static final String REJECTED_OUTPUT = "clipstream-rejected";

    /** The default operator name. */
    public static final String OPERATOR_NAME = "clipstream-detect";

    private ClipstreamFlink() {
    }

    /**
     * Keys {@code stream} by {@code keySelector} and detects per key (mean estimators: no label).
     *
     * @throws IllegalArgumentException if an argument is null or the configuration needs labels
     */
    public static <T, K> Detection<K, T> detect(DataStream<T> stream, KeySelector<T, K> keySelector,
                                                FeatureExtractor<T> features, DetectorConfig config) {
        return detect(keyed(stream, keySelector), features, config);
    }

    /**
     * Keys {@code stream} by {@code keySelector} and detects per key with labelled samples (linear, logistic,
     * softmax).
     *
     * @throws IllegalArgumentException if an argument is null, or the configuration is a mean
     */
    public static <T, K> Detection<K, T> detectLabelled(DataStream<T> stream, KeySelector<T, K> keySelector,
                                                        FeatureExtractor<T> features, LabelExtractor<T> labels,
                                                        DetectorConfig config) {
        return detectLabelled(keyed(stream, keySelector), features, labels, config);
    }

    /**
     * Detects per key of an already keyed stream (mean estimators: no label).
     *
     * @throws IllegalArgumentException if an argument is null or the configuration needs labels
     */
    public static <T, K> Detection<K, T> detect(KeyedStream<T, K> stream, FeatureExtractor<T> features,
                                                DetectorConfig config) {
        return build(stream, features, null, config);
    }

    /**
     * Detects per key of an already keyed stream with labelled samples (linear, logistic, softmax).
     *
     * @throws IllegalArgumentException if an argument is null, or the configuration is a mean
     */
    public static <T, K> Detection<K, T> detectLabelled(KeyedStream<T, K> stream, FeatureExtractor<T> features,
                                                        LabelExtractor<T> labels, DetectorConfig config) {
        if (labels == null) {
            throw new IllegalArgumentException("label extractor must not be null (mean detectors take none: use "
                    + "ClipstreamFlink.detect)");
        }
        return build(stream, features, labels, config);
    }

    private static <T, K> Detection<K, T> build(KeyedStream<T, K> stream, FeatureExtractor<T> features,
                                                LabelExtractor<T> labels, DetectorConfig config) {
        if (stream == null) {
            throw new IllegalArgumentException("stream must not be null");
        }
        TypeInformation<K> keyType = stream.getKeyType();
        OutputTag<RejectedSample<K, T>> tag = new OutputTag<>(REJECTED_OUTPUT,
                RejectedSample.typeInfo(keyType, stream.getType()));
        DetectFunction<K, T> function = new DetectFunction<>(config, features, labels, tag);
        SingleOutputStreamOperator<DetectionResult<K, T>> results =
                stream.process(function, DetectionResult.typeInfo(keyType, stream.getType())).name(OPERATOR_NAME);
        return new Detection<>(results, tag);
    }

    private static <T, K> KeyedStream<T, K> keyed(DataStream<T> stream, KeySelector<T, K> keySelector) {
        if (stream == null) {
            throw new IllegalArgumentException("stream must not be null");
        }
        if (keySelector == null) {
            throw new IllegalArgumentException("key selector must not be null");
        }
        return stream.keyBy(keySelector);
    }
}
