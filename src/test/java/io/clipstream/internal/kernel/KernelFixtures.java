package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shared fixtures for the kernel properties: implementations under test, memory of both kinds at any element
 * offset, value profiles that include special values, the double-precision oracle and the tolerance bound of
 * the R class ({@code |r - oracle| <= gamma(n + extra) sum|t_i| + n Float.MIN_VALUE}).
 */
final class KernelFixtures {

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    static final double U = 0x1p-24;

    /** Largest vector in floats across the tested species (512 bits); 4L+3 = 67 is the longest "tail" length. */
    static final int MAX_LANES = 16;

    private KernelFixtures() {
    }

    // ------------------------------------------------------------------ implementations

    static Kernels simd(int bits, boolean fma) {
        VectorSpecies<Float> species = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        return SimdKernels.create(species, fma);
    }

    static Kernels scalar(boolean fma) {
        return new ScalarKernels(fma);
    }

    // ------------------------------------------------------------------ memory

    /**
     * A segment holding {@code values} starting at element {@code index}, in heap ({@code float[]}-backed) or
     * native memory, with {@code slack} extra elements after the data (filled with a sentinel) so that writes
     * past the range would be detected.
     */
    static MemorySegment segment(boolean nativeMemory, long index, float[] values, int slack) {
        int size = (int) index + values.length + slack;
        MemorySegment s = nativeMemory
                ? Arena.ofAuto().allocate(Math.max(1, size) * 4L, 64).asSlice(0, size * 4L)
                : MemorySegment.ofArray(new float[size]);
        for (int i = 0; i < size; i++) {
            s.setAtIndex(F, i, SENTINEL);
        }
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(F, index + i, values[i]);
        }
        return s;
    }

    static final float SENTINEL = -12345.678f;

    static MemorySegment doubles(boolean nativeMemory, int count) {
        return nativeMemory ? Arena.ofAuto().allocate(Math.max(1, count) * 8L, 64).asSlice(0, count * 8L)
                : MemorySegment.ofArray(new double[count]);
    }

    static float[] read(MemorySegment s, long index, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.getAtIndex(F, index + i);
        }
        return out;
    }

    /** Asserts every element outside {@code [index, index + n)} still holds the sentinel. */
    static void assertUntouchedOutside(MemorySegment s, long index, int n, String context) {
        long size = s.byteSize() / 4;
        for (long i = 0; i < size; i++) {
            if (i < index || i >= index + n) {
                float v = s.getAtIndex(F, i);
                if (Float.floatToRawIntBits(v) != Float.floatToRawIntBits(SENTINEL)) {
                    fail(context + ": element " + i + " outside [" + index + ", " + (index + n) + ") was written: " + v);
                }
            }
        }
    }

    // ------------------------------------------------------------------ values

    /** Value profiles: the special ones put 0, -0, subnormals and values near Float.MAX_VALUE into the data. */
    enum Profile {
        /** Gaussian at a random scale between 1e-3 and 1e3. */
        NORMAL,
        /** Random signs and exponents across 2^-60 .. 2^60. */
        WIDE_RANGE,
        /** Mostly Gaussian with about one in five replaced by a special value. */
        SPECIAL,
        /** Subnormals and values near Float.MIN_NORMAL only. */
        TINY,
        /** Finite values near Float.MAX_VALUE. */
        HUGE
    }

    private static final float[] SPECIALS = {
        0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MIN_NORMAL / 3,
        1e-40f, -1e-40f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE / 3, 0x1p60f, -0x1p60f, 0x1p100f,
        1f, -1f, Math.nextUp(1f), 0x1p-126f
    };

    static float[] values(SplittableRandom r, int n, Profile profile) {
        float[] v = new float[n];
        double scale = Math.pow(10, r.nextInt(-3, 4));
        for (int i = 0; i < n; i++) {
            v[i] = switch (profile) {
                case NORMAL -> (float) (gaussian(r) * scale);
                case WIDE_RANGE -> (float) ((r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(-60, 61)));
                case SPECIAL -> r.nextInt(5) == 0 ? SPECIALS[r.nextInt(SPECIALS.length)] : (float) gaussian(r);
                case TINY -> (float) ((r.nextBoolean() ? 1 : -1) * r.nextDouble() * Float.MIN_NORMAL * 2);
                case HUGE -> (float) ((r.nextBoolean() ? 1 : -1) * Float.MAX_VALUE * (0.5 + 0.5 * r.nextDouble()));
            };
        }
        return v;
    }

    static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double w = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * w);
    }

    // ------------------------------------------------------------------ oracle and tolerance

    static double gamma(int k) {
        return k * U / (1 - k * U);
    }

    /**
     * The R-class bound for a float reduction of {@code n} terms whose exact values have absolute sum
     * {@code absSum}; {@code extra} counts additional roundings per term before the accumulation (1 for a
     * difference that is squared). The double-precision oracle's own error is added (2^-50 relative).
     */
    static double bound(int n, int extra, double absSum) {
        return gamma(n + 1 + extra) * absSum + n * (double) Float.MIN_VALUE + 0x1p-50 * absSum;
    }

    static void assertWithin(double actual, double oracle, double bound, String context) {
        if (Double.isNaN(oracle)) {
            assertTrue(Double.isNaN(actual), context + ": expected NaN, got " + actual);
            return;
        }
        double error = Math.abs(actual - oracle);
        if (!(error <= bound)) {
            fail(context + ": |" + actual + " - " + oracle + "| = " + error + " exceeds bound " + bound);
        }
    }

    /** Bit equality with NaNs canonicalised. */
    static void assertSameBits(float[] expected, float[] actual, String context) {
        assertEquals(expected.length, actual.length, context + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(context + ": element " + i + " expected " + expected[i] + " (0x"
                        + Integer.toHexString(Float.floatToIntBits(expected[i])) + ") but was " + actual[i] + " (0x"
                        + Integer.toHexString(Float.floatToIntBits(actual[i])) + ")");
            }
        }
    }

    static float mulAdd(boolean fma, float a, float b, float c) {
        return fma ? Math.fma(a, b, c) : a * b + c;
    }
}
