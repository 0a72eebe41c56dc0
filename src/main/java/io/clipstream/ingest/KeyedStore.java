package io.clipstream.ingest;

import io.clipstream.ClipPolicy;
import io.clipstream.StepSize;
import io.clipstream.EstimatorConfig;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.Decision;
import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;

/**
 * Clipped-SGD mean estimators and anomaly decisions for many entities (accounts, hosts, cards), keyed by a
 * {@code long}, in off-heap memory fixed up front.
 *
 * <h2>Per key</h2>
 * Each key owns a slot: its estimate {@code theta} (the robust mean of its samples), a sample count, the time it
 * was last seen, and a tracker of the median of its scores. A sample {@code x} for key {@code k} is scored and
 * applied in one fused kernel pass, exactly as {@link io.clipstream.MeanEstimator} does: the score is
 * {@code ||x - theta||} before the step, and {@code theta <- theta - eta * clip(theta - x, lambda)}, with two
 * differences that matter for entities that are seen a handful of times:
 * <ul>
 *   <li>warm start: a key's first sample becomes its estimate (score NaN, decision ABSTAIN), and the step is
 *       {@code max(eta, 1/(n+1))} for the {@code n}-th sample, so a key's estimate is the plain running mean of its
 *       first {@code 1/eta} samples (clipped) before the policy's constant step takes over;</li>
 *   <li>the clip level is {@code multiplier x} the key's own tracked score quantile ({@link ClipPolicy#adaptive},
 *       the default), a fixed level, or none. Only constant steps ({@link StepSize#constant},
 *       {@link StepSize#halfLife}) are supported: a schedule per key would need a clock per key.</li>
 * </ul>
 *
 * <h2>Decisions</h2>
 * A key's score is divided by its own tracked median score: the result {@code level} says how unusual the
 * sample is <em>for that key</em>, in units of the key's typical deviation. One {@link AdaptiveThreshold} per store
 * (by default peaks over threshold for the risk {@code 1 - p}, with its change test; ANOMALY possible after 500
 * levels; {@link Builder#thresholdMethod} chooses the confidence sequence instead) decides on the levels of all
 * keys. This pools evidence across keys, which a per-key threshold could not do in
 * bounded memory (a tail fit needs hundreds of scores), and it is exact when the keys' score distributions differ by
 * scale only; keys whose shapes differ are compared by their scale-free level. Until a key has {@code warmup}
 * samples its decisions are ABSTAIN and its levels are kept out of the threshold.
 *
 * <h2>Memory and eviction</h2>
 * {@link #memoryBytes()} is allocated at construction and never grows: a dense slot array of {@code maxKeys}
 * slots ({@code 64 + 4d} bytes rounded up to 64) and an open-addressing index of 16-byte entries (key, slot) with
 * linear probing at a load factor of at most 1/2 (capacity the power of two at or above {@code 2 maxKeys}), plus
 * a free list. Keys leave the store in two ways, both counted in {@link #evictions()}:
 * <ul>
 *   <li><b>idle</b>: with {@link Builder#evictIdleAfter}, {@link #evictIdle} sweeps the index incrementally and
 *       removes keys not seen for that long (the ingest agent calls it as it goes);</li>
 *   <li><b>capacity</b>: a new key arriving when all {@code maxKeys} slots are taken evicts the least recently
 *       seen of 8 randomly sampled keys (approximate LRU, as Redis does), so new entities are always admitted
 *       and long-idle ones go first.</li>
 * </ul>
 *
 * <h2>Structure</h2>
 * Two parts, each testable alone: the index ({@code KeyIndex}: keys to slots, the free list, capacity and idle
 * eviction; it knows of a slot only its key and last-seen time) and the per-key model ({@code KeyModel}: the rest of
 * a slot, the clipped-SGD mean with its warm start, the score-scale tracker and levels, and the pooled threshold).
 * The store validates input, composes the two, and owns the memory.
 *
 * <h2>Bad input</h2>
 * A sample of the wrong length or with a NaN or infinite value is refused with an
 * {@link IllegalArgumentException} naming the index and value; nothing changes (no key is created, no state
 * moves), and {@link #rejected()} counts it.
 *
 * <p><b>Not thread-safe</b>: one thread owns a store (the ingest pipeline gives each shard's agent its own).
 * {@link #close()} frees the memory (a second call does nothing); after it, every call that needs the memory throws
 * an {@link IllegalStateException} saying that the store is closed (the counters stay readable).
 */
public final class KeyedStore implements AutoCloseable {

    /** The largest dimension whose slot size fits an int. */
    static final int MAX_DIMENSION = (Integer.MAX_VALUE - 128) / 4;

    final int dimension;
    final int maxKeys;
    final StepSize stepSize;
    final ClipPolicy clip;
    final double l2;
    final double quantile;
    final double confidence;
    final int warmup;
    final long idleNanos;
    final int slotBytes;
    final AdaptiveThreshold threshold;

    private final Arena arena;
    private final MemorySegment staging;
    private final Kernels kernels;
    /** Which key owns which slot; capacity and idle eviction. */
    final KeyIndex index;
    /** What a slot holds and how a sample changes it; the pooled threshold. */
    private final KeyModel model;

    private long rejected;
    /** Set by {@link #close()}: names the cause when the freed memory refuses an access. */
    private boolean closed;

    private KeyedStore(Builder b, AdaptiveThreshold threshold) {
        this.dimension = b.dimension;
        this.maxKeys = b.maxKeys;
        this.stepSize = b.stepSize;
        this.clip = b.clip;
        this.l2 = b.l2;
        this.quantile = b.quantile;
        this.confidence = b.confidence;
        this.warmup = b.warmup;
        this.idleNanos = b.idleNanos;
        this.slotBytes = slotBytes(dimension);
        this.kernels = b.kernels == null ? KernelProvider.kernels() : b.kernels;
        // peaks over threshold (the library's default): the first ANOMALY after 500 levels, not ~300,000; built
        // before the memory is allocated, so that a refused configuration leaks no arena
        this.threshold = threshold != null ? threshold
                : AdaptiveThreshold.builder().method(b.method).quantile(quantile).confidence(confidence)
                        .acceptEarlierPeaksQuantile(b.acceptEarlierPeaksQuantile).build();
        this.arena = Arena.ofShared();
        MemorySegment slots;
        MemorySegment table;
        try {
            slots = arena.allocate((long) maxKeys * slotBytes, 64);
            table = arena.allocate(KeyIndex.capacity(maxKeys) * KeyIndex.ENTRY, 64);
            this.staging = arena.allocate(4L * dimension, 64);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new IllegalArgumentException("cannot allocate " + memoryBytes(dimension, maxKeys)
                    + " bytes for " + maxKeys + " keys of dimension " + dimension + ": " + e.getMessage(), e);
        }
        this.index = new KeyIndex(slots, table, maxKeys, slotBytes);
        this.model = new KeyModel(dimension, stepSize, clip, l2, warmup, kernels, this.threshold);
    }

    /** A builder for stores of {@code dimension}-dimensional samples. */
    public static Builder builder(int dimension) {
        return new Builder(dimension);
    }

    /** Bytes of one key's slot for dimension {@code d}: a 64-byte header and the estimate, rounded up to 64. */
    public static int slotBytes(int d) {
        return KeyModel.slotBytes(checkDimension(d));
    }

    /**
     * A dimension a store can hold: in {@code [1, MAX_DIMENSION]} (a slot's bytes must fit an int; the sizing
     * methods once overflowed to negative or tiny sizes above it, and a builder accepted it).
     */
    static int checkDimension(int d) {
        if (d <= 0 || d > MAX_DIMENSION) {
            throw new IllegalArgumentException("dimension must be in [1, " + MAX_DIMENSION + "]: " + d);
        }
        return d;
    }

    /** The memory a store of {@code maxKeys} keys of dimension {@code d} allocates, in bytes. */
    public static long memoryBytes(int d, int maxKeys) {
        return (long) maxKeys * slotBytes(d) + KeyIndex.memoryBytes(maxKeys) + 4L * d;
    }

    /** The largest {@code maxKeys} whose {@link #memoryBytes} fits in {@code budget} bytes (0 if none). */
    public static int keysForBudget(int d, long budget) {
        long lo = 0;
        long hi = Integer.MAX_VALUE / 2;
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (memoryBytes(d, (int) mid) <= budget) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return (int) lo;
    }

    /** The key mix the index hashes with (the ingest pipeline shards by it too). */
    static long mix(long key) {
        return KeyIndex.mix(key);
    }

    /**
     * A hint for batches: starts the cache misses of {@code keys[from .. from + n)} before any of them is
     * processed, so that the core overlaps them instead of waiting for each key's index entry and then its slot
     * in turn. Two passes: the keys' home index entries first (independent loads), then, with those in cache, the
     * slots they point to (independent again). Changes nothing; worth it when the store is larger than the
     * caches and a batch of keys is known in advance (the ingestion shards call it for every batch).
     *
     * @return a value derived from the loaded bytes (callers may ignore it)
     */
    public long prefetch(long[] keys, int from, int n) {
        java.util.Objects.checkFromIndexSize(from, n, keys.length);
        long t;
        try {
            t = index.prefetch(keys, from, n);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        prefetched = t;
        return t;
    }

    /** Written by {@link #prefetch(long[], int, int)} so that its loads are not dead code. */
    @SuppressWarnings("unused")
    private long prefetched;

    // ------------------------------------------------------------------ per sample

    /**
     * Scores {@code x} for {@code key}, decides, and applies the clipped step; creates the key if new.
     *
     * @param key the entity
     * @param x the sample: {@code d} floats
     * @param now the current time in nanoseconds (any monotonic origin, e.g. {@link System#nanoTime()}), for
     *     idle eviction
     * @return the decision; {@link #lastScore()} and {@link #lastLevel()} hold the score and level
     * @throws IllegalArgumentException if {@code x} is null, has the wrong length, or holds a non-finite value
     *     (nothing changes)
     */
    public Decision process(long key, float[] x, long now) {
        if (x == null || x.length != dimension) {
            ensureOpen();
            rejected = KeyModel.increment(rejected);
            throw new IllegalArgumentException(x == null ? "x must not be null"
                    : "x has length " + x.length + ", expected " + dimension);
        }
        try {
            MemorySegment.copy(x, 0, staging, ValueLayout.JAVA_FLOAT, 0, dimension);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        return process(key, staging, 0, now);
    }

    /**
     * As {@link #process(long, float[], long)} with the sample at element {@code xIndex} of a native segment
     * (heap segments work but are slower: the kernels are tuned for native memory).
     */
    public Decision process(long key, MemorySegment x, long xIndex, long now) {
        if (x == null || xIndex < 0 || x.byteSize() / 4 - xIndex < dimension) {
            ensureOpen();
            rejected = KeyModel.increment(rejected);
            throw new IllegalArgumentException(x == null ? "x must not be null" : "x must hold " + dimension
                    + " floats from element " + xIndex + " but has " + x.byteSize() + " bytes");
        }
        long found;
        try {
            // the first access to the store's memory: the arena refuses it once closed (no extra check per sample)
            found = index.find(key);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        if (found < 0) {
            if (kernels.firstNonFinite(x, xIndex, dimension) >= 0) {
                throw nonFinite(x, xIndex); // before the key exists: nothing changes
            }
            return model.first(index.slots, index.insert(key, found, now), x, xIndex);
        }
        long base = index.slotAt(found);
        Decision d = model.step(index.slots, base, x, xIndex);
        if (d == null) {
            throw nonFinite(x, xIndex);
        }
        index.touch(base, now);
        return d;
    }

    /** Cold: the memory refused an access; if this store was closed, says so instead of the arena's bare words. */
    private IllegalStateException closedOr(IllegalStateException e) {
        return closed ? new IllegalStateException("KeyedStore is closed", e) : e;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("KeyedStore is closed");
        }
    }

    /** Cold: counts the refusal and names the first non-finite value. */
    private IllegalArgumentException nonFinite(MemorySegment x, long xIndex) {
        rejected = KeyModel.increment(rejected);
        long bad = Math.max(0, kernels.firstNonFinite(x, xIndex, dimension));
        return new IllegalArgumentException("x[" + bad + "] is "
                + x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, xIndex + bad) + " (values must be finite)");
    }

    /**
     * Examines up to {@code maxExamined} index entries from where the last sweep stopped and evicts keys not seen
     * since {@code now - idle}; does nothing unless {@link Builder#evictIdleAfter} was set.
     *
     * @return the number of keys evicted
     */
    public int evictIdle(long now, int maxExamined) {
        ensureOpen();
        return idleNanos <= 0 ? 0 : index.evictIdle(now, idleNanos, maxExamined);
    }

    // ------------------------------------------------------------------ queries

    /** Whether {@code key} is in the store. */
    public boolean contains(long key) {
        ensureOpen();
        return index.find(key) >= 0;
    }

    /** Copies the estimate of {@code key} into {@code dst}; returns false (and leaves dst) if the key is absent. */
    public boolean estimate(long key, float[] dst) {
        if (dst == null || dst.length < dimension) {
            throw new IllegalArgumentException("dst must hold " + dimension + " floats");
        }
        ensureOpen();
        long p = index.find(key);
        if (p < 0) {
            return false;
        }
        MemorySegment.copy(index.slots, ValueLayout.JAVA_FLOAT, index.slotAt(p) + KeyModel.THETA, dst, 0, dimension);
        return true;
    }

    /** Samples applied for {@code key}, or 0 if absent. */
    public long samples(long key) {
        ensureOpen();
        long p = index.find(key);
        return p < 0 ? 0 : index.slots.get(ValueLayout.JAVA_LONG, index.slotAt(p) + KeyModel.SAMPLES);
    }

    /** Anomalies decided for {@code key}, or 0 if absent. */
    public long anomalies(long key) {
        ensureOpen();
        long p = index.find(key);
        return p < 0 ? 0 : index.slots.get(ValueLayout.JAVA_LONG, index.slotAt(p) + KeyModel.ANOMALIES);
    }

    /** Removes {@code key}; returns whether it was present (not counted as an eviction). */
    public boolean remove(long key) {
        ensureOpen();
        return index.remove(key);
    }

    /** The score of the last processed sample ({@code ||x - theta||} before the step; NaN for a key's first). */
    public double lastScore() {
        return model.lastScore();
    }

    /** The last sample's score over its key's tracked median score (NaN for a key's first two samples). */
    public double lastLevel() {
        return model.lastLevel();
    }

    /** Whether the last processed sample made the threshold's change test fire. */
    public boolean lastChange() {
        return model.lastChange();
    }

    /** Keys in the store. */
    public int size() {
        return index.size();
    }

    /** Samples applied (first samples of keys included). */
    public long samples() {
        return model.samples();
    }

    /** Samples refused (wrong length, non-finite). */
    public long rejected() {
        return rejected;
    }

    /** ANOMALY decisions. */
    public long anomalies() {
        return model.anomalies();
    }

    /** Steps whose gradient was clipped. */
    public long clipped() {
        return model.clipped();
    }

    /** Keys evicted (idle and capacity). */
    public long evictions() {
        return index.evictions();
    }

    /** Keys evicted for being idle. */
    public long idleEvictions() {
        return index.idleEvictions();
    }

    /** The threshold shared by all keys (for inspection; owned by the store's thread). */
    public AdaptiveThreshold threshold() {
        return threshold;
    }

    /** Dimension of the samples. */
    public int dimension() {
        return dimension;
    }

    /** The most keys the store holds. */
    public int maxKeys() {
        return maxKeys;
    }

    /** Bytes allocated off-heap and for the free list. */
    public long memoryBytes() {
        return memoryBytes(dimension, maxKeys);
    }

    /** Frees the memory; idempotent (a store may be closed by its pipeline and by a try-with-resources). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    // ------------------------------------------------------------------ snapshot support

    /**
     * Adds a key from a snapshot record: the key must be absent and the store not full.
     *
     * @throws IllegalStateException if the key is present or the store is full
     */
    void putRecord(long key, long keySamples, long lastSeen, double tracker, long keyAnomalies, MemorySegment params,
                   long paramsOffset) {
        long found = index.find(key);
        if (found >= 0) {
            throw new IllegalStateException("key " + key + " appears twice");
        }
        if (index.full()) {
            throw new IllegalStateException("more keys than the store's capacity of " + maxKeys);
        }
        long base = index.insert(key, found, lastSeen);
        MemorySegment slots = index.slots;
        slots.set(ValueLayout.JAVA_LONG, base + KeyModel.SAMPLES, keySamples);
        slots.set(ValueLayout.JAVA_DOUBLE, base + KeyModel.TRACKER, tracker);
        slots.set(ValueLayout.JAVA_LONG, base + KeyModel.ANOMALIES, keyAnomalies);
        for (int i = 0; i < dimension; i++) {
            slots.set(ValueLayout.JAVA_FLOAT_UNALIGNED, base + KeyModel.THETA + 4L * i,
                    params.get(LITTLE_ENDIAN_FLOAT, paramsOffset + 4L * i));
        }
    }

    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    void restoreCounters(long samples, long rejected, long anomalies, long clipped, long evictions, long idle) {
        model.restoreCounters(samples, anomalies, clipped);
        this.rejected = rejected;
        index.restoreCounters(evictions, idle);
    }

    // ------------------------------------------------------------------ builder

    /** Configures a {@link KeyedStore}; every setter validates eagerly. */
    public static final class Builder {
        final int dimension;
        int maxKeys = 1 << 16;
        /** The budget given to {@link #memoryBudget}, or 0 (maxKeys given, or the default). */
        long memoryBudget;
        StepSize stepSize = StepSize.halfLife(300);
        ClipPolicy clip = ClipPolicy.adaptive();
        double l2;
        double quantile = 0.99;
        double confidence = 0.05;
        AdaptiveThreshold.Method method = AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD;
        int warmup = 16;
        long idleNanos;
        Kernels kernels;
        boolean acceptEarlierPeaksQuantile;

        private Builder(int dimension) {
            this.dimension = checkDimension(dimension);
        }

        /** The most keys held (default 65,536); the memory is {@link KeyedStore#memoryBytes(int, int)}. */
        public Builder maxKeys(int n) {
            if (n < 1 || n > 1 << 30) {
                throw new IllegalArgumentException("maxKeys must be in [1, 2^30]: " + n);
            }
            this.maxKeys = n;
            this.memoryBudget = 0;
            return this;
        }

        /** As many keys as fit in {@code bytes} (see {@link KeyedStore#keysForBudget}). */
        public Builder memoryBudget(long bytes) {
            int n = keysForBudget(dimension, bytes);
            if (n < 1) {
                throw new IllegalArgumentException("a budget of " + bytes + " bytes holds no key of dimension "
                        + dimension + " (one key needs about " + memoryBytes(dimension, 1) + " bytes)");
            }
            maxKeys(Math.min(n, 1 << 30));
            this.memoryBudget = bytes; // an ingest pipeline splits the bytes between its shards, not the keys
            return this;
        }

        /**
         * A constant step: {@link StepSize#constant} in {@code (0, 1]} or {@link StepSize#halfLife} (default
         * half-life 300).
         */
        public Builder stepSize(StepSize s) {
            Objects.requireNonNull(s, "stepSize");
            if (!(s instanceof StepSize.Constant || s instanceof StepSize.HalfLife)) {
                throw new IllegalArgumentException("a keyed store supports constant steps only (constant or "
                        + "halfLife), not " + s);
            }
            if (!(s.eta(0) <= 1)) {
                throw new IllegalArgumentException("a keyed store's step size must be in (0, 1] (it estimates means): "
                        + s);
            }
            this.stepSize = s;
            return this;
        }

        /** {@link ClipPolicy#adaptive} (default), {@link ClipPolicy#fixed} or {@link ClipPolicy#none}. */
        public Builder clip(ClipPolicy c) {
            Objects.requireNonNull(c, "clip");
            if (c instanceof ClipPolicy.RollingQuantile) {
                throw new IllegalArgumentException("a keyed store does not support rollingQuantile clipping "
                        + "(it would need a window per key); use adaptive, fixed or none");
            }
            this.clip = c;
            return this;
        }

        /** The L2 coefficient {@code mu >= 0} (default 0). */
        public Builder l2(double mu) {
            this.l2 = EstimatorConfig.checkL2(mu);
            return this;
        }

        /**
         * The threshold's target quantile {@code p} of the keys' levels (default 0.99); peaks over threshold needs
         * {@code p >= 0.75}, checked by {@link #build()}.
         */
        public Builder quantile(double p) {
            this.quantile = AdaptiveThreshold.checkQuantile(p);
            return this;
        }

        /** The threshold's confidence parameter {@code a} (default 0.05). */
        public Builder confidence(double a) {
            this.confidence = AdaptiveThreshold.checkConfidence(a);
            return this;
        }

        /**
         * How the pooled threshold decides ({@link AdaptiveThreshold.Method}): peaks over threshold (the default; the
         * first ANOMALY possible after 500 levels) or the quantile confidence sequence (no mistake with probability
         * {@code >= 1 - 2a} on a stationary stream, but ABSTAIN for about {@code 315,000} levels at {@code p = 0.99},
         * {@code a = 0.05}; cheaper per sample, see the README's keyed rows). A snapshot restored into a store of the
         * other method keeps its keys and models and starts the threshold afresh.
         */
        public Builder thresholdMethod(AdaptiveThreshold.Method m) {
            this.method = Objects.requireNonNull(m, "threshold method");
            return this;
        }

        /** Samples a key needs before its decisions count (default 16; at least 2). */
        public Builder warmup(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("warmup must be >= 2 samples: " + n);
            }
            this.warmup = n;
            return this;
        }

        /**
         * Evict keys not seen for this long, at most {@code 2^63 - 1} ns (about 292 years; idle times are kept in
         * nanoseconds). Default: never; capacity eviction still applies.
         */
        public Builder evictIdleAfter(Duration idle) {
            Objects.requireNonNull(idle, "idle");
            if (idle.isNegative() || idle.isZero()) {
                throw new IllegalArgumentException("idle time must be > 0: " + idle);
            }
            if (idle.compareTo(MAX_IDLE) > 0) {
                throw new IllegalArgumentException("evictIdleAfter must be at most " + MAX_IDLE + " (2^63 - 1 ns, "
                        + "about 292 years; to never evict idle keys, do not set it): " + idle);
            }
            this.idleNanos = idle.toNanos();
            return this;
        }

        private static final Duration MAX_IDLE = Duration.ofNanos(Long.MAX_VALUE);

        Builder copy() {
            Builder b = new Builder(dimension);
            b.maxKeys = maxKeys;
            b.memoryBudget = memoryBudget;
            b.stepSize = stepSize;
            b.clip = clip;
            b.l2 = l2;
            b.quantile = quantile;
            b.confidence = confidence;
            b.method = method;
            b.warmup = warmup;
            b.idleNanos = idleNanos;
            b.kernels = kernels;
            b.acceptEarlierPeaksQuantile = acceptEarlierPeaksQuantile;
            return b;
        }

        /**
         * Rebuild a store configuration saved by a version without the {@code p >= 0.75} check for peaks over
         * threshold exactly as it was (default false), so that its snapshots restore with their threshold's state
         * (see {@link AdaptiveThreshold.Builder#acceptEarlierPeaksQuantile}). Never set it for a new configuration.
         */
        public Builder acceptEarlierPeaksQuantile(boolean accept) {
            this.acceptEarlierPeaksQuantile = accept;
            return this;
        }

        Builder kernels(Kernels k) {
            this.kernels = k;
            return this;
        }

        /** Allocates the store. */
        public KeyedStore build() {
            return new KeyedStore(this, null);
        }

        KeyedStore build(AdaptiveThreshold threshold) {
            return new KeyedStore(this, threshold);
        }

        /** The dimension. */
        public int dimension() {
            return dimension;
        }
    }
}
