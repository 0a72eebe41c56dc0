package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.HdrHistogram.DoubleHistogram;
import org.junit.jupiter.api.Test;

/**
 * The threshold's state format: version 2 (checksummed) and version 1 (the format before it) restore into thresholds
 * that continue identically; damaged or inconsistent states are refused with an IllegalArgumentException and
 * change nothing (issue 12 item 4).
 */
class ThresholdStateTest {

    /** A version-1 state as the library wrote it before version 2 (no version field, no checksum). */
    static byte[] v1(double p, double a, double changeQuantile, int blockLength, boolean detectChanges,
                     double lower, double upper, long sinceRefresh, long blockIndex, long changes, double minRecorded,
                     double maxRecorded, DoubleHistogram all, DoubleHistogram block) {
        byte[] h1 = compressed(all);
        byte[] h2 = compressed(block);
        ByteBuffer out = ByteBuffer.allocate(4 + 8 * 3 + 4 + 1 + 8 * 2 + 8 * 3 + 8 * 2 + 4 + h1.length + 4 + h2.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(AdaptiveThreshold.STATE_MAGIC_V1).putDouble(p).putDouble(a).putDouble(changeQuantile)
                .putInt(blockLength).put((byte) (detectChanges ? 1 : 0)).putDouble(lower).putDouble(upper)
                .putLong(sinceRefresh).putLong(blockIndex).putLong(changes).putDouble(minRecorded)
                .putDouble(maxRecorded);
        out.putInt(h1.length).put(h1).putInt(h2.length).put(h2);
        return out.array();
    }

    static byte[] compressed(DoubleHistogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity() + 64);
        int n = h.encodeIntoCompressedByteBuffer(b);
        return Arrays.copyOf(b.array(), n);
    }

    private static DoubleHistogram histogram(long range, double... values) {
        DoubleHistogram h = new DoubleHistogram(range, 2);
        for (double v : values) {
            h.recordValue(v);
        }
        return h;
    }

    private static AdaptiveThreshold trained(long seed, int n) {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            th.observe(-Math.log1p(-r.nextDouble()) * (i < n / 2 ? 1 : 4));
        }
        return th;
    }

    /** A threshold's state and its decisions on a fixed continuation, as one comparable fingerprint. */
    static String fingerprint(AdaptiveThreshold th, long seed) {
        StringBuilder sb = new StringBuilder();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 3000; i++) {
            double s = -Math.log1p(-r.nextDouble()) * (i < 1500 ? 2 : 9);
            sb.append(th.decide(s).ordinal()).append(th.observe(s) ? 'c' : '.');
        }
        return sb.append(th.lower()).append(th.upper()).append(th.changes()).append(th.scoresSinceReset()).toString();
    }

    @Test
    void versionTwoIsChecksummedAndContinuesIdentically() {
        AdaptiveThreshold th = trained(1, 6000);
        byte[] state = th.state();
        assertEquals(AdaptiveThreshold.STATE_MAGIC, ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN).getInt());
        AdaptiveThreshold copy = AdaptiveThreshold.restore(state);
        assertArrayEquals(state, copy.state());
        assertEquals(fingerprint(th, 5), fingerprint(copy, 5));
        for (int i = 0; i < state.length; i += 7) {
            byte[] damaged = state.clone();
            damaged[i] ^= 0x10;
            int at = i;
            assertThrows(IllegalArgumentException.class, () -> AdaptiveThreshold.restore(damaged), "byte " + at);
        }
    }

    /** The version-1 format, as written before, still restores and continues as the threshold that wrote it. */
    @Test
    void versionOneIsStillRead() throws Exception {
        AdaptiveThreshold th = trained(2, 5000);
        var f = AdaptiveThreshold.class.getDeclaredField("all");
        f.setAccessible(true);
        DoubleHistogram all = (DoubleHistogram) f.get(th);
        var g = AdaptiveThreshold.class.getDeclaredField("block");
        g.setAccessible(true);
        DoubleHistogram block = (DoubleHistogram) g.get(th);
        long since = field(th, "sinceRefresh");
        long bi = field(th, "blockIndex");
        double minR = dfield(th, "minRecorded");
        double maxR = dfield(th, "maxRecorded");
        byte[] old = v1(0.9, 0.05, 0.5, 1024, true, th.lower(), th.upper(), since, bi, th.changes(), minR, maxR, all,
                block);
        AdaptiveThreshold copy = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        copy.restoreState(old);
        assertEquals(fingerprint(th, 6), fingerprint(copy, 6));
    }

    private static long field(Object o, String name) throws Exception {
        var f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.getLong(o);
    }

    private static double dfield(Object o, String name) throws Exception {
        var f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.getDouble(o);
    }

    /**
     * Issue 12 item 4: a version-1 state whose histogram decodes but spans more than the threshold's histograms hold
     * made {@code restoreState} throw ArrayIndexOutOfBoundsException from HdrHistogram after it had reset the
     * history; NaN bounds, lower > upper and negative counters were accepted. Each must be refused with an
     * IllegalArgumentException, and the threshold must be exactly as before.
     */
    @Test
    void inconsistentVersionOneStatesAreRefusedAndChangeNothing() {
        AdaptiveThreshold target = trained(3, 4000);
        String before = Arrays.toString(target.state());
        DoubleHistogram wide = histogram(1L << 50, 1e-3, 1e9, 5);
        DoubleHistogram ok = histogram(1_000_000_000_000L, 1, 2, 3);
        DoubleHistogram empty = new DoubleHistogram(1_000_000_000_000L, 2);
        byte[][] bad = {
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, 1, 0, 1e-3, 1e9, wide, empty), // spans 10^12+
            v1(0.9, 0.05, 0.5, 1024, true, Double.NaN, 2, 0, 1, 0, 1, 3, ok, empty),
            v1(0.9, 0.05, 0.5, 1024, true, 1, Double.NaN, 0, 1, 0, 1, 3, ok, empty),
            v1(0.9, 0.05, 0.5, 1024, true, 3, 2, 0, 1, 0, 1, 3, ok, empty), // lower > upper
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, -1, 1, 0, 1, 3, ok, empty), // negative since refresh
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, -5, 0, 1, 3, ok, empty), // negative block index
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, 1, -1, 1, 3, ok, empty), // negative changes
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, 1, 0, Double.NaN, 3, ok, empty),
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, 1, 0, 1, 3, ok, histogram(1_000_000_000_000L, 1, 2, 3, 3)),
            v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, 1, 0, 1, 3, histogram(1_000_000_000_000L, 50), empty),
        };
        for (int i = 0; i < bad.length; i++) {
            byte[] state = bad[i];
            int at = i;
            assertThrows(IllegalArgumentException.class, () -> target.restoreState(state), "case " + at);
            assertEquals(before, Arrays.toString(target.state()), "case " + at + " changed the threshold");
        }
        // the consistent one of the same shape restores
        AdaptiveThreshold fresh = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        fresh.restoreState(v1(0.9, 0.05, 0.5, 1024, true, 1, 2, 0, 1, 0, 1, 3, ok, empty));
        assertEquals(3, fresh.scoresSinceReset());
    }

    @Test
    void nullAndGarbageAreRefused() {
        AdaptiveThreshold th = new AdaptiveThreshold(0.9, 0.05, true, 0.5, 1024);
        assertEquals("threshold state must not be null",
                assertThrows(IllegalArgumentException.class, () -> th.restoreState(null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> th.restoreState(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> th.restoreState(new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> AdaptiveThreshold.restore(new byte[200]));
    }

    /** Per-sample processing allocates nothing after warm-up, with either method (a child JVM, as AllocationProbe). */
    @Test
    void processingAllocatesNothingAfterWarmup() throws Exception {
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(javaCommand, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), DetectorAllocationProbe.class.getName()).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        String[] bytes = out.substring(out.lastIndexOf('=') + 1).split(" ");
        assertTrue(Double.parseDouble(bytes[0]) < 0.01, "peaks over threshold: " + out);
        assertTrue(Double.parseDouble(bytes[1]) < 0.01, "confidence sequence: " + out);
    }

    private static AdaptiveThreshold trainedPot(long seed, int n, AdaptiveThreshold.Builder b) {
        AdaptiveThreshold th = b.build();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            double s = -Math.log1p(-r.nextDouble()) * (i < n / 2 ? 1 : 3) + (r.nextDouble() < 0.03 ? 40 : 0);
            th.decide(s);
            th.observe(s);
        }
        return th;
    }

    @Test
    void peaksOverThresholdStatesRoundTripInEveryPhase() {
        for (int n : new int[] {0, 17, 499, 500, 501, 2500, 9000}) {
            for (AdaptiveThreshold.Builder b : new AdaptiveThreshold.Builder[] {AdaptiveThreshold.builder(),
                AdaptiveThreshold.builder().quantile(0.999).levelRate(0.01).warmup(64).maxPeaks(16).blockLength(64)}) {
                AdaptiveThreshold th = trainedPot(n, n, b);
                byte[] state = th.state();
                AdaptiveThreshold copy = AdaptiveThreshold.restore(state);
                assertEquals(AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, copy.method());
                assertArrayEquals(state, copy.state(), "after " + n);
                assertEquals(fingerprint(th, n + 1), fingerprint(copy, n + 1), "after " + n);
                AdaptiveThreshold same = b.build();
                same.restoreState(state);
                assertArrayEquals(state, same.state());
                AdaptiveThreshold other = AdaptiveThreshold.builder().warmup(600).build();
                String before = Arrays.toString(other.state());
                assertThrows(IllegalArgumentException.class, () -> other.restoreState(state));
                assertEquals(before, Arrays.toString(other.state()));
                AdaptiveThreshold cs = new AdaptiveThreshold(0.99, 0.05, true, 0.5, 1024);
                assertThrows(IllegalArgumentException.class, () -> cs.restoreState(state));
            }
        }
    }

    /** A version-3 state rewritten as version 2 wrote it: the same fields, histograms Deflate-compressed. */
    static byte[] asVersionTwo(byte[] v3) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(v3).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, in.getShort(4));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] fixed = Arrays.copyOf(v3, 96);
        ByteBuffer.wrap(fixed).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) 2);
        out.write(fixed);
        in.position(96);
        for (int h = 0; h < 2; h++) {
            byte[] plain = new byte[in.getInt()];
            in.get(plain);
            byte[] packed = compressed(DoubleHistogram.decodeFromByteBuffer(ByteBuffer.wrap(plain), 1_000_000_000_000L));
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(packed.length).array());
            out.write(packed);
        }
        byte[] rest = Arrays.copyOfRange(v3, in.position(), v3.length - 4);
        out.write(rest);
        byte[] v2 = Arrays.copyOf(out.toByteArray(), out.size() + 4);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(v2, 0, v2.length - 4);
        ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(v2.length - 4, (int) crc.getValue());
        return v2;
    }

    /** Version 2 (compressed histograms, written until version 3) is still read and continues identically. */
    @Test
    void versionTwoIsStillRead() throws Exception {
        for (AdaptiveThreshold th : new AdaptiveThreshold[] {trained(3, 5000),
            trainedPot(2500, 2500, AdaptiveThreshold.builder())}) {
            byte[] v3 = th.state();
            byte[] v2 = asVersionTwo(v3);
            AdaptiveThreshold copy = AdaptiveThreshold.restore(v2);
            assertArrayEquals(v3, copy.state(), "a version-2 state restores to the same threshold");
            assertEquals(fingerprint(th, 9), fingerprint(copy, 9));
        }
    }

    /**
     * With the change test off nothing resets the burst counter, so every recent score may be flagged: such a state
     * (it failed to restore: found by the Flink serializer's tests) is valid, and with the test on a restored burst
     * reports a change at the next flagged score.
     */
    @Test
    void aThresholdFlaggingEverythingWithoutTheChangeTestRestores() {
        for (double p : new double[] {0.9, 0.99}) {
            AdaptiveThreshold th = AdaptiveThreshold.builder().quantile(p).detectChanges(false).build();
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < 700; i++) {
                th.observe(-Math.log1p(-r.nextDouble()) * (i < 500 ? 1 : 1000)); // every score after warm-up is high
            }
            assertEquals(Decision.ANOMALY, th.decide(1e9));
            byte[] state = th.state();
            AdaptiveThreshold copy = AdaptiveThreshold.restore(state);
            assertArrayEquals(state, copy.state());
            assertEquals(fingerprint(th, 3), fingerprint(copy, 3));
        }
    }

    /**
     * A threshold that has seen only zero scores (a detector fed all-zero samples: an idle host's metrics) wrote a
     * state its own restore refused ("histogram values [0.0, 5.2e238]": an HdrHistogram holding only zeros reports
     * no meaningful maximum). Found by running the README's quick start with a zero sample. Both methods, in and
     * after the warm-up, then with ordinary scores: the copy continues exactly.
     */
    @Test
    void aThresholdThatHasSeenOnlyZerosRestores() {
        for (AdaptiveThreshold.Method m : AdaptiveThreshold.Method.values()) {
            for (int zeros : new int[] {1, 100, 700}) {
                AdaptiveThreshold th = AdaptiveThreshold.builder().method(m).build();
                for (int i = 0; i < zeros; i++) {
                    th.observe(0);
                }
                byte[] state = th.state();
                AdaptiveThreshold copy = AdaptiveThreshold.restore(state);
                assertArrayEquals(state, copy.state(), m + " after " + zeros + " zeros");
                assertEquals(fingerprint(th, 4), fingerprint(copy, 4), m + " after " + zeros + " zeros");
            }
        }
        AnomalyDetector d = AnomalyDetector.builder(io.clipstream.MeanEstimator.builder(16).build()).build();
        float[] zero = new float[16];
        for (int i = 0; i < 50; i++) {
            d.process(zero);
        }
        assertArrayEquals(d.snapshot(), AnomalyDetector.restore(d.snapshot()).snapshot());
    }

    /**
     * When the change test fires, the recorded range is taken from the block's histogram, whose values are rounded
     * to its ~1% buckets: a block whose scores span the full ten decades (or touch the floor or the ceiling) gave a
     * range the restore refused ("recorded range [1.0, 1.0066e10]"), so a service could not restore its own
     * checkpoint (found by an adversarial review: keys waking from all-zero runs gave infinite levels, recorded at
     * the span). Both methods; the copy continues exactly.
     */
    @Test
    void aRangeTakenFromARoundedBlockAfterAChangeRestores() {
        double[][] cases = { // {history score, block's high score, block's low score}
            {1e10, 1e10, 1.0}, {1e190, 1e200, 1e195}, {1e-190, 1e-195, 1e-200}, {1, 1e300, 1e295}};
        for (AdaptiveThreshold.Method m : AdaptiveThreshold.Method.values()) {
            for (double[] c : cases) {
                AdaptiveThreshold t = AdaptiveThreshold.builder().method(m).build();
                for (int i = 0; i < 3000; i++) {
                    t.observe(c[0]);
                }
                boolean changed = false;
                for (int i = 0; i < 20_000 && !changed; i++) {
                    changed = t.observe(i % 10 == 0 ? c[1] : c[2]);
                }
                assertTrue(changed, m + " " + Arrays.toString(c) + ": the change test fires");
                byte[] state = t.state();
                AdaptiveThreshold copy = AdaptiveThreshold.restore(state);
                assertArrayEquals(state, copy.state(), m + " " + Arrays.toString(c));
                assertEquals(fingerprint(t, 6), fingerprint(copy, 6), m + " " + Arrays.toString(c));
            }
        }
    }

    /**
     * Scores at the ceiling or infinite (recorded as the largest value) give a tail fit whose scale reaches
     * {@code 2 x} the largest excess ({@code gamma} at its floor of -1): the state reader capped the scale at the
     * largest excess and refused it ("tail model ... sigma=2.0000000000000006E200"; found by adversarial review).
     */
    @Test
    void aTailFitToScoresAtTheCeilingRestores() {
        double[] huge = {Double.POSITIVE_INFINITY, Double.MAX_VALUE, 1e200};
        for (double h : huge) {
            for (double rate : new double[] {0, 0.01}) {
                AdaptiveThreshold t = AdaptiveThreshold.builder().levelRate(rate).warmup(rate == 0 ? 500 : 32)
                        .build();
                for (int i = 0; i < 600; i++) {
                    double s = rate == 0 ? (i % 20 == 0 ? h : 0) : h;
                    t.decide(s);
                    t.observe(s);
                }
                byte[] state = t.state();
                AdaptiveThreshold copy = AdaptiveThreshold.restore(state);
                assertArrayEquals(state, copy.state(), h + " at level rate " + rate);
                assertEquals(fingerprint(t, 8), fingerprint(copy, 8), h + " at level rate " + rate);
            }
        }
    }

    /**
     * Seeded fuzz of threshold states of both methods: bit flips, truncations, extensions and checksum-valid field
     * edits. Only IllegalArgumentException escapes; whatever restores is usable (takes scores of any magnitude)
     * and continues exactly as a second restore of its own state.
     */
    @Test
    void fuzzedStatesThrowOnlyIllegalArgumentAndWhatRestoresIsUsable() {
        byte[][] seeds = {
            trainedPot(1, 3000, AdaptiveThreshold.builder()).state(),
            trainedPot(2, 300, AdaptiveThreshold.builder()).state(),
            trainedPot(3, 2000, AdaptiveThreshold.builder().levelRate(0.05).warmup(100).maxPeaks(32)).state(),
            trained(4, 5000).state(),
        };
        SplittableRandom r = new SplittableRandom(77);
        int tries = 0;
        int restored = 0;
        while (tries < DetectorSnapshotTest.MUTATIONS) { // a fixed number of seeded mutations, not a time budget
            tries++;
            byte[] d = DetectorSnapshotTest.mutate(seeds[r.nextInt(seeds.length)], r);
            if (d.length >= 8) {
                // the detector fuzzer fixes the detector's checksums; here the state's own is the last four bytes
                ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(d.length - 4,
                        DetectorSnapshotTest.crc(d, 0, d.length - 4));
                if (r.nextInt(4) == 0) {
                    d[r.nextInt(d.length)] ^= 1; // and sometimes a flip the checksum catches
                }
            }
            AdaptiveThreshold th;
            try {
                th = AdaptiveThreshold.restore(d);
            } catch (IllegalArgumentException expected) {
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("mutation " + tries + " threw " + e, e);
            }
            restored++;
            try {
                AdaptiveThreshold again = AdaptiveThreshold.restore(th.state());
                assertEquals(fingerprint(th, 9), fingerprint(again, 9), "mutation " + tries);
                for (double s : new double[] {0, 1e-300, 1, 1e300, Double.MAX_VALUE, Double.POSITIVE_INFINITY}) {
                    th.decide(s);
                    th.observe(s);
                }
                AdaptiveThreshold.restore(th.state());
            } catch (RuntimeException e) {
                throw new AssertionError("mutation " + tries + " restored into an unusable threshold: " + e, e);
            }
        }
        assertTrue(restored > 0, "no mutation restored");
    }
}
