package io.clipstream.internal.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Run in child JVMs by {@link ProductionPathTest}, one per vector width: uses only the production kernels
 * ({@link KernelProvider#kernels()}, so exactly one SimdKernels subclass is loaded and C2 sees its species as a
 * constant) and repeats the checks (under -Xbatch) until the kernels run C2-compiled, then sweeps once more. Checks, against {@link KernelProvider#scalar()}:
 * axpy and scale bit for bit on random data (class E), and every reduction and step bit for bit on sparse data (zero
 * except one position in the vector part and the whole scalar tail, where reassociation changes nothing), at every
 * length 0..4L+3 and a few long ones, offsets 0, 1 and 3, heap and native memory. Prints "ok" or exits with 1.
 */
public final class ProductionPathProbe {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private ProductionPathProbe() {
    }

    public static void main(String[] args) {
        Kernels k = KernelProvider.kernels();
        Kernels s = KernelProvider.scalar();
        int lanes = k.vectorBitSize() / 32;
        System.out.println("kernels=" + k.name());
        int reps = Integer.parseInt(args[0]);
        SplittableRandom r = new SplittableRandom(7);
        for (int rep = 0; rep <= reps; rep++) {
            if (rep == reps) {
                System.out.println("verify"); // the last sweep: the test requires C2 compiles before this line
            }
            for (int n = 0; n <= 4 * lanes + 3 + 4; n++) {
                int len = n <= 4 * lanes + 3 ? n : new int[] {100, 1000, 2049, 5003}[n - 4 * lanes - 4];
                for (int offset : new int[] {0, 1, 3}) {
                    for (boolean nativeMemory : new boolean[] {false, true}) {
                        check(k, s, len, offset, nativeMemory, lanes, r);
                    }
                }
            }
        }
        System.out.println("ok");
    }

    private static MemorySegment segment(boolean nativeMemory, int index, float[] v) {
        MemorySegment m = nativeMemory ? Arena.ofAuto().allocate(4L * (index + v.length + 1), 64)
                : MemorySegment.ofArray(new float[index + v.length + 1]);
        for (int i = 0; i < v.length; i++) {
            m.setAtIndex(F, index + i, v[i]);
        }
        return m;
    }

    private static void check(Kernels k, Kernels s, int n, int off, boolean nat, int lanes, SplittableRandom r) {
        String ctx = k.name() + " n=" + n + " offset=" + off + (nat ? " native" : " heap");
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = (float) r.nextGaussian();
        }
        float alpha = (float) r.nextGaussian();
        MemorySegment x1 = segment(nat, off, x);
        MemorySegment y1 = segment(nat, off + 2, y);
        MemorySegment y2 = segment(nat, off + 2, y);
        k.axpy(alpha, x1, off, y1, off + 2, n);
        s.axpy(alpha, x1, off, y2, off + 2, n);
        same(y1, y2, ctx + " axpy");
        k.scale(alpha, y1, off + 2, n);
        s.scale(alpha, y2, off + 2, n);
        same(y1, y2, ctx + " scale");

        // sparse: one position in the vector part, the whole scalar tail
        int vectorPart = n - n % lanes;
        float[] a = new float[n];
        float[] b = new float[n];
        if (vectorPart > 0) {
            int p = r.nextInt(vectorPart);
            a[p] = (float) r.nextGaussian();
            b[p] = (float) r.nextGaussian();
        }
        for (int i = vectorPart; i < n; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = (float) r.nextGaussian();
        }
        MemorySegment sa = segment(nat, off, a);
        MemorySegment sb = segment(nat, off + 1, b);
        equal(s.dot(sa, off, sb, off + 1, n), k.dot(sa, off, sb, off + 1, n), ctx + " dot");
        equal(s.sumSquares(sa, off, n), k.sumSquares(sa, off, n), ctx + " sumSquares");
        MemorySegment o1 = nat ? Arena.ofAuto().allocate(8) : MemorySegment.ofArray(new double[1]);
        MemorySegment o2 = nat ? Arena.ofAuto().allocate(8) : MemorySegment.ofArray(new double[1]);
        s.distances(1.5f, sa, off, sb, off + 1, n, 1, n, o1, 0);
        k.distances(1.5f, sa, off, sb, off + 1, n, 1, n, o2, 0);
        equal(o1.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0), o2.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0), ctx + " distances");
        float mu = (n & 1) == 0 ? 0f : 0.25f;
        MemorySegment t1 = segment(nat, off, a);
        MemorySegment t2 = segment(nat, off, a);
        equal(s.clippedMeanStep(t1, off, sb, off + 1, n, 0.1f, 1f, mu),
                k.clippedMeanStep(t2, off, sb, off + 1, n, 0.1f, 1f, mu), ctx + " mean norm");
        same(t1, t2, ctx + " mean theta");
        StepResult r1 = new StepResult();
        StepResult r2 = new StepResult();
        MemorySegment w1 = segment(nat, off, a);
        MemorySegment w2 = segment(nat, off, a);
        equal(s.clippedLinearStep(w1, off, sb, off + 1, n, 0.5f, 0.1, 1f, mu, r1),
                k.clippedLinearStep(w2, off, sb, off + 1, n, 0.5f, 0.1, 1f, mu, r2), ctx + " linear norm");
        equal(r1.margin, r2.margin, ctx + " linear margin");
        equal(r1.xNormSquared, r2.xNormSquared, ctx + " linear ||x||^2");
        equal(r1.wNormSquared, r2.wNormSquared, ctx + " linear ||w||^2");
        same(w1, w2, ctx + " linear w");
        equal(s.clippedLogisticStep(w1, off, sb, off + 1, n, -1f, 0.1, 1f, mu, r1),
                k.clippedLogisticStep(w2, off, sb, off + 1, n, -1f, 0.1, 1f, mu, r2), ctx + " logistic norm");
        same(w1, w2, ctx + " logistic w");
    }

    private static void equal(double expected, double actual, String ctx) {
        if (Double.doubleToLongBits(expected) != Double.doubleToLongBits(actual)) {
            fail(ctx + ": expected " + expected + " but was " + actual);
        }
    }

    private static void same(MemorySegment expected, MemorySegment actual, String ctx) {
        long mismatch = expected.mismatch(actual);
        if (mismatch >= 0) {
            fail(ctx + ": first differing byte " + mismatch);
        }
    }

    private static void fail(String message) {
        System.out.println("FAIL " + message);
        System.out.flush();
        System.exit(1);
    }
}
