package io.clipstream.bench;

import io.clipstream.detect.Decision;
import io.clipstream.ingest.KeyedStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link KeyedStore#process} per operation on a store that holds {@code keys} keys, each operation for a
 * key drawn uniformly at random (a mixed counter, so the key stream itself costs no memory traffic): the
 * per-key clipped mean step, the per-key scale tracker, the pooled adaptive threshold. With 1M keys the store is
 * 160 MB (d = 16) or 352 MB (d = 64), far beyond the 32 MB L3, so almost every update misses to DRAM twice (index
 * entry, then slot).
 *
 * <p>{@link #randomTouch} is the bound: over a native region of the same size and layout (an index of 16-byte
 * entries, then the slots), it reads and writes back the same cache lines one update must touch, at the same
 * random positions, with no arithmetic: one index line, then every line of one slot ({@link
 * KeyedStore#slotBytes}). {@code randomTouch / keyedUpdate} is the share of this memory-latency bound the store
 * reaches. {@code keys = 1024} (cache-resident) shows the arithmetic cost alone. {@link #keyedUpdateBatch} is the
 * shard's way: prefetch a batch's keys, then process it.
 *
 * <p>Every key is created and given {@value #PRIMING} samples in set-up (warm-up 2 in the store, so the measured
 * updates take the decision path). Samples rotate through 4096 Gaussian rows in native memory.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class KeyedUpdateBenchmark {

    static final int ROWS = 4096;
    static final int PRIMING = 3;
    static final int BATCH = 64;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    @Param({"16", "64"})
    public int dim;

    @Param({"1000000"})
    public int keys;

    /**
     * The pooled threshold: {@code POT} (peaks over threshold, the store's default) or {@code CS} (the quantile
     * confidence sequence, {@link KeyedStore.Builder#thresholdMethod}); the difference is the threshold's share.
     */
    @Param({"POT", "CS"})
    public String threshold;

    private Arena arena;
    private KeyedStore store;
    private MemorySegment samples;
    private MemorySegment touch;
    private long indexEntries;
    private long slotsBase;
    private int slotBytes;
    private final long[] batchKeys = new long[BATCH];
    private final long[] batchRows = new long[BATCH];
    private long counter;
    private long now;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        samples = arena.allocate((long) ROWS * dim * Float.BYTES, 64);
        SplittableRandom r = new SplittableRandom(5);
        for (long i = 0; i < (long) ROWS * dim; i++) {
            samples.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
        }
        store = KeyedStore.builder(dim).maxKeys(keys).warmup(2)
                .thresholdMethod(BenchSupport.thresholdMethod(threshold)).build();
        for (int p = 0; p < PRIMING; p++) {
            for (int k = 0; k < keys; k++) {
                store.process(k, samples, (long) ((k + p) & (ROWS - 1)) * dim, now++);
            }
        }
        slotBytes = KeyedStore.slotBytes(dim);
        indexEntries = Long.highestOneBit(Math.max(2, 2L * keys - 1)) << 1;
        slotsBase = indexEntries * 16;
        touch = arena.allocate(slotsBase + (long) keys * slotBytes, 4096);
        touch.fill((byte) 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (store.size() != keys) {
            throw new IllegalStateException("store holds " + store.size() + " keys, expected " + keys);
        }
        store.close();
        arena.close();
    }

    /** A uniformly random key in [0, keys) from a counter (splitmix-style finaliser, then a multiply-shift). */
    private long nextRandom() {
        long z = (counter++) * GOLDEN;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 29);
    }

    @Benchmark
    public Decision keyedUpdate() {
        long z = nextRandom();
        long key = ((z >>> 32) * keys) >>> 32;
        long row = z & (ROWS - 1);
        return store.process(key, samples, row * dim, now++);
    }

    /**
     * A batch of {@value #BATCH} random keys the way an ingestion shard runs it: {@link KeyedStore#prefetch} over
     * the batch's keys (all index misses, then all slot misses, overlapped), then one {@code process} per row.
     * Time per row.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long keyedUpdateBatch() {
        for (int i = 0; i < BATCH; i++) {
            long z = nextRandom();
            batchKeys[i] = ((z >>> 32) * keys) >>> 32;
            batchRows[i] = z & (ROWS - 1);
        }
        long t = store.prefetch(batchKeys, 0, BATCH);
        for (int i = 0; i < BATCH; i++) {
            t += store.process(batchKeys[i], samples, batchRows[i] * dim, now++).ordinal();
        }
        return t;
    }

    @Benchmark
    public long randomTouch() {
        long z = nextRandom();
        long entry = (z >>> 40) & (indexEntries - 1);
        long slot = ((z & 0xFFFFFFFFL) * keys) >>> 32;
        long a = entry * 16;
        long v = touch.get(ValueLayout.JAVA_LONG, a);
        touch.set(ValueLayout.JAVA_LONG, a, v + 1);
        long base = slotsBase + slot * slotBytes;
        for (int off = 0; off < slotBytes; off += 64) {
            long w = touch.get(ValueLayout.JAVA_LONG, base + off);
            touch.set(ValueLayout.JAVA_LONG, base + off, w + 1);
            v += w;
        }
        return v;
    }
}
