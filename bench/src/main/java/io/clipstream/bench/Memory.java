package io.clipstream.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Where the kernel operands live. */
public enum Memory {
    /** Native memory from an {@link Arena}, 64-byte aligned (a cache line, the widest vector). */
    NATIVE,
    /** A heap segment over a {@code float[]} ({@link MemorySegment#ofArray(float[])}); alignment is the JVM's. */
    HEAP;

    /** A new segment holding a copy of {@code data}. */
    MemorySegment copyOf(float[] data, Arena arena) {
        if (this == HEAP) {
            return MemorySegment.ofArray(data.clone());
        }
        MemorySegment segment = arena.allocate((long) data.length * Float.BYTES, BenchSupport.ALIGNMENT);
        MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_FLOAT, 0, data.length);
        return segment;
    }
}
