package io.clipstream;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * CRC-valid edits of estimator snapshots ({@link SnapshotFormat}, version 1): each method returns a copy with one
 * field changed and the trailing CRC32C recomputed, so that only the reader's validation, not the checksum, can
 * refuse it.
 */
final class SnapshotBytes {
    static final int FLAGS = 7;
    static final int L2 = 16;
    static final int STEP_KIND = 24;
    static final int STEP_1 = 32;
    static final int STEP_2 = 40;
    static final int STEP_3 = 48;
    static final int CLIP_KIND = 56;
    static final int CLIP_1 = 64;
    static final int CLIP_2 = 72;
    static final int CLIP_3 = 80;
    static final int SAMPLES = 88;
    static final int CLIPPED = 96;
    static final int REJECTED = 104;
    static final int TIME = 112;
    static final int CLIP_STATE = 120;
    static final int SCALE_STATE = 128;
    static final int RING_COUNT = 136;
    static final int RING_POSITION = 140;
    static final int RING_SINCE = 144;

    private SnapshotBytes() {
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Recomputes the trailing CRC32C in place and returns {@code b}. */
    static byte[] reseal(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        le(b).putInt(b.length - 4, (int) crc.getValue());
        return b;
    }

    static byte[] withByte(byte[] s, int at, int v) {
        byte[] b = s.clone();
        b[at] = (byte) v;
        return reseal(b);
    }

    static byte[] withInt(byte[] s, int at, int v) {
        byte[] b = s.clone();
        le(b).putInt(at, v);
        return reseal(b);
    }

    static byte[] withLong(byte[] s, int at, long v) {
        byte[] b = s.clone();
        le(b).putLong(at, v);
        return reseal(b);
    }

    static byte[] withDouble(byte[] s, int at, double v) {
        byte[] b = s.clone();
        le(b).putDouble(at, v);
        return reseal(b);
    }

    static byte[] withFloat(byte[] s, int at, float v) {
        byte[] b = s.clone();
        le(b).putFloat(at, v);
        return reseal(b);
    }

    static double getDouble(byte[] s, int at) {
        return le(s).getDouble(at);
    }

    static long getLong(byte[] s, int at) {
        return le(s).getLong(at);
    }
}
