package io.clipstream.flink;

import io.clipstream.Task;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Decision;
import io.clipstream.detect.Outcome;
import java.io.Serial;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The keyed detection operator: one {@link AnomalyDetector} per key in Flink keyed state ({@link ValueState},
 * serialized by {@link AnomalyDetectorSerializer}, registered explicitly: never Kryo), one
 * {@link DetectionResult} out per accepted element, one {@link RejectedSample} on the side output per refused one.
 * {@link ClipstreamFlink#detect} wires it up; use it directly in {@code keyedStream.process(function, type)} when you
 * need to.
 *
 * <h2>Per element</h2>
 * The key's detector is read from state (created from the {@link DetectorConfig} for a new key), the element's
 * features (and label) are extracted, the detector scores, decides and updates (see
 * {@link AnomalyDetector#process(float[])}), the detector is written back and the result emitted. Every state
 * backend sees the same calls: on the heap backend the detector stays a live object (the write-back stores a
 * reference); on RocksDB or ForSt each element reads and writes the detector's bytes.
 *
 * <h2>Bad samples</h2>
 * A sample the library refuses (null, wrong length, NaN or infinite value, a label out of range or not a whole
 * number) throws nothing out of this operator: its {@link IllegalArgumentException} becomes a
 * {@link RejectedSample} on the side output, the {@code clipstream.rejected} counter is incremented and the key's
 * detector is unchanged apart from its estimator's {@code rejectedCount()} (the library's policy), which counts
 * every rejected sample once, the class labels this operator refuses itself included. The job never fails for a
 * bad sample; exceptions thrown by the extractors themselves (an {@link IllegalArgumentException} too) are bugs and
 * do fail the task.
 *
 * <h2>Metrics</h2>
 * Counters under the operator's metric group {@code clipstream}: {@code processed} (accepted samples),
 * {@code rejected}, {@code anomalies}, {@code changes} (change tests that fired), {@code keysCreated} (keys this
 * subtask started a detector for since it started). Metrics are per subtask and start from zero after a
 * restart; the per-key counts that survive failures live in the state.
 *
 * @param <K> the key type
 * @param <T> the element type
 */
public class DetectFunction<K, T> extends KeyedProcessFunction<K, T, DetectionResult<K, T>> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the keyed state that holds each key's detector. */
    public static final String STATE_NAME = "clipstream-detector";

    /** The metric group of the operator's counters. */
    public static final String METRIC_GROUP = "clipstream";

    private final DetectorConfig config;
    private final FeatureExtractor<T> features;
    private final LabelExtractor<T> labels;
    private final OutputTag<RejectedSample<K, T>> rejectedTag;

    private transient ValueState<AnomalyDetector> state;
    private transient Counter processed;
    private transient Counter rejected;
    private transient Counter anomalies;
    private transient Counter changes;
    private transient Counter keysCreated;

    /**
     * A detection function.
     *
     * @param config the detectors' configuration
     * @param features the features of an element
     * @param labels the label of an element: required for linear, logistic and softmax tasks, null for the mean
     * @param rejectedTag the side output for rejected samples, or null to count them only
     * @throws IllegalArgumentException if {@code config} or {@code features} is null, or {@code labels} is given for
     *     a mean detector or missing for another task
     */
    public DetectFunction(DetectorConfig config, FeatureExtractor<T> features, LabelExtractor<T> labels,
                          OutputTag<RejectedSample<K, T>> rejectedTag) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        if (features == null) {
            throw new IllegalArgumentException("feature extractor must not be null");
        }
        if (config.needsLabels() && labels == null) {
            throw new IllegalArgumentException("a " + config.task() + " detector needs a LabelExtractor (the "
                    + (config.task() == Task.LINEAR ? "target y" : "class") + " of each element): use "
                    + "ClipstreamFlink.detectLabelled");
        }
        if (!config.needsLabels() && labels != null) {
            throw new IllegalArgumentException("a MEAN detector takes no label: use ClipstreamFlink.detect, without "
                    + "a LabelExtractor");
        }
        this.config = config;
        this.features = features;
        this.labels = labels;
        this.rejectedTag = rejectedTag;
    }

    /**
     * The descriptor of the keyed state this function keeps: name {@value #STATE_NAME}, serializer
     * {@link AnomalyDetectorSerializer}, and the configuration's state TTL if it has one. Use it to read or
     * bootstrap the state with Flink's State Processor API.
     */
    public static ValueStateDescriptor<AnomalyDetector> stateDescriptor(DetectorConfig config) {
        ValueStateDescriptor<AnomalyDetector> descriptor =
                new ValueStateDescriptor<>(STATE_NAME, new AnomalyDetectorSerializer(config));
        if (config.stateTtl() != null) {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(config.stateTtl())
                    .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .build());
        }
        return descriptor;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        state = getRuntimeContext().getState(stateDescriptor(config));
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        processed = group.counter("processed");
        rejected = group.counter("rejected");
        anomalies = group.counter("anomalies");
        changes = group.counter("changes");
        keysCreated = group.counter("keysCreated");
    }

    @Override
    public void processElement(T element, Context ctx, Collector<DetectionResult<K, T>> out) throws Exception {
        // read the detector from state for every element, never keep it: the heap backend's copy-on-write
        // snapshots hand out a copy when the stored one belongs to a running checkpoint
        AnomalyDetector detector = state.value();
        if (detector == null) {
            detector = config.newDetector();
            keysCreated.inc();
        }
        // the user's extractors run outside the try: their exceptions (a NumberFormatException is an
        // IllegalArgumentException too) are bugs that fail the task, not bad samples
        float[] x = features.features(element);
        double label = labels == null ? 0 : labels.label(element);
        Outcome o;
        try {
            o = process(detector, x, label);
        } catch (IllegalArgumentException e) {
            reject(detector, element, e, ctx);
            return;
        }
        state.update(detector);
        processed.inc();
        if (o.changeDetected()) {
            changes.inc();
        }
        if (o.decision() == Decision.ANOMALY) {
            anomalies.inc();
        }
        float[] estimate = null;
        if (config.emitEstimates()) {
            estimate = new float[detector.estimator().parameterCount()];
            detector.estimator().estimate(estimate);
        }
        out.collect(new DetectionResult<>(ctx.getCurrentKey(), element, o.index(), o.score(), o.decision(), o.lower(),
                o.upper(), o.changeDetected(), o.updated(), detector.estimator().samplesSeen(), estimate));
    }

    /**
     * The library's part: every {@link IllegalArgumentException} from here is a refusal of the sample (its features
     * or label), never an extractor's exception.
     */
    private Outcome process(AnomalyDetector detector, float[] x, double label) {
        return switch (config.task()) {
            case MEAN -> detector.process(x);
            // a non-finite target is refused (and counted) by the library itself
            case LINEAR -> detector.process(x, target(detector, label));
            case LOGISTIC, SOFTMAX -> detector.process(x, classLabel(detector, label));
            case CUSTOM -> throw new IllegalStateException("CUSTOM estimators are not supported");
        };
    }

    /**
     * A linear target as the library's float; one finite as a double but beyond the float range is refused here by
     * its own value (the cast made it infinite, and the library's message said "target y is Infinity").
     */
    private static float target(AnomalyDetector detector, double label) {
        float y = (float) label;
        if (Double.isFinite(label) && !Float.isFinite(y)) {
            detector.estimator().countRejected();
            throw new IllegalArgumentException("target y " + label + " is outside the float range (must be finite)");
        }
        return y;
    }

    /**
     * A class must be a whole number; its range is the library's to check (and count). A label that is not one
     * never reaches the library (it cannot become an {@code int}), so this refusal is counted here, in the key's
     * estimator, like the library's own: every rejected sample counts in {@code rejectedCount()}.
     */
    private static int classLabel(AnomalyDetector detector, double label) {
        if (!(label == Math.rint(label) && Math.abs(label) <= Integer.MAX_VALUE)) {
            detector.estimator().countRejected();
            throw new IllegalArgumentException(label == Math.rint(label)
                    ? "class label " + label + " is out of range (it must be a class of the task)"
                    : "class label must be a whole number: " + label);
        }
        return (int) label;
    }

    /** Cold path: a refused sample is counted, the rejected count is persisted, and the element goes aside. */
    private void reject(AnomalyDetector detector, T element, IllegalArgumentException e, Context ctx)
            throws Exception {
        rejected.inc();
        state.update(detector);
        if (rejectedTag != null) {
            ctx.output(rejectedTag, new RejectedSample<>(ctx.getCurrentKey(), element, e.getMessage()));
        }
    }
}
