package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * {@link AnomalyDetector#snapshot()} and {@link AnomalyDetector#restore(byte[])}: a restored detector continues
 * bit-identically (scores, intervals, decisions, changes, counters) for every task and threshold setting; damaged
 * snapshots are refused with an IllegalArgumentException only, and whatever restores is usable.
 */
class DetectorSnapshotTest {

    static final int D = 6;

    /** Feeds sample {@code i} of a seeded stream with a jump at 3000 and 5% far samples; returns the outcome. */
    static Outcome feed(AnomalyDetector det, SplittableRandom r, int i) {
        float[] x = new float[D];
        boolean far = r.nextDouble() < 0.05;
        for (int j = 0; j < D; j++) {
            x[j] = (float) (r.nextGaussian() + (i >= 3000 ? 8 : 0) + (far ? 12 : 0));
        }
        return switch (det.estimator().task()) {
            case MEAN -> det.process(x);
            case LINEAR -> det.process(x, (float) (x[0] - 2 * x[1] + (far ? 30 : 0) + 0.1 * r.nextGaussian()));
            case LOGISTIC -> det.process(x, (x[0] + x[1] > (i >= 3000 ? 16 : 0)) ^ far ? 1 : 0);
            case SOFTMAX -> det.process(x, far ? 2 : (x[0] > x[1] ? 0 : 1));
            case CUSTOM -> throw new AssertionError();
        };
    }

    static String trace(AnomalyDetector det, long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Outcome o = feed(det, r, i + 2000);
            sb.append(Double.doubleToRawLongBits(o.score())).append(',').append(Double.doubleToRawLongBits(o.lower()))
                    .append(',').append(Double.doubleToRawLongBits(o.upper())).append(o.decision().ordinal())
                    .append(o.changeDetected() ? 'c' : '.').append(o.updated() ? 'u' : '-').append(';');
        }
        return sb.append(det.processed()).append('/').append(det.anomalies()).append('/').append(det.benign())
                .append('/').append(det.abstentions()).append('/').append(det.changes()).toString();
    }

    static AnomalyDetector run(Supplier<AnomalyDetector> factory, long seed, int n) {
        AnomalyDetector det = factory.get();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            feed(det, r, i);
        }
        return det;
    }

    private static void assertContinuesIdentically(Supplier<AnomalyDetector> factory) {
        AnomalyDetector original = run(factory, 1, 2500);
        byte[] snapshot = original.snapshot();
        AnomalyDetector restored = AnomalyDetector.restore(snapshot);
        assertArrayEquals(snapshot, restored.snapshot(), "a restored detector snapshots to the same bytes");
        assertEquals(original.skipsUpdateOnAnomaly(), restored.skipsUpdateOnAnomaly());
        assertEquals(original.threshold().quantile(), restored.threshold().quantile());
        assertEquals(trace(original, 2, 3000), trace(restored, 2, 3000));
        assertArrayEquals(original.snapshot(), restored.snapshot());
    }

    @Test
    void meanDetectorContinuesBitIdentically() {
        assertContinuesIdentically(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).quantile(0.9)
                .build());
        assertContinuesIdentically(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).quantile(0.95)
                .confidence(0.01).skipUpdateOnAnomaly(true).changeQuantile(0.6).blockLength(256).build());
        assertContinuesIdentically(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).detectChanges(false)
                .build());
    }

    @Test
    void modelDetectorsContinueBitIdentically() {
        assertContinuesIdentically(() -> AnomalyDetector.builder(LinearRegression.builder(D).build()).quantile(0.9)
                .build());
        assertContinuesIdentically(() -> AnomalyDetector.builder(LogisticRegression.builder(D).buildLogistic())
                .quantile(0.9).skipUpdateOnAnomaly(true).build());
        assertContinuesIdentically(() -> AnomalyDetector.builder(SoftmaxRegression.builder(D, 3).build())
                .quantile(0.9).build());
    }

    @Test
    void aFreshDetectorRoundTrips() {
        AnomalyDetector fresh = AnomalyDetector.builder(MeanEstimator.builder(D).build()).build();
        assertEquals(trace(fresh, 3, 500), trace(AnomalyDetector.restore(
                AnomalyDetector.builder(MeanEstimator.builder(D).build()).build().snapshot()), 3, 500));
    }

    /**
     * {@link AnomalyDetector#threshold()} is public: a threshold warmed with historical scores, or given another's
     * state, holds more scores than the detector processed, and the detector still restores from its own snapshot
     * (the restore once refused it as "threshold history of 601 scores ... after 1 samples").
     */
    @Test
    void aDetectorWhoseThresholdWasFedDirectlyRestores() {
        for (AdaptiveThreshold.Method method : AdaptiveThreshold.Method.values()) {
            AnomalyDetector warmed = AnomalyDetector.builder(MeanEstimator.builder(D).build()).method(method).build();
            SplittableRandom r = new SplittableRandom(11);
            for (int i = 0; i < 600; i++) {
                warmed.threshold().observe(-Math.log(1 - r.nextDouble()));
            }
            feed(warmed, r, 0);
            AnomalyDetector restored = AnomalyDetector.restore(warmed.snapshot());
            assertArrayEquals(warmed.snapshot(), restored.snapshot(), method.name());
            assertEquals(trace(warmed, 12, 2000), trace(restored, 12, 2000), method.name());

            AnomalyDetector given = AnomalyDetector.builder(MeanEstimator.builder(D).build()).method(method).build();
            given.threshold().restoreState(run(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build())
                    .method(method).build(), 13, 1500).threshold().state());
            AnomalyDetector restoredGiven = AnomalyDetector.restore(given.snapshot());
            assertEquals(trace(given, 14, 2000), trace(restoredGiven, 14, 2000), method.name());
        }
    }

    @Test
    void damagedSnapshotsAreRefused() {
        byte[] s = run(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).quantile(0.9).build(), 4, 3000)
                .snapshot();
        assertEquals("snapshot must not be null",
                assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.restore(null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.restore(new byte[10]))
                .getMessage().contains("truncated"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AnomalyDetector.restore(Arrays.copyOf(s, s.length - 1))).getMessage().contains("checksum"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AnomalyDetector.restore(Arrays.copyOf(s, s.length + 4))).getMessage().contains("invalid"));
        for (int bit = 0; bit < s.length * 8; bit += 3) {
            byte[] d = s.clone();
            d[bit / 8] ^= (byte) (1 << (bit % 8));
            int at = bit;
            assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.restore(d), "bit " + at);
        }
        // an estimator snapshot is not a detector snapshot
        Estimator e = MeanEstimator.builder(D).build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.restore(e.snapshot()))
                .getMessage().contains("not a detector snapshot"));
    }

    @Test
    void counterEditsWithAValidChecksumAreRefused() {
        byte[] s = run(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).quantile(0.9).build(), 5, 3000)
                .snapshot();
        long[] values = {-1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 61};
        for (int field = 8; field < 40; field += 8) {
            for (long v : values) {
                byte[] d = s.clone();
                ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putLong(field, v);
                fixChecksums(d);
                int at = field;
                assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.restore(d), "field " + at + " = " + v);
            }
        }
        byte[] flags = s.clone();
        flags[6] = 4;
        fixChecksums(flags);
        assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.restore(flags));
    }

    // ------------------------------------------------------------------ fuzz

    /** Recomputes the checksums of the embedded estimator snapshot, threshold state and the whole, where they fit. */
    static void fixChecksums(byte[] d) {
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        if (d.length >= AnomalyDetector.SNAPSHOT_HEADER + 4) {
            int e = b.getInt(40);
            int t = b.getInt(44);
            int h = AnomalyDetector.SNAPSHOT_HEADER;
            if (e >= 4 && t >= 4 && (long) h + e + t + 4 <= d.length) {
                b.putInt(h + e - 4, crc(d, h, e - 4));
                b.putInt(h + e + t - 4, crc(d, h + e, t - 4));
            }
        }
        if (d.length >= 4) {
            b.putInt(d.length - 4, crc(d, 0, d.length - 4));
        }
    }

    static int crc(byte[] d, int from, int n) {
        CRC32C c = new CRC32C();
        c.update(d, from, n);
        return (int) c.getValue();
    }

    /** Bit flips, truncations, extensions and checksum-valid field edits: only IAE; whatever restores works. */
    /** Seeded mutations per fuzz test (about 1-2 s each on a shared two-core machine). */
    static final int MUTATIONS = 2000;

    @Test
    void fuzzedSnapshotsThrowOnlyIllegalArgumentAndWhatRestoresIsUsable() {
        byte[][] seeds = {
            run(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).quantile(0.9).build(), 6, 3500)
                    .snapshot(),
            run(() -> AnomalyDetector.builder(LinearRegression.builder(D).build()).quantile(0.9)
                    .skipUpdateOnAnomaly(true).build(), 7, 1500).snapshot(),
            AnomalyDetector.builder(SoftmaxRegression.builder(D, 3).build()).build().snapshot(),
        };
        SplittableRandom r = new SplittableRandom(42);
        // a fixed number of seeded mutations, not a time budget: the same cases on a busy machine as on an idle one
        int restored = 0;
        int tries = 0;
        while (tries < MUTATIONS) {
            tries++;
            byte[] base = seeds[r.nextInt(seeds.length)];
            byte[] d = mutate(base, r);
            AnomalyDetector det;
            try {
                det = AnomalyDetector.restore(d);
            } catch (IllegalArgumentException expected) {
                continue;
            } catch (RuntimeException | Error e) {
                fail("mutation " + tries + " threw " + e, e);
                return;
            }
            restored++;
            try {
                AnomalyDetector again = AnomalyDetector.restore(det.snapshot());
                assertEquals(trace(det, 9, 300), trace(again, 9, 300), "mutation " + tries);
            } catch (RuntimeException e) {
                fail("mutation " + tries + " restored into an unusable detector: " + e, e);
            }
        }
        assertTrue(restored > 0, "no mutation restored: the field edits never produced a valid state");
    }

    static byte[] mutate(byte[] base, SplittableRandom r) {
        byte[] d = base.clone();
        switch (r.nextInt(5)) {
            case 0 -> {
                int flips = 1 + r.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    int bit = r.nextInt(d.length * 8);
                    d[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case 1 -> d = Arrays.copyOf(d, r.nextInt(d.length));
            case 2 -> {
                d = Arrays.copyOf(d, d.length + 1 + r.nextInt(16));
                fixChecksums(d);
            }
            default -> {
                // checksum-valid edits of aligned fields: special values and small changes
                int edits = 1 + r.nextInt(3);
                ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < edits; i++) {
                    int at = r.nextInt(Math.max(1, d.length / 4 - 2)) * 4;
                    if (at + 8 > d.length) {
                        continue;
                    }
                    switch (r.nextInt(8)) {
                        case 0 -> b.putDouble(at, Double.NaN);
                        case 1 -> b.putDouble(at, Double.POSITIVE_INFINITY);
                        case 2 -> b.putDouble(at, -b.getDouble(at));
                        case 3 -> b.putLong(at, b.getLong(at) + (r.nextBoolean() ? 1 : -1));
                        case 4 -> b.putLong(at, Long.MAX_VALUE);
                        case 5 -> b.putInt(at, b.getInt(at) + (r.nextBoolean() ? 1 : -1));
                        case 6 -> b.putDouble(at, b.getDouble(at) * (r.nextBoolean() ? 1.5 : 0.5));
                        default -> b.putDouble(at, 0.0);
                    }
                }
                fixChecksums(d);
            }
        }
        return d;
    }

    @Test
    void aRestoredDetectorRejectsBadInputLikeTheOriginal() {
        AnomalyDetector original = run(() -> AnomalyDetector.builder(MeanEstimator.builder(D).build()).build(), 8,
                100);
        AnomalyDetector det = AnomalyDetector.restore(original.snapshot());
        byte[] before = det.snapshot();
        float[] nan = new float[D];
        nan[2] = Float.NaN;
        assertEquals(assertThrows(IllegalArgumentException.class, () -> original.process(new float[D + 1]))
                .getMessage(), assertThrows(IllegalArgumentException.class, () -> det.process(new float[D + 1]))
                .getMessage());
        assertEquals(assertThrows(IllegalArgumentException.class, () -> original.process(nan)).getMessage(),
                assertThrows(IllegalArgumentException.class, () -> det.process(nan)).getMessage());
        assertEquals(100, det.processed());
        // the class's contract: a refused sample changes nothing but the estimator's rejected count
        assertEquals(AnomalyDetector.restore(before).estimator().rejectedCount() + 2, det.estimator().rejectedCount());
        assertArrayEquals(original.snapshot(), det.snapshot(), "the same refusals leave the same state");
        assertEquals(trace(AnomalyDetector.restore(before), 9, 300), trace(det, 9, 300),
                "after the refusals it continues as before them");
    }
}
