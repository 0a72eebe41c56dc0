package io.clipstream.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The load roofline of the clipped mean step: it loads exactly the bytes {@code clippedMeanStep} loads
 * ({@code theta} and {@code x}, each read twice: {@code 16 * count} bytes) and does nothing with them but cheap
 * vector adds, so its time is what the loads alone cost at whatever cache level the data sits.
 *
 * <p>Same loop shape as the kernels (4-vector body, one-vector tail, scalar tail) with the preferred species in a
 * {@code static final} field. Eight accumulators, one per load stream of the 4-vector body: with two loads per
 * cycle, each accumulator's add chain has four cycles per add, which covers the 3-4 cycle add latency, so the
 * loads and not the adds set the pace.
 */
final class LoadOnlyKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private LoadOnlyKernel() {
    }

    /**
     * Reads {@code a[aIndex, aIndex + count)} and {@code b[bIndex, bIndex + count)} twice and returns the sum of
     * everything read. The accumulators live across both passes and are reduced once at the end, as the step
     * reduces once (after pass 1), so the fixed per-call cost is comparable too.
     */
    static float loadTwice(MemorySegment aSegment, long aIndex, MemorySegment bSegment, long bIndex, int count) {
        // Loops over slices of exactly count elements, indexed from 0, as the kernels do: against the slice's
        // size C2 proves every load in range once; over base + offset of a large segment it keeps a bounds
        // check per load, and the roofline would be slower than the step it bounds.
        final MemorySegment a = aSegment.asSlice(aIndex << 2, (long) count << 2);
        final MemorySegment b = bSegment.asSlice(bIndex << 2, (long) count << 2);
        final long ao = 0;
        final long bo = 0;
        final int lanes = SPECIES.length();
        final int bytes = lanes * Float.BYTES;
        final int unrolled = count & -(4 * lanes);
        final int vectors = count & -lanes;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        float tail = 0f;
        for (int pass = 0; pass < 2; pass++) {
            int i = 0;
            for (; i < unrolled; i += 4 * lanes) {
                long o = (long) i << 2;
                a0 = a0.add(load(a, ao + o));
                b0 = b0.add(load(b, bo + o));
                a1 = a1.add(load(a, ao + o + bytes));
                b1 = b1.add(load(b, bo + o + bytes));
                a2 = a2.add(load(a, ao + o + 2 * bytes));
                b2 = b2.add(load(b, bo + o + 2 * bytes));
                a3 = a3.add(load(a, ao + o + 3 * bytes));
                b3 = b3.add(load(b, bo + o + 3 * bytes));
            }
            for (; i < vectors; i += lanes) {
                long o = (long) i << 2;
                a0 = a0.add(load(a, ao + o));
                b0 = b0.add(load(b, bo + o));
            }
            for (; i < count; i++) {
                long o = (long) i << 2;
                tail += a.get(FLOAT, ao + o) + b.get(FLOAT, bo + o);
            }
        }
        return a0.add(a1).add(a2.add(a3)).add(b0.add(b1).add(b2.add(b3))).reduceLanes(VectorOperators.ADD) + tail;
    }

    private static FloatVector load(MemorySegment s, long byteOffset) {
        return FloatVector.fromMemorySegment(SPECIES, s, byteOffset, ORDER);
    }

    /** The vector size in bits, for reports. */
    static int vectorBitSize() {
        return SPECIES.vectorBitSize();
    }
}
