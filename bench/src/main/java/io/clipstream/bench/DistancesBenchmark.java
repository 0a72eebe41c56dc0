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
 * Batch scoring: {@code distances} ({@code ||k theta - x_i||}, the mean task's score, what
 * {@code MeanEstimator.scoreBatch} runs) over {@value #ROWS} rows per call; scores are per row.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class DistancesBenchmark {

    static final int ROWS = 64;

    @Param({"16", "64", "256", "1000", "1024", "4096"})
    public int dim;

    @Param({"SCALAR", "SIMD"})
    public Impl impl;

    private Kernels kernels;
    private Arena arena;
    private MemorySegment theta;
    private MemorySegment samples;
    private MemorySegment out;
    private int stride;
    private float k;

    @Setup(Level.Trial)
    public void setUp() {
        stride = BenchSupport.stride(dim);
        SplittableRandom random = new SplittableRandom(BenchSupport.SEED);
        float[] samplesArray = BenchSupport.gaussianRows(random, ROWS, dim, stride, 1.0);
        float[] thetaArray = BenchSupport.gaussianRows(random, 1, dim, dim, 1.0);
        arena = Arena.ofShared();
        theta = Memory.NATIVE.copyOf(thetaArray, arena);
        samples = Memory.NATIVE.copyOf(samplesArray, arena);
        out = arena.allocate(ValueLayout.JAVA_DOUBLE, ROWS);
        k = 1f;
        kernels = impl.kernels();
        if (kernels == null) {
            throw new IllegalArgumentException("DistancesBenchmark supports SCALAR and SIMD, not " + impl);
        }
        BenchSupport.recordFork("");
        verify();
    }

    private void verify() {
        Kernels reference = KernelProvider.scalar();
        MemorySegment expected = arena.allocate(ValueLayout.JAVA_DOUBLE, ROWS);
        reference.distances(k, theta, 0, samples, 0, stride, ROWS, dim, expected, 0);
        distances();
        for (int i = 0; i < ROWS; i++) {
            BenchSupport.checkReduction(impl + " distances row " + i + " (dim " + dim + ")",
                    out.getAtIndex(ValueLayout.JAVA_DOUBLE, i), expected.getAtIndex(ValueLayout.JAVA_DOUBLE, i), 0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public MemorySegment distances() {
        kernels.distances(k, theta, 0, samples, 0, stride, ROWS, dim, out, 0);
        return out;
    }

}
