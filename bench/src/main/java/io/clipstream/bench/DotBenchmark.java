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
 * {@code w . x} per operation (a model's margin), {@code x} rotating through a pool of samples; BLAS is
 * {@code sdot} on {@code float[]}. Native memory only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class DotBenchmark {

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
    private int stride;
    private int rowMask;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        stride = BenchSupport.stride(dim);
        int rows = BenchSupport.poolRows(stride);
        rowMask = rows - 1;
        SplittableRandom random = new SplittableRandom(BenchSupport.SEED);
        samplesArray = BenchSupport.gaussianRows(random, rows, dim, stride, 1.0);
        weightsArray = BenchSupport.gaussianRows(random, 1, dim, dim, 1.0);
        arena = Arena.ofShared();
        weights = Memory.NATIVE.copyOf(weightsArray, arena);
        samples = Memory.NATIVE.copyOf(samplesArray, arena);
        kernels = impl.kernels();
        useBlas = impl == Impl.BLAS;
        blas = useBlas ? BlasPeer.instance() : null;
        BenchSupport.recordFork("");
        verify(rows);
    }

    private void verify(int rows) {
        Kernels reference = KernelProvider.scalar();
        for (int i = 0; i < rows; i++) {
            int row = i * stride;
            double magnitude = 0;
            for (int j = 0; j < dim; j++) {
                magnitude += Math.abs((double) weightsArray[j] * samplesArray[row + j]);
            }
            BenchSupport.checkReduction(impl + " dot (dim " + dim + ", row " + i + ")", dot(),
                    reference.dot(weights, 0, samples, row, dim), magnitude);
        }
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public double dot() {
        int row = next++ & rowMask;
        if (useBlas) {
            return blas.sdot(dim, weightsArray, 0, 1, samplesArray, row * stride, 1);
        }
        return kernels.dot(weights, 0, samples, (long) row * stride, dim);
    }
}
