package io.clipstream.ingest;

import static io.clipstream.ingest.IngestPipelineTest.D;
import static io.clipstream.ingest.IngestPipelineTest.sampleFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle defects of the ingest review: publishers of ended threads kept forever, snapshots racing close()
 * and each other, the closer thread started from a sink, restores into more shards, factories returning null.
 */
class IngestLifecycleTest {

    /**
     * Every thread that called {@code offer} left its publisher in the pipeline until close(): 20,000 short-lived
     * (virtual) threads meant 20,000 publishers and a copy-on-write list copied 20,000 times. The publishers of
     * ended threads are now released when the next one registers, and what they published is still processed.
     */
    @Test
    void publishersOfEndedThreadsAreReleasedAndWhatTheyPublishedIsProcessed() throws Exception {
        int threads = 20_000;
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).start();
        try {
            for (int i = 0; i < threads; i++) {
                long key = i % 100;
                long tag = i;
                Thread.ofVirtual().start(() -> {
                    while (!p.offer(key, tag, sampleFor(key, tag))) {
                        Thread.onSpinWait(); // ring full: retry (nothing is dropped, so the count below is exact)
                    }
                }).join();
            }
            assertTrue(p.registeredPublishers() <= 64,
                    "publishers of ended threads are released: " + p.registeredPublishers() + " still registered");
        } finally {
            p.close();
        }
        assertEquals(threads, p.metrics().samples(), "everything the released publishers published was processed");
        assertEquals(0, p.metrics().dropped());
    }

    /** A publisher from {@code publisher()} that the application no longer references is released too. */
    @Test
    void anUnreachablePublisherIsReleased() throws Exception {
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).start()) {
            WeakReference<Publisher> last = null;
            for (int i = 0; i < 1000; i++) {
                Publisher pub = p.publisher();
                assertTrue(pub.offer(i % 10, i, sampleFor(i % 10, i)));
                last = new WeakReference<>(pub);
            }
            for (int i = 0; i < 50 && last.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertTrue(last.get() == null, "the test's own reference is gone");
            assertEquals(0, p.reapPublishers(), "unreachable publishers are released");
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(1000, p.metrics().samples());
        }
    }

    /** A live thread keeps its publisher (one for all its offers) while short-lived threads come and go. */
    @Test
    void aLiveThreadKeepsItsPublisher() throws Exception {
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).start();
        try {
            for (int i = 0; i < 100; i++) {
                assertTrue(p.offer(1, i, sampleFor(1, i)));
            }
            assertEquals(1, p.registeredPublishers(), "one publisher per thread, not per offer");
            for (int i = 0; i < 200; i++) {
                long tag = i;
                Thread.ofVirtual().start(() -> assertTrue(p.offer(2, tag, sampleFor(2, tag)))).join();
            }
            assertEquals(1, p.reapPublishers(), "only this thread's publisher is left");
            assertTrue(p.offer(1, 100, sampleFor(1, 100)));
            assertEquals(1, p.reapPublishers(), "and it was not replaced");
        } finally {
            p.close();
        }
        assertEquals(301, p.metrics().samples());
    }

    /**
     * Released publishers are not waited for by close(); one dropped with a claim open would leave a record nothing
     * can commit, and close() must not wait for it forever (it gives up on that shard after 10 s, as for a claim
     * held open across close()).
     */
    @Test
    void closeDoesNotHangOnAClaimLeftOpenByADroppedPublisher() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).start();
            WeakReference<Publisher> dropped = claimAndDrop(p);
            for (int i = 0; i < 50 && dropped.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertTrue(dropped.get() == null);
            assertEquals(0, p.reapPublishers());
            long t0 = System.nanoTime();
            p.close();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds >= 9 && seconds < 40, "close took " + seconds + " s");
        });
    }

    private static WeakReference<Publisher> claimAndDrop(IngestPipeline p) {
        Publisher pub = p.publisher();
        assertTrue(pub.claim(1, 0));
        return new WeakReference<>(pub);
    }

    /**
     * snapshot() checked {@code closed}, listed the directory, then placed its requests: a close() that finished in
     * between had already run the agents' onClose, so nothing ever completed the future. Made deterministic here:
     * close() runs while snapshot() is inside a listing made slow by many unrelated files.
     */
    @Test
    void aSnapshotRacingCloseAlwaysCompletes(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 30_000; i++) {
            Files.createFile(dir.resolve("other-" + i + "-shard-x-of-y.ckeys.txt")); // listed, then skipped
        }
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).shards(2).start();
        assertTrue(p.offer(1, 0, sampleFor(1, 0)));
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread snapshotter = Thread.ofPlatform().start(() -> {
            try {
                outcome.set(p.snapshot(dir));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        boolean listing = false;
        while (!listing && snapshotter.isAlive()) {
            listing = Arrays.stream(snapshotter.getStackTrace())
                    .anyMatch(f -> f.getMethodName().equals("snapshotFiles"));
        }
        assertTrue(listing, "the snapshot was still listing the directory when the pipeline closed");
        p.close();
        snapshotter.join();
        if (outcome.get() instanceof CompletableFuture<?> f) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS),
                    "the future completes, and not with a snapshot of a closed pipeline");
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
        } else {
            assertInstanceOf(IllegalStateException.class, outcome.get());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("gen-")).toList(),
                    "nothing left of the failed generation");
        }
    }

    /**
     * close() from a sink hands the drain to a {@code clipstream-close} thread, which inherited the agent's daemon
     * status: once main returned, the JVM exited with accepted samples unprocessed.
     */
    @Test
    void theThreadThatFinishesACloseFromASinkKeepsTheJvmAlive() throws Exception {
        AtomicReference<IngestPipeline> self = new AtomicReference<>();
        AtomicReference<List<Boolean>> closerDaemon = new AtomicReference<>();
        CountDownLatch closedBySink = new CountDownLatch(1);
        IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).sink((key, tag, s, l, d) -> {
            if (tag == 0) {
                self.get().close();
                // the closer cannot finish while this sink runs (it waits for this agent to drain)
                closerDaemon.set(Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("clipstream-close")).map(Thread::isDaemon).toList());
                closedBySink.countDown();
            }
        }).start();
        self.set(p);
        assertTrue(p.offer(1, 0, sampleFor(1, 0)));
        assertTrue(closedBySink.await(10, TimeUnit.SECONDS)); // the sink's close() is the first
        p.close(); // waits for the closer
        assertEquals(List.of(false), closerDaemon.get(), "one clipstream-close thread, not a daemon");
    }

    /** The same end to end: a JVM whose main returns right after a sink closed the pipeline drains it first. */
    @Test
    void aCloseFromASinkDrainsEverythingBeforeTheJvmExits() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), CloseFromSinkChild.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("RESULTS " + CloseFromSinkChild.SAMPLES + " OF " + CloseFromSinkChild.SAMPLES), out);
    }

    /**
     * A pipeline of n shards holds up to n ceil(maxKeys / n) keys (each shard's capacity), more than maxKeys when n
     * does not divide it: full at capacity (the steady state under eviction), it must restore with its own builder.
     * The check against maxKeys alone refused it ("holds 12 keys: more keys than the store's capacity of 10").
     */
    @Test
    void aFullPipelineRestoresWithItsOwnBuilder(@TempDir Path dir) throws Exception {
        IngestPipeline.Builder builder = IngestPipeline.builder(KeyedStore.builder(D).maxKeys(10)).shards(3);
        long held;
        try (IngestPipeline p = builder.start()) {
            for (long key = 0; key < 1000; key++) {
                assertTrue(p.offer(key, 0, sampleFor(key, 0)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            held = p.metrics().keys();
            p.snapshot(dir).get(10, TimeUnit.SECONDS);
        }
        assertEquals(12, held, "3 shards of ceil(10 / 3) = 4 keys each, full");
        try (IngestPipeline q = IngestPipeline.restore(builder, dir)) {
            assertEquals(held, q.metrics().keys());
        }
    }

    /**
     * Found by adversarial review: an offer from a segment whose arena was closed threw "Already closed" and was
     * counted nowhere (README: every offer ends processed, rejected or dropped); and the rejected count restarted
     * at 0 after a restore while samples and anomalies continued (the snapshot wrote the store's count, which
     * never sees samples refused at offer). Now the dead segment is a rejected sample, as the policy says, and the
     * pipeline's count is written and continued, with the same or another number of shards.
     */
    @Test
    void deadSegmentsAreRejectedAndTheRejectedCountSurvivesARestore(@TempDir Path dir) throws Exception {
        IngestPipeline.Builder builder = IngestPipeline.builder(KeyedStore.builder(D)).shards(2)
                .badSamples(BadSamplePolicy.COUNT);
        try (IngestPipeline p = builder.start()) {
            assertTrue(p.offer(1, 0, sampleFor(1, 0)));
            float[] nan = sampleFor(2, 0);
            nan[0] = Float.NaN;
            assertTrue(!p.offer(2, 0, nan));
            java.lang.foreign.MemorySegment dead;
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                dead = arena.allocate(4L * D);
            }
            assertTrue(!p.offer(3, 0, dead, 0), "a closed arena's segment is a bad sample");
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(1, p.metrics().samples());
            assertEquals(2, p.metrics().rejected());
            p.snapshot(dir).get(10, TimeUnit.SECONDS);
        }
        IllegalArgumentException thrown;
        try (IngestPipeline strict = IngestPipeline.builder(KeyedStore.builder(D)).start()) {
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
            java.lang.foreign.MemorySegment dead = arena.allocate(4L * D);
            arena.close();
            thrown = assertThrows(IllegalArgumentException.class, () -> strict.offer(3, 0, dead, 0));
            assertEquals(1, strict.metrics().rejected());
        }
        assertTrue(thrown.getMessage().contains("arena is closed"), thrown.getMessage());
        for (int shards : new int[] {2, 3}) {
            try (IngestPipeline q = IngestPipeline.restore(builder.shards(shards), dir)) {
                assertEquals(1, q.metrics().samples(), shards + " shards");
                assertEquals(2, q.metrics().rejected(), shards + " shards: the rejected count continues");
            }
        }
    }

    /**
     * A store configured by a version that accepted peaks over threshold below p = 0.75 (builders now refuse it)
     * is rebuilt as written when asked for by name, and its snapshot restores with the threshold's state, not
     * afresh.
     */
    @Test
    void aStoreOfAnEarlierPeaksQuantileRestoresWithItsThreshold(@TempDir Path dir) throws Exception {
        assertThrows(IllegalArgumentException.class, () -> KeyedStore.builder(D).quantile(0.6).build());
        IngestPipeline.Builder builder = IngestPipeline.builder(KeyedStore.builder(D).maxKeys(100).quantile(0.6)
                .acceptEarlierPeaksQuantile(true));
        byte[] threshold;
        try (IngestPipeline p = builder.start()) {
            for (int t = 0; t < 20; t++) {
                for (long key = 0; key < 50; key++) {
                    assertTrue(p.offer(key, t, sampleFor(key, t)));
                }
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            threshold = p.shards[0].store.threshold.state();
            assertEquals(0.6, p.shards[0].store.threshold.quantile());
            p.snapshot(dir).get(10, TimeUnit.SECONDS);
        }
        try (IngestPipeline q = IngestPipeline.restore(builder, dir)) {
            assertEquals(50, q.metrics().keys());
            assertArrayEquals(threshold, q.shards[0].store.threshold.state(), "the threshold continues exactly");
        }
    }

    /**
     * Restore gave each of n shards {@code ceil(maxKeys / n)} slots, and hashing never splits keys evenly: a full
     * 1-shard store of 1000 keys did not restore into 2 shards with the same maxKeys ("more keys than the store's
     * capacity of 500"), although the README says a snapshot restores into any number of shards if the keys fit.
     */
    @Test
    void aFullStoreRestoresIntoMoreShardsWithTheSameMaxKeys(@TempDir Path dir) throws Exception {
        int maxKeys = 1000;
        long first = 1000; // keys 1000..1999: 506 of them hash to shard 0 of 2
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D).maxKeys(maxKeys)).start()) {
            for (long key = first; key < first + maxKeys; key++) {
                assertTrue(p.offer(key, 0, sampleFor(key, 0)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(maxKeys, p.metrics().keys());
            assertEquals(0, p.metrics().evictions());
            p.snapshot(dir).get(10, TimeUnit.SECONDS);
        }
        long toShard0 = LongStream.range(first, first + maxKeys).filter(k -> IngestPipeline.shardOf(k, 2) == 0).count();
        assertTrue(toShard0 > maxKeys / 2, "the keys do not split evenly (" + toShard0 + " to shard 0)");
        for (int shards : new int[] {2, 3, 7}) {
            try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D)
                    .maxKeys(maxKeys)).shards(shards), dir)) {
                assertEquals(maxKeys, q.metrics().keys(), shards + " shards");
                float[] e = new float[D];
                for (long key = first; key < first + maxKeys; key++) {
                    assertTrue(q.shardFor(key).store.estimate(key, e), "key " + key);
                    assertArrayEquals(sampleFor(key, 0), e, "key " + key + "'s first sample is its estimate");
                }
                long slots = Arrays.stream(q.shards).mapToLong(s -> s.store.maxKeys()).sum();
                assertTrue(slots <= maxKeys + shards * (maxKeys / 10), "about maxKeys slots in all: " + slots);
                for (long key = 0; key < 100; key++) { // new keys are still admitted
                    assertTrue(q.offer(key, 0, sampleFor(key, 0)));
                }
                assertTrue(q.awaitProcessed(Duration.ofSeconds(10)));
                assertEquals(maxKeys + 100, q.metrics().samples(), "the restored count and the new samples");
            }
        }
        IOException tooMany = assertThrows(IOException.class, () -> IngestPipeline.restore(
                IngestPipeline.builder(KeyedStore.builder(D).maxKeys(maxKeys - 2)).shards(2), dir).close());
        assertTrue(tooMany.getMessage().contains("1000 keys") && tooMany.getMessage().contains("maxKeys(1000)"),
                tooMany.getMessage());
    }

    /**
     * snapshot() refused a second snapshot only while a shard had not yet taken the first one's request: once the
     * agents were writing, a second one was accepted (the javadoc says: refused while a snapshot is in progress).
     * Here the agent is held inside its write (the clock it reads there blocks) while the second one is asked for.
     */
    @Test
    void aSnapshotIsInProgressUntilItsFutureCompletes(@TempDir Path dir) throws Exception {
        AtomicBoolean hold = new AtomicBoolean();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        NanoClock clock = () -> {
            if (Thread.currentThread().getName().startsWith("clipstream-shard") && hold.getAndSet(false)) {
                writing.countDown(); // an idle agent reads the clock only to stamp a snapshot's ages
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return System.nanoTime();
        };
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).clock(clock).start()) {
            for (int i = 0; i < 100; i++) {
                assertTrue(p.offer(i, i, sampleFor(i, i)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            hold.set(true);
            CompletableFuture<List<Path>> first = p.snapshot(dir);
            assertTrue(writing.await(10, TimeUnit.SECONDS), "the agent took the request and is writing");
            IllegalStateException second = assertThrows(IllegalStateException.class, () -> p.snapshot(dir));
            assertTrue(second.getMessage().contains("in progress"), second.getMessage());
            release.countDown();
            assertEquals(List.of(dir.resolve("gen-1-shard-000-of-001.ckeys")), first.get(10, TimeUnit.SECONDS));
            assertEquals(List.of(dir.resolve("gen-2-shard-000-of-001.ckeys")),
                    p.snapshot(dir).get(10, TimeUnit.SECONDS), "accepted again once the first has completed");
            Path notADirectory = Files.createFile(dir.resolve("not-a-directory"));
            assertThrows(IOException.class, () -> p.snapshot(notADirectory));
            assertEquals(List.of(dir.resolve("gen-3-shard-000-of-001.ckeys")),
                    p.snapshot(dir).get(10, TimeUnit.SECONDS), "and after one that failed at once");
        } finally {
            release.countDown();
        }
    }

    /**
     * {@code sinks(i -> null)} was accepted, and every result then failed in the agent (counted as a sink error);
     * a supplier of idle strategies returning null failed in Agrona after the earlier shards' agents had started.
     * Both are refused at start, naming the shard, with nothing left running.
     */
    @Test
    void aFactoryThatReturnsNullIsRefusedAtStart() {
        IngestPipeline.Builder sinks = IngestPipeline.builder(KeyedStore.builder(D)).shards(3)
                .sinks(i -> i == 1 ? null : ResultSink.NONE);
        NullPointerException noSink = assertThrows(NullPointerException.class, sinks::start);
        assertEquals("sinks returned null for shard 1 (of 3); return ResultSink.NONE to discard its results",
                noSink.getMessage());
        long agentsBefore = agentThreads();
        int[] calls = {0};
        IngestPipeline.Builder idle = IngestPipeline.builder(KeyedStore.builder(D)).shards(3)
                .idleStrategy(() -> calls[0]++ == 2 ? null : new BusySpinIdleStrategy());
        NullPointerException noIdle = assertThrows(NullPointerException.class, idle::start);
        assertEquals("idleStrategy returned null for shard 2 (of 3)", noIdle.getMessage());
        assertTrue(agentThreads() <= agentsBefore, "no agent of the refused pipeline left running");
    }

    /** metrics().shard(5, ...) on a 1-shard pipeline threw ArrayIndexOutOfBoundsException. */
    @Test
    void aShardOutsideThePipelineIsRefusedByName() {
        try (IngestPipeline p = IngestPipeline.builder(KeyedStore.builder(D)).shards(2).start()) {
            for (int shard : new int[] {-1, 2, 5}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> p.metrics().shard(shard, "samples"));
                assertEquals("no shard " + shard + ": shards are 0 to 1", e.getMessage());
            }
            assertEquals(0, p.metrics().shard(1, "samples"));
        }
    }

    private static long agentThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("clipstream-shard-")).count();
    }
}
