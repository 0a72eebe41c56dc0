package io.clipstream.flink.example;

import io.clipstream.MeanEstimator;
import io.clipstream.flink.ClipstreamFlink;
import io.clipstream.flink.Detection;
import io.clipstream.flink.DetectionResult;
import io.clipstream.flink.DetectorConfig;
import io.clipstream.flink.RejectedSample;
import java.time.Duration;
import java.util.Locale;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A complete Flink job with per-host anomaly detection, Kafka-free: a DataGen source of host metrics, one clipstream
 * mean detector per host in keyed state (checkpointed every second), alerts for anomalies and baseline changes on
 * stdout, rejected events counted, and a summary against the generator's ground truth at the end.
 *
 * <pre>
 * mvn -q -DskipTests -pl flink -am package exec:exec@flink-example                       # defaults
 * mvn -q -DskipTests -pl flink -am package exec:exec@flink-example -Dflink.example.args="40 16 800000 rocksdb 2"
 * </pre>
 * Arguments (all optional, in order): hosts (20), metrics per host (16), events (400000), state backend
 * ({@code hashmap} or {@code rocksdb}), parallelism (2).
 */
public final class ExampleJob {

    private ExampleJob() {
    }

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int dimension = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        long events = args.length > 2 ? Long.parseLong(args[2]) : 400_000;
        String backend = args.length > 3 ? args[3] : "hashmap";
        int parallelism = args.length > 4 ? Integer.parseInt(args[4]) : 2;

        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
        conf.set(PipelineOptions.GENERIC_TYPES, false);               // no Kryo anywhere: every type is declared
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);

        DataStream<HostMetrics> metrics = env.fromSource(
                new DataGeneratorSource<>(new HostMetricsGenerator(hosts, dimension, events), events,
                        RateLimiterStrategy.noOp(), TypeInformation.of(HostMetrics.class)),
                WatermarkStrategy.noWatermarks(), "host-metrics")
                // one reader, so each host's events arrive in order (a Kafka topic partitioned by host does the same;
                // parallel DataGen readers would interleave two halves of the stream)
                .setParallelism(1).uid("host-metrics");

        // one robust mean per host; the defaults: flag scores above each host's extreme-value threshold for
        // p = 0.99 (peaks over threshold), which calibrates on the host's first 500 events
        DetectorConfig config = DetectorConfig.builder(MeanEstimator.builder(dimension).build()).build();
        Detection<String, HostMetrics> detection =
                ClipstreamFlink.detect(metrics, HostMetrics::host, HostMetrics::metrics, config);
        DataStream<DetectionResult<String, HostMetrics>> results = detection.results().uid("detect");

        results.filter(new FirstAlerts(5)).map(ExampleJob::alert).returns(Types.STRING).print("alert");
        results.filter(DetectionResult::changeDetected).map(r -> "change on " + r.key() + " after "
                + r.index() + " events (score " + format(r.score()) + ")").returns(Types.STRING).print("change");
        results.map(new Tally()).returns(Types.BOOLEAN).sinkTo(new DiscardingSink<>());
        detection.rejected().map(ExampleJob::rejected).returns(Types.STRING).print("rejected");

        long start = System.nanoTime();
        JobExecutionResult job = env.execute("clipstream example: per-host anomaly detection");
        double seconds = (System.nanoTime() - start) / 1e9;
        summary(job, hosts, dimension, events, backend, parallelism, seconds);
    }

    private static String alert(DetectionResult<String, HostMetrics> r) {
        return String.format(Locale.ROOT, "%s event %d: score %.1f above %.1f%s", r.key(), r.element().seq(),
                r.score(), r.upper(), r.element().injected() ? " (an injected anomaly)" : " (a normal event)");
    }

    private static String rejected(RejectedSample<String, HostMetrics> r) {
        return r.key() + " event " + r.element().seq() + ": " + r.reason();
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static void summary(JobExecutionResult job, int hosts, int dimension, long events, String backend,
                                int parallelism, double seconds) {
        long tp = job.<Long>getAccumulatorResult("anomaly-injected");
        long fp = job.<Long>getAccumulatorResult("anomaly-normal");
        long fn = job.<Long>getAccumulatorResult("missed-injected");
        long armedInjected = job.<Long>getAccumulatorResult("armed-injected");
        long abstained = job.<Long>getAccumulatorResult("abstain");
        long accepted = job.<Long>getAccumulatorResult("accepted");
        System.out.printf(Locale.ROOT, "%n%,d events from %d hosts x %d metrics, %s state, parallelism %d: "
                        + "%.1f s with the local cluster's start-up (throughput: FlinkThroughput)%n", events, hosts,
                dimension, backend, parallelism, seconds);
        System.out.printf(Locale.ROOT, "accepted %,d, rejected %,d; abstained %,d (%.1f%%: each host's threshold "
                        + "calibrates on its first 500 events, and again after a change, before it can flag)%n",
                accepted, events - accepted,
                abstained, 100.0 * abstained / accepted);
        System.out.printf(Locale.ROOT, "flagged %,d: %,d injected anomalies and %,d normal events (precision %.3f); "
                        + "%,d of %,d injected anomalies after the threshold armed were flagged (recall %.3f)%n",
                tp + fp, tp, fp, tp / (double) Math.max(1, tp + fp), tp, armedInjected,
                tp / (double) Math.max(1, armedInjected));
        System.out.printf(Locale.ROOT, "%,d injected anomalies fell before their host's threshold armed or were "
                + "not flagged (%,d in all)%n", fn, tp + fn);
    }

    /** Passes the first {@code n} anomalies of each subtask, so the alerts stay readable. */
    private static final class FirstAlerts extends RichFilterFunction<DetectionResult<String, HostMetrics>> {
        private final int n;
        private transient int passed;

        FirstAlerts(int n) {
            this.n = n;
        }

        @Override
        public boolean filter(DetectionResult<String, HostMetrics> r) {
            return r.isAnomaly() && passed++ < n;
        }
    }

    /** Counts decisions against the ground truth in accumulators (read from the job result at the end). */
    private static final class Tally extends RichMapFunction<DetectionResult<String, HostMetrics>, Boolean> {
        private transient LongCounter anomalyInjected;
        private transient LongCounter anomalyNormal;
        private transient LongCounter missedInjected;
        private transient LongCounter armedInjected;
        private transient LongCounter abstain;
        private transient LongCounter accepted;

        @Override
        public void open(OpenContext openContext) {
            anomalyInjected = counter("anomaly-injected");
            anomalyNormal = counter("anomaly-normal");
            missedInjected = counter("missed-injected");
            armedInjected = counter("armed-injected");
            abstain = counter("abstain");
            accepted = counter("accepted");
        }

        private LongCounter counter(String name) {
            LongCounter c = new LongCounter();
            getRuntimeContext().addAccumulator(name, c);
            return c;
        }

        @Override
        public Boolean map(DetectionResult<String, HostMetrics> r) {
            accepted.add(1);
            boolean injected = r.element().injected();
            if (r.isAnomaly()) {
                (injected ? anomalyInjected : anomalyNormal).add(1);
            } else if (injected) {
                missedInjected.add(1);
            }
            if (injected && Double.isFinite(r.upper())) {
                armedInjected.add(1);
            }
            if (r.decision() == io.clipstream.detect.Decision.ABSTAIN) {
                abstain.add(1);
            }
            return Boolean.TRUE;
        }
    }
}
