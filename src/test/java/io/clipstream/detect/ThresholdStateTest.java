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
}
