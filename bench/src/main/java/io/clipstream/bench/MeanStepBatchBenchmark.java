package io.clipstream.bench;

import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Mini-batch vs sequential clipped mean steps, production SIMD kernels only: {@code batchN} is one
 * {@code clippedMeanStepBatch} call over the next {@code N} rows of a 64-row pool (theta swept twice in all),
 * {@code sequentialN} is {@code N} {@code clippedMeanStep} calls on the same rows (theta swept three times per
 * row). Scores are per row ({@code @OperationsPerInvocation}). The two are different algorithms (all gradients
 * of a mini-batch are taken at the same theta); this measures only what each costs per sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class MeanStepBatchBenchmark {

    private static final int ROWS = 64;
    private static final int MAX_BATCH = 32;

    @Param({"64", "1024", "65536"})
    public int dim;

    private Kernels kernels;
    private Arena arena;
    private MemorySegment theta;
    private MemorySegment samples;
    private MemorySegment norms;
    private MemorySegment scratch;
    private float[] start;
    private int stride;
    private int next;
    private float eta;
    private float lambda;
    private float mu;

    @Setup(Level.Trial)
    public void setUp() {
        stride = BenchSupport.stride(dim);
        float[] samplesArray = BenchSupport.gaussianRows(new SplittableRandom(BenchSupport.SEED), ROWS, dim, stride,
                1.0);
        start = BenchSupport.rowMean(samplesArray, ROWS, dim, stride);
        eta = BenchSupport.ETA;
        // the median distance from the pool mean: a mini-batch step moves theta by at most eta * lambda, so theta
        // stays near the mean and a good share of the rows clip (the share is not checked here)
        lambda = BenchSupport.medianDistance(start, samplesArray, ROWS, dim, stride);
        mu = 0f;
        arena = Arena.ofShared();
        theta = Memory.NATIVE.copyOf(start, arena);
        samples = Memory.NATIVE.copyOf(samplesArray, arena);
        norms = arena.allocate(ValueLayout.JAVA_DOUBLE, MAX_BATCH);
        scratch = arena.allocate(ValueLayout.JAVA_FLOAT, MAX_BATCH);
        kernels = Impl.SIMD.kernels();
        BenchSupport.recordFork("");
        verify(8);
        verify(32);
    }

    /** One pass over the pool in batches of {@code n}, batch and sequential, each against the scalar reference. */
    private void verify(int n) {
        Kernels reference = KernelProvider.scalar();
        MemorySegment referenceTheta = Memory.NATIVE.copyOf(start, arena);
        MemorySegment referenceNorms = arena.allocate(ValueLayout.JAVA_DOUBLE, MAX_BATCH);
        MemorySegment referenceScratch = arena.allocate(ValueLayout.JAVA_FLOAT, MAX_BATCH);
        for (int b = 0; b < ROWS / n; b++) {
            long first = (long) b * n * stride;
            double expected = reference.clippedMeanStepBatch(referenceTheta, 0, samples, first, stride, n, dim, eta,
                    lambda, mu, referenceNorms, 0, referenceScratch, 0);
            double actual = batch(n);
            BenchSupport.checkReduction("SIMD clippedMeanStepBatch max norm (dim " + dim + ", n " + n + ")", actual,
                    expected, 0);
            for (int i = 0; i < n; i++) {
                BenchSupport.checkReduction("SIMD clippedMeanStepBatch norm " + i + " (dim " + dim + ")",
                        norms.getAtIndex(ValueLayout.JAVA_DOUBLE, i),
                        referenceNorms.getAtIndex(ValueLayout.JAVA_DOUBLE, i), 0);
            }
        }
        BenchSupport.checkVector("SIMD clippedMeanStepBatch theta (dim " + dim + ", n " + n + ")",
                BenchSupport.toArray(theta, dim), BenchSupport.toArray(referenceTheta, dim));
        reset();

        BenchSupport.copyInto(start, referenceTheta);
        for (int b = 0; b < ROWS / n; b++) {
            double expected = 0;
            for (int i = 0; i < n; i++) {
                expected += reference.clippedMeanStep(referenceTheta, 0, samples, (long) (b * n + i) * stride, dim,
                        eta, lambda, mu);
            }
            BenchSupport.checkReduction("SIMD sequential clippedMeanStep norm sum (dim " + dim + ", n " + n + ")",
                    sequential(n), expected, 0);
        }
        BenchSupport.checkVector("SIMD sequential clippedMeanStep theta (dim " + dim + ", n " + n + ")",
                BenchSupport.toArray(theta, dim), BenchSupport.toArray(referenceTheta, dim));
        reset();
    }

    private void reset() {
        BenchSupport.copyInto(start, theta);
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Element index of the first of the next {@code n} rows; {@code n} divides {@link #ROWS}. */
    private long nextRows(int n) {
        int first = next;
        next = (first + n) & (ROWS - 1);
        return (long) first * stride;
    }

    private double batch(int n) {
        return kernels.clippedMeanStepBatch(theta, 0, samples, nextRows(n), stride, n, dim, eta, lambda, mu,
                norms, 0, scratch, 0);
    }

    private double sequential(int n) {
        long row = nextRows(n);
        double sum = 0;
        for (int i = 0; i < n; i++, row += stride) {
            sum += kernels.clippedMeanStep(theta, 0, samples, row, dim, eta, lambda, mu);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(8)
    public double batch8() {
        return batch(8);
    }

    @Benchmark
    @OperationsPerInvocation(8)
    public double sequential8() {
        return sequential(8);
    }

    @Benchmark
    @OperationsPerInvocation(32)
    public double batch32() {
        return batch(32);
    }

    @Benchmark
    @OperationsPerInvocation(32)
    public double sequential32() {
        return sequential(32);
    }
}
