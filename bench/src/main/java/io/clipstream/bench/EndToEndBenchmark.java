package io.clipstream.bench;

import io.clipstream.ingest.IngestPipeline;
import io.clipstream.ingest.KeyedStore;
import io.clipstream.ingest.Publisher;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Saturated throughput of the ingestion path: one producer (the benchmark thread) offers samples for uniformly
 * random keys as fast as the pipeline accepts them (a refused offer is retried after {@link Thread#onSpinWait},
 * so one operation is one accepted sample) into one shard whose agent runs the keyed store on the other core.
 * The score is the rate the agent sustains once the ring has filled. {@code -prof gc} covers allocation in
 * the whole JVM over the iteration, the agent thread included; the latency distribution at a fixed offered rate
 * is {@link EndToEndLatency}'s job ({@code benchmarks.jar end-to-end}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class EndToEndBenchmark {

    @Param({"16", "64"})
    public int dim;

    @Param({"100000"})
    public int keys;

    /** The store's pooled threshold: {@code POT} (peaks over threshold, the default) or {@code CS}. */
    @Param({"POT", "CS"})
    public String threshold;

    private IngestPipeline pipeline;
    private Publisher publisher;
    private float[][] pool;
    private final AtomicLong results = new AtomicLong();
    private long z = 1;
    private int i;

    @Setup(Level.Trial)
    public void setUp() {
        pipeline = IngestPipeline.builder(KeyedStore.builder(dim).maxKeys(keys)
                        .thresholdMethod(BenchSupport.thresholdMethod(threshold))).shards(1)
                .sink((key, tag, score, level, decision) -> results.lazySet(tag)).start();
        publisher = pipeline.publisher();
        pool = new float[1024][dim];
        SplittableRandom r = new SplittableRandom(3);
        for (float[] row : pool) {
            for (int j = 0; j < dim; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (!pipeline.awaitProcessed(Duration.ofSeconds(30))) {
            throw new IllegalStateException("not drained");
        }
        long accounted = pipeline.metrics().samples() + pipeline.metrics().rejected();
        pipeline.close();
        if (accounted == 0) {
            throw new IllegalStateException("nothing processed");
        }
    }

    @Benchmark
    public boolean endToEnd() {
        z = z * 6364136223846793005L + 1442695040888963407L;
        long key = ((z >>> 32) * keys) >>> 32;
        float[] x = pool[i++ & 1023];
        while (!publisher.offer(key, z, x)) {
            Thread.onSpinWait();
        }
        return true;
    }
}
