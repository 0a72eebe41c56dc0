import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import io.clipstream.internal.kernel.StepResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Drives one production kernel long enough for C2 to compile it, so that PrintAssembly / deoptimisation logs can
 * be taken from a plain JVM (no JMH). Not a benchmark: the ns/op it prints at the end is a rough wall-clock
 * average of the last half of the run, useful only to see that the compiled code is in use (no boxing).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp CLASSES:DRIVE_CLASSES Drive KERNEL DIM [MEMORY] [MILLIS] [GAP]
 *     KERNEL  mean   : Kernels.clippedMeanStep   (pass 1 = scaledSquaredDistance[Sliced], pass 2 = meanUpdate[Sliced])
 *             dot    : Kernels.dot               (dotFloat)
 *             linear : Kernels.clippedLinearStep (modelPass1, then axpyOffsets since mu = 0)
 *     DIM     floats per vector; the mean step takes the sliced twins for DIM <= 2048 on native memory
 *     MEMORY  native (default; Arena.ofShared, 64-byte aligned) or heap (MemorySegment.ofArray(float[]))
 *     MILLIS  how long to run (default 1500)
 *     GAP     native only: carve theta and the sample rows out of one allocation, the rows starting GAP bytes
 *             after the first 4 KiB boundary past theta, so (x - theta) mod 4096 = GAP for every row when
 *             4 * DIM is a multiple of 4096 (tests 4K aliasing between the x loads and the theta stores);
 *             default: two separate 64-byte-aligned allocations, whose relative offset is up to malloc
 * </pre>
 *
 * The kernels are {@code KernelProvider.kernels()}, exactly as production selects them: the preferred species
 * (512-bit on an AVX-512 machine, 256-bit with -XX:MaxVectorSize=32). Samples rotate through a pool of 16 rows
 * of N(0, 1) values, lambda = sqrt(DIM) so that a good part of the mean steps clip.
 */
public final class Drive {

    private static final Kernels K = KernelProvider.kernels();
    private static final int ROWS = 16;

    public static void main(String[] args) {
        String kernel = args[0];
        int d = Integer.parseInt(args[1]);
        boolean heap = args.length > 2 && args[2].equals("heap");
        long millis = args.length > 3 ? Long.parseLong(args[3]) : 1500;
        long gap = args.length > 4 ? Long.parseLong(args[4]) : -1;

        SplittableRandom rnd = new SplittableRandom(42);
        MemorySegment theta;
        MemorySegment xs;
        if (heap) {
            theta = MemorySegment.ofArray(new float[d]);
            xs = MemorySegment.ofArray(new float[ROWS * d]);
        } else if (gap < 0) {
            Arena arena = Arena.ofShared();
            theta = arena.allocate(4L * d, 64);
            xs = arena.allocate(4L * ROWS * d, 64);
        } else {
            long xStart = (4L * d + 4095) / 4096 * 4096 + gap;
            MemorySegment all = Arena.ofShared().allocate(xStart + 4L * ROWS * d, 4096);
            theta = all.asSlice(0, 4L * d);
            xs = all.asSlice(xStart, 4L * ROWS * d);
        }
        for (long i = 0; i < (long) ROWS * d; i++) {
            xs.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) gaussian(rnd));
        }
        for (long i = 0; i < d; i++) {
            theta.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (0.1 * gaussian(rnd)));
        }
        float lambda = (float) Math.sqrt(d);
        float[] ys = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            ys[r] = (float) gaussian(rnd);
        }
        StepResult result = new StepResult();

        System.out.println("kernels=" + K.name() + " kernel=" + kernel + " dim=" + d + " memory="
                + (heap ? "heap" : "native") + (heap ? "" : " (x - theta) mod 4096 = "
                + Math.floorMod(xs.address() - theta.address(), 4096)));
        long start = System.nanoTime();
        long end = start + millis * 1_000_000L;
        long half = start + millis * 500_000L;
        long calls = 0;
        long measuredCalls = 0;
        long measuredStart = 0;
        double sink = 0;
        int r = 0;
        while (true) {
            for (int rep = 0; rep < 1024; rep++) {
                long xIndex = (long) r * d;
                switch (kernel) {
                    case "mean" -> sink += K.clippedMeanStep(theta, 0, xs, xIndex, d, 0.01f, lambda, 0f);
                    case "dot" -> sink += K.dot(theta, 0, xs, xIndex, d);
                    case "linear" -> sink += K.clippedLinearStep(theta, 0, xs, xIndex, d, ys[r], 0.01f, 1f, 0f,
                            result);
                    default -> throw new IllegalArgumentException("kernel: mean | dot | linear");
                }
                r = (r + 1) & (ROWS - 1);
            }
            calls += 1024;
            long now = System.nanoTime();
            if (measuredStart == 0 && now >= half) {
                measuredStart = now;
                measuredCalls = calls;
            }
            if (now >= end) {
                double ns = (double) (now - measuredStart) / (calls - measuredCalls);
                System.out.printf("calls=%d rough ns/op (second half, wall clock)=%.1f sink=%s%n", calls, ns,
                        Double.toString(sink));
                return;
            }
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
