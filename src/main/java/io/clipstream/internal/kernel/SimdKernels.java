package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.Kernels.WIDE_THRESHOLD;
import static io.clipstream.internal.kernel.StepMath.DOUBLE;
import static io.clipstream.internal.kernel.StepMath.FLOAT;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of {@link Kernels}: equal to {@link ScalarKernels} bit for bit for element-wise
 * operations, and up to reassociation for reductions (the float accumulation runs in {@code 4 x lanes}
 * interleaved partial sums, then a lane reduction, then the scalar tail).
 *
 * <h2>Why one subclass per width</h2>
 * C2 only intrinsifies vector operations whose species it knows as a constant. The unrolled kernel bodies are
 * too large (400+ bytecodes) to be inlined into callers, so they are compiled on their own, where a species
 * read from an instance field (or a record component) is just a load from {@code this}: measured here, the
 * vectors then box and the mean step at d=1024 ran ~10x slower than with a constant. Each width is therefore
 * a tiny final subclass whose {@link #species()} returns a {@code static final} constant. Production loads
 * exactly one of them, so the call is monomorphic and folds to that constant inside the standalone-compiled
 * kernels. Tests create all three on one machine via {@link #create}; they then run megamorphic and slower,
 * which is fine for correctness, and the build re-runs them with {@code -XX:MaxVectorSize=32} and {@code =16} to
 * cover the compiled 256- and 128-bit production paths.
 *
 * <h2>Loop shape</h2>
 * Every loop has the same shape: a body unrolled 4 vectors wide (4 accumulators hide the 4-cycle FMA
 * latency while the two load ports stay busy), a one-vector tail, a scalar tail, then the reduction.
 *
 * <p>Loops index the caller's segment directly ({@code base + ((long) i << 2)}, an {@code int} counter) and
 * every public method checks all its ranges once, up front ({@link #checkRange}), so an out-of-range call fails
 * before anything is written. Slicing each input first and indexing the slice from 0 was tried and reverted:
 * on native memory it let C2 drop the per-load bounds checks (10-35% faster below d = 1024), but the slices
 * escaped (80-160 B per call) once d reached a few thousand, and on heap segments C2 fell into an endless
 * deoptimisation loop ({@code profile_predicate} traps on the loop back-edges) that left the kernels 100x slower
 * and allocating boxed vectors. See native-notes/ for the measurements. The {@code assert}s after each loop state its shape (the scalar tail handles
 * fewer than L elements): a loop bound that silently sent the work to the scalar tail would still compute the
 * right values, only slower, and the tests (run with {@code -ea}) would not notice without them.
 */
public abstract sealed class SimdKernels implements Kernels
        permits SimdKernels.Bits128, SimdKernels.Bits256, SimdKernels.Bits512 {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /**
     * Up to this many floats, the two passes of the mean step on native segments run over slices of exactly
     * their range. C2 wraps every kernel loop in a checked first iteration, a second one, the unrolled main loop
     * (check-free in both forms) and a post loop. Over a slice the checks are plain compares against the
     * slice's known size; over offsets into the caller's segment each load's check sits behind ~15 instructions
     * of saturating clamp arithmetic and 16 more checks are hoisted in front of the main loop: about 180 more
     * instructions per call and pass (native-notes, section 3), measured as 10 ns per pass at d = 256 and 1024
     * (the difference between 60% and 75% of the load roofline at d = 1024). Above the limit the offset form is
     * used: there the fixed cost is negligible, and C2 stopped inlining {@code asSlice} (its call site looks cold
     * next to the long loop), so the slices escaped and allocated 80-160 B per call. Heap segments always take
     * the offset form: slicing them sent C2 into a loop of {@code profile_predicate} deoptimisations under JMH.
     * Both forms share the same loop shape and reduction order, so they return the same bits.
     */
    static final int SLICE_LIMIT = 2048;

    /** Whether multiply-add steps are fused; a plain field, its branch is loop-invariant and profiled away. */
    private final boolean fma;

    private SimdKernels(boolean fma) {
        this.fma = fma;
    }

    /**
     * Creates kernels for a float species of 128, 256 or 512 bits.
     *
     * @param species the vector shape
     * @param fma whether multiply-add steps are fused (only set where the JVM's {@code UseFMA} is on)
     * @return the kernels
     * @throws IllegalArgumentException if the species is not a 128-, 256- or 512-bit float species
     */
    public static SimdKernels create(VectorSpecies<Float> species, boolean fma) {
        if (species.elementType() != float.class) {
            throw new IllegalArgumentException("species must have float lanes: " + species);
        }
        return switch (species.vectorBitSize()) {
            case 128 -> new Bits128(fma);
            case 256 -> new Bits256(fma);
            case 512 -> new Bits512(fma);
            default -> throw new IllegalArgumentException("unsupported vector size (expected 128, 256 or 512 bits): "
                    + species);
        };
    }

    /** The vector shape: a {@code static final} constant of the concrete subclass. */
    public abstract VectorSpecies<Float> species();

    /** 128-bit vectors (4 floats). */
    static final class Bits128 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_128;

        Bits128(boolean fma) {
            super(fma);
        }

        @Override
        public VectorSpecies<Float> species() {
            return SPECIES;
        }

    }

    /** 256-bit vectors (8 floats). */
    static final class Bits256 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

        Bits256(boolean fma) {
            super(fma);
        }

        @Override
        public VectorSpecies<Float> species() {
            return SPECIES;
        }

    }

    /** 512-bit vectors (16 floats). */
    static final class Bits512 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

        Bits512(boolean fma) {
            super(fma);
        }

        @Override
        public VectorSpecies<Float> species() {
            return SPECIES;
        }

    }

    @Override
    public boolean fma() {
        return fma;
    }

    @Override
    public String name() {
        return "simd-" + species().vectorBitSize() + (fma ? "" : "-nofma");
    }

    @Override
    public int vectorBitSize() {
        return species().vectorBitSize();
    }

    @Override
    public String toString() {
        return name();
    }

    private static long offset(long index) {
        return index << 2;
    }

    /** Checks that {@code n} rows of {@code count} floats, {@code stride} apart, lie inside {@code s}. */
    private static void checkRows(MemorySegment s, long index, long stride, int n, int count) {
        if (n > 0) {
            checkRange(s, index, (n - 1) * stride + count);
        }
    }

    /** Checks that {@code count} floats from element {@code index} lie inside {@code s}; O(1), no allocation. */
    private static void checkRange(MemorySegment s, long index, long count) {
        Objects.checkFromIndexSize(index << 2, count << 2, s.byteSize());
    }

    private FloatVector load(MemorySegment s, long byteOffset) {
        return FloatVector.fromMemorySegment(species(), s, byteOffset, ORDER);
    }

    private FloatVector mulAdd(FloatVector a, FloatVector b, FloatVector c) {
        return fma ? a.fma(b, c) : a.mul(b).add(c);
    }

    /** The broadcast of {@code b} is loop-invariant; C2 hoists it out of the loops that call this. */
    private FloatVector mulAdd(FloatVector a, float b, FloatVector c) {
        return fma ? a.fma(a.broadcast(b), c) : a.mul(b).add(c);
    }

    private float mulAdd(float a, float b, float c) {
        return fma ? Math.fma(a, b, c) : a * b + c;
    }

    // SUM ORDER. Every reduction adds its four accumulators lane-wise and then sums the lanes of the result in a
    // fixed order, the pairwise tree that adds the upper half onto the lower half down to lane 0, spelt out at the
    // site as scalar adds of extracted lanes. reduceLanes(ADD) leaves the order to the implementation, and it
    // differs between the interpreter (lane by lane) and C2 (a tree at 128 and 256 bits): an estimator then gave
    // different last bits before and after JIT compilation, and a snapshot restored in a fresh JVM did not continue
    // bit-identically (KernelDeterminismTest). Scalar float adds are exact in every tier. The tree is written out
    // at every site instead of in a helper on purpose: a vector passed to a method C2 does not inline is boxed, and
    // a helper this size is not inlined where C2 judges the call cold (an OSR compile of a long loop): helpers cost
    // 96 bytes per reduction at d = 65536 and far more inside large callers (AllocationProbe). v.length() is a
    // constant of the vector's class, so C2 keeps one branch.

    // ---------------------------------------------------------------- reductions

    @Override
    public double dot(MemorySegment a, long aIndex, MemorySegment b, long bIndex, int count) {
        float sum = dotFloat(a, offset(aIndex), b, offset(bIndex), count);
        return Math.abs(sum) < WIDE_THRESHOLD ? sum : StepMath.wideDot(a, aIndex, b, bIndex, count);
    }

    private float dotFloat(MemorySegment aSegment, long aOffset, MemorySegment bSegment, long bOffset, int count) {
        final MemorySegment a = aSegment;
        final long aBase = aOffset;
        final MemorySegment b = bSegment;
        final long bBase = bOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        FloatVector acc0 = FloatVector.zero(species());
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            acc0 = mulAdd(load(a, aBase + o), load(b, bBase + o), acc0);
            acc1 = mulAdd(load(a, aBase + o + bytes), load(b, bBase + o + bytes), acc1);
            acc2 = mulAdd(load(a, aBase + o + 2 * bytes), load(b, bBase + o + 2 * bytes), acc2);
            acc3 = mulAdd(load(a, aBase + o + 3 * bytes), load(b, bBase + o + 3 * bytes), acc3);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            acc0 = mulAdd(load(a, aBase + o), load(b, bBase + o), acc0);
        }
        FloatVector totalV = acc0.add(acc1).add(acc2.add(acc3)); // sum: see SUM ORDER
        float sum = totalV.length() == 16
                ? ((((totalV.lane(0) + totalV.lane(8)) + (totalV.lane(4) + totalV.lane(12)))
                        + ((totalV.lane(2) + totalV.lane(10)) + (totalV.lane(6) + totalV.lane(14))))
                        + (((totalV.lane(1) + totalV.lane(9)) + (totalV.lane(5) + totalV.lane(13)))
                        + ((totalV.lane(3) + totalV.lane(11)) + (totalV.lane(7) + totalV.lane(15)))))
                : totalV.length() == 8
                ? (((totalV.lane(0) + totalV.lane(4)) + (totalV.lane(2) + totalV.lane(6)))
                        + ((totalV.lane(1) + totalV.lane(5)) + (totalV.lane(3) + totalV.lane(7))))
                : ((totalV.lane(0) + totalV.lane(2)) + (totalV.lane(1) + totalV.lane(3)));
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            sum = mulAdd(a.get(FLOAT, aBase + o), b.get(FLOAT, bBase + o), sum);
        }
        return sum;
    }

    @Override
    public double sumSquares(MemorySegment aSegment, long aIndex, int count) {
        final MemorySegment a = aSegment;
        final long aBase = offset(aIndex);
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        FloatVector acc0 = FloatVector.zero(species());
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector v0 = load(a, aBase + o);
            FloatVector v1 = load(a, aBase + o + bytes);
            FloatVector v2 = load(a, aBase + o + 2 * bytes);
            FloatVector v3 = load(a, aBase + o + 3 * bytes);
            acc0 = mulAdd(v0, v0, acc0);
            acc1 = mulAdd(v1, v1, acc1);
            acc2 = mulAdd(v2, v2, acc2);
            acc3 = mulAdd(v3, v3, acc3);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector v0 = load(a, aBase + o);
            acc0 = mulAdd(v0, v0, acc0);
        }
        FloatVector totalV = acc0.add(acc1).add(acc2.add(acc3)); // sum: see SUM ORDER
        float sum = totalV.length() == 16
                ? ((((totalV.lane(0) + totalV.lane(8)) + (totalV.lane(4) + totalV.lane(12)))
                        + ((totalV.lane(2) + totalV.lane(10)) + (totalV.lane(6) + totalV.lane(14))))
                        + (((totalV.lane(1) + totalV.lane(9)) + (totalV.lane(5) + totalV.lane(13)))
                        + ((totalV.lane(3) + totalV.lane(11)) + (totalV.lane(7) + totalV.lane(15)))))
                : totalV.length() == 8
                ? (((totalV.lane(0) + totalV.lane(4)) + (totalV.lane(2) + totalV.lane(6)))
                        + ((totalV.lane(1) + totalV.lane(5)) + (totalV.lane(3) + totalV.lane(7))))
                : ((totalV.lane(0) + totalV.lane(2)) + (totalV.lane(1) + totalV.lane(3)));
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            float v = a.get(FLOAT, aBase + ((long) i << 2));
            sum = mulAdd(v, v, sum);
        }
        return sum < WIDE_THRESHOLD ? sum : StepMath.wideSumSquares(aSegment, aIndex, count);
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public void axpy(float alpha, MemorySegment x, long xIndex, MemorySegment y, long yIndex, int count) {
        checkRange(x, xIndex, count);
        checkRange(y, yIndex, count);
        axpyOffsets(alpha, x, offset(xIndex), y, offset(yIndex), count);
    }

    @Override
    public void scale(float alpha, MemorySegment xSegment, long xIndex, int count) {
        checkRange(xSegment, xIndex, count);
        final MemorySegment x = xSegment;
        final long xBase = offset(xIndex);
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector v0 = load(x, xBase + o);
            FloatVector v1 = load(x, xBase + o + bytes);
            FloatVector v2 = load(x, xBase + o + 2 * bytes);
            FloatVector v3 = load(x, xBase + o + 3 * bytes);
            v0.mul(alpha).intoMemorySegment(x, xBase + o, ORDER);
            v1.mul(alpha).intoMemorySegment(x, xBase + o + bytes, ORDER);
            v2.mul(alpha).intoMemorySegment(x, xBase + o + 2 * bytes, ORDER);
            v3.mul(alpha).intoMemorySegment(x, xBase + o + 3 * bytes, ORDER);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector v0 = load(x, xBase + o);
            v0.mul(alpha).intoMemorySegment(x, xBase + o, ORDER);
        }
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            x.set(FLOAT, xBase + o, alpha * x.get(FLOAT, xBase + o));
        }
    }

    /** {@code y_i = mulAdd(x_i, a, y_i)}: axpy, and the model update when {@code b == 1}. */
    private void axpyOffsets(float a, MemorySegment xSegment, long xOffset, MemorySegment ySegment, long yOffset,
                             int count) {
        final MemorySegment x = xSegment;
        final long xBase = xOffset;
        final MemorySegment y = ySegment;
        final long yBase = yOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector x0 = load(x, xBase + o);
            FloatVector x1 = load(x, xBase + o + bytes);
            FloatVector x2 = load(x, xBase + o + 2 * bytes);
            FloatVector x3 = load(x, xBase + o + 3 * bytes);
            mulAdd(x0, a, load(y, yBase + o)).intoMemorySegment(y, yBase + o, ORDER);
            mulAdd(x1, a, load(y, yBase + o + bytes)).intoMemorySegment(y, yBase + o + bytes, ORDER);
            mulAdd(x2, a, load(y, yBase + o + 2 * bytes)).intoMemorySegment(y, yBase + o + 2 * bytes, ORDER);
            mulAdd(x3, a, load(y, yBase + o + 3 * bytes)).intoMemorySegment(y, yBase + o + 3 * bytes, ORDER);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector x0 = load(x, xBase + o);
            mulAdd(x0, a, load(y, yBase + o)).intoMemorySegment(y, yBase + o, ORDER);
        }
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            y.set(FLOAT, yBase + o, mulAdd(x.get(FLOAT, xBase + o), a, y.get(FLOAT, yBase + o)));
        }
    }

    // ---------------------------------------------------------------- fused clipped-SGD steps

    @Override
    public double clippedMeanStep(MemorySegment theta, long thetaIndex, MemorySegment x, long xIndex, int count,
                                  float eta, float lambda, float mu) {
        final long to = offset(thetaIndex);
        final long xo = offset(xIndex);
        final float k = 1f + mu;
        final float sum = scaledSquaredDistance(-k, theta, to, x, xo, count);
        final float s = StepMath.meanFastScale(sum, eta, lambda, k);
        if (s != s) {
            return StepMath.wideMeanStep(theta, thetaIndex, x, xIndex, count, eta, lambda, mu);
        }
        meanUpdate(theta, to, x, xo, count, -k, s);
        return Math.sqrt(sum);
    }

    /** Pass 1 of the mean step: {@code sum (x_i - k t_i)^2} in float, {@code d = mulAdd(t, negK, x)}. */
    private float scaledSquaredDistance(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment,
                                        long xOffset, int count) {
        if (count <= SLICE_LIMIT && tSegment.isNative() && xSegment.isNative()) {
            return scaledSquaredDistanceSliced(negK, tSegment, tOffset, xSegment, xOffset, count);
        }
        final MemorySegment t = tSegment;
        final long tBase = tOffset;
        final MemorySegment x = xSegment;
        final long xBase = xOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        FloatVector acc0 = FloatVector.zero(species());
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector d0 = mulAdd(load(t, tBase + o), negK, load(x, xBase + o));
            FloatVector d1 = mulAdd(load(t, tBase + o + bytes), negK, load(x, xBase + o + bytes));
            FloatVector d2 = mulAdd(load(t, tBase + o + 2 * bytes), negK, load(x, xBase + o + 2 * bytes));
            FloatVector d3 = mulAdd(load(t, tBase + o + 3 * bytes), negK, load(x, xBase + o + 3 * bytes));
            acc0 = mulAdd(d0, d0, acc0);
            acc1 = mulAdd(d1, d1, acc1);
            acc2 = mulAdd(d2, d2, acc2);
            acc3 = mulAdd(d3, d3, acc3);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector d0 = mulAdd(load(t, tBase + o), negK, load(x, xBase + o));
            acc0 = mulAdd(d0, d0, acc0);
        }
        FloatVector totalV = acc0.add(acc1).add(acc2.add(acc3)); // sum: see SUM ORDER
        float sum = totalV.length() == 16
                ? ((((totalV.lane(0) + totalV.lane(8)) + (totalV.lane(4) + totalV.lane(12)))
                        + ((totalV.lane(2) + totalV.lane(10)) + (totalV.lane(6) + totalV.lane(14))))
                        + (((totalV.lane(1) + totalV.lane(9)) + (totalV.lane(5) + totalV.lane(13)))
                        + ((totalV.lane(3) + totalV.lane(11)) + (totalV.lane(7) + totalV.lane(15)))))
                : totalV.length() == 8
                ? (((totalV.lane(0) + totalV.lane(4)) + (totalV.lane(2) + totalV.lane(6)))
                        + ((totalV.lane(1) + totalV.lane(5)) + (totalV.lane(3) + totalV.lane(7))))
                : ((totalV.lane(0) + totalV.lane(2)) + (totalV.lane(1) + totalV.lane(3)));
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            float d = mulAdd(t.get(FLOAT, tBase + o), negK, x.get(FLOAT, xBase + o));
            sum = mulAdd(d, d, sum);
        }
        return sum;
    }

    /** The twin of the method above over slices; see {@link #SLICE_LIMIT}. Keep the two loops identical. */
    private float scaledSquaredDistanceSliced(float negK, MemorySegment tSegment, long tOffset,
                                              MemorySegment xSegment, long xOffset, int count) {
        final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
        final long tBase = 0;
        final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
        final long xBase = 0;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        FloatVector acc0 = FloatVector.zero(species());
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector d0 = mulAdd(load(t, tBase + o), negK, load(x, xBase + o));
            FloatVector d1 = mulAdd(load(t, tBase + o + bytes), negK, load(x, xBase + o + bytes));
            FloatVector d2 = mulAdd(load(t, tBase + o + 2 * bytes), negK, load(x, xBase + o + 2 * bytes));
            FloatVector d3 = mulAdd(load(t, tBase + o + 3 * bytes), negK, load(x, xBase + o + 3 * bytes));
            acc0 = mulAdd(d0, d0, acc0);
            acc1 = mulAdd(d1, d1, acc1);
            acc2 = mulAdd(d2, d2, acc2);
            acc3 = mulAdd(d3, d3, acc3);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector d0 = mulAdd(load(t, tBase + o), negK, load(x, xBase + o));
            acc0 = mulAdd(d0, d0, acc0);
        }
        FloatVector totalV = acc0.add(acc1).add(acc2.add(acc3)); // sum: see SUM ORDER
        float sum = totalV.length() == 16
                ? ((((totalV.lane(0) + totalV.lane(8)) + (totalV.lane(4) + totalV.lane(12)))
                        + ((totalV.lane(2) + totalV.lane(10)) + (totalV.lane(6) + totalV.lane(14))))
                        + (((totalV.lane(1) + totalV.lane(9)) + (totalV.lane(5) + totalV.lane(13)))
                        + ((totalV.lane(3) + totalV.lane(11)) + (totalV.lane(7) + totalV.lane(15)))))
                : totalV.length() == 8
                ? (((totalV.lane(0) + totalV.lane(4)) + (totalV.lane(2) + totalV.lane(6)))
                        + ((totalV.lane(1) + totalV.lane(5)) + (totalV.lane(3) + totalV.lane(7))))
                : ((totalV.lane(0) + totalV.lane(2)) + (totalV.lane(1) + totalV.lane(3)));
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            float d = mulAdd(t.get(FLOAT, tBase + o), negK, x.get(FLOAT, xBase + o));
            sum = mulAdd(d, d, sum);
        }
        return sum;
    }

    /** Pass 2 of the mean step: {@code t = mulAdd(mulAdd(t, negK, x), s, t)}. */
    private void meanUpdate(MemorySegment tSegment, long tOffset, MemorySegment xSegment, long xOffset, int count,
                            float negK, float s) {
        if (count <= SLICE_LIMIT && tSegment.isNative() && xSegment.isNative()) {
            meanUpdateSliced(tSegment, tOffset, xSegment, xOffset, count, negK, s);
            return;
        }
        final MemorySegment t = tSegment;
        final long tBase = tOffset;
        final MemorySegment x = xSegment;
        final long xBase = xOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector t0 = load(t, tBase + o);
            FloatVector t1 = load(t, tBase + o + bytes);
            FloatVector t2 = load(t, tBase + o + 2 * bytes);
            FloatVector t3 = load(t, tBase + o + 3 * bytes);
            FloatVector d0 = mulAdd(t0, negK, load(x, xBase + o));
            FloatVector d1 = mulAdd(t1, negK, load(x, xBase + o + bytes));
            FloatVector d2 = mulAdd(t2, negK, load(x, xBase + o + 2 * bytes));
            FloatVector d3 = mulAdd(t3, negK, load(x, xBase + o + 3 * bytes));
            mulAdd(d0, s, t0).intoMemorySegment(t, tBase + o, ORDER);
            mulAdd(d1, s, t1).intoMemorySegment(t, tBase + o + bytes, ORDER);
            mulAdd(d2, s, t2).intoMemorySegment(t, tBase + o + 2 * bytes, ORDER);
            mulAdd(d3, s, t3).intoMemorySegment(t, tBase + o + 3 * bytes, ORDER);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector t0 = load(t, tBase + o);
            FloatVector d0 = mulAdd(t0, negK, load(x, xBase + o));
            mulAdd(d0, s, t0).intoMemorySegment(t, tBase + o, ORDER);
        }
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            float t0 = t.get(FLOAT, tBase + o);
            t.set(FLOAT, tBase + o, mulAdd(mulAdd(t0, negK, x.get(FLOAT, xBase + o)), s, t0));
        }
    }

    /** The twin of the method above over slices; see {@link #SLICE_LIMIT}. Keep the two loops identical. */
    private void meanUpdateSliced(MemorySegment tSegment, long tOffset, MemorySegment xSegment, long xOffset,
                                  int count, float negK, float s) {
        final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
        final long tBase = 0;
        final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
        final long xBase = 0;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector t0 = load(t, tBase + o);
            FloatVector t1 = load(t, tBase + o + bytes);
            FloatVector t2 = load(t, tBase + o + 2 * bytes);
            FloatVector t3 = load(t, tBase + o + 3 * bytes);
            FloatVector d0 = mulAdd(t0, negK, load(x, xBase + o));
            FloatVector d1 = mulAdd(t1, negK, load(x, xBase + o + bytes));
            FloatVector d2 = mulAdd(t2, negK, load(x, xBase + o + 2 * bytes));
            FloatVector d3 = mulAdd(t3, negK, load(x, xBase + o + 3 * bytes));
            mulAdd(d0, s, t0).intoMemorySegment(t, tBase + o, ORDER);
            mulAdd(d1, s, t1).intoMemorySegment(t, tBase + o + bytes, ORDER);
            mulAdd(d2, s, t2).intoMemorySegment(t, tBase + o + 2 * bytes, ORDER);
            mulAdd(d3, s, t3).intoMemorySegment(t, tBase + o + 3 * bytes, ORDER);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector t0 = load(t, tBase + o);
            FloatVector d0 = mulAdd(t0, negK, load(x, xBase + o));
            mulAdd(d0, s, t0).intoMemorySegment(t, tBase + o, ORDER);
        }
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            float t0 = t.get(FLOAT, tBase + o);
            t.set(FLOAT, tBase + o, mulAdd(mulAdd(t0, negK, x.get(FLOAT, xBase + o)), s, t0));
        }
    }

    @Override
    public double clippedLinearStep(MemorySegment w, long wIndex, MemorySegment x, long xIndex, int count,
                                    float y, double eta, float lambda, float mu, StepResult result) {
        return modelStep(false, w, wIndex, x, xIndex, count, y, eta, lambda, mu, result);
    }

    @Override
    public double clippedLogisticStep(MemorySegment w, long wIndex, MemorySegment x, long xIndex, int count,
                                      float y, double eta, float lambda, float mu, StepResult result) {
        return modelStep(true, w, wIndex, x, xIndex, count, y, eta, lambda, mu, result);
    }

    private double modelStep(boolean logistic, MemorySegment w, long wIndex, MemorySegment x, long xIndex,
                             int count, float y, double eta, float lambda, float mu, StepResult result) {
        final long wo = offset(wIndex);
        final long xo = offset(xIndex);
        modelPass1(w, wo, x, xo, count, result);
        if (!StepMath.modelFast(logistic, y, eta, lambda, mu, (float) result.margin, (float) result.xNormSquared,
                (float) result.wNormSquared, result)) {
            return StepMath.wideModelStep(logistic, w, wIndex, x, xIndex, count, y, eta, lambda, mu, result);
        }
        final float b = result.wCoefficient;
        if (b == 1f) {
            axpyOffsets(result.xCoefficient, x, xo, w, wo, count);
        } else {
            modelUpdate(w, wo, x, xo, count, result.xCoefficient, b);
        }
        return result.gradientNorm;
    }

    /**
     * Pass 1 of the model steps: {@code w.x}, {@code ||x||^2} and {@code ||w||^2} in one sweep (two loads, three
     * multiply-adds per vector; 12 accumulators fit in the 16 AVX2 registers with the two loaded vectors).
     * Results are the float sums, stored widened in {@code r}.
     */
    private void modelPass1(MemorySegment wSegment, long wOffset, MemorySegment xSegment, long xOffset, int count,
                            StepResult r) {
        final MemorySegment w = wSegment;
        final long wBase = wOffset;
        final MemorySegment x = xSegment;
        final long xBase = xOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        FloatVector m0 = FloatVector.zero(species());
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        FloatVector xx0 = m0;
        FloatVector xx1 = m0;
        FloatVector xx2 = m0;
        FloatVector xx3 = m0;
        FloatVector ww0 = m0;
        FloatVector ww1 = m0;
        FloatVector ww2 = m0;
        FloatVector ww3 = m0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector w0 = load(w, wBase + o);
            FloatVector x0 = load(x, xBase + o);
            m0 = mulAdd(w0, x0, m0);
            xx0 = mulAdd(x0, x0, xx0);
            ww0 = mulAdd(w0, w0, ww0);
            FloatVector w1 = load(w, wBase + o + bytes);
            FloatVector x1 = load(x, xBase + o + bytes);
            m1 = mulAdd(w1, x1, m1);
            xx1 = mulAdd(x1, x1, xx1);
            ww1 = mulAdd(w1, w1, ww1);
            FloatVector w2 = load(w, wBase + o + 2 * bytes);
            FloatVector x2 = load(x, xBase + o + 2 * bytes);
            m2 = mulAdd(w2, x2, m2);
            xx2 = mulAdd(x2, x2, xx2);
            ww2 = mulAdd(w2, w2, ww2);
            FloatVector w3 = load(w, wBase + o + 3 * bytes);
            FloatVector x3 = load(x, xBase + o + 3 * bytes);
            m3 = mulAdd(w3, x3, m3);
            xx3 = mulAdd(x3, x3, xx3);
            ww3 = mulAdd(w3, w3, ww3);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector w0 = load(w, wBase + o);
            FloatVector x0 = load(x, xBase + o);
            m0 = mulAdd(w0, x0, m0);
            xx0 = mulAdd(x0, x0, xx0);
            ww0 = mulAdd(w0, w0, ww0);
        }
        FloatVector mV = m0.add(m1).add(m2.add(m3)); // sum: see SUM ORDER
        float m = mV.length() == 16
                ? ((((mV.lane(0) + mV.lane(8)) + (mV.lane(4) + mV.lane(12)))
                        + ((mV.lane(2) + mV.lane(10)) + (mV.lane(6) + mV.lane(14))))
                        + (((mV.lane(1) + mV.lane(9)) + (mV.lane(5) + mV.lane(13)))
                        + ((mV.lane(3) + mV.lane(11)) + (mV.lane(7) + mV.lane(15)))))
                : mV.length() == 8
                ? (((mV.lane(0) + mV.lane(4)) + (mV.lane(2) + mV.lane(6)))
                        + ((mV.lane(1) + mV.lane(5)) + (mV.lane(3) + mV.lane(7))))
                : ((mV.lane(0) + mV.lane(2)) + (mV.lane(1) + mV.lane(3)));
        FloatVector xxV = xx0.add(xx1).add(xx2.add(xx3)); // sum: see SUM ORDER
        float xx = xxV.length() == 16
                ? ((((xxV.lane(0) + xxV.lane(8)) + (xxV.lane(4) + xxV.lane(12)))
                        + ((xxV.lane(2) + xxV.lane(10)) + (xxV.lane(6) + xxV.lane(14))))
                        + (((xxV.lane(1) + xxV.lane(9)) + (xxV.lane(5) + xxV.lane(13)))
                        + ((xxV.lane(3) + xxV.lane(11)) + (xxV.lane(7) + xxV.lane(15)))))
                : xxV.length() == 8
                ? (((xxV.lane(0) + xxV.lane(4)) + (xxV.lane(2) + xxV.lane(6)))
                        + ((xxV.lane(1) + xxV.lane(5)) + (xxV.lane(3) + xxV.lane(7))))
                : ((xxV.lane(0) + xxV.lane(2)) + (xxV.lane(1) + xxV.lane(3)));
        FloatVector wwV = ww0.add(ww1).add(ww2.add(ww3)); // sum: see SUM ORDER
        float ww = wwV.length() == 16
                ? ((((wwV.lane(0) + wwV.lane(8)) + (wwV.lane(4) + wwV.lane(12)))
                        + ((wwV.lane(2) + wwV.lane(10)) + (wwV.lane(6) + wwV.lane(14))))
                        + (((wwV.lane(1) + wwV.lane(9)) + (wwV.lane(5) + wwV.lane(13)))
                        + ((wwV.lane(3) + wwV.lane(11)) + (wwV.lane(7) + wwV.lane(15)))))
                : wwV.length() == 8
                ? (((wwV.lane(0) + wwV.lane(4)) + (wwV.lane(2) + wwV.lane(6)))
                        + ((wwV.lane(1) + wwV.lane(5)) + (wwV.lane(3) + wwV.lane(7))))
                : ((wwV.lane(0) + wwV.lane(2)) + (wwV.lane(1) + wwV.lane(3)));
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            float wi = w.get(FLOAT, wBase + o);
            float xi = x.get(FLOAT, xBase + o);
            m = mulAdd(wi, xi, m);
            xx = mulAdd(xi, xi, xx);
            ww = mulAdd(wi, wi, ww);
        }
        r.margin = m;
        r.xNormSquared = xx;
        r.wNormSquared = ww;
    }

    /** {@code w_i = mulAdd(x_i, a, w_i * b)}: the model update with an L2 term. */
    private void modelUpdate(MemorySegment wSegment, long wOffset, MemorySegment xSegment, long xOffset, int count,
                             float a, float b) {
        final MemorySegment w = wSegment;
        final long wBase = wOffset;
        final MemorySegment x = xSegment;
        final long xBase = xOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector w0 = load(w, wBase + o).mul(b);
            FloatVector w1 = load(w, wBase + o + bytes).mul(b);
            FloatVector w2 = load(w, wBase + o + 2 * bytes).mul(b);
            FloatVector w3 = load(w, wBase + o + 3 * bytes).mul(b);
            mulAdd(load(x, xBase + o), a, w0).intoMemorySegment(w, wBase + o, ORDER);
            mulAdd(load(x, xBase + o + bytes), a, w1).intoMemorySegment(w, wBase + o + bytes, ORDER);
            mulAdd(load(x, xBase + o + 2 * bytes), a, w2).intoMemorySegment(w, wBase + o + 2 * bytes, ORDER);
            mulAdd(load(x, xBase + o + 3 * bytes), a, w3).intoMemorySegment(w, wBase + o + 3 * bytes, ORDER);
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector w0 = load(w, wBase + o).mul(b);
            mulAdd(load(x, xBase + o), a, w0).intoMemorySegment(w, wBase + o, ORDER);
        }
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            long o = (long) i << 2;
            w.set(FLOAT, wBase + o, mulAdd(x.get(FLOAT, xBase + o), a, w.get(FLOAT, wBase + o) * b));
        }
    }

    /** Chunks of at most 2^28 elements keep the loop counters {@code int}; only a failing chunk is rescanned. */
    @Override
    public long firstNonFinite(MemorySegment a, long aIndex, long count) {
        for (long done = 0; done < count; ) {
            int chunk = (int) Math.min(count - done, 1 << 28);
            if (!allFinite(a, offset(aIndex + done), chunk)) {
                for (int i = 0; ; i++) {
                    if (!Float.isFinite(a.getAtIndex(FLOAT, aIndex + done + i))) {
                        return done + i;
                    }
                }
            }
            done += chunk;
        }
        return -1;
    }

    /** {@code v - v} is 0 for every finite lane and NaN otherwise; the accumulators stay 0 iff all are finite. */
    private boolean allFinite(MemorySegment aSegment, long aOffset, int count) {
        final MemorySegment a = aSegment;
        final long aBase = aOffset;
        final int lanes = species().length();
        final int bytes = lanes * Float.BYTES;
        FloatVector acc0 = FloatVector.zero(species());
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector v0 = load(a, aBase + o);
            FloatVector v1 = load(a, aBase + o + bytes);
            FloatVector v2 = load(a, aBase + o + 2 * bytes);
            FloatVector v3 = load(a, aBase + o + 3 * bytes);
            acc0 = acc0.add(v0.sub(v0));
            acc1 = acc1.add(v1.sub(v1));
            acc2 = acc2.add(v2.sub(v2));
            acc3 = acc3.add(v3.sub(v3));
        }
        assert count - i < 4 * lanes : "unrolled body left " + (count - i);
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector v0 = load(a, aBase + o);
            acc0 = acc0.add(v0.sub(v0));
        }
        // any order will do here: the sum is 0 exactly when every lane of every accumulator is 0
        boolean finite = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD) == 0f;
        assert count - i < lanes : "scalar tail of " + (count - i);
        for (; i < count; i++) {
            finite &= Float.isFinite(a.get(FLOAT, aBase + ((long) i << 2)));
        }
        return finite;
    }

    // ---------------------------------------------------------------- batch scoring

    @Override
    public void distances(float k, MemorySegment theta, long thetaIndex, MemorySegment xs, long xsIndex,
                          long stride, int n, int count, MemorySegment out, long outIndex) {
        checkRows(xs, xsIndex, stride, n, count);
        Objects.checkFromIndexSize(outIndex << 3, (long) n << 3, out.byteSize());
        final long to = offset(thetaIndex);
        for (int i = 0; i < n; i++) {
            long row = xsIndex + i * stride;
            float sum = scaledSquaredDistance(-k, theta, to, xs, offset(row), count);
            double sq = sum < WIDE_THRESHOLD ? sum
                    : StepMath.wideScaledSquaredDistance(k, theta, thetaIndex, xs, row, count);
            out.setAtIndex(DOUBLE, outIndex + i, Math.sqrt(sq));
        }
    }

}
