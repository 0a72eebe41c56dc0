package io.clipstream.internal.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Run in child JVMs by {@link KernelDeterminismTest}: applies the same sequence of steps and reductions {@code args[0]}
 * times per vector width and prints one hash per run. The first run executes in the interpreter, later ones in C1 and
 * then C2; an order-sensitive reduction shows up as differing hashes.
 */
public final class DeterminismProbe {
    private DeterminismProbe() {
    }

    public static void main(String[] args) {
        int reps = Integer.parseInt(args[0]);
        int[] dims = {4, 8, 13, 40, 100};
        StringBuilder out = new StringBuilder();
        for (int bits : new int[] {128, 256, 512}) {
            Kernels k = KernelProvider.simd(bits);
            out.append(bits);
            for (int rep = 0; rep < reps; rep++) {
                out.append(' ').append(Long.toHexString(run(k, dims)));
            }
            out.append('\n');
        }
        System.out.print(out);
    }

    static long run(Kernels k, int[] dims) {
        long h = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int d : dims) {
                MemorySegment t = arena.allocate(4L * d, 64);
                MemorySegment x = arena.allocate(4L * d, 64);
                StepResult result = new StepResult();
                SplittableRandom r = new SplittableRandom(d);
                for (int s = 0; s < 100; s++) {
                    for (int i = 0; i < d; i++) {
                        x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextGaussian() * 3 + i));
                    }
                    h = h * 31 + Double.doubleToLongBits(k.clippedMeanStep(t, 0, x, 0, d, Math.max(0.01f, 1f / (s + 1)),
                            5f, 0f));
                    h = h * 31 + Double.doubleToLongBits(k.dot(t, 0, x, 0, d));
                    h = h * 31 + Double.doubleToLongBits(k.clippedLinearStep(t, 0, x, 0, d, 1f, 0.001f, 50f, 0f,
                            result));
                    h = h * 31 + Double.doubleToLongBits(k.clippedLogisticStep(t, 0, x, 0, d, -1f, 0.001f, 50f,
                            0.01f, result));
                }
                for (int i = 0; i < d; i++) {
                    h = h * 31 + Float.floatToIntBits(t.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                }
            }
        }
        return h;
    }
}
