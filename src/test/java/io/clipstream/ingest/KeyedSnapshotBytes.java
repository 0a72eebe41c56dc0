package io.clipstream.ingest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * CRC-valid edits of keyed-store snapshot files ({@link KeyedSnapshot}): the layout's offsets, and
 * {@link #reseal} to recompute the header's, every chunk's and the trailer's CRC32C after a field was changed, so
 * that only the reader's validation can refuse the edit.
 */
final class KeyedSnapshotBytes {
    static final int HEADER = KeyedSnapshot.HEADER_BYTES;
    /** Header fields. */
    static final int VERSION = 8;
    static final int DIMENSION = 12;
    static final int SHARD = 16;
    static final int SHARDS = 20;
    static final int KEYS = 24;
    static final int STEP_KIND = 32;
    static final int STEP_PADDING = 36;
    static final int STEP_VALUE = 40;
    static final int CLIP_KIND = 48;
    static final int CLIP_VALUE = 56;
    static final int TRACKER_QUANTILE = 64;
    static final int TRACKER_RATE = 72;
    static final int L2 = 80;
    static final int QUANTILE = 88;
    static final int CONFIDENCE = 96;
    static final int WARMUP = 104;
    static final int MAX_KEYS = 108;
    static final int GENERATION = 112;
    static final int RESERVED = 120;
    /** Record fields, relative to the record. */
    static final int KEY = 0;
    static final int SAMPLES = 8;
    static final int AGE = 16;
    static final int TRACKER = 24;
    static final int ANOMALIES = 32;
    static final int PARAMS = 40;
    /** Trailer fields, relative to the trailer (its leading int 0). */
    static final int WRITTEN = 4;
    static final int COUNTERS = 12;
    static final int THRESHOLD_LENGTH = 60;

    private KeyedSnapshotBytes() {
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int recordBytes(byte[] b) {
        return KeyedSnapshot.recordBytes(le(b).getInt(DIMENSION));
    }

    /** The offsets of every record, in order (walking the chunks by their counts). */
    static int[] records(byte[] b) {
        ByteBuffer l = le(b);
        int record = recordBytes(b);
        int total = (int) l.getLong(KEYS);
        int[] at = new int[total];
        int k = 0;
        int o = HEADER;
        while (true) {
            int n = l.getInt(o);
            if (n == 0) {
                return at;
            }
            for (int i = 0; i < n && k < total; i++) {
                at[k++] = o + 4 + i * record;
            }
            o += 4 + n * record + 4;
        }
    }

    /** The offset of the trailer (its leading int 0). */
    static int trailer(byte[] b) {
        ByteBuffer l = le(b);
        int record = recordBytes(b);
        int o = HEADER;
        while (true) {
            int n = l.getInt(o);
            if (n == 0) {
                return o;
            }
            o += 4 + n * record + 4;
        }
    }

    /** Recomputes every checksum in place (header, chunks, trailer) and returns {@code b}. */
    static byte[] reseal(byte[] b) {
        try {
            return resealChecked(b);
        } catch (IndexOutOfBoundsException structureBroken) {
            return b; // an edit of a count or length broke the structure: the reader must refuse it as it is
        }
    }

    private static byte[] resealChecked(byte[] b) {
        ByteBuffer l = le(b);
        CRC32C crc = new CRC32C();
        crc.update(b, 0, HEADER - 4);
        l.putInt(HEADER - 4, (int) crc.getValue());
        int record = recordBytes(b);
        int o = HEADER;
        while (true) {
            int n = l.getInt(o);
            if (n == 0) {
                break;
            }
            int end = o + 4 + n * record;
            crc.reset();
            crc.update(b, o, end - o);
            l.putInt(end, (int) crc.getValue());
            o = end + 4;
        }
        int thresholdLength = l.getInt(o + THRESHOLD_LENGTH);
        int end = o + THRESHOLD_LENGTH + 4 + thresholdLength;
        crc.reset();
        crc.update(b, o, end - o);
        l.putInt(end, (int) crc.getValue());
        return b;
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
}
