import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reproduces the rejected "slice every input" variant on heap segments: pass 1 of the mean step written over
 * {@code asSlice(offset, count << 2)} of each input (the loop of SimdKernels.scaledSquaredDistanceSliced, which
 * the library only uses on native memory), called on {@code MemorySegment.ofArray(float[])} segments.
 * Prints the average ns per call for each 250 ms window, so a run with -Xlog:deoptimization=debug shows whether
 * the compiled code settles.
 *
 *   java --add-modules jdk.incubator.vector [-Xlog:deoptimization=debug] SlicedHeap [DIM] [SECONDS] [heap|native]
 */
public final class SlicedHeap {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    public static void main(String[] args) {
        int d = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 4;
        boolean heap = args.length <= 2 || args[2].equals("heap");
        int rows = 16;
        float[] t = new float[d];
        float[] xs = new float[rows * d];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) (0.1 * random.nextGaussian());
        }
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) random.nextGaussian();
        }
        MemorySegment ts;
        MemorySegment xsSegment;
        if (heap) {
            ts = MemorySegment.ofArray(t);
            xsSegment = MemorySegment.ofArray(xs);
        } else {
            ts = java.lang.foreign.Arena.ofShared().allocate(4L * d, 64).copyFrom(MemorySegment.ofArray(t));
            xsSegment = java.lang.foreign.Arena.ofShared().allocate(4L * rows * d, 64)
                    .copyFrom(MemorySegment.ofArray(xs));
        }
        System.out.println("species=" + SPECIES + " dim=" + d + " memory=" + (heap ? "heap" : "native"));
        long end = System.nanoTime() + (long) (seconds * 1e9);
        double sink = 0;
        int r = 0;
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            long calls = 0;
            while (System.nanoTime() - start < 250_000_000L) {
                for (int k = 0; k < 64; k++) {
                    sink += pass1(-1f, ts, 0, xsSegment, 4L * r * d, d);
                    r = (r + 1) & (rows - 1);
                }
                calls += 64;
            }
            System.out.printf("window: %.0f ns/call%n", (System.nanoTime() - start) / (double) calls);
        }
        System.out.println("sink=" + sink);
    }

    /** The loop of SimdKernels.scaledSquaredDistanceSliced (FMA on), as a standalone static method. */
    static float pass1(float negK, MemorySegment tSegment, long tOffset, MemorySegment xSegment, long xOffset,
                       int count) {
        final MemorySegment t = tSegment.asSlice(tOffset, (long) count << 2);
        final MemorySegment x = xSegment.asSlice(xOffset, (long) count << 2);
        final int lanes = SPECIES.length();
        final int bytes = lanes * Float.BYTES;
        final FloatVector k = FloatVector.broadcast(SPECIES, negK);
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int i = 0;
        final int unrolled = count & -(4 * lanes);
        for (; i < unrolled; i += 4 * lanes) {
            long o = (long) i << 2;
            FloatVector d0 = load(t, o).fma(k, load(x, o));
            FloatVector d1 = load(t, o + bytes).fma(k, load(x, o + bytes));
            FloatVector d2 = load(t, o + 2 * bytes).fma(k, load(x, o + 2 * bytes));
            FloatVector d3 = load(t, o + 3 * bytes).fma(k, load(x, o + 3 * bytes));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        final int vectors = count & -lanes;
        for (; i < vectors; i += lanes) {
            long o = (long) i << 2;
            FloatVector d = load(t, o).fma(k, load(x, o));
            acc0 = d.fma(d, acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < count; i++) {
            long o = (long) i << 2;
            float d = Math.fma(t.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, o), negK,
                    x.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, o));
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    private static FloatVector load(MemorySegment s, long o) {
        return FloatVector.fromMemorySegment(SPECIES, s, o, ORDER);
    }
}
