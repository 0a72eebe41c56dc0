package io.clipstream.bench;

import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/**
 * Shared set-up code: seeded data, sample pools, the clip-level calibration, result checks against the scalar
 * reference, and the per-fork record of JVM and vector species. Nothing here runs inside a timed region.
 */
final class BenchSupport {

    /** Alignment of every native operand: a cache line, and the size of the widest (512-bit) vector. */
    static final long ALIGNMENT = 64;

    /** Learning rate of every step benchmark. */
    static final float ETA = 0.01f;

    /** Relative tolerance of the checks against the scalar reference. */
    static final double TOLERANCE = 1e-3;

    /** Seed of all data; every fork sees the same inputs. */
    static final long SEED = 0x5eed_c11bL;

    /**
     * Bytes of samples a cache-resident benchmark rotates through: 256 KiB stays in L2 (1-2 MiB per core), so
     * the loads of a sample come from L2 (from L1 for small dims), as for a sample that was just received.
     */
    private static final int POOL_BYTES = 256 * 1024;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private BenchSupport() {
    }

    /**
     * The keyed store's threshold method named by a benchmark parameter or option: {@code POT} (peaks over
     * threshold) or {@code CS} (confidence sequence), in either case.
     *
     * @throws IllegalArgumentException for any other name (a typo must not silently measure the default)
     */
    static AdaptiveThreshold.Method thresholdMethod(String name) {
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "POT" -> AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD;
            case "CS" -> AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE;
            default -> throw new IllegalArgumentException("threshold must be pot or cs, not " + name);
        };
    }

    /** Row stride in floats: {@code dim} rounded up to 16 floats (64 bytes), so every row starts aligned. */
    static int stride(int dim) {
        return (dim + 15) & -16;
    }

    /**
     * Rows of the rotating sample pool: a power of two in [8, 64], 64 while that fits in {@link #POOL_BYTES}
     * (dims up to 1024), fewer for larger dims (16 rows at 4096, 8 at 65536).
     */
    static int poolRows(int stride) {
        int fit = Math.max(1, POOL_BYTES / (stride * Float.BYTES));
        return Math.max(8, Math.min(64, Integer.highestOneBit(fit)));
    }

    /** {@code rows} rows of {@code dim} N(0, sigma^2) floats at the given stride; padding stays 0. */
    static float[] gaussianRows(SplittableRandom random, int rows, int dim, int stride, double sigma) {
        float[] data = new float[rows * stride];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dim; j++) {
                data[r * stride + j] = (float) (sigma * random.nextGaussian());
            }
        }
        return data;
    }

    /** The mean of the pool's rows. */
    static float[] rowMean(float[] rows, int n, int dim, int stride) {
        double[] sum = new double[dim];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < dim; j++) {
                sum[j] += rows[r * stride + j];
            }
        }
        float[] mean = new float[dim];
        for (int j = 0; j < dim; j++) {
            mean[j] = (float) (sum[j] / n);
        }
        return mean;
    }

    /** The median over the pool of {@code ||center - x_i||}: the first guess of the mean step's clip level. */
    static float medianDistance(float[] center, float[] rows, int n, int dim, int stride) {
        double[] norms = new double[n];
        for (int r = 0; r < n; r++) {
            double sum = 0;
            for (int j = 0; j < dim; j++) {
                double d = rows[r * stride + j] - (double) center[j];
                sum += d * d;
            }
            norms[r] = Math.sqrt(sum);
        }
        return (float) median(norms);
    }

    /**
     * Calibrates the mean step's clip level on the orbit theta actually follows. Theta starts at the pool mean
     * ({@code theta} on entry) with {@code lambda} = {@link #medianDistance}; then, three times, the scalar reference
     * runs at least 512 steps over the rotating pool and {@code lambda} becomes the median of the norms of the
     * last round. (At large dims all norms lie within a fraction of a percent of each other, so the clip share
     * would otherwise hinge on theta's small drift off the mean.) On return {@code theta} is the state after whole
     * rounds, so a benchmark that starts from it continues the orbit with row 0.
     *
     * @return the clip level
     */
    static float calibrateMeanStep(float[] theta, float[] rows, int n, int dim, int stride, float eta) {
        Kernels scalar = KernelProvider.scalar();
        float lambda = medianDistance(theta, rows, n, dim, stride);
        int rounds = Math.max(1, (512 + n - 1) / n);
        double[] norms = new double[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = Memory.NATIVE.copyOf(rows, arena);
            MemorySegment t = Memory.NATIVE.copyOf(theta, arena);
            for (int iteration = 0; iteration < 3; iteration++) {
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < n; i++) {
                        norms[i] = scalar.clippedMeanStep(t, 0, x, (long) i * stride, dim, eta, lambda, 0f);
                    }
                }
                lambda = (float) median(norms);
            }
            MemorySegment.copy(t, FLOAT, 0, theta, 0, dim);
        }
        return lambda;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return (n & 1) == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    static float[] toArray(MemorySegment segment, int count) {
        float[] out = new float[count];
        MemorySegment.copy(segment, FLOAT, 0, out, 0, count);
        return out;
    }

    static void copyInto(float[] source, MemorySegment target) {
        MemorySegment.copy(source, 0, target, FLOAT, 0, source.length);
    }

    /**
     * Throws unless {@code actual} is within a relative {@link #TOLERANCE} of the reference: relative to
     * {@code max(|expected|, magnitude)}, where {@code magnitude} is the sum of the absolute terms of the reduction
     * (a sum that cancels is only as accurate as its largest terms).
     */
    static void checkReduction(String what, double actual, double expected, double magnitude) {
        double tolerance = TOLERANCE * Math.max(Math.abs(expected), magnitude);
        if (!(Math.abs(actual - expected) <= tolerance)) {
            throw new IllegalStateException(what + " disagrees with the scalar reference: " + actual + " vs "
                    + expected + " (tolerance " + tolerance + ")");
        }
    }

    /** Throws unless {@code ||actual - expected|| <= TOLERANCE * ||expected||}. */
    static void checkVector(String what, float[] actual, float[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        if (!(Math.sqrt(diff) <= TOLERANCE * Math.sqrt(norm) + Float.MIN_NORMAL)) {
            throw new IllegalStateException(what + " disagrees with the scalar reference: ||difference|| = "
                    + Math.sqrt(diff) + ", ||reference|| = " + Math.sqrt(norm));
        }
    }

    /** Throws unless between 20% and 80% of the checked steps clipped: the benchmark must exercise both branches. */
    static void checkClipShare(String what, int clipped, int steps) {
        double share = (double) clipped / steps;
        if (share < 0.2 || share > 0.8) {
            throw new IllegalStateException(what + ": " + clipped + " of " + steps
                    + " steps clipped; the data should make about half of them clip");
        }
    }

    /**
     * Appends one line about this fork to the file named by {@code -Dbench.forkInfo} (set by {@link BenchMain}'s
     * suite; absent in plain JMH runs): production kernels, preferred vector size, FMA, JDK and VM, and extras
     * such as the BLAS class. {@link BenchMain} prints them above its tables.
     */
    static void recordFork(String extra) {
        String file = System.getProperty("bench.forkInfo");
        if (file == null || file.isEmpty()) {
            return;
        }
        String line = "kernels=" + KernelProvider.kernels().name()
                + "\tpreferredBits=" + FloatVector.SPECIES_PREFERRED.vectorBitSize()
                + "\tfma=" + KernelProvider.useFma()
                + "\tjava=" + Runtime.version()
                + "\tvm=" + System.getProperty("java.vm.name") + " (" + System.getProperty("java.vm.vendor") + ")"
                + (extra.isEmpty() ? "" : "\t" + extra) + "\n";
        try {
            Files.writeString(Path.of(file), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write fork info to " + file, e);
        }
    }
}
