package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.KernelFixtures.D;
import static io.clipstream.internal.kernel.KernelFixtures.assertSameBits;
import static io.clipstream.internal.kernel.KernelFixtures.read;
import static io.clipstream.internal.kernel.KernelFixtures.segment;
import static io.clipstream.internal.kernel.KernelFixtures.values;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clipstream.internal.kernel.KernelFixtures.Profile;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Class D for the reductions and steps (STYLE.md: "R kernels that end in a fixed-order lane sum"): for a fixed
 * species the same data gives the same bits at every start offset and in heap and native memory, including the
 * mean step's sliced (native, n <= SLICE_LIMIT) and offset forms. ElementwiseProperties checks this for axpy only.
 */
class OffsetDeterminismProperties {

    @Property(tries = 120)
    void sameBitsAtEveryOffsetAndMemoryKind(@ForAll("widths") int bits, @ForAll boolean fma,
                                            @ForAll("lengths") int n, @ForAll Profile profile, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = values(r, n, profile == Profile.HUGE ? Profile.NORMAL : profile);
        float[] b = values(r, n, profile == Profile.HUGE ? Profile.NORMAL : profile);
        float mu = new float[] {0f, 0.01f, 0.5f}[r.nextInt(3)];
        Kernels k = KernelFixtures.simd(bits, fma);
        String reference = null;
        for (boolean nativeMemory : List.of(false, true)) {
            for (int offset : List.of(0, 1, 5, 16)) {
                String bitsHere = run(k, nativeMemory, offset, offset + 3, a, b, mu);
                if (reference == null) {
                    reference = bitsHere;
                } else {
                    assertEquals(reference, bitsHere, k + " n=" + n + " offset " + offset
                            + (nativeMemory ? " native" : " heap"));
                }
            }
        }
    }

    private static String run(Kernels k, boolean nativeMemory, long aIndex, long bIndex, float[] a, float[] b,
                              float mu) {
        int n = a.length;
        StringBuilder s = new StringBuilder();
        MemorySegment sa = segment(nativeMemory, aIndex, a, 1);
        MemorySegment sb = segment(nativeMemory, bIndex, b, 1);
        s.append(Double.doubleToLongBits(k.dot(sa, aIndex, sb, bIndex, n))).append(' ');
        s.append(Double.doubleToLongBits(k.sumSquares(sa, aIndex, n))).append(' ');
        MemorySegment out = KernelFixtures.doubles(nativeMemory, 1);
        k.distances(1f + mu, sa, aIndex, sb, bIndex, n, 1, n, out, 0);
        s.append(Double.doubleToLongBits(out.getAtIndex(D, 0))).append(' ');
        MemorySegment t = segment(nativeMemory, aIndex, a, 1);
        s.append(Double.doubleToLongBits(k.clippedMeanStep(t, aIndex, sb, bIndex, n, 0.1f, 1f, mu))).append(' ');
        s.append(java.util.Arrays.hashCode(read(t, aIndex, n))).append(' ');
        for (boolean logistic : List.of(false, true)) {
            MemorySegment w = segment(nativeMemory, aIndex, a, 1);
            StepResult result = new StepResult();
            double norm = logistic ? k.clippedLogisticStep(w, aIndex, sb, bIndex, n, 1f, 0.1, 1f, mu, result)
                    : k.clippedLinearStep(w, aIndex, sb, bIndex, n, 0.5f, 0.1, 1f, mu, result);
            s.append(Double.doubleToLongBits(norm)).append(' ').append(Double.doubleToLongBits(result.margin))
                    .append(' ').append(java.util.Arrays.hashCode(read(w, aIndex, n))).append(' ');
        }
        return s.toString();
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(128, 256, 512);
    }

    @Provide
    Arbitrary<Integer> lengths() {
        int limit = SimdKernels.SLICE_LIMIT;
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 300),
                Arbitraries.integers().between(limit - 20, limit + 20), Arbitraries.integers().between(0, 5000));
    }
}
