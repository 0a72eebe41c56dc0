package io.clipstream;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * CRC-valid edits of estimator snapshots ({@link SnapshotFormat}, version 1; offsets from its named layout): each
 * method returns a copy with one
 * field changed and the trailing CRC32C recomputed, so that only the reader's validation, not the checksum, can
 * refuse it.
 */
final class SnapshotBytes {
    static final int FLAGS = at("flags");
    static final int L2 = at("l2");
    static final int STEP_KIND = at("step kind");
    static final int STEP_1 = at("step parameter 1");
    static final int STEP_2 = at("step parameter 2");
    static final int STEP_3 = at("step parameter 3");
    static final int CLIP_KIND = at("clip kind");
    static final int CLIP_1 = at("clip parameter 1");
    static final int CLIP_2 = at("clip parameter 2");
    static final int CLIP_3 = at("clip parameter 3");
    static final int SAMPLES = at("samples seen");
    static final int CLIPPED = at("clipped count");
    static final int REJECTED = at("rejected count");
    static final int TIME = at("schedule time");
    static final int CLIP_STATE = at("clip state");
    static final int SCALE_STATE = at("feature-scale state");
    static final int RING_COUNT = at("rolling window count");
    static final int RING_POSITION = at("rolling window position");
    static final int RING_SINCE = at("rolling window samples since recomputation");

    private SnapshotBytes() {
    }

    /** The offset of a header field, from the format's named layout. */
    static int at(String field) {
        return (int) SnapshotFormat.offset(field);
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
