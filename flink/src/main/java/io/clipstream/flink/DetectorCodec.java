package io.clipstream.flink;

import io.clipstream.Estimator;
import io.clipstream.detect.AnomalyDetector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The bytes of one key's detector: the only place that knows how a detector becomes bytes and back.
 *
 * <p>INTERIM, until the core has {@code AnomalyDetector.snapshot()/restore(byte[])}: an envelope of the
 * estimator's own snapshot (library format, CRC32C) and the threshold's {@code state()}, with its own magic, version
 * and CRC32C. The detector's decision counters ({@code processed}, {@code anomalies}, ...) have no setter and are
 * not carried: a restored detector counts from zero. Replaced by the core's detector snapshot when it lands.
 *
 * <pre>
 * offset  size  field (little-endian)
 *      0     4  magic "CLFD"
 *      4     2  version (1)
 *      6     1  flags: bit 0 skipUpdateOnAnomaly
 *      7     1  zero
 *      8     4  estimator snapshot length E
 *     12     E  estimator snapshot
 *   12+E     4  threshold state length H
 *   16+E     H  threshold state
 * 16+E+H     4  CRC32C of every preceding byte
 * </pre>
 */
final class DetectorCodec {

    /** The version of the bytes {@link #snapshot} writes; serializer snapshots record it. */
    static final int FORMAT_VERSION = 1;

    private static final int MAGIC = 0x4446_4C43; // "CLFD" little-endian

    private DetectorCodec() {
    }

    /** Every byte version {@link #restore} reads. */
    static boolean canRead(int version) {
        return version == FORMAT_VERSION;
    }

    static byte[] snapshot(AnomalyDetector detector) {
        byte[] estimator = detector.estimator().snapshot();
        byte[] threshold = detector.threshold().state();
        ByteBuffer out = ByteBuffer.allocate(16 + estimator.length + threshold.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putShort((short) FORMAT_VERSION).put((byte) (skipUpdate(detector) ? 1 : 0)).put((byte) 0);
        out.putInt(estimator.length).put(estimator).putInt(threshold.length).put(threshold);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * Restores a detector, checking everything before anything is built.
     *
     * @throws IllegalArgumentException if the bytes are truncated, damaged or of an unknown version
     */
    static AnomalyDetector restore(byte[] bytes) {
        if (bytes == null || bytes.length < 20) {
            throw invalid("truncated: " + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.getInt() != MAGIC) {
            throw invalid("not clipstream detector state (bad magic 0x" + Integer.toHexString(in.getInt(0)) + ")");
        }
        int version = in.getShort();
        if (!canRead(version)) {
            throw invalid("unsupported version " + version + " (this library reads " + FORMAT_VERSION + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = in.getInt(bytes.length - 4);
        if (stored != (int) crc.getValue()) {
            throw invalid("checksum mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString((int) crc.getValue()) + "): the bytes are corrupt");
        }
        boolean skip = (in.get() & 1) != 0;
        in.get();
        byte[] estimator = slice(in, bytes.length - 4, "estimator snapshot");
        byte[] threshold = slice(in, bytes.length - 4, "threshold state");
        if (in.position() != bytes.length - 4) {
            throw invalid((bytes.length - 4 - in.position()) + " trailing bytes");
        }
        ByteBuffer t = ByteBuffer.wrap(threshold).order(ByteOrder.LITTLE_ENDIAN);
        if (threshold.length < 33) {
            throw invalid("threshold state truncated");
        }
        // the threshold state starts with its magic and parameters: p, a, change quantile, block, change test
        double p = t.getDouble(4);
        double a = t.getDouble(12);
        double changeQuantile = t.getDouble(20);
        int block = t.getInt(28);
        boolean changes = t.get(32) != 0;
        AnomalyDetector d;
        try {
            d = AnomalyDetector.builder(Estimator.restore(estimator)).quantile(p).confidence(a)
                    .changeQuantile(changeQuantile).blockLength(block).detectChanges(changes)
                    .skipUpdateOnAnomaly(skip).build();
            d.threshold().restoreState(threshold);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return d;
    }

    /** Not exposed by the interim core API: read back from what the detector does with an anomaly. */
    private static boolean skipUpdate(AnomalyDetector detector) {
        return SKIP.get(detector);
    }

    private static final ClassValueFlag SKIP = new ClassValueFlag();

    private static byte[] slice(ByteBuffer in, int end, String what) {
        if (end - in.position() < 4) {
            throw invalid(what + " truncated");
        }
        int n = in.getInt();
        if (n < 0 || n > end - in.position()) {
            throw invalid(what + " of " + n + " bytes, " + (end - in.position()) + " left");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("invalid detector state: " + problem);
    }

    /** Reads the detector's private skipUpdateOnAnomaly flag (interim only: the core's snapshot will carry it). */
    private static final class ClassValueFlag {
        private final java.lang.invoke.VarHandle handle;

        ClassValueFlag() {
            try {
                handle = java.lang.invoke.MethodHandles.privateLookupIn(AnomalyDetector.class,
                        java.lang.invoke.MethodHandles.lookup()).findVarHandle(AnomalyDetector.class,
                        "skipUpdateOnAnomaly", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        boolean get(AnomalyDetector d) {
            return (boolean) handle.get(d);
        }
    }
}
