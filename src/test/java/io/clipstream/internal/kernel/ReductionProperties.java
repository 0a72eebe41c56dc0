package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.KernelFixtures.D;
import static io.clipstream.internal.kernel.KernelFixtures.MAX_LANES;
import static io.clipstream.internal.kernel.KernelFixtures.assertWithin;
import static io.clipstream.internal.kernel.KernelFixtures.bound;
import static io.clipstream.internal.kernel.KernelFixtures.mulAdd;
import static io.clipstream.internal.kernel.KernelFixtures.segment;
import static io.clipstream.internal.kernel.KernelFixtures.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.internal.kernel.KernelFixtures.Profile;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Reductions (dot, sumSquares, and the batch-scoring kernel distances), class R: both the
 * SIMD and the scalar result lie within {@code gamma(n+1+extra) sum|t_i| + n Float.MIN_VALUE} of a double
 * oracle; class N: NaN in gives NaN out; and finite inputs near Float.MAX_VALUE never give Inf.
 */
class ReductionProperties {

    /** Every length 0..4L+3 for the widest L (16 lanes), every width, both memory kinds, FMA on and off. */
    @Property(generation = GenerationMode.EXHAUSTIVE, tries = 5000)
    void everyTailLength(@ForAll("widths") int bits, @ForAll boolean nativeMemory, @ForAll boolean fma,
                         @ForAll @IntRange(min = 0, max = 4 * MAX_LANES + 3) int length,
                         @ForAll @IntRange(min = 0, max = 2) int offsetChoice) {
        long seed = ((bits * 31L + length) * 7 + offsetChoice) * 2 + (nativeMemory ? 1 : 0);
        SplittableRandom r = new SplittableRandom(seed);
        Profile profile = Profile.values()[(length + offsetChoice) % Profile.values().length];
        long aIndex = new long[] {0, 1, 3}[offsetChoice];
        long bIndex = new long[] {0, 2, 5}[offsetChoice];
        checkAll(bits, fma, nativeMemory, aIndex, bIndex, values(r, length, profile), values(r, length, profile), r);
    }

    @Property(tries = 250)
    void randomLengthsOffsetsAndValues(@ForAll("widths") int bits, @ForAll boolean nativeMemory,
                                       @ForAll boolean fma, @ForAll("lengths") int length,
                                       @ForAll @IntRange(min = 0, max = 17) int aIndex,
                                       @ForAll @IntRange(min = 0, max = 17) int bIndex,
                                       @ForAll Profile profile, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        checkAll(bits, fma, nativeMemory, aIndex, bIndex, values(r, length, profile), values(r, length, profile), r);
    }

    /** The odd sizes Lucene tests with, at every width. */
    @Example
    void luceneOddSizes() {
        SplittableRandom r = new SplittableRandom(42);
        for (int bits : List.of(128, 256, 512)) {
            for (int length : List.of(1, 13, 207, 702, 4098)) {
                for (Profile profile : Profile.values()) {
                    checkAll(bits, true, r.nextBoolean(), 1, 0, values(r, length, profile), values(r, length, profile), r);
                }
            }
        }
    }

    @Property(tries = 200)
    void nanInNanOut(@ForAll("widths") int bits, @ForAll boolean nativeMemory, @ForAll boolean fma,
                     @ForAll @IntRange(min = 1, max = 300) int length, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = values(r, length, Profile.NORMAL);
        float[] b = values(r, length, Profile.NORMAL);
        a[r.nextInt(length)] = Float.NaN;
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            MemorySegment sa = segment(nativeMemory, 0, a, 0);
            MemorySegment sb = segment(nativeMemory, 0, b, 0);
            assertTrue(Double.isNaN(k.dot(sa, 0, sb, 0, length)), k + " dot");
            assertTrue(Double.isNaN(k.dot(sb, 0, sa, 0, length)), k + " dot (NaN in b)");
            assertTrue(Double.isNaN(k.sumSquares(sa, 0, length)), k + " sumSquares");
            MemorySegment out = KernelFixtures.doubles(nativeMemory, 2);
            k.distances(1f, sb, 0, sa, 0, length, 1, length, out, 0);
            assertTrue(Double.isNaN(out.getAtIndex(D, 0)), k + " distances");
        }
    }

    /** firstNonFinite finds the first NaN or infinity at any position, or -1, on both paths. */
    @Property(tries = 300)
    void firstNonFiniteFindsTheFirstBadValue(@ForAll("widths") int bits, @ForAll boolean nativeMemory,
                                             @ForAll("lengths") int length, @ForAll @IntRange(min = 0, max = 9) int index,
                                             @ForAll @IntRange(min = 0, max = 3) int badCount, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = values(r, length, Profile.SPECIAL);
        float[] bads = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        long expected = -1;
        for (int b = 0; b < badCount && length > 0; b++) {
            int at = r.nextInt(length);
            a[at] = bads[r.nextInt(bads.length)];
            expected = expected < 0 ? at : Math.min(expected, at);
        }
        for (Kernels k : List.of(KernelFixtures.simd(bits, true), KernelFixtures.scalar(true))) {
            MemorySegment s = segment(nativeMemory, index, a, 1);
            assertEquals(expected, k.firstNonFinite(s, index, length), k + " n=" + length);
        }
    }

    /** Finite values near Float.MAX_VALUE: every reduction stays finite and accurate (wide path). */
    @Property(tries = 100)
    void hugeFiniteValuesDoNotOverflow(@ForAll("widths") int bits, @ForAll boolean fma,
                                       @ForAll @IntRange(min = 1, max = 200) int length, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = values(r, length, Profile.HUGE);
        float[] b = values(r, length, Profile.HUGE);
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            MemorySegment sa = segment(true, 0, a, 0);
            MemorySegment sb = segment(true, 0, b, 0);
            assertTrue(Double.isFinite(k.dot(sa, 0, sb, 0, length)), k + " dot");
            assertTrue(Double.isFinite(k.sumSquares(sa, 0, length)), k + " sumSquares");
        }
        checkAll(bits, fma, true, 0, 0, a, b, r);
    }

    /**
     * A float sum that rounds to exactly 2^100 takes the wide path: {@code [2^50, 2^30]} squares to
     * {@code 2^100 + 2^60}, which float rounds to 2^100 and double keeps.
     */
    @Example
    void sumsAtTheWideThresholdTakeTheWidePath() {
        float[] a = {0x1p50f, 0x1p30f};
        float[] zero = {0f, 0f};
        double exact = 0x1p100 + 0x1p60;
        for (int bits : List.of(128, 256, 512)) {
            for (Kernels k : List.of(KernelFixtures.simd(bits, true), KernelFixtures.scalar(true))) {
                MemorySegment sa = segment(true, 0, a, 0);
                MemorySegment sz = segment(true, 0, zero, 0);
                assertEquals(exact, k.sumSquares(sa, 0, 2), k + " sumSquares");
                assertEquals(exact, k.dot(sa, 0, sa, 0, 2), k + " dot");
                MemorySegment out = KernelFixtures.doubles(true, 1);
                k.distances(1f, sz, 0, sa, 0, 2, 1, 2, out, 0);
                assertEquals(Math.sqrt(exact), out.getAtIndex(D, 0), k + " distances");
            }
        }
    }

    /**
     * FMA parity inside the vector accumulators. With data only in lane 0 of two vectors (length 2L, so only the
     * one-vector loop runs), the lane reduction adds zeros and is exact, so the result must be
     * {@code mulAdd(a_L, b_L, mulAdd(a_0, b_0, 0))} with the implementation's FMA setting.
     */
    @Property(tries = 200)
    void vectorAccumulatorsFuseExactlyWhenFmaIsOn(@ForAll("widths") int bits, @ForAll boolean fma,
                                                  @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Kernels k = KernelFixtures.simd(bits, fma);
        int lanes = bits / 32;
        float[] a = new float[2 * lanes];
        float[] b = new float[2 * lanes];
        a[0] = (float) KernelFixtures.gaussian(r);
        b[0] = (float) KernelFixtures.gaussian(r);
        a[lanes] = (float) KernelFixtures.gaussian(r);
        b[lanes] = (float) KernelFixtures.gaussian(r);
        MemorySegment sa = segment(r.nextBoolean(), 0, a, 0);
        MemorySegment sb = segment(r.nextBoolean(), 0, b, 0);
        float dot = mulAdd(fma, a[lanes], b[lanes], mulAdd(fma, a[0], b[0], 0f));
        float squares = mulAdd(fma, a[lanes], a[lanes], mulAdd(fma, a[0], a[0], 0f));
        float kf = 1.25f;
        float e0 = mulAdd(fma, b[0], -kf, a[0]);
        float eL = mulAdd(fma, b[lanes], -kf, a[lanes]);
        float scaled = mulAdd(fma, eL, eL, mulAdd(fma, e0, e0, 0f));
        assertEquals(dot, k.dot(sa, 0, sb, 0, 2 * lanes), k + " dot");
        assertEquals(squares, k.sumSquares(sa, 0, 2 * lanes), k + " sumSquares");
        MemorySegment out = KernelFixtures.doubles(true, 1);
        k.distances(kf, sb, 0, sa, 0, 2 * lanes, 1, 2 * lanes, out, 0);
        assertEquals(Math.sqrt(scaled), out.getAtIndex(D, 0), k + " distances");
    }

    /**
     * Kernels.java: "every kernel reads all its inputs before it writes, so such a failure leaves the outputs
     * untouched". For distances: rows that run past xs (or an out too short) throw before any output is written.
     */
    @Property(tries = 100)
    void distancesOutOfRangeThrowsBeforeWriting(@ForAll("widths") int bits, @ForAll boolean nativeMemory,
                                                @ForAll @IntRange(min = 1, max = 70) int count,
                                                @ForAll @IntRange(min = 2, max = 6) int rows,
                                                @ForAll @IntRange(min = 0, max = 3) int extraStride,
                                                @ForAll boolean shortOut, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int stride = count + extraStride;
        int xsLength = shortOut ? (rows - 1) * stride + count : (rows - 1) * stride + count - 1;
        int outLength = shortOut ? rows - 1 : rows;
        for (Kernels k : List.of(KernelFixtures.simd(bits, true), KernelFixtures.scalar(true))) {
            MemorySegment theta = segment(nativeMemory, 0, values(r, count, Profile.NORMAL), 0);
            MemorySegment xs = segment(nativeMemory, 0, values(r, xsLength, Profile.NORMAL), 0);
            MemorySegment out = KernelFixtures.doubles(nativeMemory, outLength);
            out.fill((byte) 0x7f);
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> k.distances(1f, theta, 0, xs, 0, stride, rows, count, out, 0), k + " distances");
            for (int i = 0; i < outLength; i++) {
                assertEquals(Double.doubleToRawLongBits(Double.longBitsToDouble(0x7f7f7f7f7f7f7f7fL)),
                        Double.doubleToRawLongBits(out.getAtIndex(D, i)), k + " wrote out[" + i + "] before throwing");
            }
        }
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(128, 256, 512);
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 5000),
                Arbitraries.of(1, 13, 207, 702, 1023, 1024, 1025, 4098));
    }

    // ------------------------------------------------------------------ checks

    private static void checkAll(int bits, boolean fma, boolean nativeMemory, long aIndex, long bIndex, float[] a,
                                 float[] b, SplittableRandom r) {
        int n = a.length;
        MemorySegment sa = segment(nativeMemory, aIndex, a, 3);
        MemorySegment sb = segment(nativeMemory, bIndex, b, 3);
        double dotOracle = 0;
        double dotAbs = 0;
        double ssOracle = 0;
        for (int i = 0; i < n; i++) {
            double p = (double) a[i] * b[i];
            dotOracle += p;
            dotAbs += Math.abs(p);
            ssOracle += (double) a[i] * a[i];
        }
        // the sequential float sums the scalar reference documents, replicated here
        float dotSeq = 0f;
        float ssSeq = 0f;
        for (int i = 0; i < n; i++) {
            dotSeq = mulAdd(fma, a[i], b[i], dotSeq);
            ssSeq = mulAdd(fma, a[i], a[i], ssSeq);
        }
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            String context = k + " n=" + n + " offsets=" + aIndex + "," + bIndex + (nativeMemory ? " native" : " heap");
            double dot = k.dot(sa, aIndex, sb, bIndex, n);
            double ss = k.sumSquares(sa, aIndex, n);
            assertWithin(dot, dotOracle, bound(n, 0, dotAbs), context + " dot");
            assertWithin(ss, ssOracle, bound(n, 0, ssOracle), context + " sumSquares");
            // far below the wide threshold the fast path must run: its result is a float sum
            assertFastPath(dotAbs, dot, context + " dot");
            assertFastPath(ssOracle, ss, context + " sumSquares");
            if (k instanceof ScalarKernels) {
                assertFastOrEqual(dotAbs, dotSeq, dot, context + " dot (sequential)");
                assertFastOrEqual(ssOracle, ssSeq, ss, context + " sumSquares (sequential)");
            }
        }
        checkBatch(bits, fma, nativeMemory, a, b, r);
    }

    /** Sums whose terms stay below 2^96 in magnitude cannot reach the wide threshold: the result is a float. */
    private static boolean clearlyFast(double absSum) {
        return absSum < 0x1p96;
    }

    private static void assertFastPath(double absSum, double result, String context) {
        if (clearlyFast(absSum) && !Double.isNaN(result)) {
            assertTrue((double) (float) result == result, context + ": fast path expected, got the non-float " + result);
        }
    }

    private static void assertFastOrEqual(double absSum, float sequential, double result, String context) {
        if (clearlyFast(absSum)) {
            assertTrue(Double.compare(sequential, result) == 0, context + ": expected the sequential float sum "
                    + sequential + " but was " + result);
        }
    }

    /**
     * Batch scoring over up to 5 rows cut from {@code b} with a random stride >= count, against
     * {@code theta = a}: every row's distance (squared) within the R bound, nothing written past the n outputs.
     */
    private static void checkBatch(int bits, boolean fma, boolean nativeMemory, float[] a, float[] b,
                                   SplittableRandom r) {
        int count = Math.min(a.length, 300);
        int rows = r.nextInt(0, 6);
        int stride = count + r.nextInt(0, 4);
        float k = r.nextBoolean() ? 1f : 1f + (float) r.nextDouble();
        float[] xs = new float[rows * stride];
        for (int i = 0; b.length > 0 && i < xs.length; i++) {
            // rows differ from each other but stay finite: scale by a factor in (0.9, 1]
            xs[i] = b[i % b.length] * (1 - (i % 97) / 1000f);
        }
        long thetaIndex = r.nextInt(0, 4);
        long xsIndex = r.nextInt(0, 4);
        long outIndex = r.nextInt(0, 3);
        float[] theta = java.util.Arrays.copyOf(a, count);
        for (Kernels kernels : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            MemorySegment st = segment(nativeMemory, thetaIndex, theta, 2);
            MemorySegment sx = segment(nativeMemory, xsIndex, xs, 2);
            MemorySegment out = KernelFixtures.doubles(nativeMemory, (int) outIndex + 2 * rows + 2);
            out.fill((byte) 0x7f);
            kernels.distances(k, st, thetaIndex, sx, xsIndex, stride, rows, count, out, outIndex);
            String context = kernels + " batch rows=" + rows + " count=" + count + " stride=" + stride + " k=" + k;
            for (int i = 0; i < rows; i++) {
                double sq = 0;
                double sqAbs = 0;
                for (int j = 0; j < count; j++) {
                    float x = xs[i * stride + j];
                    double d = x - (double) k * theta[j];
                    sq += d * d;
                    double loose = Math.abs(x) + Math.abs((double) k * theta[j]);
                    // without FMA, k*theta is rounded before the subtraction: the error is relative to
                    // |x| + |k theta|, not to the (possibly cancelling) difference
                    sqAbs += (fma || k == 1f) ? d * d : loose * loose;
                }
                double distance = out.getAtIndex(D, outIndex + i);
                assertWithin(distance * distance, sq, bound(count, 3, sqAbs) + 0x1p-50 * distance * distance,
                        context + " distances[" + i + "]");
                if (clearlyFast(sqAbs * 4) && distance > 0) {
                    // the fast path returns sqrt of a float sum: squaring gives that float back
                    double square = distance * distance;
                    assertTrue(Math.abs(square - (float) square) <= 0x1p-48 * square,
                            context + " distances[" + i + "]: fast path expected, got " + distance);
                }
            }
            for (long i = 0; i < outIndex; i++) {
                assertTrue(out.getAtIndex(D, i) != 0 && !Double.isNaN(out.getAtIndex(D, i))
                        && out.getAtIndex(D, i) == Double.longBitsToDouble(0x7f7f7f7f7f7f7f7fL),
                        context + " wrote before outIndex");
            }
            for (long i = outIndex + rows; i < out.byteSize() / 8; i++) {
                assertTrue(out.getAtIndex(D, i) == Double.longBitsToDouble(0x7f7f7f7f7f7f7f7fL),
                        context + " wrote past the outputs at " + i);
            }
        }
    }
}
