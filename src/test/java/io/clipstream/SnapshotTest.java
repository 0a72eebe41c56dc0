package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SnapshotTest {

    private static final int D = 45;

    /** One estimator per task and policy kind, each fed the same deterministic stream. */
    static List<Supplier<Estimator>> estimators() {
        return List.of(
                () -> MeanEstimator.builder(D).build(),
                () -> MeanEstimator.builder(D).l2(0.1).clip(ClipPolicy.rollingQuantile(0.7, 40))
                        .stepSize(StepSize.doubling(0.5, 0.6, 16)).build(),
                () -> MeanEstimator.builder(D).clip(ClipPolicy.fixed(3)).stepSize(StepSize.inverseTime(1, 1)).build(),
                () -> LinearRegression.builder(D).stepSize(StepSize.horizon(0.5, 0.5, 1000)).build(),
                () -> LinearRegression.builder(D).clip(ClipPolicy.none()).normalizeSteps(false)
                        .stepSize(StepSize.constant(0.001)).l2(0.01).build(),
                () -> LogisticRegression.builder(D).l2(0.001).buildLogistic(),
                () -> SoftmaxRegression.builder(D, 3).build());
    }

    static void feed(Estimator e, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            float[] x = Fixtures.gaussian(r, D, 2);
            x[0] += 5;
            switch (e) {
                case MeanEstimator m -> m.update(x);
                case LinearRegression l -> l.update(x, x[1] * 2 - x[2]);
                case LogisticRegression l -> l.update(x, x[1] > 0 ? 1 : 0);
                case SoftmaxRegression s -> s.update(x, (int) Math.floorMod((long) Math.floor(x[1]), 3L));
                default -> throw new AssertionError();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("estimators")
    void restoreContinuesBitIdentically(Supplier<Estimator> make) {
        Estimator a = make.get();
        feed(a, 300, 1);
        byte[] snap = a.snapshot();
        Estimator b = Estimator.restore(snap);
        assertEquals(a.config(), b.config());
        assertArrayEquals(snap, b.snapshot(), "restoring and snapshotting again gives the same bytes");
        feed(a, 200, 2);
        feed(b, 200, 2);
        assertArrayEquals(a.snapshot(), b.snapshot(), "the two continue bit-identically");
        assertEquals(a.samplesSeen(), b.samplesSeen());
        assertEquals(a.clipLevel(), b.clipLevel());
        assertEquals(a.stepSize(), b.stepSize());
    }

    /** Restored on other vector widths and the scalar path, the estimate continues up to rounding. */
    @ParameterizedTest
    @MethodSource("estimators")
    void restoresOnEveryWidthAndTheScalarPath(Supplier<Estimator> make) {
        Estimator a = make.get();
        feed(a, 300, 3);
        byte[] snap = a.snapshot();
        feed(a, 100, 4);
        float[] reference = Fixtures.estimate(a);
        for (Kernels k : List.of(KernelProvider.scalar(), KernelProvider.simd(128), KernelProvider.simd(256),
                KernelProvider.simd(512))) {
            Estimator b = Estimator.readSnapshot(MemorySegment.ofArray(snap), null, null, k);
            assertEquals(k.name(), b.kernelName());
            feed(b, 100, 4);
            float[] other = Fixtures.estimate(b);
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < reference.length; i++) {
                diff += Math.pow(reference[i] - other[i], 2);
                norm += Math.pow(reference[i], 2);
            }
            assertTrue(Math.sqrt(diff) <= 1e-3 * Math.sqrt(norm) + 1e-6, k + ": relative difference "
                    + Math.sqrt(diff / norm));
            assertEquals(a.samplesSeen(), b.samplesSeen());
        }
    }

    @Test
    void typedRestoreChecksTheTask() {
        MeanEstimator m = MeanEstimator.builder(D).build();
        feed(m, 10, 5);
        byte[] snap = m.snapshot();
        assertInstanceOf(MeanEstimator.class, MeanEstimator.restore(snap));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinearRegression.restore(snap));
        assertEquals("snapshot holds a MEAN estimator, not LINEAR", e.getMessage());
        CustomEstimator c = CustomEstimator.builder(2, (t, x, y, g) -> 0).build();
        e = assertThrows(IllegalArgumentException.class, () -> Estimator.restore(c.snapshot()));
        assertTrue(e.getMessage().contains("CustomEstimator.restore(bytes, loss)"), e.getMessage());
        assertInstanceOf(CustomEstimator.class, CustomEstimator.restore(c.snapshot(), (t, x, y, g) -> 0));
    }

    @Test
    void corruptTruncatedAndForeignBytesAreRejectedClearly() {
        Estimator e = MeanEstimator.builder(D).clip(ClipPolicy.rollingQuantile(0.5, 8)).build();
        feed(e, 20, 6);
        byte[] good = e.snapshot();
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Estimator.restore(bad),
                    "flipped bit in byte " + i);
            assertTrue(x.getMessage().startsWith("invalid snapshot: "), x.getMessage());
        }
        assertMessage("invalid snapshot: truncated: 10 bytes, a snapshot has at least 156",
                java.util.Arrays.copyOf(good, 10));
        assertMessage("invalid snapshot: truncated: " + (good.length - 1) + " bytes, expected " + good.length
                + " for d=45, classes=1", java.util.Arrays.copyOf(good, good.length - 1));
        assertMessage("invalid snapshot: has trailing bytes: " + (good.length + 3) + " bytes, expected " + good.length
                + " for d=45, classes=1", java.util.Arrays.copyOf(good, good.length + 3));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertMessage("invalid snapshot: not a clipstream snapshot (bad magic 0x534e4c58)", magic);
        byte[] version = good.clone();
        version[4] = 9;
        assertMessage("invalid snapshot: unsupported format version 9 (this library reads version 1)", version);
        assertThrows(IllegalArgumentException.class, () -> Estimator.restore((byte[]) null));
    }

    @Test
    void aWellFormedSnapshotWithNonFiniteParametersIsRejected() {
        MeanEstimator e = MeanEstimator.builder(4).build();
        byte[] snap = e.snapshot();
        MemorySegment s = MemorySegment.ofArray(snap);
        s.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                SnapshotFormat.HEADER + 4, Float.NaN);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(snap, 0, snap.length - 4);
        s.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                snap.length - 4, (int) crc.getValue());
        assertMessage("invalid snapshot: parameter 1 is NaN", snap);
    }

    @Test
    void theFormatIsLittleEndianWithAFixedHeader() {
        MeanEstimator e = MeanEstimator.builder(3).stepSize(StepSize.constant(1)).clip(ClipPolicy.none()).build();
        e.update(new float[] {1, 2, 3});
        byte[] s = e.snapshot();
        assertEquals(SnapshotFormat.HEADER + 12 + 4, s.length);
        assertEquals(e.snapshotSize(), s.length);
        assertArrayEquals(new byte[] {'C', 'L', 'N', 'S', 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0},
                java.util.Arrays.copyOf(s, 16));
        // parameter 0 (1.0f = 0x3f800000) little-endian right after the header
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f},
                java.util.Arrays.copyOfRange(s, SnapshotFormat.HEADER, SnapshotFormat.HEADER + 4));
    }

    @Test
    void writeSnapshotIntoCallerBuffersAndSegments() {
        MeanEstimator e = MeanEstimator.builder(D).build();
        feed(e, 10, 7);
        byte[] expected = e.snapshot();
        byte[] buffer = new byte[expected.length + 10];
        assertEquals(expected.length, e.writeSnapshot(buffer, 7));
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(buffer, 7, 7 + expected.length));
        MemorySegment native_ = Arena.ofAuto().allocate(expected.length + 5);
        assertEquals(expected.length, e.writeSnapshot(native_, 5));
        assertArrayEquals(expected, native_.asSlice(5).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        assertInstanceOf(MeanEstimator.class, Estimator.restore(native_.asSlice(5)));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> e.writeSnapshot(new byte[10], 0));
        assertTrue(x.getMessage().startsWith("snapshot needs " + expected.length + " bytes"), x.getMessage());
    }

    @Test
    void mergeAveragesByWeightAndAddsCounters() {
        MeanEstimator a = MeanEstimator.builder(2).stepSize(StepSize.constant(1)).clip(ClipPolicy.none()).build();
        MeanEstimator b = MeanEstimator.builder(2).stepSize(StepSize.constant(1)).clip(ClipPolicy.none()).build();
        a.update(new float[] {4, 0});
        b.update(new float[] {0, 8});
        b.update(new float[] {0, 8});
        b.update(new float[] {0, 8});
        a.merge(b);
        assertArrayEquals(new float[] {1, 6}, Fixtures.estimate(a), "1/4 of (4,0) + 3/4 of (0,8)");
        assertEquals(4, a.samplesSeen());
        assertArrayEquals(new float[] {0, 8}, Fixtures.estimate(b), "other unchanged");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.merge(MeanEstimator.builder(3).build()));
        assertEquals("cannot merge a MEAN estimator of 3 parameters (d=3) into a MEAN estimator of 2 parameters (d=2)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.merge(a));
        assertThrows(IllegalArgumentException.class, () -> a.merge(LinearRegression.builder(2).build()));
    }

    @Test
    void mergeOfAdaptiveLevelsIsTheWeightedGeometricMean() {
        MeanEstimator a = MeanEstimator.builder(1).build();
        MeanEstimator b = MeanEstimator.builder(1).build();
        a.update(new float[] {2});
        b.update(new float[] {8});
        a.merge(b);
        assertEquals(4.0, a.clipLevel(), 1e-6, "sqrt(2 * 8)");
    }

    @Test
    void mergeOfRollingWindowsOfAnotherLengthIsRefusedBeforeAnythingChanges() {
        MeanEstimator big = MeanEstimator.builder(2).clip(ClipPolicy.rollingQuantile(0.5, 64)).build();
        MeanEstimator small = MeanEstimator.builder(2).clip(ClipPolicy.rollingQuantile(0.5, 8)).build();
        for (int i = 0; i < 20; i++) {
            small.update(new float[] {i, 1});
        }
        byte[] bigBefore = big.snapshot();
        byte[] smallBefore = small.snapshot();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> big.merge(small));
        assertEquals("cannot merge a rolling-quantile clip of window 8 into one of window 64 (the windows must be "
                + "equal)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> small.merge(big), "the other way round too");
        assertArrayEquals(bigBefore, big.snapshot(), "a refused merge changes nothing");
        assertArrayEquals(smallBefore, small.snapshot());
        small.update(new float[] {1, 1}); // still usable
        assertArrayEquals(small.snapshot(), Estimator.restore(small.snapshot()).snapshot());

        MeanEstimator same = MeanEstimator.builder(2).clip(ClipPolicy.rollingQuantile(0.5, 8)).build();
        same.merge(small);
        assertEquals(small.samplesSeen(), same.samplesSeen(), "equal windows still merge");
        same.update(new float[] {3, 3});
    }

    /**
     * Heap segments over arrays other than {@code byte[]} have no byte-buffer view: writing a snapshot into one (or
     * restoring from one, at an offset too) once threw UnsupportedOperationException after the fields were written.
     */
    @ParameterizedTest
    @MethodSource("estimators")
    void snapshotsWriteToAndRestoreFromSegmentsOverAnyHeapArray(Supplier<Estimator> factory) {
        Estimator e = factory.get();
        feed(e, 300, 17);
        byte[] expected = e.snapshot();
        int n = expected.length;
        for (MemorySegment dst : List.of(MemorySegment.ofArray(new long[n / 8 + 2]),
                MemorySegment.ofArray(new float[n / 4 + 3]), MemorySegment.ofArray(new int[n / 4 + 3]),
                MemorySegment.ofArray(new short[n / 2 + 6]))) {
            assertEquals(n, e.writeSnapshot(dst, 4), dst.toString());
            byte[] written = dst.asSlice(4, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertArrayEquals(expected, written, dst.toString());
            assertArrayEquals(expected, Estimator.restore(dst.asSlice(4, n)).snapshot(), dst.toString());
            assertArrayEquals(expected, Estimator.restore(dst.asSlice(4, n).asReadOnly()).snapshot(), "read-only");
        }
    }

    private static void assertMessage(String expected, byte[] bytes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Estimator.restore(bytes));
        assertEquals(expected, e.getMessage());
    }
}
