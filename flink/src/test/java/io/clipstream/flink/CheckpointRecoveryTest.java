package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.MeanEstimator;
import io.clipstream.detect.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A failure in the middle of a checkpointed job: after recovery every key's detector continues from the last
 * completed checkpoint, so the results (collected exactly once) and each key's final sample count and estimate are
 * those of an uninterrupted run of the bare library, on the heap and on the RocksDB state backend.
 */
class CheckpointRecoveryTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4)
                    .build());

    private static final int KEYS = 6;
    private static final int DIMENSION = 8;
    private static final long N = 6_000;
    /** The source waits for a checkpoint after this many records: ~15 checkpoints, the failure after the 5th. */
    private static final int RECORDS_PER_CHECKPOINT = 400;

    /** Thresholds that become finite within a few hundred scores per key, and a short change-test block. */
    static DetectorConfig config(int dimension) {
        return DetectorConfig.builder(MeanEstimator.builder(dimension).build())
                .quantile(0.8).confidence(0.1).blockLength(256).emitEstimates(true).build();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb", "forst"})
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException: the test fails then
    void failureMidStreamRecoversExactlyOnceState(String backend) throws Exception {
        DetectorConfig config = config(DIMENSION);
        SampleGenerator generator = SampleGenerator.clean(KEYS, DIMENSION, 42, N / 2);
        Reference reference = Reference.run(generator, N, config);
        // the stream exercises every decision and the change test, so equal results mean equal detector state
        assertTrue(reference.count(Decision.ANOMALY) > 50 && reference.count(Decision.BENIGN) > 50
                && reference.count(Decision.ABSTAIN) > 50 && reference.changes() >= KEYS / 2,
                () -> "stream too tame: " + reference.count(Decision.ANOMALY) + " anomalies, "
                        + reference.count(Decision.BENIGN) + " benign, " + reference.changes() + " changes");

        FailOnce.reset();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkTestSupport.jobConfiguration(backend, 3));
        env.setParallelism(2);
        DataStream<Sample> samples = FlinkTestSupport.samples(env, generator, N, RateLimiterStrategy.perCheckpoint(RECORDS_PER_CHECKPOINT));
        Detection<Long, Sample> detection = ClipstreamFlink.detect(samples, Sample::key, Sample::features, config);
        DataStream<DetectionResult<Long, Sample>> checked = detection.results().uid("detect")
                .map(new FailOnce()).returns(detection.results().getType()).uid("fail-once");

        List<DetectionResult<Long, Sample>> results = new ArrayList<>();
        try (CloseableIterator<DetectionResult<Long, Sample>> it = checked.executeAndCollect("recovery-" + backend)) {
            it.forEachRemaining(results::add);
        }

        assertTrue(FailOnce.FAILED.get(), "no failure was injected");
        assertTrue(FailOnce.MIN_INDEX_AFTER_RESTART.get() > 0 && FailOnce.MIN_INDEX_AFTER_RESTART.get() < N,
                "after the restart every key continued from a checkpoint (first index seen: "
                        + FailOnce.MIN_INDEX_AFTER_RESTART.get() + ")");
        FlinkTestSupport.assertSameResults(reference.results, results);
        for (long key = 0; key < KEYS; key++) {
            DetectionResult<Long, Sample> last = lastOf(results, key);
            float[] expected = new float[DIMENSION];
            reference.detectors.get(key).estimator().estimate(expected);
            assertEquals(reference.detectors.get(key).estimator().samplesSeen(), last.samplesSeen(), "key " + key);
            assertEquals(N / KEYS, last.samplesSeen(), "key " + key);
            assertTrue(java.util.Arrays.equals(expected, last.estimate()), "final estimate of key " + key);
        }
    }

    private static DetectionResult<Long, Sample> lastOf(List<DetectionResult<Long, Sample>> results, long key) {
        DetectionResult<Long, Sample> last = null;
        for (DetectionResult<Long, Sample> r : results) {
            if (r.key() == key && (last == null || r.index() > last.index())) {
                last = r;
            }
        }
        return last;
    }

    /**
     * Throws once, in one subtask, after two checkpoints have completed and a third of its results have passed
     * (so the detectors are well past the checkpoint the job will restart from); records the smallest result
     * index seen after the restart.
     */
    static final class FailOnce extends RichMapFunction<DetectionResult<Long, Sample>, DetectionResult<Long, Sample>>
            implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicLong MIN_INDEX_AFTER_RESTART = new AtomicLong(Long.MAX_VALUE);
        private transient int checkpoints;
        private transient long seen;
        private transient int attempt;

        static void reset() {
            FAILED.set(false);
            MIN_INDEX_AFTER_RESTART.set(Long.MAX_VALUE);
        }

        @Override
        public void open(OpenContext openContext) {
            attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        }

        @Override
        public DetectionResult<Long, Sample> map(DetectionResult<Long, Sample> r) {
            seen++;
            if (attempt > 0) {
                MIN_INDEX_AFTER_RESTART.accumulateAndGet(r.index(), Math::min);
            } else if (checkpoints >= 2 && seen >= N / 6 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + seen + " results");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpoints++;
        }
    }
}
