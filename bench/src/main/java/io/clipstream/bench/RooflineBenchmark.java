package io.clipstream.bench;

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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Load-only rooflines for the clipped mean step, measured in the same run as the step itself.
 *
 * <ul>
 *   <li>{@link #loadOnly}: cache-resident. Same data and sample rotation as {@link ClippedMeanStepBenchmark}
 *       (native memory); {@link LoadOnlyKernel} loads what one step loads. Roofline share at a dim =
 *       {@code loadOnly time / clippedMeanStep time} (1.0 = the step runs at the speed of its loads).</li>
 *   <li>{@link #streamLoadOnly} and {@link #streamClippedMeanStep}: DRAM-streamed. A 1 GiB native buffer of
 *       samples is read front to back, {@value #BLOCK} samples per invocation (256 KiB at dim 1024), wrapping
 *       around; theta stays in cache. Scores are per sample ({@code @OperationsPerInvocation}), so
 *       {@code 4 * dim bytes / score} is the bandwidth of new sample data, and
 *       {@code streamLoadOnly / streamClippedMeanStep} the streamed share.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class RooflineBenchmark {

    /** Samples per invocation of the streamed benchmarks. */
    public static final int BLOCK = 64;

    /** Size of the streamed sample buffer: far beyond the last-level cache. */
    static final long STREAM_BYTES = 1L << 30;

    /** The buffer repeats a tile of this many bytes of random samples (generating 1 GiB would take seconds). */
    private static final int TILE_BYTES = 4 << 20;

    /** Cache-resident operands: the samples and layout of {@link ClippedMeanStepBenchmark} in native memory. */
    @State(Scope.Thread)
    public static class Cached {
        @Param({"16", "64", "256", "1000", "1024", "4096", "65536"})
        public int dim;

        Arena arena;
        MemorySegment theta;
        MemorySegment samples;
        int stride;
        int rowMask;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            stride = BenchSupport.stride(dim);
            int rows = BenchSupport.poolRows(stride);
            rowMask = rows - 1;
            float[] samplesArray = BenchSupport.gaussianRows(new SplittableRandom(BenchSupport.SEED), rows, dim,
                    stride, 1.0);
            float[] start = BenchSupport.rowMean(samplesArray, rows, dim, stride);
            arena = Arena.ofShared();
            theta = Memory.NATIVE.copyOf(start, arena);
            samples = Memory.NATIVE.copyOf(samplesArray, arena);
            BenchSupport.recordFork("loadOnlyBits=" + LoadOnlyKernel.vectorBitSize());
            for (int r = 0; r < rows; r++) {
                checkLoadOnly(start, samplesArray, r * stride, dim,
                        LoadOnlyKernel.loadTwice(theta, 0, samples, (long) r * stride, dim));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** The 1 GiB sample buffer, a cache-resident theta and the read cursor. */
    @State(Scope.Thread)
    public static class Streamed {
        @Param({"256", "1024", "4096"})
        public int dim;

        Arena arena;
        MemorySegment buffer;
        MemorySegment theta;
        float[] start;
        float[] tile;
        int stride;
        long rows;
        long cursor;
        float eta;
        float lambda;
        float mu;

        @Setup(Level.Trial)
        public void setUp() {
            stride = BenchSupport.stride(dim);
            long rowBytes = (long) stride * Float.BYTES;
            int tileRows = (int) Math.max(BLOCK, TILE_BYTES / rowBytes);
            rows = (STREAM_BYTES / rowBytes) & -BLOCK;
            tile = BenchSupport.gaussianRows(new SplittableRandom(BenchSupport.SEED), tileRows, dim, stride, 1.0);
            start = BenchSupport.rowMean(tile, tileRows, dim, stride);
            eta = BenchSupport.ETA;
            lambda = BenchSupport.calibrateMeanStep(start, tile, tileRows, dim, stride, eta);
            mu = 0f;
            arena = Arena.ofShared();
            MemorySegment tileSegment = Memory.NATIVE.copyOf(tile, arena);
            buffer = arena.allocate(rows * rowBytes, BenchSupport.ALIGNMENT);
            long tileSize = tileSegment.byteSize();
            for (long offset = 0; offset < buffer.byteSize(); offset += tileSize) {
                MemorySegment.copy(tileSegment, 0, buffer, offset, Math.min(tileSize, buffer.byteSize() - offset));
            }
            theta = Memory.NATIVE.copyOf(start, arena);
            BenchSupport.recordFork("loadOnlyBits=" + LoadOnlyKernel.vectorBitSize());
            for (int r = 0; r < BLOCK; r++) {
                checkLoadOnly(start, tile, r * stride, dim,
                        LoadOnlyKernel.loadTwice(theta, 0, buffer, (long) r * stride, dim));
            }
        }

        /** Element index of the first sample of the next block. */
        long nextBlock() {
            long first = cursor;
            cursor = first + BLOCK == rows ? 0 : first + BLOCK;
            return first * stride;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** The step implementation for {@link #streamClippedMeanStep}; a separate state so the load-only run once. */
    @State(Scope.Thread)
    public static class StreamStep {
        @Param({"SCALAR", "SIMD"})
        public Impl impl;

        Kernels kernels;

        @Setup(Level.Trial)
        public void setUp(Streamed s) {
            kernels = impl.kernels();
            if (kernels == null) {
                throw new IllegalArgumentException("streamClippedMeanStep supports SCALAR and SIMD, not " + impl);
            }
            Kernels reference = KernelProvider.scalar();
            MemorySegment referenceTheta = Memory.NATIVE.copyOf(s.start, s.arena);
            int clipped = 0;
            for (int r = 0; r < BLOCK; r++) {
                long row = (long) r * s.stride;
                double expected = reference.clippedMeanStep(referenceTheta, 0, s.buffer, row, s.dim, s.eta, s.lambda,
                        s.mu);
                double actual = kernels.clippedMeanStep(s.theta, 0, s.buffer, row, s.dim, s.eta, s.lambda, s.mu);
                BenchSupport.checkReduction(impl + " streamed clippedMeanStep norm (dim " + s.dim + ", row " + r + ")",
                        actual, expected, 0);
                clipped += expected > s.lambda ? 1 : 0;
            }
            BenchSupport.checkVector(impl + " streamed clippedMeanStep theta (dim " + s.dim + ")",
                    BenchSupport.toArray(s.theta, s.dim), BenchSupport.toArray(referenceTheta, s.dim));
            BenchSupport.checkClipShare("streamed clippedMeanStep dim " + s.dim, clipped, BLOCK);
            BenchSupport.copyInto(s.start, s.theta);
        }
    }

    static void checkLoadOnly(float[] theta, float[] rows, int rowIndex, int dim, float actual) {
        double expected = 0;
        double magnitude = 0;
        for (int j = 0; j < dim; j++) {
            expected += 2.0 * theta[j] + 2.0 * rows[rowIndex + j];
            magnitude += 2.0 * Math.abs(theta[j]) + 2.0 * Math.abs(rows[rowIndex + j]);
        }
        BenchSupport.checkReduction("loadOnly sum (dim " + dim + ")", actual, expected, magnitude);
    }

    @Benchmark
    public float loadOnly(Cached c) {
        int row = c.next++ & c.rowMask;
        return LoadOnlyKernel.loadTwice(c.theta, 0, c.samples, (long) row * c.stride, c.dim);
    }

    @Benchmark
    @OperationsPerInvocation(BLOCK)
    public float streamLoadOnly(Streamed s) {
        long first = s.nextBlock();
        MemorySegment theta = s.theta;
        MemorySegment buffer = s.buffer;
        int dim = s.dim;
        long stride = s.stride;
        float sum = 0f;
        for (int i = 0; i < BLOCK; i++) {
            sum += LoadOnlyKernel.loadTwice(theta, 0, buffer, first + i * stride, dim);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BLOCK)
    public double streamClippedMeanStep(Streamed s, StreamStep step) {
        long first = s.nextBlock();
        Kernels kernels = step.kernels;
        MemorySegment theta = s.theta;
        MemorySegment buffer = s.buffer;
        int dim = s.dim;
        long stride = s.stride;
        float eta = s.eta;
        float lambda = s.lambda;
        float mu = s.mu;
        double sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += kernels.clippedMeanStep(theta, 0, buffer, first + i * stride, dim, eta, lambda, mu);
        }
        return sum;
    }
}
