package io.clipstream.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.StepSize;
import io.clipstream.detect.Decision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Producers, shards, backpressure, order, snapshots under load, bad samples, eviction, shutdown. */
class IngestPipelineTest {

    static final int D = 8;

    /** The {@code seq}-th sample of {@code key}: deterministic, so a reference can replay any key. */
    static float[] sampleFor(long key, long seq) {
        SplittableRandom r = new SplittableRandom(key * 1_000_003L + seq);
        float[] x = new float[D];
        for (int i = 0; i < D; i++) {
            x[i] = (float) (key % 17 + (1 + key % 5) * r.nextGaussian());
        }
        return x;
    }

    /** Records, per key, the tags in the order the sink saw them; one instance per shard (single thread). */
    static final class OrderSink implements ResultSink {
        final Map<Long, Long> lastTag = new HashMap<>();
        long results;
        long outOfOrder;

        @Override
        public void onResult(long key, long tag, double score, double level, Decision decision) {
            results++;
            Long last = lastTag.put(key, tag);
            if (last != null && last >= tag) {
                outOfOrder++;
            }
        }
    }

    /** Runs {@code producers} threads, each offering {@code each} samples over its own keys, without retrying. */
    static long[] produce(IngestPipeline p, int producers, int each, int keysPerProducer) throws InterruptedException {
        long[] accepted = new long[producers];
        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < producers; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                Publisher pub = p.publisher();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    long key = id * 1000L + i % keysPerProducer;
                    if (pub.offer(key, ((long) id << 40) | i, sampleFor(key, i))) {
                        accepted[id]++;
                    }
                }
            }));
        }
        start.countDown();
        for (Thread th : threads) {
            th.join();
        }
        return accepted;
    }

    static void checkAccounting(IngestPipeline p, List<OrderSink> sinks, long offered, long accepted) {
        IngestMetrics m = p.metrics();
        long results = sinks.stream().mapToLong(s -> s.results).sum();
        assertEquals(accepted, m.samples(), "every accepted sample processed: " + m);
        assertEquals(results, m.samples(), "every processed sample reached the sink");
        assertEquals(offered, m.samples() + m.dropped() + m.rejected(), "samples + dropped + rejected = offers: " + m);
        assertEquals(0, sinks.stream().mapToLong(s -> s.outOfOrder).sum(), "per-key order");
    }

    @Test
    void producersShardsNothingLostOrderKept() throws Exception {
        List<OrderSink> sinks = new ArrayList<>();
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D).maxKeys(10_000)).shards(2)
                .sinks(s -> {
                    OrderSink sink = new OrderSink();
                    sinks.add(sink);
                    return sink;
                }).start();
        long[] accepted = produce(p, 4, 100_000, 50);
        p.close();
        long total = 0;
        for (long a : accepted) {
            total += a;
        }
        checkAccounting(p, sinks, 400_000, total);
        // a key exists once one of its samples got through (with 4 producers on 2 cores most offers may be dropped)
        assertEquals(sinks.stream().mapToLong(s -> s.lastTag.size()).sum(), p.metrics().keys());
        assertTrue(p.metrics().shard(0, "samples") > 0 && p.metrics().shard(1, "samples") > 0, "both shards used");
        assertEquals(0, p.metrics().errors());
    }

    /** A tiny ring and a slow sink: most offers are dropped, and every one is still accounted for. */
    @Test
    void aFullRingDropsVisiblyAndLosesNothingAccepted() throws Exception {
        List<OrderSink> sinks = new ArrayList<>();
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D).maxKeys(1000)).ringCapacity(1024)
                .sinks(s -> {
                    OrderSink inner = new OrderSink();
                    sinks.add(inner);
                    return (key, tag, score, level, decision) -> {
                        long until = System.nanoTime() + 20_000;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        inner.onResult(key, tag, score, level, decision);
                    };
                }).start();
        long[] accepted = produce(p, 3, 20_000, 10);
        p.close();
        long total = accepted[0] + accepted[1] + accepted[2];
        checkAccounting(p, sinks, 60_000, total);
        assertTrue(p.metrics().dropped() > 10_000, "the ring was full most of the time: " + p.metrics());
    }

    /** Replays {@code n} samples of {@code key} into a fresh store and returns its estimate. */
    static float[] reference(KeyedStore.Builder config, long key, long n) {
        // same maxKeys as the pipeline's stores: the kernels take a different (equally exact) path for small segments
        try (KeyedStore s = config.copy().build()) {
            for (long i = 0; i < n; i++) {
                s.process(key, sampleFor(key, i), 0);
            }
            float[] e = new float[D];
            s.estimate(key, e);
            return e;
        }
    }

    static void offerUntilAccepted(Publisher pub, long key, long seq) {
        while (!pub.offer(key, seq, sampleFor(key, seq))) {
            Thread.onSpinWait();
        }
    }

    /**
     * A snapshot taken while two producers are running restores (into the same and into a different number of
     * shards) to stores whose every key equals a replay of exactly the samples it had seen, and which then continue
     * to the same state as a pipeline that never stopped.
     */
    @Test
    void snapshotUnderLoadRestoresAndContinues(@TempDir Path dir) throws Exception {
        KeyedStore.Builder config = KeyedStore.builder(D).maxKeys(1000);
        IngestPipeline p = IngestPipeline.builder(config).shards(2).start();
        int keysPerProducer = 20;
        int perKey = 3000;
        CountDownLatch halfway = new CountDownLatch(2);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int id = t;
            producers.add(Thread.ofPlatform().start(() -> {
                Publisher pub = p.publisher();
                for (int seq = 0; seq < perKey; seq++) {
                    if (seq == perKey / 2) {
                        halfway.countDown();
                    }
                    for (int k = 0; k < keysPerProducer; k++) {
                        offerUntilAccepted(pub, id * 1000L + k, seq);
                    }
                }
            }));
        }
        assertTrue(halfway.await(60, TimeUnit.SECONDS));
        List<Path> files = p.snapshot(dir).get(60, TimeUnit.SECONDS);
        for (Thread th : producers) {
            th.join();
        }
        assertEquals(2, files.size());
        assertTrue(p.awaitProcessed(Duration.ofSeconds(60)));
        Map<Long, float[]> finalState = new HashMap<>();
        for (int t = 0; t < 2; t++) {
            for (int k = 0; k < keysPerProducer; k++) {
                long key = t * 1000L + k;
                float[] e = new float[D];
                assertTrue(p.shardFor(key).store.estimate(key, e));
                finalState.put(key, e);
            }
        }
        p.close();

        for (int shards : new int[] {2, 3}) {
            IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(config).shards(shards), dir);
            try {
                assertEquals(40, q.metrics().keys());
                Map<Long, Long> seen = new HashMap<>();
                for (long key : finalState.keySet()) {
                    KeyedStore store = q.shardFor(key).store;
                    long n = store.samples(key);
                    assertTrue(n >= 1 && n <= perKey, "key " + key + " had " + n + " samples");
                    float[] e = new float[D];
                    store.estimate(key, e);
                    assertArrayEquals(reference(config, key, n), e, "key " + key + " at the snapshot");
                    seen.put(key, n);
                }
                Publisher pub = q.publisher();
                for (var e : seen.entrySet()) {
                    for (long seq = e.getValue(); seq < perKey; seq++) {
                        offerUntilAccepted(pub, e.getKey(), seq);
                    }
                }
                assertTrue(q.awaitProcessed(Duration.ofSeconds(60)));
                for (var e : finalState.entrySet()) {
                    float[] got = new float[D];
                    q.shardFor(e.getKey()).store.estimate(e.getKey(), got);
                    assertArrayEquals(e.getValue(), got, "key " + e.getKey() + " after continuing");
                }
            } finally {
                q.close();
            }
        }
    }

    @Test
    void restoreRefusesMismatchesAndDamage(@TempDir Path dir) throws Exception {
        KeyedStore.Builder config = KeyedStore.builder(D).maxKeys(100);
        try (IngestPipeline p = IngestPipeline.builder(config).shards(2).start()) {
            for (long key = 0; key < 50; key++) {
                p.offer(key, 0, sampleFor(key, 0));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            p.snapshot(dir).get(10, TimeUnit.SECONDS);
        }
        IOException dim = assertThrows(IOException.class,
                () -> IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D + 1)), dir));
        assertTrue(dim.getMessage().contains("dimension 8 (snapshot) vs 9 (configured)"), dim.getMessage());
        IOException step = assertThrows(IOException.class, () -> IngestPipeline.restore(
                IngestPipeline.builder(KeyedStore.builder(D).stepSize(StepSize.halfLife(10))), dir));
        assertTrue(step.getMessage().contains("step halfLife(300.0) (snapshot) vs halfLife(10.0) (configured)"),
                step.getMessage());
        IOException small = assertThrows(IOException.class,
                () -> IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D).maxKeys(20)), dir));
        assertTrue(small.getMessage().contains("more keys than the pipeline's capacity of 20"), small.getMessage());

        Path file = dir.resolve("gen-1-shard-001-of-002.ckeys");
        byte[] original = Files.readAllBytes(file);
        byte[] bad = original.clone();
        bad[200] ^= 1;
        Files.write(file, bad);
        IOException corrupt = assertThrows(IOException.class,
                () -> IngestPipeline.restore(IngestPipeline.builder(config), dir));
        assertTrue(corrupt.getMessage().contains("gen-1-shard-001-of-002.ckeys: checksum mismatch"),
                corrupt.getMessage());
        Files.delete(file);
        IOException missing = assertThrows(IOException.class,
                () -> IngestPipeline.restore(IngestPipeline.builder(config), dir));
        assertTrue(missing.getMessage().endsWith("no complete snapshot generation: generation 1 (1 of 2 files)"),
                missing.getMessage());
        Files.write(file, original);
        try (IngestPipeline ok = IngestPipeline.restore(IngestPipeline.builder(config).shards(2), dir)) {
            assertEquals(50, ok.metrics().keys());
        }
        IOException none = assertThrows(IOException.class,
                () -> IngestPipeline.restore(IngestPipeline.builder(config), dir.resolve("..").resolve("nothing")));
        assertTrue(none.getMessage() != null);
    }

    @Test
    void badSamplesAreRefusedPerPolicyWithoutDisturbingOthers() throws Exception {
        Map<Long, Long> results = new ConcurrentHashMap<>();
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).sink((key, tag, s, l, d) ->
                results.merge(key, 1L, Long::sum)).start()) {
            assertEquals("key 5: sample has length 3, expected 8", assertThrows(IllegalArgumentException.class,
                    () -> p.offer(5, 0, new float[3])).getMessage());
            float[] nan = sampleFor(5, 0);
            nan[2] = Float.NaN;
            assertEquals("key 5: sample[2] is NaN (values must be finite)",
                    assertThrows(IllegalArgumentException.class, () -> p.offer(5, 0, nan)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.offer(5, 0, (float[]) null));
            for (int i = 0; i < 100; i++) {
                assertTrue(p.offer(6, i, sampleFor(6, i)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(3, p.metrics().rejected());
            assertEquals(100, p.metrics().samples());
            assertEquals(null, results.get(5L));
            float[] e = new float[D];
            p.shardFor(6).store.estimate(6, e);
            assertArrayEquals(reference(KeyedStore.builder(D), 6, 100), e);
        }
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).badSamples(BadSamplePolicy.COUNT)
                .start()) {
            float[] inf = sampleFor(5, 0);
            inf[7] = Float.NEGATIVE_INFINITY;
            assertFalse(p.offer(5, 0, inf));
            assertFalse(p.offer(5, 0, new float[9]));
            assertTrue(p.offer(5, 0, sampleFor(5, 0)));
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(2, p.metrics().rejected());
            assertEquals(1, p.metrics().samples());
            assertEquals(0, p.metrics().dropped());
        }
    }

    @Test
    void zeroCopyClaimsCommitAndAbort() throws Exception {
        AtomicLong tags = new AtomicLong();
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).sink((key, tag, s, l, d) ->
                tags.addAndGet(tag)).start();
        Publisher pub = p.publisher();
        assertTrue(pub.claim(42, 1));
        assertThrows(IllegalStateException.class, () -> pub.claim(43, 2), "one claim at a time");
        pub.put(sampleFor(42, 0), 0);
        pub.set(3, 1.5f);
        assertThrows(IndexOutOfBoundsException.class, () -> pub.set(D, 1f));
        assertTrue(pub.commit());
        assertTrue(pub.claim(42, 10));
        pub.abort();
        assertTrue(pub.claim(42, 100));
        for (int i = 0; i < D; i++) {
            pub.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, pub.index() + i, i);
        }
        assertTrue(pub.commit());
        assertTrue(pub.claim(42, 1000));
        pub.put(sampleFor(42, 1), 0);
        pub.set(0, Float.NaN);
        assertEquals("key 42: sample[0] is NaN (values must be finite)",
                assertThrows(IllegalArgumentException.class, pub::commit).getMessage());
        assertThrows(IllegalStateException.class, pub::commit, "the bad claim is gone");
        assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
        assertEquals(101, tags.get(), "the committed records, and only them");
        float[] e = new float[D];
        p.shardFor(42).store.estimate(42, e);
        float[] first = sampleFor(42, 0);
        first[3] = 1.5f;
        for (int i = 0; i < D; i++) {
            assertEquals((first[i] + i) / 2, e[i], 1e-5f, "mean of the two committed samples");
        }
        p.close();
        assertEquals("the pipeline is closed", assertThrows(IllegalStateException.class,
                () -> p.offer(1, 0, sampleFor(1, 0))).getMessage());
        assertEquals(2, p.metrics().samples());
        assertEquals(1, p.metrics().rejected());
    }

    @Test
    void sinkExceptionsAreCountedAndProcessingContinues() throws Exception {
        AtomicLong reported = new AtomicLong();
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).errorHandler(e -> reported.incrementAndGet())
                .sink((key, tag, s, l, d) -> {
                    if (tag % 10 == 0) {
                        throw new IllegalStateException("sink failure " + tag);
                    }
                    if (tag % 10 == 5) {
                        throw new AssertionError("an Error from the sink " + tag); // must not stop the agent
                    }
                }).start()) {
            for (int i = 0; i < 1000; i++) {
                assertTrue(p.offer(i % 7, i, sampleFor(i % 7, i)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(1000, p.metrics().samples());
            assertEquals(200, p.metrics().errors());
            assertEquals(200, reported.get());
        }
    }

    /**
     * A "fail fast" error handler that rethrows once killed the shard's agent: 189 of 200 accepted samples were
     * never processed nor counted, close() returned at once and a snapshot's future never completed.
     */
    @Test
    void anErrorHandlerThatThrowsDoesNotStopTheShard(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        AtomicLong reported = new AtomicLong();
        AtomicLong results = new AtomicLong();
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D))
                .sink((key, tag, s, l, d) -> {
                    results.incrementAndGet();
                    if (tag == 10) {
                        throw new IllegalStateException("sink failure on tag 10");
                    }
                })
                .errorHandler(e -> {
                    reported.incrementAndGet();
                    throw new IllegalStateException("fail fast", e);
                }).start();
        for (int i = 0; i < 200; i++) {
            assertTrue(p.offer(i % 5, i, sampleFor(i % 5, i)));
        }
        assertTrue(p.awaitProcessed(Duration.ofSeconds(10)), "every accepted sample processed");
        assertEquals(200, p.metrics().samples());
        assertEquals(1, p.metrics().errors());
        assertEquals(1, reported.get());
        assertEquals(200, results.get());
        var snapshot = p.snapshot(dir);
        assertEquals(1, snapshot.get(10, java.util.concurrent.TimeUnit.SECONDS).size(), "the snapshot completes");
        assertTrue(p.offer(1, 1000, sampleFor(1, 1000)));
        p.close();
        assertEquals(201, p.metrics().samples(), "close() drained the last one");
    }

    /**
     * A memory budget holds for the shards together: the keys were split, and each shard rounded its index up to
     * a power of two, so 3 or 5 shards allocated up to 10% more than the budget.
     */
    @Test
    void aMemoryBudgetHoldsAcrossShards() {
        long budget = 160L << 20;
        int single = KeyedStore.keysForBudget(16, budget);
        for (int shards : new int[] {1, 2, 3, 5, 7}) {
            try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(16).memoryBudget(budget)).shards(shards)
                    .start()) {
                long bytes = 0;
                long keys = 0;
                for (Shard s : p.shards) {
                    bytes += s.store.memoryBytes();
                    keys += s.store.maxKeys();
                }
                assertTrue(bytes <= budget, shards + " shards: " + bytes + " bytes of a budget of " + budget);
                assertTrue(keys >= 0.45 * single, shards + " shards hold " + keys + " keys, one store " + single);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> IngestPipeline.builder(KeyedStore.builder(16)
                .memoryBudget(KeyedStore.memoryBytes(16, 1))).shards(4).start(), "no key fits a quarter");
    }

    @Test
    void aSegmentThatCannotBeReadLeavesNothingInTheRing() throws Exception {
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).start()) {
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
            java.lang.foreign.MemorySegment gone = arena.allocate(4L * D);
            arena.close();
            // a bad sample (IllegalArgumentException under the default policy, counted as rejected), not the
            // IllegalStateException the README reserves for a closed pipeline
            assertThrows(IllegalArgumentException.class, () -> p.offer(3, 0, gone, 0));
            assertEquals(1, p.metrics().rejected());
            for (int i = 0; i < 100; i++) {
                assertTrue(p.offer(3, i, sampleFor(3, i)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)), "the failed offer left no record behind");
            assertEquals(100, p.metrics().samples());
        }
    }

    @Test
    void aSecondConcurrentSnapshotIsRefusedAndTheFirstCompletes(@TempDir Path dir) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D).maxKeys(1000))
                .sink((key, tag, s, l, d) -> {
                    if (tag == 99) { // hold the agent inside a batch, so it cannot take a snapshot request
                        blocked.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }).start()) {
            for (int i = 0; i < 100; i++) {
                assertTrue(p.offer(i % 50, i, sampleFor(i % 50, i)));
            }
            assertTrue(blocked.await(10, TimeUnit.SECONDS));
            var first = p.snapshot(dir.resolve("a"));
            assertTrue(assertThrows(IllegalStateException.class, () -> p.snapshot(dir.resolve("b"))).getMessage()
                    .contains("in progress"));
            assertFalse(first.isDone());
            release.countDown();
            assertEquals(1, first.get(30, TimeUnit.SECONDS).size());
            assertFalse(Files.exists(dir.resolve("b").resolve("gen-1-shard-000-of-001.ckeys")));
        }
        IngestPipeline closed = IngestPipeline.builder(KeyedStore.builder(D)).start();
        closed.close();
        closed.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> closed.awaitProcessed(Duration.ofSeconds(1)));
    }

    @Test
    void closeDoesNotHangOnAClaimHeldOpenAcrossIt() throws Exception {
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).start();
        Publisher pub = p.publisher();
        assertTrue(pub.claim(1, 0));
        long t0 = System.nanoTime();
        p.close(); // waits 10 s for the claim, then gives up on that shard instead of spinning forever
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 9 && seconds < 30, "close took " + seconds + " s");
        assertTrue(assertThrows(IllegalStateException.class, pub::commit).getMessage().contains("not published"));
        assertThrows(IllegalStateException.class, () -> pub.claim(2, 0)); // closed
    }

    @Test
    void idleKeysAreEvictedByTheAgent() throws Exception {
        CachedNanoClock clock = new CachedNanoClock();
        clock.update(0);
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D).evictIdleAfter(Duration.ofSeconds(1)))
                .clock(clock).start()) {
            for (long key = 0; key < 100; key++) {
                p.offer(key, 0, sampleFor(key, 0));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(100, p.metrics().keys());
            clock.update(500_000_000L);
            for (long key = 0; key < 30; key++) {
                p.offer(key, 1, sampleFor(key, 1));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            long deadline = System.nanoTime() + 10_000_000_000L;
            for (long t = 1_200_000_000L; p.metrics().evictions() < 70 && System.nanoTime() < deadline; t += 2_000_000) {
                clock.update(t); // the agent sweeps a slice of the index per millisecond of its clock
                Thread.sleep(1);
            }
            assertEquals(70, p.metrics().evictions());
            assertEquals(30, p.metrics().keys());
        }
    }

    @Test
    void configurationIsValidated() {
        KeyedStore.Builder big = KeyedStore.builder(10_000);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IngestPipeline.builder(big).ringCapacity(1024)
                .start()).getMessage().contains("too small for samples of dimension 10000"));
        assertThrows(IllegalArgumentException.class, () -> IngestPipeline.builder(big).ringCapacity(3000));
        assertThrows(IllegalArgumentException.class, () -> IngestPipeline.builder(big).shards(0));
        assertThrows(IllegalArgumentException.class, () -> IngestPipeline.builder(big).batch(0));
    }
}
