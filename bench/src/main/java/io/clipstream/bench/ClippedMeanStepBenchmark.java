package io.clipstream.bench;

import dev.ludovic.netlib.blas.BLAS;
import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One clipped mean step {@code theta <- theta - eta * clip(theta - x, lambda)} per operation, with {@code x}
 * taken in turn from a pool of pre-generated samples (see {@link BenchSupport#poolRows}) so that theta keeps
 * moving and about half of the steps clip.
 *
 * <p>BLAS composes the same step from level-1 calls on {@code float[]}: {@code scopy(theta -> g)},
 * {@code saxpy(-1, x, g)}, {@code snrm2(g)}, {@code saxpy(-eta * min(1, lambda / ||g||), g, theta)}; it always
 * works on heap arrays, so its {@code memory} parameter changes nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ClippedMeanStepBenchmark {

    @Param({"16", "64", "256", "1000", "1024", "4096", "65536"})
    public int dim;

    @Param({"SCALAR", "SIMD", "BLAS"})
    public Impl impl;

    @Param({"NATIVE", "HEAP"})
    public Memory memory;

    private Kernels kernels;
    private BLAS blas;
    private boolean useBlas;
    private Arena arena;
    private MemorySegment theta;
    private MemorySegment samples;
    private float[] thetaArray;
    private float[] samplesArray;
    private float[] gradient;
    private int stride;
    private int rowMask;
    private int next;
    private float eta;
    private float lambda;
    private float mu;

    @Setup(Level.Trial)
    public void setUp() {
        stride = BenchSupport.stride(dim);
        int rows = BenchSupport.poolRows(stride);
        rowMask = rows - 1;
        SplittableRandom random = new SplittableRandom(BenchSupport.SEED);
        samplesArray = BenchSupport.gaussianRows(random, rows, dim, stride, 1.0);
        float[] start = BenchSupport.rowMean(samplesArray, rows, dim, stride);
        eta = BenchSupport.ETA;
        lambda = BenchSupport.calibrateMeanStep(start, samplesArray, rows, dim, stride, eta);
        mu = 0f;
        arena = Arena.ofShared();
        theta = memory.copyOf(start, arena);
        samples = memory.copyOf(samplesArray, arena);
        thetaArray = start.clone();
        gradient = new float[dim];
        kernels = impl.kernels();
        useBlas = impl == Impl.BLAS;
        blas = useBlas ? BlasPeer.instance() : null;
        BenchSupport.recordFork("");
        verify(start, rows);
    }

    /**
     * Runs two rounds of the pool through the measured code and the scalar reference side by side, compares the
     * norms and the final theta, checks that about half of the steps clipped, then restores the start state. The
     * reference runs on the same memory kind, so the fork's JDK-internal profiles see only that kind.
     */
    private void verify(float[] start, int rows) {
        Kernels reference = KernelProvider.scalar();
        MemorySegment referenceTheta = memory.copyOf(start, arena);
        MemorySegment referenceSamples = memory.copyOf(samplesArray, arena);
        int clipped = 0;
        int steps = 2 * rows;
        for (int i = 0; i < steps; i++) {
            long row = (long) (i & rowMask) * stride;
            double expected = reference.clippedMeanStep(referenceTheta, 0, referenceSamples, row, dim, eta, lambda,
                    mu);
            double actual = clippedMeanStep();
            BenchSupport.checkReduction(impl + " clippedMeanStep norm (dim " + dim + ", step " + i + ")", actual,
                    expected, 0);
            clipped += expected > lambda ? 1 : 0;
        }
        float[] actualTheta = useBlas ? thetaArray : BenchSupport.toArray(theta, dim);
        BenchSupport.checkVector(impl + " clippedMeanStep theta (dim " + dim + ")", actualTheta,
                BenchSupport.toArray(referenceTheta, dim));
        BenchSupport.checkClipShare("clippedMeanStep dim " + dim, clipped, steps);
        BenchSupport.copyInto(start, theta);
        System.arraycopy(start, 0, thetaArray, 0, dim);
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public double clippedMeanStep() {
        int row = next++ & rowMask;
        if (useBlas) {
            return blasStep(row * stride);
        }
        return kernels.clippedMeanStep(theta, 0, samples, (long) row * stride, dim, eta, lambda, mu);
    }

    private double blasStep(int xOffset) {
        float[] g = gradient;
        float[] t = thetaArray;
        int n = dim;
        blas.scopy(n, t, 0, 1, g, 0, 1);
        blas.saxpy(n, -1f, samplesArray, xOffset, 1, g, 0, 1);
        float norm = blas.snrm2(n, g, 0, 1);
        blas.saxpy(n, (float) (-eta * Math.min(1.0, lambda / (double) norm)), g, 0, 1, t, 0, 1);
        return norm;
    }
}
