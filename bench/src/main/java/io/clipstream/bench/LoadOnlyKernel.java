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

    /** Reads {@code a[aIndex, aIndex + count)} and {@code b[bIndex, bIndex + count)} twice; returns the sum of all reads. */
    static float loadTwice(MemorySegment a, long aIndex, MemorySegment b, long bIndex, int count) {
        long ao = aIndex << 2;
        long bo = bIndex << 2;
        float first = sum(a, ao, b, bo, count);
        return first + sum(a, ao, b, bo, count);
    }

    /** {@code sum_i a[i] + b[i]}, one read of each element. */
    static float sum(MemorySegment a, long ao, MemorySegment b, long bo, int count) {
        final int lanes = SPECIES.length();
        final int bytes = lanes * Float.BYTES;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
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
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            a0 = a0.add(load(a, ao + o));
            b0 = b0.add(load(b, bo + o));
        }
        float sum = a0.add(a1).add(a2.add(a3)).add(b0.add(b1).add(b2.add(b3))).reduceLanes(VectorOperators.ADD);
        for (; i < count; i++) {
            long o = (long) i << 2;
            sum += a.get(FLOAT, ao + o) + b.get(FLOAT, bo + o);
        }
        return sum;
    }

    private static FloatVector load(MemorySegment s, long byteOffset) {
        return FloatVector.fromMemorySegment(SPECIES, s, byteOffset, ORDER);
    }

    /** The vector size in bits, for reports. */
    static int vectorBitSize() {
        return SPECIES.vectorBitSize();
    }
}
