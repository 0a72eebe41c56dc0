package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.detect.Decision;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job stopped with a savepoint in the middle of the stream and resumed at another parallelism, on the other
 * state backend (the savepoint is in Flink's canonical format): the keys are redistributed over the new subtasks
 * and every result, before and after, is that of the uninterrupted run. The same savepoint is refused, before any
 * state is read, by a job whose detectors have another dimension.
 */
class SavepointRescaleTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4)
                    .build());

    private static final int KEYS = 6;
    private static final int DIMENSION = 8;
    private static final long N = 6_000;

    /** Results of all jobs of a test, with the subtask that emitted each (the map is chained to the detector). */
    static final ConcurrentLinkedQueue<Collected> COLLECTED = new ConcurrentLinkedQueue<>();

    record Collected(String job, int subtask, DetectionResult<Long, Sample> result) {
    }

    @Test
    void savepointRestoresAtAnotherParallelismAndBackend(@TempDir Path savepoints) throws Exception {
        DetectorConfig config = CheckpointRecoveryTest.config(DIMENSION);
        SampleGenerator generator = SampleGenerator.clean(KEYS, DIMENSION, 7, N / 2);
        Reference reference = Reference.run(generator, N, config);
        assertTrue(reference.count(Decision.ANOMALY) > 50 && reference.changes() > 0, "stream too tame");
        COLLECTED.clear();

        // job 1: heap backend, parallelism 2, paced by checkpoints; stopped with a savepoint after ~1/4 of the stream
        JobClient first = job("first", "hashmap", 2, config, generator, RateLimiterStrategy.perCheckpoint(300), null)
                .executeAsync("first");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (COLLECTED.size() < N / 4 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(120, TimeUnit.SECONDS);
        int beforeSavepoint = COLLECTED.size();
        assertTrue(beforeSavepoint >= N / 4 && beforeSavepoint < N - 600,
                "the savepoint was taken mid-stream (" + beforeSavepoint + " results before it)");

        // job 2: RocksDB, parallelism 3, from the savepoint, to the end of the stream
        job("second", "rocksdb", 3, config, generator, RateLimiterStrategy.noOp(), savepoint).execute("second");

        List<DetectionResult<Long, Sample>> results = new ArrayList<>();
        Map<Long, Integer> firstOwner = new HashMap<>();
        Map<Long, Integer> secondOwner = new HashMap<>();
        for (Collected c : COLLECTED) {
            results.add(c.result());
            (c.job().equals("first") ? firstOwner : secondOwner).put(c.result().key(), c.subtask());
        }
        assertEquals(KEYS, secondOwner.size(), "every key went on after the restore");
        assertTrue(firstOwner.keySet().stream().anyMatch(k -> !firstOwner.get(k).equals(secondOwner.get(k))),
                () -> "some keys moved to another subtask: before " + firstOwner + ", after " + secondOwner);
        assertTrue(new HashSet<>(secondOwner.values()).size() >= 2, "keys on several subtasks after the restore");
        FlinkTestSupport.assertSameResults(reference.results, results);

        // job 3: the same savepoint into detectors of another dimension is refused before any state is read
        COLLECTED.clear();
        DetectorConfig other = CheckpointRecoveryTest.config(DIMENSION / 2);
        Exception e = assertThrows(Exception.class, () -> job("third", "hashmap", 2, other,
                SampleGenerator.clean(KEYS, DIMENSION / 2, 7, N / 2), RateLimiterStrategy.noOp(), savepoint)
                .execute("third"));
        String trace = ExceptionUtils.stringifyException(e);
        assertTrue(trace.contains("MEAN d=4") && trace.contains("MEAN d=8") && trace.contains("incompatible"),
                () -> "the failure names both shapes:\n" + trace);
        assertTrue(COLLECTED.isEmpty(), "no element was processed by the refused job");
    }

    private static StreamExecutionEnvironment job(String name, String backend, int parallelism, DetectorConfig config,
                                                  SampleGenerator generator, RateLimiterStrategy<?> rate,
                                                  String savepoint) {
        Configuration conf = FlinkTestSupport.jobConfiguration(backend, 0);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        Detection<Long, Sample> detection = ClipstreamFlink.detect(
                FlinkTestSupport.samples(env, generator, N, rate), Sample::key, Sample::features, config);
        detection.results().uid("detect")
                .map(new Collect(name)).returns(Types.BOOLEAN).uid("collect")
                .sinkTo(new DiscardingSink<>()).uid("discard");
        return env;
    }

    /** Records each result with its job and subtask, passes nothing on. */
    static final class Collect extends RichMapFunction<DetectionResult<Long, Sample>, Boolean> {
        private final String job;
        private transient int subtask;

        Collect(String job) {
            this.job = job;
        }

        @Override
        public void open(OpenContext openContext) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public Boolean map(DetectionResult<Long, Sample> r) {
            COLLECTED.add(new Collected(job, subtask, r));
            return Boolean.TRUE;
        }
    }


}
