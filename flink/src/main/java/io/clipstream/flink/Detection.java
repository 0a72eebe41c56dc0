package io.clipstream.flink;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * The streams of a keyed detection operator built by {@link ClipstreamFlink#detect}: the results of accepted
 * elements and, on a side output, the rejected ones.
 *
 * <p>Give the operator a stable uid ({@code detection.results().uid("detect")}) as for any stateful Flink operator,
 * so that savepoints map its state back to it after the job changes.
 *
 * @param <K> the key type
 * @param <T> the element type
 */
public final class Detection<K, T> {

    private final SingleOutputStreamOperator<DetectionResult<K, T>> results;
    private final OutputTag<RejectedSample<K, T>> rejectedTag;

    Detection(SingleOutputStreamOperator<DetectionResult<K, T>> results, OutputTag<RejectedSample<K, T>> rejectedTag) {
        this.results = results;
        this.rejectedTag = rejectedTag;
    }

    /** The tag of the rejected-samples side output (id {@value ClipstreamFlink#REJECTED_OUTPUT}). */
    public OutputTag<RejectedSample<K, T>> rejectedTag() {
        return rejectedTag;
    }

    /** One {@link DetectionResult} per accepted element; also the operator, to set its uid, name or parallelism. */
    public SingleOutputStreamOperator<DetectionResult<K, T>> results() {
        return results;
    }

    /** The side output: one {@link RejectedSample} per element whose sample the library refused. */
    public DataStream<RejectedSample<K, T>> rejected() {
        return results.getSideOutput(rejectedTag);
    }
}
