package io.clipstream.ingest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A producer's handle on an {@link IngestPipeline}: one per producer thread (not thread-safe), obtained from
 * {@link IngestPipeline#publisher()}. Two ways to publish, neither allocating:
 * <ul>
 *   <li>{@link #offer(long, long, float[])}: copies the sample into the shard's ring (one copy, from the caller's
 *       array straight into the ring's memory);</li>
 *   <li>zero-copy: {@link #claim} reserves the record in the ring, the caller writes the values in place
 *       ({@link #set}, {@link #put}, or directly into {@link #segment()} at elements
 *       {@code [index(), index() + d)}), and {@link #commit} validates and publishes it (or {@link #abort}).</li>
 * </ul>
 * A claim must be committed or aborted promptly: until then the shard's agent cannot read past it, and
 * {@link IngestPipeline#close()} waits for it.
 *
 * <p>The pipeline holds a publisher only weakly: one the application no longer references is released (there is
 * nothing to close; what it published is in the rings already). Dropping one with a claim open leaves that record
 * unpublishable, holding its shard's ring until close() gives up on the shard, as for a claim held open across it.
 */
public final class Publisher {

    private final IngestPipeline pipeline;
    private final int dimension;
    private final BadSamplePolicy policy;
    /** True between entering an offer or claim and leaving it; close() waits until it is false. */
    volatile boolean inFlight;
    private volatile Shard claimed; // volatile: close() reads it from another thread (abandon())
    private int claimIndex = -1;
    private long claimKey;

    Publisher(IngestPipeline pipeline) {
        this.pipeline = pipeline;
        this.dimension = pipeline.dimension;
        this.policy = pipeline.badSamples;
    }

    /**
     * Marks this publisher in flight for {@code s}, or refuses: an open claim (a usage error, not counted), or a
     * closed pipeline (counted as dropped, as {@link IngestMetrics} says, whatever the sample).
     */
    private void enter(Shard s) {
        if (claimIndex >= 0) {
            throw new IllegalStateException("a claim is open: commit or abort it first");
        }
        inFlight = true; // volatile store, then volatile load: pairs with close() (closed = true; read inFlight)
        if (pipeline.closed) {
            inFlight = false;
            s.counter(IngestMetrics.DROPPED).increment();
            throw new IllegalStateException("the pipeline is closed");
        }
    }

    /**
     * Publishes one sample for {@code key}. A bad sample is refused whether or not the ring has room (it is judged
     * before capacity), so a full ring never hides one.
     *
     * @param tag passed through to the sink unchanged
     * @return true if published; false if the shard's ring is full (counted as dropped) or, under
     *     {@link BadSamplePolicy#COUNT}, if the sample is bad (counted as rejected)
     * @throws IllegalArgumentException under {@link BadSamplePolicy#THROW}, for a null sample, a wrong length or a
     *     non-finite value (nothing is published)
     * @throws IllegalStateException if the pipeline is closed (counted as dropped) or this publisher has an open
     *     claim
     */
    public boolean offer(long key, long tag, float[] x) {
        Shard s = pipeline.shardFor(key);
        enter(s);
        try {
            if (x == null || x.length != dimension) {
                return bad(s, key, x == null ? "sample is null" : "sample has length " + x.length + ", expected "
                        + dimension);
            }
            int at = s.ring.tryClaim(Shard.MSG_TYPE, s.messageLength);
            if (at < 0) {
                return full(s, key, x);
            }
            s.buffer.putLong(at, key);
            s.buffer.putLong(at + 8, tag);
            MemorySegment.copy(x, 0, s.ringSegment, ValueLayout.JAVA_FLOAT_UNALIGNED, at + Shard.ROW_OFFSET, dimension);
            return finish(s, at, key);
        } finally {
            inFlight = false;
        }
    }

    /**
     * As {@link #offer(long, long, float[])} with the sample at element {@code index} of {@code x}; a segment
     * whose arena is closed, or that is confined to another thread, is a bad sample (rejected, or an
     * {@link IllegalArgumentException} under {@link BadSamplePolicy#THROW}).
     */
    public boolean offer(long key, long tag, MemorySegment x, long index) {
        Shard s = pipeline.shardFor(key);
        enter(s);
        try {
            if (x == null || index < 0 || x.byteSize() / 4 - index < dimension) {
                return bad(s, key, x == null ? "sample is null" : "sample segment must hold " + dimension
                        + " floats from element " + index + " but has " + x.byteSize() + " bytes");
            }
            if (!x.scope().isAlive() || !x.isAccessibleBy(Thread.currentThread())) {
                return bad(s, key, x.scope().isAlive() ? "sample segment is confined to another thread"
                        : "sample segment's arena is closed");
            }
            int at = s.ring.tryClaim(Shard.MSG_TYPE, s.messageLength);
            if (at < 0) {
                return full(s, key, x, index);
            }
            s.buffer.putLong(at, key);
            s.buffer.putLong(at + 8, tag);
            try {
                MemorySegment.copy(x, 4 * index, s.ringSegment, at + Shard.ROW_OFFSET, 4L * dimension);
            } catch (RuntimeException | Error e) {
                // e.g. a segment of a closed arena or another thread's confined one: give the record back, or
                // the agent could never read past it
                s.ring.abort(at);
                throw e;
            }
            return finish(s, at, key);
        } finally {
            inFlight = false;
        }
    }

    /**
     * The ring is full (cold path): the sample is judged first, so a bad one is rejected (or throws) as it would be
     * with room; a good one is dropped. (With room the sample is validated in the ring, after its one copy.)
     */
    private boolean full(Shard s, long key, float[] x) {
        for (int i = 0; i < dimension; i++) {
            if (!Float.isFinite(x[i])) {
                return bad(s, key, "sample[" + i + "] is " + x[i] + " (values must be finite)");
            }
        }
        s.counter(IngestMetrics.DROPPED).increment();
        return false;
    }

    private boolean full(Shard s, long key, MemorySegment x, long index) {
        long bad = pipeline.kernels.firstNonFinite(x, index, dimension);
        if (bad >= 0) {
            return bad(s, key, "sample[" + bad + "] is " + x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + bad)
                    + " (values must be finite)");
        }
        s.counter(IngestMetrics.DROPPED).increment();
        return false;
    }

    /** Validates the row written at ring index {@code at}; commits it or aborts it per the policy. */
    private boolean finish(Shard s, int at, long key) {
        long row = (at + Shard.ROW_OFFSET) >> 2;
        long bad = pipeline.kernels.firstNonFinite(s.ringSegment, row, dimension);
        if (bad < 0) {
            s.ring.commit(at);
            return true;
        }
        float value = s.ringSegment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, row + bad);
        s.ring.abort(at);
        return bad(s, key, "sample[" + bad + "] is " + value + " (values must be finite)");
    }

    private boolean bad(Shard s, long key, String problem) {
        s.counter(IngestMetrics.REJECTED).increment();
        if (policy == BadSamplePolicy.THROW) {
            throw new IllegalArgumentException("key " + key + ": " + problem);
        }
        return false;
    }

    /**
     * Reserves a record for {@code key} in its shard's ring, to be written in place and then committed.
     *
     * @return true if reserved; false if the ring is full (counted as dropped)
     * @throws IllegalStateException if the pipeline is closed (counted as dropped) or a claim is already open
     */
    public boolean claim(long key, long tag) {
        Shard s = pipeline.shardFor(key);
        enter(s);
        int at = s.ring.tryClaim(Shard.MSG_TYPE, s.messageLength);
        if (at < 0) {
            inFlight = false;
            s.counter(IngestMetrics.DROPPED).increment();
            return false;
        }
        s.buffer.putLong(at, key);
        s.buffer.putLong(at + 8, tag);
        claimed = s;
        claimIndex = at;
        claimKey = key;
        return true;
    }

    private void requireClaim() {
        if (abandoned) {
            claimed = null;
            claimIndex = -1;
            abandoned = false;
            inFlight = false;
            throw new IllegalStateException("the pipeline closed while this claim was open (over 10 s); the sample "
                    + "was not published");
        }
        if (claimIndex < 0) {
            throw new IllegalStateException("no open claim");
        }
    }

    /** Set by close() when this publisher held a claim past its wait: the claim may no longer touch the ring. */
    private volatile boolean abandoned;

    /**
     * Called by close() after its wait: if this publisher is still inside a claim, marks it abandoned and returns
     * the claimed record's shard; otherwise null. (A claim that the owner commits in the same instant may still
     * land in the ring unprocessed; claims held across close() are a caller error, and this only keeps close()
     * from hanging on them.)
     */
    Shard abandon() {
        if (!inFlight) {
            return null;
        }
        Shard s = claimed;
        if (s == null) {
            return null; // inside offer(): it finishes without blocking
        }
        abandoned = true;
        return s;
    }

    /** The ring memory holding the claimed record's values (native floats, native byte order). */
    public MemorySegment segment() {
        requireClaim();
        return claimed.ringSegment;
    }

    /** The element index in {@link #segment()} of the claimed record's value 0. */
    public long index() {
        requireClaim();
        return (claimIndex + Shard.ROW_OFFSET) >> 2;
    }

    /** Writes value {@code i} of the claimed record. */
    public void set(int i, float v) {
        requireClaim();
        if (i < 0 || i >= dimension) {
            throw new IndexOutOfBoundsException("index " + i + " outside [0, " + dimension + ")");
        }
        claimed.ringSegment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index() + i, v);
    }

    /** Copies {@code d} values from {@code src[offset ..]} into the claimed record. */
    public void put(float[] src, int offset) {
        requireClaim();
        if (src == null || offset < 0 || src.length - offset < dimension) {
            throw new IllegalArgumentException("src must hold " + dimension + " values from offset " + offset);
        }
        MemorySegment.copy(src, offset, claimed.ringSegment, ValueLayout.JAVA_FLOAT_UNALIGNED,
                claimIndex + Shard.ROW_OFFSET, dimension);
    }

    /**
     * Validates and publishes the claimed record; a record with a non-finite value is aborted instead.
     *
     * @return true if published; false for a bad record under {@link BadSamplePolicy#COUNT}
     * @throws IllegalArgumentException for a bad record under {@link BadSamplePolicy#THROW} (it is aborted)
     */
    public boolean commit() {
        requireClaim();
        Shard s = claimed;
        int at = claimIndex;
        claimed = null;
        claimIndex = -1;
        try {
            return finish(s, at, claimKey);
        } finally {
            inFlight = false;
        }
    }

    /** Abandons the claimed record (not counted anywhere: it was never offered). */
    public void abort() {
        requireClaim();
        claimed.ring.abort(claimIndex);
        claimed = null;
        claimIndex = -1;
        inFlight = false;
    }
}
