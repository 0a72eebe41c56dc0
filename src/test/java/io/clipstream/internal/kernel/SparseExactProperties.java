package io.clipstream.internal.kernel;

import static io.clipstream.internal.kernel.KernelFixtures.D;
import static io.clipstream.internal.kernel.KernelFixtures.assertSameBits;
import static io.clipstream.internal.kernel.KernelFixtures.read;
import static io.clipstream.internal.kernel.KernelFixtures.segment;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Reductions are compared with the scalar reference only within the R bound, which cannot see a wrong rounding
 * (a missing FMA, a dropped tiny term) in the scalar tail or a single lane. Here the inputs are zero except at one
 * position {@code p} inside the vector part and at every position of the scalar tail: the vector accumulators then
 * hold one exact product, the lane tree adds exact zeros, and the tail runs in index order, so reassociation changes
 * nothing and every SIMD result (reductions, pass-1 values, norms, updates) must equal the scalar reference bit for
 * bit, at every width, FMA setting, offset and memory kind.
 */
class SparseExactProperties {

    @Property(tries = 1500)
    void sparseInputsGiveTheScalarBits(@ForAll("widths") int bits, @ForAll boolean fma, @ForAll boolean nativeMemory,
                                       @ForAll @IntRange(min = 0, max = 5) int vectors,
                                       @ForAll @IntRange(min = 0, max = 15) int tailChoice,
                                       @ForAll @IntRange(min = 0, max = 3) int offsetChoice,
                                       @ForAll @IntRange(min = 0, max = 2) int muChoice, @ForAll long seed) {
        int lanes = bits / 32;
        int tail = tailChoice % lanes;
        int n = vectors * lanes + tail;
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        float[] b = new float[n];
        if (vectors > 0) {
            int p = r.nextInt(vectors * lanes);
            a[p] = (float) KernelFixtures.gaussian(r);
            b[p] = (float) KernelFixtures.gaussian(r);
        }
        for (int i = vectors * lanes; i < n; i++) {
            a[i] = (float) KernelFixtures.gaussian(r);
            b[i] = (float) KernelFixtures.gaussian(r);
        }
        long aIndex = new long[] {0, 1, 3, 7}[offsetChoice];
        long bIndex = new long[] {0, 2, 5, 1}[offsetChoice];
        float mu = new float[] {0f, 0.01f, 0.5f}[muChoice];
        Kernels simd = KernelFixtures.simd(bits, fma);
        Kernels scalar = KernelFixtures.scalar(fma);
        String context = simd + " n=" + n + " offsets=" + aIndex + "," + bIndex + " mu=" + mu
                + (nativeMemory ? " native" : " heap");

        MemorySegment sa = segment(nativeMemory, aIndex, a, 2);
        MemorySegment sb = segment(nativeMemory, bIndex, b, 2);
        assertEquals(scalar.dot(sa, aIndex, sb, bIndex, n), simd.dot(sa, aIndex, sb, bIndex, n), context + " dot");
        assertEquals(scalar.sumSquares(sa, aIndex, n), simd.sumSquares(sa, aIndex, n), context + " sumSquares");

        MemorySegment out1 = KernelFixtures.doubles(nativeMemory, 1);
        MemorySegment out2 = KernelFixtures.doubles(nativeMemory, 1);
        scalar.distances(1f + mu, sa, aIndex, sb, bIndex, n, 1, n, out1, 0);
        simd.distances(1f + mu, sa, aIndex, sb, bIndex, n, 1, n, out2, 0);
        assertEquals(out1.getAtIndex(D, 0), out2.getAtIndex(D, 0), context + " distances");

        // the mean step: same norm and same theta bits
        MemorySegment t1 = segment(nativeMemory, aIndex, a, 2);
        MemorySegment t2 = segment(nativeMemory, aIndex, a, 2);
        assertEquals(scalar.clippedMeanStep(t1, aIndex, sb, bIndex, n, 0.1f, 1f, mu),
                simd.clippedMeanStep(t2, aIndex, sb, bIndex, n, 0.1f, 1f, mu), context + " mean norm");
        assertSameBits(read(t1, aIndex, n), read(t2, aIndex, n), context + " mean theta");

        // the model steps: same pass-1 values, coefficients and w bits
        for (boolean logistic : List.of(false, true)) {
            MemorySegment w1 = segment(nativeMemory, aIndex, a, 2);
            MemorySegment w2 = segment(nativeMemory, aIndex, a, 2);
            StepResult r1 = new StepResult();
            StepResult r2 = new StepResult();
            float y = logistic ? -1f : 0.75f;
            double n1 = logistic ? scalar.clippedLogisticStep(w1, aIndex, sb, bIndex, n, y, 0.1, 1f, mu, r1)
                    : scalar.clippedLinearStep(w1, aIndex, sb, bIndex, n, y, 0.1, 1f, mu, r1);
            double n2 = logistic ? simd.clippedLogisticStep(w2, aIndex, sb, bIndex, n, y, 0.1, 1f, mu, r2)
                    : simd.clippedLinearStep(w2, aIndex, sb, bIndex, n, y, 0.1, 1f, mu, r2);
            String c = context + (logistic ? " logistic" : " linear");
            assertEquals(r1.margin, r2.margin, c + " margin");
            assertEquals(r1.xNormSquared, r2.xNormSquared, c + " ||x||^2");
            assertEquals(r1.wNormSquared, r2.wNormSquared, c + " ||w||^2");
            assertEquals(n1, n2, c + " norm");
            assertSameBits(read(w1, aIndex, n), read(w2, aIndex, n), c + " w");
        }
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(128, 256, 512);
    }
}
