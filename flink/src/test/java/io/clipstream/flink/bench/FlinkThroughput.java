package io.clipstream.flink.bench;

import io.clipstream.MeanEstimator;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.flink.AnomalyDetectorSerializer;
import io.clipstream.flink.ClipstreamFlink;
import io.clipstream.flink.DetectionResult;
import io.clipstream.flink.DetectorConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Throughput of the keyed detection operator per subtask, beside the bare library in the same JVM and run, and the
 * size of one key's state. Not JMH: a Flink job is a unit of minutes-long work with its own threads, so each
 * figure is timed inside the job (a chained map stamps the clock at the first counted and at the last result) after
 * a warm-up share of the elements, and every configuration is repeated; the table shows the median and the range.
 *
 * <p>Configurations, for each dimension: the bare library (one {@link AnomalyDetector} per key in a
 * {@code HashMap}, fed the same elements in the same order on one thread); Flink with the heap ({@code hashmap})
 * and the {@code rocksdb} state backends at parallelism 1, either <i>chained</i> (the source and the detector in one
 * thread, {@code DataStreamUtils.reinterpretAsKeyedStream}: the operator's own cost) or behind a {@code keyBy}
 * (the source in another thread, every element serialized through Flink's network stack: a real topology's cost
 * for one subtask). Elements are uniformly random keys over pre-generated Gaussian samples.
 *
 * <pre>
 * mvn -q -DskipTests -pl flink -am package exec:exec@flink-bench
 * mvn -q -DskipTests -pl flink -am package exec:exec@flink-bench -Dflink.bench.args="--dims 16 --keys 10000 --reps 5"
 * </pre>
 * Options: {@code --dims 16,256}, {@code --keys 1000}, {@code --reps 3}, {@code --scale 1.0} (multiplies the
 * element counts), {@code --modes chained,keyBy}, {@code --backends hashmap,rocksdb}.
 */
public final class FlinkThroughput {

    /** Results counted after this share of each run's elements (JIT, caches, RocksDB warm-up). */
    private static final double WARM_UP = 0.2;

    static final AtomicLong COUNT = new AtomicLong();
    static final AtomicLong START = new AtomicLong();
    static final AtomicLong END = new AtomicLong();

    private FlinkThroughput() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int[] dims = Arrays.stream(options.getOrDefault("dims", "16,256").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int keys = Integer.parseInt(options.getOrDefault("keys", "1000"));
        int reps = Integer.parseInt(options.getOrDefault("reps", "3"));
        double scale = Double.parseDouble(options.getOrDefault("scale", "1"));
        List<String> modes = List.of(options.getOrDefault("modes", "chained,keyBy").split(","));
        List<String> backends = List.of(options.getOrDefault("backends", "hashmap,rocksdb").split(","));

        System.out.println(environment());
        System.out.printf(Locale.ROOT, "%d keys, uniformly random; %d runs per configuration (median [min-max]), "
                + "timed after the first %.0f%% of each run's elements%n%n", keys, reps, 100 * WARM_UP);
        List<String> rows = new ArrayList<>();
        for (int d : dims) {
            DetectorConfig config = DetectorConfig.builder(MeanEstimator.builder(d).build()).build();
            Map<String, double[]> rates = new java.util.LinkedHashMap<>();
            long libraryElements = (long) (scale * (d <= 64 ? 4_000_000 : 1_500_000));
            rates.put("library", repeat(reps, () -> library(config, d, keys, libraryElements)));
            for (String backend : backends) {
                for (String mode : modes) {
                    long n = (long) (scale * (backend.equals("rocksdb") ? (d <= 64 ? 100_000 : 60_000)
                            : (d <= 64 ? 2_000_000 : 800_000)));
                    rates.put(backend + " " + mode,
                            repeat(reps, () -> flink(config, d, keys, n, backend, mode.equals("chained"))));
                }
            }
            double library = median(rates.get("library"));
            for (Map.Entry<String, double[]> e : rates.entrySet()) {
                double[] r = e.getValue();
                rows.add(String.format(Locale.ROOT, "| %d | %s | %,.0f [%,.0f-%,.0f] | %.3f |", d, e.getKey(),
                        median(r), r[0], r[r.length - 1], median(r) / library));
            }
            rows.add(stateRow(config, d, keys));
        }
        System.out.println("| d | configuration | elements/s per subtask | vs bare library |");
        System.out.println("|---:|---|---:|---:|");
        rows.stream().filter(r -> !r.startsWith("state")).forEach(System.out::println);
        System.out.println();
        rows.stream().filter(r -> r.startsWith("state")).map(r -> r.substring(6)).forEach(System.out::println);
    }

    // ------------------------------------------------------------------ the elements

    /** An element: a key and its features (from a pool of pre-generated samples, shared, never modified). */
    public record Event(long key, float[] features) {
    }

    /** Element {@code i}: a uniformly random key (a mix of {@code i}) and pool sample {@code i mod pool}. */
    static final class Events implements GeneratorFunction<Long, Event> {
        private static final long serialVersionUID = 1L;
        private final int dimension;
        private final int keys;
        private transient float[][] pool;

        Events(int dimension, int keys) {
            this.dimension = dimension;
            this.keys = keys;
        }

        @Override
        public Event map(Long i) {
            return event(i);
        }

        Event event(long i) {
            if (pool == null) {
                pool = pool(dimension);
            }
            long z = (i + 1) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
            return new Event(Long.remainderUnsigned(z ^ (z >>> 29), keys), pool[(int) (i & (pool.length - 1))]);
        }

        private static float[][] pool(int dimension) {
            SplittableRandom r = new SplittableRandom(42);
            float[][] p = new float[4096][dimension];
            for (float[] x : p) {
                for (int j = 0; j < dimension; j++) {
                    x[j] = (float) (r.nextGaussian() + (r.nextDouble() < 0.01 ? 20 : 0));
                }
            }
            return p;
        }
    }

    // ------------------------------------------------------------------ the runs

    /** The bare library over the same elements: one detector per key in a map, one thread. */
    static double library(DetectorConfig config, int d, int keys, long n) {
        Events events = new Events(d, keys);
        Map<Long, AnomalyDetector> detectors = new HashMap<>();
        long warm = (long) (n * WARM_UP);
        long start = 0;
        double sink = 0;
        for (long i = 0; i < n; i++) {
            if (i == warm) {
                start = System.nanoTime();
            }
            Event e = events.event(i);
            AnomalyDetector detector = detectors.get(e.key());
            if (detector == null) {
                detector = config.newDetector();
                detectors.put(e.key(), detector);
            }
            sink += detector.process(e.features()).score();
        }
        long end = System.nanoTime();
        if (sink == 42) {
            System.out.print("");
        }
        return (n - warm) / ((end - start) / 1e9);
    }

    /** One Flink job at parallelism 1; the rate of its detector subtask after the warm-up share. */
    static double flink(DetectorConfig config, int d, int keys, long n, String backend, boolean chained)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(256));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        DataStream<Event> source = env.fromSource(new DataGeneratorSource<>(new Events(d, keys), n,
                RateLimiterStrategy.noOp(), TypeInformation.of(Event.class)), WatermarkStrategy.noWatermarks(),
                "events");
        KeyedStream<Event, Long> keyed = chained
                ? DataStreamUtils.reinterpretAsKeyedStream(source, Event::key, Types.LONG)
                : source.keyBy(Event::key, Types.LONG);
        COUNT.set(0);
        START.set(0);
        END.set(0);
        ClipstreamFlink.detect(keyed, Event::features, config).results()
                .map(new Stamp((long) (n * WARM_UP), n)).returns(Types.BOOLEAN)
                .sinkTo(new DiscardingSink<>());
        env.execute("flink-throughput");
        if (COUNT.get() != n) {
            throw new IllegalStateException("expected " + n + " results, got " + COUNT.get());
        }
        return (n - (long) (n * WARM_UP)) / ((END.get() - START.get()) / 1e9);
    }

    /** Chained to the detector: stamps the clock at the warm-up's end and at the last result. */
    static final class Stamp extends RichMapFunction<DetectionResult<Long, Event>, Boolean> {
        private final long warm;
        private final long last;

        Stamp(long warm, long last) {
            this.warm = warm;
            this.last = last;
        }

        @Override
        public Boolean map(DetectionResult<Long, Event> r) {
            long c = COUNT.incrementAndGet();
            if (c == warm) {
                START.set(System.nanoTime());
            } else if (c == last) {
                END.set(System.nanoTime());
            }
            return Boolean.TRUE;
        }
    }

    // ------------------------------------------------------------------ state size

    /**
     * The bytes of one key's state (what RocksDB stores and every checkpoint or savepoint holds for the key: the
     * serializer's length plus the detector snapshot) after 10, 1,000 and 10,000 samples, and the heap one live
     * detector takes (Java heap measured over 2,000 detectors; the estimator's parameters are off-heap besides).
     */
    static String stateRow(DetectorConfig config, int d, int keys) throws Exception {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(config);
        StringBuilder sizes = new StringBuilder();
        Events events = new Events(d, 1);
        for (int samples : new int[] {10, 1_000, 10_000}) {
            AnomalyDetector detector = config.newDetector();
            for (int i = 0; i < samples; i++) {
                detector.process(events.event(i).features());
            }
            DataOutputSerializer out = new DataOutputSerializer(4096);
            serializer.serialize(detector, out);
            sizes.append(String.format(Locale.ROOT, "%s%,d B after %,d samples", sizes.isEmpty() ? "" : ", ",
                    out.length(), samples));
        }
        return String.format(Locale.ROOT, "state d = %d: serialized %s; live on the heap backend ~%,d B of Java "
                + "heap per key (+ %,d B off-heap)", d, sizes, heapPerDetector(config, events), 2 * 64 * ((4L * d + 63)
                / 64));
    }

    private static long heapPerDetector(DetectorConfig config, Events events) {
        int n = 2_000;
        List<AnomalyDetector> keep = new ArrayList<>(n);
        long before = usedHeap();
        for (int i = 0; i < n; i++) {
            AnomalyDetector detector = config.newDetector();
            for (int s = 0; s < 200; s++) {
                detector.process(events.event(s).features());
            }
            keep.add(detector);
        }
        long after = usedHeap();
        if (keep.size() != n) {
            throw new AssertionError();
        }
        return (after - before) / n;
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ------------------------------------------------------------------ plumbing

    interface Run {
        double run() throws Exception;
    }

    /** One discarded warm-up run, then {@code reps} measured ones, sorted. */
    static double[] repeat(int reps, Run run) throws Exception {
        run.run();
        double[] r = new double[reps];
        for (int i = 0; i < reps; i++) {
            r[i] = run.run();
        }
        Arrays.sort(r);
        return r;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs: " + String.join(" ", args));
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    private static String environment() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 2)).orElse(cpu);
        } catch (Exception ignored) {
            // not Linux: the JVM line below still says where it ran
        }
        return String.format(Locale.ROOT, "JDK %s (%s), %s, %d CPUs available, kernels %s, Flink %s",
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"), cpu,
                Runtime.getRuntime().availableProcessors(),
                MeanEstimator.builder(16).build().kernelName(),
                org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
    }
}
