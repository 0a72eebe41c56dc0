package io.clipstream.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.ingest.IngestPipeline;
import io.clipstream.ingest.KeyedStore;
import io.clipstream.ingest.Publisher;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * End-to-end latency of the ingestion path at a fixed offered rate: producer {@code offer} to the sink's call on
 * the shard's agent thread, recorded in an HdrHistogram. Not JMH: the interesting quantity is the latency
 * distribution under a paced load, which JMH does not model.
 *
 * <p>One producer (this thread) paces samples at {@code --rate} per second by spinning on {@link System#nanoTime};
 * each sample's tag is its <em>intended</em> send time, and the sink records {@code nanoTime() - tag}, so time a
 * sample waits because the producer or the agent fell behind is counted (no coordinated omission). A sample the
 * ring refuses is counted as dropped and not retried. Keys are uniform over {@code --keys}. Warm-up samples are
 * not recorded (the sink records only tags after the measured start). The agent's and the producer's allocated
 * bytes over the measured phase come from {@code ThreadMXBean.getThreadAllocatedBytes}.
 *
 * <p>{@code --sweep} also looks for the maximum sustainable rate: rates from {@code --rate} upward (x1.5 each
 * step) until one drops a sample (the agent did not keep up: the ring, ~40 ms of samples at 1M/s, filled), or,
 * with {@code --max-p99-us U > 0}, its p99 exceeds U; the last rate that passed is reported.
 * Prints a Markdown table and writes JSON ({@code --json}, default {@code target/end-to-end.json}).
 */
public final class EndToEndLatency {

    private EndToEndLatency() {
    }

    record Settings(double rate, int seconds, int warmupSeconds, int dim, int keys, int shards, boolean sweep,
                    double maxP99Micros, Path json, String idle, AdaptiveThreshold.Method threshold) {
    }

    record Result(double rate, long offered, long recorded, long dropped, long p50, long p90, long p99, long p999,
                  long p9999, long max, double mean, double agentBytesPerSample, double producerBytesPerSample) {
        boolean sustained(double maxP99Micros) {
            return dropped == 0 && (maxP99Micros <= 0 || p99 <= maxP99Micros * 1000);
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Settings s = parse(args);
        Hiccups hiccups = hiccups(s.seconds());
        System.err.println(hiccups);
        List<Result> results = new ArrayList<>();
        Result first = run(s, s.rate());
        results.add(first);
        Double maxRate = null;
        if (s.sweep()) {
            double rate = s.rate();
            Result r = first;
            while (r.sustained(s.maxP99Micros()) && rate < 50e6) {
                maxRate = rate;
                rate *= 1.5;
                r = run(s, rate);
                results.add(r);
            }
        }
        String table = table(s, results, maxRate) + "\n" + hiccups.describe() + "\n";
        System.out.println(table);
        write(s, results, maxRate, hiccups);
        System.out.println("JSON: " + s.json().toAbsolutePath());
    }

    static Result run(Settings s, double rate) throws InterruptedException {
        long highest = Duration.ofSeconds(60).toNanos();
        Histogram h = new Histogram(highest, 3);
        long[] measureFrom = {Long.MAX_VALUE};
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(s.dim()).maxKeys(s.keys())
                        .thresholdMethod(s.threshold()))
                .shards(s.shards())
                .ringCapacity(1 << 22)
                .idleStrategy(idleStrategy(s.idle()))
                .sink((key, tag, score, level, decision) -> {
                    if (tag >= measureFrom[0]) {
                        h.recordValue(Math.min(highest, System.nanoTime() - tag));
                    }
                })
                .start();
        try {
            Publisher pub = p.publisher();
            float[][] pool = new float[1024][s.dim()];
            SplittableRandom r = new SplittableRandom(3);
            for (float[] row : pool) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) r.nextGaussian();
                }
            }
            double period = 1e9 / rate;
            long start = System.nanoTime() + 1_000_000;
            long warmEnd = start + s.warmupSeconds() * 1_000_000_000L;
            long end = warmEnd + s.seconds() * 1_000_000_000L;
            measureFrom[0] = warmEnd;
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long agentId = agentThreadId();
            long agentBytes0 = -1;
            long producerBytes0 = -1;
            long offered = 0;
            long dropped = 0;
            long droppedBeforeMeasure = 0;
            long i = 0;
            long z = 0;
            while (true) {
                long intended = start + (long) (i * period);
                if (intended >= end) {
                    break;
                }
                if (agentBytes0 < 0 && intended >= warmEnd) {
                    agentBytes0 = mx.getThreadAllocatedBytes(agentId);
                    producerBytes0 = mx.getCurrentThreadAllocatedBytes();
                    droppedBeforeMeasure = dropped;
                }
                while (System.nanoTime() < intended) {
                    Thread.onSpinWait();
                }
                z = z * 6364136223846793005L + 1442695040888963407L;
                long key = ((z >>> 32) * s.keys()) >>> 32;
                if (intended >= warmEnd) {
                    offered++;
                }
                if (!pub.offer(key, intended, pool[(int) (i & 1023)])) {
                    dropped++;
                }
                i++;
            }
            long producerBytes = mx.getCurrentThreadAllocatedBytes() - producerBytes0;
            if (!p.awaitProcessed(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the pipeline did not drain in 60 s");
            }
            long agentBytes = mx.getThreadAllocatedBytes(agentId) - agentBytes0;
            long measuredDropped = dropped - droppedBeforeMeasure;
            long recorded = h.getTotalCount();
            Result res = new Result(rate, offered, recorded, measuredDropped, h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getValueAtPercentile(99.99), h.getMaxValue(), h.getMean(),
                    recorded > 0 ? (double) agentBytes / recorded : Double.NaN,
                    offered > 0 ? (double) producerBytes / offered : Double.NaN);
            if (p.metrics().dropped() != dropped) {
                throw new IllegalStateException("dropped counter " + p.metrics().dropped() + ", producer saw " + dropped);
            }
            System.err.printf(Locale.ROOT, "rate %,.0f/s: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, dropped %d%n",
                    rate, res.p50() / 1e3, res.p99() / 1e3, res.p999() / 1e3, measuredDropped);
            return res;
        } finally {
            p.close();
        }
    }

    static String jdk() {
        return "JDK " + Runtime.version() + ", " + System.getProperty("java.vm.name") + " ("
                + System.getProperty("java.vm.vendor") + "); kernels: " + io.clipstream.internal.kernel.KernelProvider.kernels();
    }

    static java.util.function.Supplier<org.agrona.concurrent.IdleStrategy> idleStrategy(String name) {
        return switch (name) {
            case "spin" -> org.agrona.concurrent.BusySpinIdleStrategy::new;
            case "yield" -> org.agrona.concurrent.YieldingIdleStrategy::new;
            case "backoff" -> () -> new org.agrona.concurrent.BackoffIdleStrategy(100, 10, 1_000, 100_000);
            default -> throw new IllegalArgumentException("--idle must be spin, yield or backoff: " + name);
        };
    }

    private static long agentThreadId() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("clipstream-shard-0")) {
                return t.threadId();
            }
        }
        throw new IllegalStateException("no clipstream-shard-0 thread");
    }

    static String table(Settings s, List<Result> results, Double maxRate) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "### End-to-end latency, producer offer -> sink (d = %d, %,d keys, "
                + "%d shard(s), agent idle strategy %s, threshold %s, %d s measured after %d s warm-up)%n%n", s.dim(),
                s.keys(), s.shards(), s.idle(), s.threshold(), s.seconds(), s.warmupSeconds()));
        b.append("- ").append(jdk()).append('\n');
        b.append("- ").append(MachineInfo.read().describe()).append("\n\n");
        b.append("| offered /s | samples | dropped | p50 us | p90 us | p99 us | p99.9 us | p99.99 us | max us | "
                + "agent B/sample | producer B/sample |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %,.0f | %,d | %,d | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.3f | %.3f |%n",
                    r.rate(), r.recorded(), r.dropped(), r.p50() / 1e3, r.p90() / 1e3, r.p99() / 1e3,
                    r.p999() / 1e3, r.p9999() / 1e3, r.max() / 1e3, r.agentBytesPerSample(),
                    r.producerBytesPerSample()));
        }
        if (s.sweep()) {
            b.append(String.format(Locale.ROOT, "%nMaximum sustainable rate (no drop%s): %s%n",
                    s.maxP99Micros() > 0 ? String.format(Locale.ROOT, ", p99 <= %.0f us", s.maxP99Micros()) : "", maxRate == null ? "below the first rate" : String.format(Locale.ROOT,
                            "%,.0f samples/s", maxRate)));
        }
        return b.toString();
    }

    /**
     * The platform's own stalls, measured before the runs: two threads (one per core here, as producer and agent)
     * spin on {@code nanoTime} for the measured duration and count the gaps between consecutive reads longer than
     * 20 us: time the thread did not run (preemption, hypervisor steal, interrupts), as jHiccup measures it. A
     * sample sent or processed during such a gap waits for it, so these gaps bound the tail from below.
     */
    record Hiccups(int seconds, long gaps, double stalledMillis, double maxMillis) {
        String describe() {
            return String.format(Locale.ROOT, "Platform stalls measured first (2 threads spinning on nanoTime for %d s "
                    + "each): %d gaps > 20 us, %.1f ms stalled in all (%.3f%% of the time), longest %.2f ms. A sample "
                    + "that meets a stall waits for it, so a p99 below the stall length needs stalls to cover well "
                    + "under 1%% of the samples.", seconds, gaps, stalledMillis, 100 * stalledMillis / (seconds * 2e3),
                    maxMillis);
        }
    }

    static Hiccups hiccups(int seconds) throws InterruptedException {
        long[][] out = new long[2][3];
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            long[] o = out[t];
            threads[t] = new Thread(() -> {
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                long last = System.nanoTime();
                while (last < end) {
                    long now = System.nanoTime();
                    long gap = now - last;
                    if (gap > 20_000) {
                        o[0]++;
                        o[1] += gap;
                        o[2] = Math.max(o[2], gap);
                    }
                    last = now;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return new Hiccups(seconds, out[0][0] + out[1][0], (out[0][1] + out[1][1]) / 1e6,
                Math.max(out[0][2], out[1][2]) / 1e6);
    }

    static void write(Settings s, List<Result> results, Double maxRate, Hiccups h) throws IOException {
        if (s.json().getParent() != null) {
            Files.createDirectories(s.json().getParent());
        }
        try (JsonGenerator g = new JsonFactory().createGenerator(s.json().toFile(), JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("jdk", jdk());
            g.writeStringField("cpu", MachineInfo.read().describe());
            g.writeNumberField("dim", s.dim());
            g.writeNumberField("keys", s.keys());
            g.writeNumberField("shards", s.shards());
            g.writeStringField("idleStrategy", s.idle());
            g.writeStringField("threshold", s.threshold().name());
            g.writeNumberField("measuredSeconds", s.seconds());
            g.writeNumberField("warmupSeconds", s.warmupSeconds());
            g.writeObjectFieldStart("platformStalls");
            g.writeNumberField("seconds", h.seconds());
            g.writeNumberField("gapsOver20us", h.gaps());
            g.writeNumberField("stalledMillis", h.stalledMillis());
            g.writeNumberField("longestMillis", h.maxMillis());
            g.writeEndObject();
            g.writeArrayFieldStart("runs");
            for (Result r : results) {
                g.writeStartObject();
                g.writeNumberField("offeredPerSecond", r.rate());
                g.writeNumberField("offered", r.offered());
                g.writeNumberField("recorded", r.recorded());
                g.writeNumberField("dropped", r.dropped());
                g.writeObjectFieldStart("latencyMicros");
                g.writeNumberField("p50", r.p50() / 1e3);
                g.writeNumberField("p90", r.p90() / 1e3);
                g.writeNumberField("p99", r.p99() / 1e3);
                g.writeNumberField("p99.9", r.p999() / 1e3);
                g.writeNumberField("p99.99", r.p9999() / 1e3);
                g.writeNumberField("max", r.max() / 1e3);
                g.writeNumberField("mean", r.mean() / 1e3);
                g.writeEndObject();
                g.writeNumberField("agentBytesPerSample", r.agentBytesPerSample());
                g.writeNumberField("producerBytesPerSample", r.producerBytesPerSample());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (s.sweep()) {
                g.writeNumberField("maxP99Micros", s.maxP99Micros());
                if (maxRate != null) {
                    g.writeNumberField("maxSustainablePerSecond", maxRate);
                } else {
                    g.writeNullField("maxSustainablePerSecond");
                }
            }
            g.writeEndObject();
        }
    }

    static Settings parse(String[] args) {
        double rate = 1_000_000;
        int seconds = 10;
        int warmup = 5;
        int dim = 16;
        int keys = 100_000;
        int shards = 1;
        boolean sweep = false;
        double maxP99 = 0;
        Path json = Path.of("target/end-to-end.json");
        String idle = "backoff";
        AdaptiveThreshold.Method threshold = AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--sweep")) {
                sweep = true;
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("end-to-end [--rate N] [--seconds S] [--warmup S] [--dim D] [--keys K] [--shards N]"
                        + " [--sweep] [--max-p99-us U] [--json FILE] [--idle spin|yield|backoff] [--threshold pot|cs]");
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--rate" -> rate = Double.parseDouble(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--dim" -> dim = Integer.parseInt(v);
                case "--keys" -> keys = Integer.parseInt(v);
                case "--shards" -> shards = Integer.parseInt(v);
                case "--max-p99-us" -> maxP99 = Double.parseDouble(v);
                case "--json" -> json = Path.of(v);
                case "--idle" -> idle = v;
                case "--threshold" -> threshold = BenchSupport.thresholdMethod(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (!(rate > 0) || seconds < 1 || warmup < 0 || dim < 1 || keys < 1 || shards < 1) {
            throw new IllegalArgumentException("rate, seconds, dim, keys and shards must be positive");
        }
        idleStrategy(idle);
        return new Settings(rate, seconds, warmup, dim, keys, shards, sweep, maxP99, json, idle, threshold);
    }
}
