package io.clipstream.bench;

/**
 * How the estimator benchmarks hand a sample to the facade (and the same memory kind to the raw kernel they are
 * compared with).
 */
public enum Input {
    /**
     * {@code update(MemorySegment, index, ...)} on a native, 64-byte aligned slab holding the whole sample pool;
     * the raw kernel reads the same slab.
     */
    SEGMENT,
    /**
     * {@code update(float[], ...)} on one {@code float[d]} buffer that is refilled from the pool by
     * {@code System.arraycopy} before every call: the documented zero-allocation pattern (the facade caches the
     * segment view of the last array it saw). The raw kernel baseline does the same copy and reads the same
     * buffer through one {@code MemorySegment.ofArray} view made in set-up, so the copy is in both times.
     */
    REUSED,
    /**
     * {@code update(float[], ...)} with a different {@code float[d]} every call (the pool's rows as separate
     * arrays): the pattern the facade's one-array cache cannot serve, so it wraps each array anew. The raw kernel
     * reads views made once in set-up. Not in the suite; select it with {@code -p input=DISTINCT}.
     */
    DISTINCT
}
