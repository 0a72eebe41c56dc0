package io.clipstream.flink;

import io.clipstream.detect.AnomalyDetector;

/**
 * The bytes of one key's detector, the only place that knows how a detector becomes bytes and back: exactly the
 * library's {@link AnomalyDetector#snapshot()} (magic "CLAD", little-endian, format version in bytes 4-5, the
 * estimator's own snapshot and the threshold's state embedded, CRC32C) and {@link AnomalyDetector#restore(byte[])}.
 */
final class DetectorCodec {

    /**
     * The detector snapshot format version this library writes; serializer snapshots record it, so a future
     * library that writes another version can tell old state apart (and migrate it). {@code DetectorCodecTest}
     * checks it against the version field of real snapshots.
     */
    static final int FORMAT_VERSION = 1;

    private DetectorCodec() {
    }

    /** Whether {@link #restore} reads state bytes of format {@code version}. */
    static boolean canRead(int version) {
        return version == FORMAT_VERSION;
    }

    static byte[] snapshot(AnomalyDetector detector) {
        return detector.snapshot();
    }

    /**
     * Restores a detector; everything is checked before anything is built.
     *
     * @throws IllegalArgumentException if the bytes are truncated, damaged or of an unknown version (the library's
     *     message)
     */
    static AnomalyDetector restore(byte[] bytes) {
        return AnomalyDetector.restore(bytes);
    }

    /** The format version field (bytes 4-5, little-endian) of a detector snapshot of at least 6 bytes. */
    static int version(byte[] snapshot) {
        return (snapshot[4] & 0xFF) | (snapshot[5] & 0xFF) << 8;
    }
}
