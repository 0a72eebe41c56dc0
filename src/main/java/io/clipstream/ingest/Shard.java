package io.clipstream.ingest;

import io.clipstream.detect.Decision;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.ErrorHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One shard: a many-to-one ring, its agent, and the {@link KeyedStore} the agent owns. The agent drains up to
 * {@code batch} records per duty cycle: it copies each record (key, tag, values) into an aligned slab, which frees
 * the ring space at once; then it touches the index entries and slots of the whole batch (independent loads the
 * core overlaps, where processing row by row would wait for one cache miss at a time); then it runs the fused
 * clipped step of each row against its key's slot and hands the result to the sink.
 */
final class Shard implements Agent, MessageHandler {

    static final int MSG_TYPE = 1;
    /** Byte offset of the values in a record: key (8 bytes), tag (8 bytes). */
    static final int ROW_OFFSET = 16;
    /** Index entries the idle sweep examines per pass, and how often it runs. */
    static final int SWEEP_ENTRIES = 4096;
    static final long SWEEP_PERIOD_NANOS = 1_000_000;

    final int id;
    final int shards;
    final Arena arena;
    final MemorySegment ringSegment;
    final UnsafeBuffer buffer;
    final ManyToOneRingBuffer ring;
    final int messageLength;
    final KeyedStore store;
    private final AtomicCounter[] counters;
    private final ResultSink sink;
    private final ErrorHandler errors;
    private final NanoClock clock;
    private final int batch;
    private final int dimension;
    private final long rowBytes;
    private final MemorySegment slab;
    private final long[] keys;
    private final long[] tags;
    private int count;
    private long lastSweep;
    /** Written from {@link KeyedStore#prefetch} so the touching loads are not dead code. */
    long touched;
    final AtomicReference<SnapshotRequest> snapshot = new AtomicReference<>();
    /**
     * The ring position up to which every record has been processed and reported to the sink (the ring's own
     * consumer position moves earlier, when a batch is copied out).
     */
    private volatile long processed;
    AgentRunner runner;
    /** The agent's thread, once it has started (so that calls from sinks and callbacks can be recognised). */
    volatile Thread thread;

    record SnapshotRequest(Path file, long generation, CompletableFuture<Path> done) {
    }

    Shard(int id, int shards, KeyedStore store, int ringCapacity, int batch, AtomicCounter[] counters,
          ResultSink sink, ErrorHandler errors, NanoClock clock) {
        this.id = id;
        this.shards = shards;
        this.store = store;
        this.dimension = store.dimension;
        this.counters = counters;
        this.sink = sink;
        this.errors = errors;
        this.clock = clock;
        this.batch = batch;
        this.messageLength = ROW_OFFSET + 4 * dimension;
        this.arena = Arena.ofShared();
        int length = ringCapacity + RingBufferDescriptor.TRAILER_LENGTH;
        this.ringSegment = arena.allocate(length, 4096);
        this.buffer = new UnsafeBuffer(ringSegment.address(), length);
        this.ring = new ManyToOneRingBuffer(buffer);
        this.rowBytes = (4L * dimension + 63) & ~63L;
        this.slab = arena.allocate(rowBytes * batch, 64);
        this.keys = new long[batch];
        this.tags = new long[batch];
        this.lastSweep = clock.nanoTime();
    }

    AtomicCounter counter(int metric) {
        return counters[metric];
    }

    @Override
    public int doWork() {
        int work = 0;
        SnapshotRequest request = snapshot.get() != null ? snapshot.getAndSet(null) : null;
        if (request != null) { // a request withdrawn by a racing close() between the two reads is not written
            writeSnapshot(request);
            work++;
        }
        count = 0;
        int n = ring.read(this, batch);
        if (n > 0) {
            process();
            work += n;
        }
        if (work > 0) {
            // before the processed position moves: whoever sees the position (awaitProcessed) must see the
            // counters of everything up to it (publishing them after let a waiter read counters a batch old)
            publishCounters();
        }
        long position = ring.consumerPosition();
        if (position != processed) {
            processed = position;
        }
        if (store.idleNanos > 0) {
            long now = clock.nanoTime();
            if (now - lastSweep >= SWEEP_PERIOD_NANOS) {
                lastSweep = now;
                int evicted = store.evictIdle(now, SWEEP_ENTRIES);
                if (evicted > 0) {
                    work += evicted;
                    publishCounters();
                }
            }
        }
        return work;
    }

    /** Copies one record into the slab (the ring space is released when read() returns). */
    @Override
    public void onMessage(int msgTypeId, MutableDirectBuffer b, int index, int length) {
        keys[count] = b.getLong(index);
        tags[count] = b.getLong(index + 8);
        MemorySegment.copy(ringSegment, index + ROW_OFFSET, slab, count * rowBytes, 4L * dimension);
        count++;
    }

    private void process() {
        int n = count;
        touched = store.prefetch(keys, 0, n);
        long now = clock.nanoTime();
        long rowFloats = rowBytes >> 2;
        for (int i = 0; i < n; i++) {
            Decision d;
            try {
                d = store.process(keys[i], slab, i * rowFloats, now);
            } catch (RuntimeException e) {
                counters[IngestMetrics.REJECTED].increment();
                errors.onError(e);
                continue;
            }
            try {
                sink.onResult(keys[i], tags[i], store.lastScore(), store.lastLevel(), d);
            } catch (RuntimeException | Error e) {
                // an Error too: rethrown, it would stop this agent and strand the rest of the batch and the ring
                counters[IngestMetrics.ERRORS].increment();
                errors.onError(e);
            }
        }
    }

    private void publishCounters() {
        counters[IngestMetrics.SAMPLES].setRelease(store.samples());
        counters[IngestMetrics.ANOMALIES].setRelease(store.anomalies());
        counters[IngestMetrics.EVICTIONS].setRelease(store.evictions());
        counters[IngestMetrics.KEYS].setRelease(store.size());
    }

    private void writeSnapshot(SnapshotRequest r) {
        Path tmp = r.file().resolveSibling(r.file().getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                KeyedSnapshot.write(store, counters[IngestMetrics.REJECTED].get(), id, shards, r.generation(),
                        clock.nanoTime(), ch);
                ch.force(true);
            }
            Files.move(tmp, r.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            r.done().complete(r.file());
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original failure is what matters
            }
            r.done().completeExceptionally(e);
        }
    }

    /** Whether every record claimed so far has been processed. */
    boolean drained() {
        return processed >= ring.producerPosition();
    }

    /**
     * Whether the consumer is held at {@code position} by a record claimed but not committed (its length is still
     * negative or zero; Agrona's reader stops there). Used by close() only.
     */
    boolean blockedAt(long position) {
        return position < ring.producerPosition()
                && buffer.getIntVolatile((int) position & (ring.capacity() - 1)) <= 0;
    }

    /** The position up to which records have been processed. */
    long processedPosition() {
        return processed;
    }

    @Override
    public void onStart() {
        thread = Thread.currentThread();
    }

    @Override
    public String roleName() {
        return "clipstream-shard-" + id;
    }

    @Override
    public void onClose() {
        publishCounters();
        SnapshotRequest pending = snapshot.getAndSet(null);
        if (pending != null) {
            pending.done().completeExceptionally(new IllegalStateException("the pipeline closed before shard " + id
                    + " wrote its snapshot"));
        }
    }
}
