package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad samples (NaN, infinity, wrong length, null features; for models a NaN or infinite target, a class that is
 * not a whole number or out of range) in a job with no restarts allowed: the job finishes, each one is counted in
 * the operator's {@code clipstream.rejected} metric and set aside on the side output with the library's message,
 * and the accepted samples' results are those of the bare library with the same policy (the bad ones left no
 * trace in any key's state).
 */
class BadSamplesTest {

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4)
                    .setConfiguration(REPORTER.addToConfiguration(new Configuration())).build());

    private static final int KEYS = 5;
    private static final int DIMENSION = 6;
    private static final long N = 3_000;
    private static final int BAD_EVERY = 23;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Task.class, names = {"MEAN", "LINEAR", "LOGISTIC"})
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException: the test fails then
    void badSamplesAreCountedAndSetAsideWithoutFailingTheJob(Task task) throws Exception {
        boolean labels = task != Task.MEAN;
        Estimator prototype = switch (task) {
            case MEAN -> MeanEstimator.builder(DIMENSION).build();
            case LINEAR -> LinearRegression.builder(DIMENSION).build();
            default -> LogisticRegression.builder(DIMENSION).buildLogistic();
        };
        DetectorConfig config = DetectorConfig.builder(prototype).quantile(0.8).confidence(0.1).build();
        SampleGenerator generator = new SampleGenerator(KEYS, DIMENSION, 3, N / 2, BAD_EVERY, task == Task.LOGISTIC);
        Reference reference = Reference.run(generator, N, config);
        // mean: 4 of the 6 kinds of bad sample touch the features; models: all 6
        long expectedRejected = N / BAD_EVERY * (labels ? 6 : 4) / 6;
        assertTrue(Math.abs(reference.rejected() - expectedRejected) <= 2,
                "the reference rejects every bad sample: " + reference.rejected() + " vs ~" + expectedRejected);

        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(FlinkTestSupport.jobConfiguration("hashmap", 0));
        env.setParallelism(2);
        var samples = FlinkTestSupport.samples(env, generator, N, RateLimiterStrategy.noOp());
        Detection<Long, Sample> detection = labels
                ? ClipstreamFlink.detectLabelled(samples, Sample::key, Sample::features, Sample::label, config)
                : ClipstreamFlink.detect(samples, Sample::key, Sample::features, config);
        detection.results().uid("detect");
        CloseableIterator<DetectionResult<Long, Sample>> resultIterator = detection.results().collectAsync();
        CloseableIterator<RejectedSample<Long, Sample>> rejectedIterator = detection.rejected().collectAsync();
        String jobName = "bad-samples-" + task;
        JobClient client = env.executeAsync(jobName);
        List<DetectionResult<Long, Sample>> results = new ArrayList<>();
        List<RejectedSample<Long, Sample>> rejected = new ArrayList<>();
        try (resultIterator; rejectedIterator) {
            resultIterator.forEachRemaining(results::add);
            rejectedIterator.forEachRemaining(rejected::add);
        }
        client.getJobExecutionResult().get();

        FlinkTestSupport.assertSameResults(reference.results, results);
        Map<Long, Integer> perKey = new HashMap<>();
        for (RejectedSample<Long, Sample> r : rejected) {
            assertTrue(generator.isBad(r.element().seq()), "only bad samples are rejected: " + r);
            assertEquals(r.element().key(), r.key());
            assertTrue(r.reason().matches(".*(NaN|Infinity|length|null|whole number|label).*"),
                    "the reason names the problem: " + r.reason());
            perKey.merge(r.key(), 1, Integer::sum);
        }
        assertEquals(reference.rejectedPerKey, perKey, "rejected samples per key");
        assertEquals(reference.rejected(), counter(jobName, "rejected"), "clipstream.rejected metric");
        assertEquals(reference.results.size(), counter(jobName, "processed"), "clipstream.processed metric");
    }

    /** The sum over the job's subtasks of the operator counter {@code clipstream.<name>}. */
    private static long counter(String jobName, String name) {
        long sum = 0;
        int found = 0;
        for (Map.Entry<MetricGroup, Map<String, Metric>> group : REPORTER.getMetricsByGroup().entrySet()) {
            String identifier = group.getKey().getMetricIdentifier(name);
            if (identifier.contains("." + jobName + ".") && identifier.endsWith(DetectFunction.METRIC_GROUP + "." + name)
                    && group.getValue().get(name) instanceof Counter c) {
                sum += c.getCount();
                found++;
            }
        }
        assertEquals(2, found, "one " + name + " counter per subtask");
        return sum;
    }
}
