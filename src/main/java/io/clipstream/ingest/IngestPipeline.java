package io.clipstream.ingest;

import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * Many producer threads, many entities, one or more estimator threads: samples {@code (key, tag, x)} go through
 * an Agrona many-to-one ring per shard to that shard's agent, which owns a {@link KeyedStore} and hands each
 * result to a {@link ResultSink}.
 *
 * <pre>{@code
 * IngestPipeline pipeline = IngestPipeline.builder(KeyedStore.builder(16).maxKeys(1_000_000))
 *         .shards(1)
 *         .sink((key, tag, score, level, decision) -> { if (decision == Decision.ANOMALY) alert(key); })
 *         .start();
 * if (!pipeline.offer(accountId, requestId, features)) { ... full: shed load, retry or count ... }
 * ...
 * pipeline.close(); // drains what was accepted
 * }</pre>
 *
 * <h2>Threads</h2>
 * Any number of producer threads may call {@link #offer}; {@link #publisher()} gives a thread its own handle
 * (also for zero-copy claims). Neither accumulates: the publisher behind {@code offer} is released when its thread
 * ends, and one from {@code publisher()} when the application drops it, so short-lived producer threads (virtual
 * threads, pools that replace their threads) cost nothing once gone. A key always goes to the same shard
 * ({@code hash(key)}), so each key has a single writer and its samples are processed in the order each producer
 * offered them. Each shard's agent runs on its
 * own daemon thread ({@code clipstream-shard-<i>}) under an Agrona {@link AgentRunner} with the configured
 * {@link IdleStrategy}; the sink is called on those threads (with several shards, concurrently, unless
 * {@link Builder#sinks} gives each shard its own).
 *
 * <h2>Backpressure and loss</h2>
 * {@code offer} returns false when the shard's ring is full and counts a drop; it never blocks and never loses a
 * sample silently: every offer ends as processed, rejected or dropped ({@link IngestMetrics}); a bad sample is
 * rejected whether or not its ring has room. {@link #close()} stops new offers (later ones throw and count as
 * dropped), waits for in-flight ones, drains the rings, and then stops the agents; called from a sink or a
 * snapshot callback it returns at once and the drain finishes on another thread.
 *
 * <h2>JVM flags (JDK 25)</h2>
 * Agrona 2.x uses {@code jdk.internal.misc.Unsafe}: run with
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} (the clipstream jar's manifest declares it for
 * {@code java -jar}), plus clipstream's own {@code --add-modules jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED}.
 */
public final class IngestPipeline implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(IngestPipeline.class.getName());
    /** {@code gen-<generation>-shard-<i>-of-<n>.ckeys}; before generations: {@code shard-<i>-of-<n>.ckeys}. */
    private static final Pattern SNAPSHOT_FILE =
            Pattern.compile("(?:gen-(\\d{1,18})-)?shard-(\\d{1,9})-of-(\\d{1,9})\\.ckeys(\\.tmp)?");

    final int dimension;
    final BadSamplePolicy badSamples;
    final Kernels kernels;
    final Shard[] shards;
    private final IngestMetrics metrics;
    private final CountersManager countersManager;
    /**
     * The publishers close() must wait for (guarded by itself). Registering is the cold path (once per publisher);
     * entries of released publishers are removed when a registration finds the list at {@link #reapAt} entries,
     * and the next sweep waits until the list has doubled, so registration costs O(1) amortised however many
     * short-lived threads come and go.
     */
    private final ArrayList<Registration> publishers = new ArrayList<>();
    private int reapAt = MIN_REAP_AT;
    private static final int MIN_REAP_AT = 64;
    private final ThreadLocal<Publisher> threadPublisher =
            ThreadLocal.withInitial(() -> register(Thread.currentThread()));
    private final Builder config;
    volatile boolean closed;
    /** From a snapshot() call until the future it returned completes (one snapshot at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean snapshotting =
            new java.util.concurrent.atomic.AtomicBoolean();
    private boolean started;

    private IngestPipeline(Builder b, KeyedStore[] stores) {
        this.config = b;
        this.dimension = b.store.dimension;
        this.badSamples = b.badSamples;
        this.kernels = b.store.kernels == null ? KernelProvider.kernels() : b.store.kernels;
        int n = stores.length;
        int metricsCount = IngestMetrics.NAMES.length * n;
        UnsafeBuffer meta = new UnsafeBuffer(ByteBuffer.allocateDirect(metricsCount * CountersReader.METADATA_LENGTH));
        UnsafeBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(metricsCount * CountersReader.COUNTER_LENGTH));
        this.countersManager = new CountersManager(meta, values);
        AtomicCounter[][] counters = new AtomicCounter[n][IngestMetrics.NAMES.length];
        for (int s = 0; s < n; s++) {
            for (int m = 0; m < IngestMetrics.NAMES.length; m++) {
                counters[s][m] = countersManager.newCounter("clipstream shard " + s + " " + IngestMetrics.NAMES[m]);
            }
        }
        for (int s = 0; s < n; s++) {
            // a restored store carries the pipeline's rejected count (samples refused at offer included): continue it
            counters[s][IngestMetrics.REJECTED].set(stores[s].rejected());
        }
        this.metrics = new IngestMetrics(counters, countersManager);
        int ringCapacity = b.ringCapacity > 0 ? b.ringCapacity : defaultRingCapacity(dimension);
        int minimum = minimumRingCapacity(dimension);
        if (ringCapacity < minimum) {
            throw new IllegalArgumentException("ring capacity " + ringCapacity + " bytes is too small for samples of "
                    + "dimension " + dimension + ": at least " + minimum + " bytes (eight records)");
        }
        this.shards = new Shard[n];
        ErrorHandler errors = errorHandler(b);
        try {
            for (int s = 0; s < n; s++) {
                ResultSink sink = b.sinks.apply(s);
                if (sink == null) {
                    // refused here: accepted, every result would fail in the agent (counted as a sink error)
                    throw new NullPointerException("sinks returned null for shard " + s + " (of " + n + "); return "
                            + "ResultSink.NONE to discard its results");
                }
                shards[s] = new Shard(s, n, stores[s], ringCapacity, b.batch, counters[s], sink, errors, b.clock);
                counters[s][IngestMetrics.KEYS].set(stores[s].size());
                counters[s][IngestMetrics.SAMPLES].set(stores[s].samples());
                counters[s][IngestMetrics.ANOMALIES].set(stores[s].anomalies());
                counters[s][IngestMetrics.EVICTIONS].set(stores[s].evictions());
            }
        } catch (RuntimeException e) {
            for (Shard s : shards) {
                if (s != null) {
                    s.arena.close();
                }
            }
            throw e;
        }
    }

    /** Agrona caps a message at an eighth of the ring: the smallest power of two holding eight records. */
    static int minimumRingCapacity(int d) {
        long record = align8(8 + Shard.ROW_OFFSET + 4L * d);
        long min = Long.highestOneBit(Math.max(1024, 8 * record) - 1) << 1;
        if (min > 1 << 30) {
            throw new IllegalArgumentException("dimension " + d + " is too large for a ring buffer");
        }
        return (int) min;
    }

    static int defaultRingCapacity(int d) {
        long record = align8(8 + Shard.ROW_OFFSET + 4L * d);
        long wanted = Math.min(64L << 20, 16_384 * record);
        return (int) Math.max(minimumRingCapacity(d), Long.highestOneBit(Math.max(1, wanted - 1)) << 1);
    }

    private static int align8(long v) {
        return (int) ((v + 7) & ~7L);
    }

    /** A builder around the configuration of the per-shard stores. */
    public static Builder builder(KeyedStore.Builder store) {
        return new Builder(store);
    }

    /**
     * Starts the agents once every shard's runner exists: a bad idle strategy is refused before any agent runs
     * (the caller then frees the stores, which a running agent would still be using), and the rings are freed.
     */
    /**
     * The builder's error handler, guarded: whatever it throws is logged and goes no further. (A "fail fast" handler
     * that rethrew killed the shard's agent thread: samples already accepted were never processed nor counted,
     * {@code close()} returned at once and a pending snapshot's future never completed.)
     */
    private static ErrorHandler errorHandler(Builder b) {
        ErrorHandler user = b.errorHandler;
        if (user == null) {
            return e -> LOG.log(System.Logger.Level.WARNING, "clipstream ingest: " + e, e);
        }
        return e -> {
            try {
                user.onError(e);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "clipstream ingest: the error handler threw " + t
                        + " while handling " + e + " (ignored: the shard keeps processing)", t);
            }
        };
    }

    private void startAgents() {
        ErrorHandler errors = errorHandler(config);
        AgentRunner[] runners = new AgentRunner[shards.length];
        try {
            for (int i = 0; i < shards.length; i++) {
                IdleStrategy idle = config.idleStrategy.get();
                if (idle == null) {
                    throw new NullPointerException("idleStrategy returned null for shard " + i + " (of "
                            + shards.length + ")");
                }
                runners[i] = new AgentRunner(idle, errors, null, shards[i]);
            }
        } catch (RuntimeException e) {
            for (Shard s : shards) {
                s.arena.close();
            }
            throw e;
        }
        for (int i = 0; i < shards.length; i++) {
            Shard s = shards[i];
            s.runner = runners[i];
            AgentRunner.startOnThread(runners[i], r -> {
                Thread t = new Thread(r, s.roleName());
                t.setDaemon(true);
                return t;
            });
        }
        started = true;
    }

    /** The shard that owns {@code key}: the high half of the key's hash, mapped onto the shard count. */
    public int shardOf(long key) {
        return (int) (((KeyedStore.mix(key) >>> 32) * shards.length) >>> 32);
    }

    Shard shardFor(long key) {
        return shards[shardOf(key)];
    }

    /**
     * A new publisher for the calling thread (see {@link Publisher}). The pipeline holds it weakly: once the
     * application no longer references it, it is released (close() has nothing to wait for on a publisher nobody
     * can call). Keep a publisher for as long as its thread publishes; drop it only with no claim open (an open
     * claim holds its shard's ring, as it would with the publisher kept).
     */
    public Publisher publisher() {
        return register(null);
    }

    /**
     * A publisher close() will wait for. The entry is weak, so that an unreferenced publisher does not stay, and
     * names the owner thread of {@link #offer}'s per-thread publishers: those are released as soon as their thread
     * has ended (its {@code ThreadLocal} value goes with it, and nothing else can reach them), without waiting for
     * a garbage collection. A released publisher cannot be inside an offer (the offer would reference it), and
     * everything it published is in its shard's ring already: nothing is lost.
     */
    private static final class Registration extends WeakReference<Publisher> {
        private final Thread owner;

        Registration(Publisher p, Thread owner) {
            super(p);
            this.owner = owner;
        }

        boolean released() {
            return refersTo(null) || owner != null && !owner.isAlive();
        }
    }

    private Publisher register(Thread owner) {
        Publisher p = new Publisher(this);
        synchronized (publishers) {
            if (publishers.size() >= reapAt) {
                reap();
            }
            publishers.add(new Registration(p, owner));
        }
        return p;
    }

    /** Removes released publishers; the next sweep comes when the list has doubled. Holds the lock. */
    private void reap() {
        publishers.removeIf(Registration::released);
        reapAt = Math.max(MIN_REAP_AT, 2 * publishers.size());
    }

    /** The publishers close() would wait for (tests). */
    int registeredPublishers() {
        synchronized (publishers) {
            return publishers.size();
        }
    }

    /** Releases what can be released now and returns what is left (tests). */
    int reapPublishers() {
        synchronized (publishers) {
            reap();
            return publishers.size();
        }
    }

    /**
     * Publishes a sample through the calling thread's own publisher (created on its first call, and released once
     * the thread has ended: short-lived threads, virtual or pooled, leave nothing behind; a live thread's offers
     * cost no more than through {@link #publisher()}).
     *
     * @see Publisher#offer(long, long, float[])
     */
    public boolean offer(long key, long tag, float[] x) {
        return threadPublisher.get().offer(key, tag, x);
    }

    /** @see Publisher#offer(long, long, MemorySegment, long) */
    public boolean offer(long key, long tag, MemorySegment x, long index) {
        return threadPublisher.get().offer(key, tag, x, index);
    }

    /** The live counters. */
    public IngestMetrics metrics() {
        return metrics;
    }

    /** The number of shards. */
    public int shards() {
        return shards.length;
    }

    /** The sample dimension. */
    public int dimension() {
        return dimension;
    }

    /**
     * Waits until every sample published before this call has been processed.
     *
     * @return false if {@code timeout} passed first
     * @throws IllegalStateException after {@link #close()} (which itself processes everything accepted), or when
     *     called on an agent thread (from a sink or a snapshot callback), which would wait for itself
     */
    public boolean awaitProcessed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (closed) {
            throw new IllegalStateException("the pipeline is closed (close() has processed everything accepted)");
        }
        if (agentShard() != null) {
            throw new IllegalStateException("awaitProcessed was called on a shard's agent thread (from a sink or a "
                    + "snapshot callback): the agent would wait for itself");
        }
        long[] targets = new long[shards.length];
        for (int s = 0; s < shards.length; s++) {
            targets[s] = shards[s].ring.producerPosition();
        }
        for (int s = 0; s < shards.length; s++) {
            while (shards[s].processedPosition() < targets[s]) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        return true;
    }

    /**
     * Writes a snapshot of every shard's store into {@code dir} as a new <em>generation</em>: files
     * {@code gen-<g>-shard-<i>-of-<n>.ckeys}, {@code g} one more than the newest generation already in {@code dir},
     * each written to a temporary file, forced to disk and moved into place when complete, with {@code g} in its
     * header too. Only when every shard's file is in place are older generations removed; if any shard fails, the
     * files this call wrote are removed and older generations stay as they were, so {@code dir} always holds a
     * complete generation once one has been written (a crash in between leaves an incomplete newer generation
     * beside it, which {@link #restore} skips). Each shard's agent writes its own file between two batches, so
     * every key's state is consistent; samples keep arriving in the rings meanwhile (and are dropped, counted, if a
     * ring fills during the pause). One pipeline at a time may write into a directory.
     *
     * @return completes with the files when all shards are written and older generations removed, or
     *     exceptionally with the first failure (an {@link IllegalStateException} if the pipeline closes before every
     *     shard has written its file; the future always completes)
     * @throws IOException if {@code dir} cannot be created or listed
     * @throws IllegalStateException if the pipeline is closed or a snapshot is already in progress (from its
     *     {@code snapshot} call until the future it returned completes, whether or not its files are written yet)
     */
    public CompletableFuture<List<Path>> snapshot(Path dir) throws IOException {
        if (closed) {
            throw new IllegalStateException("the pipeline is closed");
        }
        if (!snapshotting.compareAndSet(false, true)) {
            throw new IllegalStateException("a snapshot is already in progress (until the future it returned "
                    + "completes)");
        }
        long generation = 1;
        try {
            Files.createDirectories(dir);
            for (SnapshotFile f : snapshotFiles(dir)) {
                generation = Math.max(generation, f.generation() + 1);
            }
        } catch (IOException | RuntimeException e) {
            snapshotting.set(false);
            throw e;
        }
        List<CompletableFuture<Path>> parts = new ArrayList<>();
        List<Shard.SnapshotRequest> placed = new ArrayList<>();
        for (Shard s : shards) {
            Path file = dir.resolve(snapshotFileName(generation, s.id, shards.length));
            Shard.SnapshotRequest request = new Shard.SnapshotRequest(file, generation, new CompletableFuture<>());
            // the slot is empty: the previous snapshot's requests were all taken out before its future completed
            s.snapshot.set(request);
            placed.add(request);
            parts.add(request.done());
        }
        long written = generation;
        CompletableFuture<List<Path>> all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .handle((v, failure) -> {
                    try {
                        if (failure != null) {
                            removeGenerations(dir, g -> g == written); // what this call wrote; older ones stay
                            throw failure instanceof CompletionException ? (CompletionException) failure
                                    : new CompletionException(failure);
                        }
                        removeGenerations(dir, g -> g < written);
                        return parts.stream().map(CompletableFuture::join).toList();
                    } finally {
                        // before the returned future completes: whoever sees it done may take the next snapshot
                        snapshotting.set(false);
                    }
                });
        if (closed) {
            // close() may have stopped some agents while this call listed the directory: their onClose found no
            // request to fail, and none will ever take one. Every request is completed by exactly one of its
            // agent (written, or failed by onClose) and this withdrawal, whichever takes it out of the slot.
            for (int i = 0; i < placed.size(); i++) {
                if (shards[i].snapshot.compareAndSet(placed.get(i), null)) {
                    placed.get(i).done().completeExceptionally(new IllegalStateException("the pipeline closed "
                            + "before shard " + i + " wrote its snapshot"));
                }
            }
        }
        return all;
    }

    static String snapshotFileName(long generation, int shard, int shards) {
        return String.format(Locale.ROOT, "gen-%d-shard-%03d-of-%03d.ckeys", generation, shard, shards);
    }

    /** A snapshot file in a directory: its generation (0 for files from before generations) and place. */
    record SnapshotFile(Path path, long generation, int shard, int shards, boolean temporary) {
    }

    /** The snapshot files (and leftover temporary files) in {@code dir}: regular files, by name. */
    static List<SnapshotFile> snapshotFiles(Path dir) throws IOException {
        List<SnapshotFile> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*shard-*-of-*.ckeys*")) {
            for (Path p : ds) {
                Matcher m = SNAPSHOT_FILE.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    files.add(new SnapshotFile(p, m.group(1) == null ? 0 : Long.parseLong(m.group(1)),
                            Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4) != null));
                }
            }
        }
        return files;
    }

    /** Deletes the snapshot files (and temporary files) of the generations {@code which} selects; logs failures. */
    private static void removeGenerations(Path dir, java.util.function.LongPredicate which) {
        try {
            for (SnapshotFile f : snapshotFiles(dir)) {
                if (which.test(f.generation())) {
                    try {
                        Files.deleteIfExists(f.path());
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "clipstream ingest: could not remove " + f.path()
                                + ": " + e);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "clipstream ingest: could not list " + dir + ": " + e);
        }
    }

    /**
     * Picks the generation to restore: the newest one with a complete set of files (shards {@code 0 .. n-1} of
     * one {@code n}). Newer incomplete generations (a snapshot that crashed part-way) are skipped with a warning;
     * a generation whose files name two shard counts is refused (files were copied or renamed by hand).
     */
    static List<SnapshotFile> newestCompleteGeneration(Path dir) throws IOException {
        java.util.TreeMap<Long, List<SnapshotFile>> byGeneration = new java.util.TreeMap<>();
        for (SnapshotFile f : snapshotFiles(dir)) {
            if (!f.temporary()) {
                byGeneration.computeIfAbsent(f.generation(), g -> new ArrayList<>()).add(f);
            }
        }
        if (byGeneration.isEmpty()) {
            throw new IOException(dir + ": no snapshot files (gen-<g>-shard-<i>-of-<n>.ckeys)");
        }
        List<String> incomplete = new ArrayList<>();
        for (var e : byGeneration.descendingMap().entrySet()) {
            List<SnapshotFile> files = e.getValue();
            int n = files.get(0).shards();
            java.util.BitSet present = new java.util.BitSet();
            for (SnapshotFile f : files) {
                if (f.shards() != n) {
                    throw new IOException(dir + ": generation " + e.getKey() + " has files for " + Math.min(n,
                            f.shards()) + " and " + Math.max(n, f.shards()) + " shards; refusing to mix them");
                }
                if (f.shard() < n) {
                    present.set(f.shard());
                }
            }
            if (n >= 1 && present.cardinality() == n && files.size() == n) {
                if (!incomplete.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "clipstream ingest: " + dir + ": skipping incomplete "
                            + String.join(", ", incomplete) + "; restoring generation " + e.getKey());
                }
                files.sort(java.util.Comparator.comparingInt(SnapshotFile::shard));
                return files;
            }
            incomplete.add("generation " + e.getKey() + " (" + files.size() + " of " + n + " files)");
        }
        throw new IOException(dir + ": no complete snapshot generation: " + String.join(", ", incomplete));
    }

    /**
     * Starts a pipeline from a snapshot directory written by {@link #snapshot}: the newest complete generation in
     * it (see there; generations are never combined). The store configuration must match the snapshot's
     * (dimension, step, clip, l2, p, a, warmup); {@code maxKeys} may differ if the snapshot's keys number at most
     * {@code maxKeys}, and so may the number of shards: keys are redistributed by hash. Each shard gets
     * {@code maxKeys / shards} slots (rounded up), or as many as the keys it receives if that is more (hashing
     * never splits keys evenly: a full store restored into more shards needs a few more slots in some; the files
     * are read twice, once to count them). With the same number of shards the thresholds and counters
     * continue exactly; with another, each shard's threshold starts afresh and the restored counters are credited
     * to shard 0. A threshold state of another method than the store's (snapshots written while the confidence
     * sequence was the default) is validated and then also started afresh; the keys' models never are. Idle times
     * carry over (as ages). On any error nothing is started and all memory is freed.
     *
     * @throws IOException if the directory holds no complete snapshot generation, a file is corrupt, truncated or
     *     holds another generation than its name says, a generation mixes shard counts, the configuration does
     *     not match, or the snapshot holds more keys than {@code maxKeys} (the message names the file and the
     *     problem, or the {@code maxKeys} that would do)
     */
    public static IngestPipeline restore(Builder b, Path dir) throws IOException {
        List<SnapshotFile> generation = newestCompleteGeneration(dir);
        int oldShards = generation.get(0).shards();
        List<Path> files = generation.stream().map(SnapshotFile::path).toList();
        long generationId = generation.get(0).generation();
        KeyedSnapshot.Header expected = KeyedSnapshot.Header.of(b.store, generationId);
        // First pass: validate every file and count the keys each new shard receives. Hashing never splits keys
        // evenly, so a shard sized maxKeys / shards could not take its share of a store that was full.
        long[] keys = new long[b.shards];
        readGeneration(files, oldShards, generationId, expected, (key, samples, age, tracker, anomalies, params,
                off) -> keys[shardOf(key, keys.length)]++);
        long total = 0;
        for (long k : keys) {
            total += k;
        }
        // a running pipeline holds up to shards * ceil(maxKeys / shards) keys (each shard's own capacity), which
        // is more than maxKeys when shards does not divide it: a full pipeline must restore with its own builder
        long capacity = b.shards * (((long) b.store.maxKeys + b.shards - 1) / b.shards);
        if (total > capacity) {
            throw new IOException(dir + ": generation " + generationId + " holds " + total + " keys: more keys than "
                    + "the pipeline's capacity of " + capacity + " (maxKeys " + b.store.maxKeys + " over "
                    + b.shards + " shards); restore with maxKeys(" + total + ") or more");
        }
        KeyedStore[] stores = new KeyedStore[b.shards];
        try {
            for (int s = 0; s < stores.length; s++) {
                stores[s] = b.shardConfig(keys[s]).build();
            }
            long now = b.clock.nanoTime();
            List<KeyedSnapshot.Contents> contents = readGeneration(files, oldShards, generationId, expected,
                    (key, samples, age, tracker, anomalies, params, off) -> {
                        KeyedStore target = stores[shardOf(key, stores.length)];
                        // ages beyond 2^62 ns (146 years) are all "long idle"; the clamp keeps now - age from wrapping
                        target.putRecord(key, samples, now - Math.min(age, 1L << 62), tracker, anomalies, params, off);
                    });
            long[] totals = new long[6];
            for (KeyedSnapshot.Contents c : contents) {
                for (int k = 0; k < 6; k++) {
                    totals[k] += c.counters()[k];
                }
            }
            if (oldShards == stores.length) {
                for (int s = 0; s < stores.length; s++) {
                    byte[] threshold = contents.get(s).threshold();
                    try {
                        // A state of the other method (a confidence sequence, the default before peaks over
                        // threshold) cannot continue in this store's threshold: it starts afresh, as after a change
                        // of shard count, and the keys' models and counters are kept.
                        if (AdaptiveThreshold.restore(threshold).method() == stores[s].threshold.method()) {
                            stores[s].threshold.restoreState(threshold);
                        }
                    } catch (IllegalArgumentException e) {
                        throw new IOException(files.get(s) + ": " + e.getMessage(), e);
                    }
                    long[] k = contents.get(s).counters();
                    stores[s].restoreCounters(k[0], k[1], k[2], k[3], k[4], k[5]);
                }
            } else {
                stores[0].restoreCounters(totals[0], totals[1], totals[2], totals[3], totals[4], totals[5]);
            }
            IngestPipeline p = new IngestPipeline(b, stores);
            p.startAgents();
            return p;
        } catch (IOException | RuntimeException e) {
            for (KeyedStore s : stores) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
    }

    /**
     * Reads the files of one generation, shard by shard, handing each verified record to {@code records}; refuses a
     * file whose configuration, generation or place differs from what its name and the builder say.
     */
    private static List<KeyedSnapshot.Contents> readGeneration(List<Path> files, int shards, long generation,
            KeyedSnapshot.Header expected, KeyedSnapshot.RecordSink records) throws IOException {
        List<KeyedSnapshot.Contents> contents = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            KeyedSnapshot.Contents c;
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                c = KeyedSnapshot.read(ch, f.toString(), expected, records);
            } catch (IllegalStateException e) {
                throw new IOException(f + ": " + e.getMessage(), e);
            }
            if (c.header().generation() != generation) {
                throw new IOException(f + ": holds generation " + c.header().generation()
                        + ", but its name says generation " + generation + " (renamed or copied?)");
            }
            if (c.header().shard() != i || c.header().shards() != shards) {
                throw new IOException(f + ": holds shard " + c.header().shard() + " of " + c.header().shards()
                        + ", but its name says shard " + i + " of " + shards);
            }
            contents.add(c);
        }
        return contents;
    }

    static int shardOf(long key, int shards) {
        return (int) (((KeyedStore.mix(key) >>> 32) * shards) >>> 32);
    }

    /**
     * Stops accepting offers, waits for in-flight offers and open claims, drains the rings (everything accepted is
     * processed and reaches the sink), stops the agents and frees the memory. Idempotent: a second call waits until
     * the first has finished.
     *
     * <p>Called on an agent thread (from a sink or a snapshot's completion callback), close cannot wait: that
     * agent is inside the call and could never drain. It then stops new offers at once and returns; a thread named
     * {@code clipstream-close} finishes the close (drain, stop, free) after the callback returns. That thread is not
     * a daemon, so the JVM does not exit before everything accepted is drained. Any other thread that calls close
     * meanwhile waits for that to finish.
     */
    @Override
    public void close() {
        boolean first;
        synchronized (closeLock) {
            first = !closed;
            closed = true;
        }
        boolean onAgent = agentShard() != null;
        if (first) {
            if (onAgent) {
                Thread closer = new Thread(this::finishClose, "clipstream-close");
                // not a daemon (a new thread inherits the agent's daemon status): the JVM must not exit before the
                // drain that close() promises, even if main returns meanwhile
                closer.setDaemon(false);
                closer.start();
                return;
            }
            finishClose();
        } else if (!onAgent) {
            awaitTerminated();
        }
    }

    private final Object closeLock = new Object();
    private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);

    private void finishClose() {
        try {
            closeOnce();
        } finally {
            terminated.countDown();
        }
    }

    private void awaitTerminated() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The shard whose agent runs the calling thread, or null. */
    private Shard agentShard() {
        Thread t = Thread.currentThread();
        for (Shard s : shards) {
            if (s.thread == t) {
                return s;
            }
        }
        return null;
    }

    private void closeOnce() {
        java.util.Set<Shard> stuck = new java.util.HashSet<>();
        List<Registration> registered;
        synchronized (publishers) {
            // offers that enter after closed was set see it and refuse, so publishers registered later do not count
            registered = new ArrayList<>(publishers);
        }
        for (Registration r : registered) {
            Publisher p = r.get();
            if (p == null) {
                continue; // unreachable: no offer can be running in it
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (p.inFlight && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            Shard held = p.abandon();
            if (held != null) {
                // its record can never be read past: do not wait for that shard, and do not free its memory
                // (the publisher may still write into the record; it can no longer commit it)
                stuck.add(held);
                LOG.log(System.Logger.Level.WARNING, "clipstream ingest: a publisher kept a claim open for 10 s "
                        + "while closing; shard " + held.id + " is stopped without draining and its memory is "
                        + "not freed");
            }
        }
        if (started) {
            for (Shard s : shards) {
                long seen = -1;
                long since = System.nanoTime();
                while (!stuck.contains(s) && !s.drained() && !s.runner.isClosed()) {
                    long position = s.ring.consumerPosition();
                    if (position != seen) {
                        seen = position;
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since > 10_000_000_000L && s.blockedAt(position)) {
                        // a claim that nothing can commit: its publisher was dropped with the claim open (a live
                        // one was waited for above). As for an abandoned claim, the shard stops undrained.
                        stuck.add(s);
                        LOG.log(System.Logger.Level.WARNING, "clipstream ingest: shard " + s.id + "'s ring has "
                                + "been held for 10 s by a claim whose publisher is gone (dropped with the claim "
                                + "open); the shard is stopped without draining and its memory is not freed");
                        break;
                    }
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
            for (Shard s : shards) {
                s.runner.close();
            }
        }
        for (Shard s : shards) {
            if (!stuck.contains(s)) {
                s.store.close();
                s.arena.close();
            }
        }
    }

    // ------------------------------------------------------------------ builder

    /** Configures an {@link IngestPipeline}. */
    public static final class Builder {
        final KeyedStore.Builder store;
        int shards = 1;
        int ringCapacity;
        int batch = 64;
        Supplier<IdleStrategy> idleStrategy = () -> new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        BadSamplePolicy badSamples = BadSamplePolicy.THROW;
        IntFunction<ResultSink> sinks = s -> ResultSink.NONE;
        ErrorHandler errorHandler;
        NanoClock clock = new SystemNanoClock();

        private Builder(KeyedStore.Builder store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Shards (agents, each with its own thread, ring and store of {@code maxKeys / shards} keys, rounded up;
         * after {@link #restore}, more in a shard that receives more of the snapshot's keys). Default 1.
         */
        public Builder shards(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("shards must be in [1, 256]: " + n);
            }
            this.shards = n;
            return this;
        }

        /**
         * Bytes of each shard's ring, a power of two holding at least eight records (default: room for about
         * 16,384 samples, at most 64 MiB).
         */
        public Builder ringCapacity(int bytes) {
            if (bytes < 1024 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("ring capacity must be a power of two >= 1024: " + bytes);
            }
            this.ringCapacity = bytes;
            return this;
        }

        /** Records an agent drains per duty cycle (default 64). */
        public Builder batch(int n) {
            if (n < 1 || n > 1 << 16) {
                throw new IllegalArgumentException("batch must be in [1, 65536]: " + n);
            }
            this.batch = n;
            return this;
        }

        /**
         * The agents' idle strategy, one instance per shard (default {@code BackoffIdleStrategy}: spin, yield,
         * then park 1-100 microseconds). {@code BusySpinIdleStrategy} gives the lowest latency at the cost of a
         * core per shard. {@link #start} refuses a null one, naming the shard, before any agent runs.
         */
        public Builder idleStrategy(Supplier<IdleStrategy> s) {
            this.idleStrategy = Objects.requireNonNull(s, "idleStrategy");
            return this;
        }

        /** What offers do with bad samples (default {@link BadSamplePolicy#THROW}). */
        public Builder badSamples(BadSamplePolicy p) {
            this.badSamples = Objects.requireNonNull(p, "badSamples");
            return this;
        }

        /** One sink for all shards (called concurrently from the shards' threads when there are several). */
        public Builder sink(ResultSink sink) {
            Objects.requireNonNull(sink, "sink");
            this.sinks = s -> sink;
            return this;
        }

        /**
         * A sink per shard, created once at start ({@link #start} refuses a null one, naming the shard; return
         * {@link ResultSink#NONE} for a shard whose results are not wanted).
         */
        public Builder sinks(IntFunction<ResultSink> perShard) {
            this.sinks = Objects.requireNonNull(perShard, "sinks");
            return this;
        }

        /**
         * Receives exceptions from sinks and agents (default: logged as warnings). It is called on a shard's agent
         * thread; whatever it throws is logged and ignored, so that processing continues (it cannot stop a shard).
         */
        public Builder errorHandler(ErrorHandler h) {
            this.errorHandler = Objects.requireNonNull(h, "errorHandler");
            return this;
        }

        /** The clock for idle times (default {@code System.nanoTime()}). */
        public Builder clock(NanoClock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        KeyedStore.Builder shardConfig() {
            return shardConfig(0);
        }

        /**
         * One shard's store: {@code maxKeys / shards} keys, rounded up (or, when the store was given a
         * {@code memoryBudget}, as many keys as fit in {@code budget / shards} bytes, so that the shards together
         * stay within the budget: each rounds its index up to a power of two, and splitting the keys instead
         * allocated up to 10% more with 3 or 5 shards), or {@code keys} if more (a restored shard that receives more
         * than its share of the snapshot's keys).
         */
        KeyedStore.Builder shardConfig(long keys) {
            long share = store.memoryBudget > 0
                    ? KeyedStore.keysForBudget(store.dimension, store.memoryBudget / shards)
                    : (store.maxKeys + (long) shards - 1) / shards;
            if (share < 1) {
                throw new IllegalArgumentException("a memory budget of " + store.memoryBudget + " bytes holds no key "
                        + "of dimension " + store.dimension + " in each of " + shards + " shards");
            }
            return store.copy().maxKeys((int) Math.min(1 << 30, Math.max(share, keys)));
        }

        /** Allocates the shards and starts the agents. */
        public IngestPipeline start() {
            KeyedStore[] stores = new KeyedStore[shards];
            KeyedStore.Builder shardConfig = shardConfig();
            try {
                for (int s = 0; s < shards; s++) {
                    stores[s] = shardConfig.build();
                }
                IngestPipeline p = new IngestPipeline(this, stores);
                p.startAgents();
                return p;
            } catch (RuntimeException e) {
                for (KeyedStore s : stores) {
                    if (s != null) {
                        s.close();
                    }
                }
                throw e;
            }
        }
    }
}
