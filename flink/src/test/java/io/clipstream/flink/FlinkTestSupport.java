package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Shared job set-up of the MiniCluster tests. */
final class FlinkTestSupport {

    private FlinkTestSupport() {
    }

    /**
     * A job configuration: the state backend, checkpoints every 100 ms, generic types (Kryo) disabled so that any
     * type without its own serializer fails the job, and the restart strategy ({@code attempts = 0}: none).
     */
    static Configuration jobConfiguration(String backend, int restartAttempts) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        if (restartAttempts > 0) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(20));
        } else {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        return conf;
    }

    /**
     * The generated elements {@code 0 .. n-1} from one source subtask (so each key's elements arrive in order at
     * whichever subtask owns the key), paced by {@code rate}.
     */
    static DataStream<Sample> samples(StreamExecutionEnvironment env, SampleGenerator generator, long n,
                                      RateLimiterStrategy<?> rate) {
        return env.fromSource(new DataGeneratorSource<>(generator, n, rate, TypeInformation.of(Sample.class)),
                        WatermarkStrategy.noWatermarks(), "samples")
                .setParallelism(1)
                .uid("samples");
    }

    /** Asserts equal result lists (both in {@link Reference#ORDER}), naming the first difference. */
    static void assertSameResults(List<DetectionResult<Long, Sample>> expected, List<DetectionResult<Long, Sample>> actual) {
        List<DetectionResult<Long, Sample>> sorted = new ArrayList<>(actual);
        sorted.sort(Reference.ORDER);
        for (int i = 0; i < Math.min(expected.size(), sorted.size()); i++) {
            if (!expected.get(i).equals(sorted.get(i))) {
                fail("result " + i + " differs from the uninterrupted run:\n expected " + expected.get(i)
                        + "\n actual   " + sorted.get(i));
            }
        }
        assertEquals(expected.size(), sorted.size(), "number of results (duplicates or losses)");
    }
}
