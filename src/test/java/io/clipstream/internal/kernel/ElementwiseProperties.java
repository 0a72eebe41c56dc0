package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.KernelFixtures.MAX_LANES;
import static io.clipstream.internal.kernel.KernelFixtures.assertSameBits;
import static io.clipstream.internal.kernel.KernelFixtures.assertUntouchedOutside;
import static io.clipstream.internal.kernel.KernelFixtures.mulAdd;
import static io.clipstream.internal.kernel.KernelFixtures.read;
import static io.clipstream.internal.kernel.KernelFixtures.segment;
import static io.clipstream.internal.kernel.KernelFixtures.values;

import io.clipstream.internal.kernel.KernelFixtures.Profile;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Element-wise kernels (axpy, scale), class E: the SIMD result is bit-identical to the scalar
 * reference, and both equal the documented per-element formula; class D: the same data gives the same bits at
 * every offset and in heap and native memory; nothing outside the range is written; NaN in gives NaN out
 * (covered by the bit comparison, since the SPECIAL profile and alpha generator include NaN-producing values).
 */
class ElementwiseProperties {

    @Property(generation = GenerationMode.EXHAUSTIVE, tries = 5000)
    void everyTailLength(@ForAll("widths") int bits, @ForAll boolean nativeMemory, @ForAll boolean fma,
                         @ForAll @IntRange(min = 0, max = 4 * MAX_LANES + 3) int length,
                         @ForAll @IntRange(min = 0, max = 2) int offsetChoice) {
        SplittableRandom r = new SplittableRandom(bits * 1_000_003L + length * 31L + offsetChoice);
        Profile profile = Profile.values()[(length + offsetChoice) % Profile.values().length];
        float alpha = alpha(r);
        check(bits, fma, nativeMemory, new long[] {0, 1, 3}[offsetChoice], new long[] {0, 2, 7}[offsetChoice],
                alpha, values(r, length, profile), values(r, length, profile));
    }

    @Property(tries = 250)
    void randomLengthsOffsetsAndValues(@ForAll("widths") int bits, @ForAll boolean nativeMemory,
                                       @ForAll boolean fma,
                                       @ForAll("lengths") int length, @ForAll @IntRange(min = 0, max = 17) int xIndex,
                                       @ForAll @IntRange(min = 0, max = 17) int yIndex, @ForAll Profile profile,
                                       @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        check(bits, fma, nativeMemory, xIndex, yIndex, alpha(r), values(r, length, profile), values(r, length, profile));
    }

    /** Class D: the SIMD kernels give the same bits wherever the data sits. */
    @Property(tries = 100)
    void sameBitsAtEveryOffsetAndMemoryKind(@ForAll("widths") int bits, @ForAll boolean fma,
                                            @ForAll @IntRange(min = 0, max = 700) int length,
                                            @ForAll Profile profile, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = values(r, length, profile);
        float[] y = values(r, length, profile);
        float alpha = alpha(r);
        Kernels k = KernelFixtures.simd(bits, fma);
        float[] reference = null;
        for (boolean nativeMemory : List.of(false, true)) {
            for (int offset : List.of(0, 1, 5, 16)) {
                MemorySegment sx = segment(nativeMemory, offset, x, 0);
                MemorySegment sy = segment(nativeMemory, offset + 3, y, 0);
                k.axpy(alpha, sx, offset, sy, offset + 3, length);
                float[] result = read(sy, offset + 3, length);
                if (reference == null) {
                    reference = result;
                } else {
                    assertSameBits(reference, result, k + " axpy offset " + offset + (nativeMemory ? " native" : " heap"));
                }
            }
        }
    }

    /** Ranges are checked before anything is written: a short y (or x) throws and y keeps every element. */
    @Property(tries = 60)
    void outOfRangeThrowsBeforeWriting(@ForAll("widths") int bits, @ForAll @IntRange(min = 1, max = 300) int length,
                                       @ForAll boolean shortY, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Kernels k : List.of(KernelFixtures.simd(bits, true), KernelFixtures.scalar(true))) {
            float[] y0 = values(r, shortY ? length - 1 : length, Profile.NORMAL);
            MemorySegment y = segment(true, 0, y0, 0);
            MemorySegment x = segment(true, 0, values(r, shortY ? length : length - 1, Profile.NORMAL), 0);
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> k.axpy(2f, x, 0, y, 0, length), k + " axpy");
            if (shortY) {
                org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                        () -> k.scale(2f, y, 0, length), k + " scale");
            }
            assertSameBits(y0, read(y, 0, y0.length), k + " wrote before throwing");
        }
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(128, 256, 512);
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 5000), Arbitraries.of(1, 13, 207, 702, 4098));
    }

    private static float alpha(SplittableRandom r) {
        float[] specials = {0f, -0f, 1f, -1f, 0.5f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-30f, 3e30f, Float.NaN};
        return r.nextInt(3) == 0 ? specials[r.nextInt(specials.length)] : (float) KernelFixtures.gaussian(r);
    }

    private static void check(int bits, boolean fma, boolean nativeMemory, long xIndex, long yIndex, float alpha,
                              float[] x, float[] y) {
        int n = x.length;
        float[] axpy = new float[n];
        float[] scaled = new float[n];
        for (int i = 0; i < n; i++) {
            axpy[i] = mulAdd(fma, alpha, x[i], y[i]);
            scaled[i] = alpha * x[i];
        }
        for (Kernels k : List.of(KernelFixtures.simd(bits, fma), KernelFixtures.scalar(fma))) {
            String context = k + " n=" + n + " alpha=" + alpha + " offsets=" + xIndex + "," + yIndex
                    + (nativeMemory ? " native" : " heap");

            MemorySegment sx = segment(nativeMemory, xIndex, x, 2);
            MemorySegment sy = segment(nativeMemory, yIndex, y, 2);
            k.axpy(alpha, sx, xIndex, sy, yIndex, n);
            assertSameBits(axpy, read(sy, yIndex, n), context + " axpy");
            assertSameBits(x, read(sx, xIndex, n), context + " axpy must not write x");
            assertUntouchedOutside(sy, yIndex, n, context + " axpy");

            MemorySegment inPlace = segment(nativeMemory, xIndex, x, 2);
            k.scale(alpha, inPlace, xIndex, n);
            assertSameBits(scaled, read(inPlace, xIndex, n), context + " scale");
            assertUntouchedOutside(inPlace, xIndex, n, context + " scale");
        }
    }
}
