package io.clipstream.bench;

import dev.ludovic.netlib.blas.BLAS;
import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import io.clipstream.internal.kernel.StepResult;
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
 * One clipped linear-regression step per operation: margin {@code w.x}, residual {@code r = y - w.x},
 * {@code ||g|| = |r| ||x||}, {@code w <- w + eta * min(1, lambda / ||g||) * r * x}.
 *
 * <p>Data: {@code x ~ N(0, I/dim)} (so {@code ||x|| ~ 1} and {@code eta = 0.01} is stable at every dim) from a
 * pool of rows; targets {@code y ~ N(0, 1)} from a separate pool of 64 that is paired with the rows in a rotating
 * pattern, so no {@code w} fits all pairs: the residuals stay of order 1, about half of the steps clip, and
 * {@code w} never settles. BLAS is {@code sdot(w, x)}, {@code snrm2(x)}, {@code saxpy(a, x, w)}: three passes
 * where the fused kernel makes two.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class LinearStepBenchmark {

    private static final int TARGETS = 64;

    @Param({"16", "64", "256", "1000", "1024", "4096", "65536"})
    public int dim;

    @Param({"SCALAR", "SIMD", "BLAS"})
    public Impl impl;

    private Kernels kernels;
    private BLAS blas;
    private boolean useBlas;
    private Arena arena;
    private MemorySegment weights;
    private MemorySegment samples;
    private float[] weightsArray;
    private float[] samplesArray;
    private float[] targets;
    private StepResult result;
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
        samplesArray = BenchSupport.gaussianRows(random, rows, dim, stride, 1.0 / Math.sqrt(dim));
        targets = BenchSupport.gaussianRows(random, 1, TARGETS, TARGETS, 1.0);
        weightsArray = new float[dim];
        eta = BenchSupport.ETA;
        lambda = medianStartNorm(rows);
        mu = 0f;
        arena = Arena.ofShared();
        weights = Memory.NATIVE.copyOf(weightsArray, arena);
        samples = Memory.NATIVE.copyOf(samplesArray, arena);
        result = new StepResult();
        kernels = impl.kernels();
        useBlas = impl == Impl.BLAS;
        blas = useBlas ? BlasPeer.instance() : null;
        BenchSupport.recordFork("");
        verify();
    }

    /** The median of {@code |y| ||x||} over the row-target pairs the benchmark visits: the norm at {@code w = 0}. */
    private float medianStartNorm(int rows) {
        double[] norms = new double[rows * TARGETS];
        for (int i = 0; i < norms.length; i++) {
            int row = (i & rowMask) * stride;
            double xx = 0;
            for (int j = 0; j < dim; j++) {
                xx += (double) samplesArray[row + j] * samplesArray[row + j];
            }
            norms[i] = Math.abs(targets[target(i)]) * Math.sqrt(xx);
        }
        return (float) BenchSupport.median(norms);
    }

    /** Step {@code i} pairs row {@code i & rowMask} with this target; over 64 rounds every row meets every target. */
    private static int target(int i) {
        return (i + (i >>> 6)) & (TARGETS - 1);
    }

    private void verify() {
        Kernels reference = KernelProvider.scalar();
        MemorySegment referenceWeights = Memory.NATIVE.copyOf(weightsArray, arena);
        StepResult referenceResult = new StepResult();
        int steps = 256;
        int clipped = 0;
        for (int i = 0; i < steps; i++) {
            long row = (long) (i & rowMask) * stride;
            double expected = reference.clippedLinearStep(referenceWeights, 0, samples, row, dim,
                    targets[target(i)], eta, lambda, mu, referenceResult);
            double actual = clippedLinearStep();
            BenchSupport.checkReduction(impl + " clippedLinearStep norm (dim " + dim + ", step " + i + ")", actual,
                    expected, 0);
            clipped += expected > lambda ? 1 : 0;
        }
        float[] actualWeights = useBlas ? weightsArray : BenchSupport.toArray(weights, dim);
        BenchSupport.checkVector(impl + " clippedLinearStep w (dim " + dim + ")", actualWeights,
                BenchSupport.toArray(referenceWeights, dim));
        BenchSupport.checkClipShare("clippedLinearStep dim " + dim, clipped, steps);
        java.util.Arrays.fill(weightsArray, 0f);
        weights.fill((byte) 0);
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public double clippedLinearStep() {
        int i = next++;
        int row = i & rowMask;
        float y = targets[target(i)];
        if (useBlas) {
            return blasStep(row * stride, y);
        }
        return kernels.clippedLinearStep(weights, 0, samples, (long) row * stride, dim, y, eta, lambda, mu, result);
    }

    private double blasStep(int xOffset, float y) {
        float[] w = weightsArray;
        float[] x = samplesArray;
        int n = dim;
        float margin = blas.sdot(n, w, 0, 1, x, xOffset, 1);
        float xNorm = blas.snrm2(n, x, xOffset, 1);
        double residual = y - (double) margin;
        double norm = Math.abs(residual) * xNorm;
        blas.saxpy(n, (float) (eta * Math.min(1.0, lambda / norm) * residual), x, xOffset, 1, w, 0, 1);
        return norm;
    }
}
