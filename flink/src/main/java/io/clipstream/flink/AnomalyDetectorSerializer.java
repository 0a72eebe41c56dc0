package io.clipstream.flink;

import io.clipstream.detect.AnomalyDetector;
import java.io.IOException;
import java.io.Serial;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for one key's {@link AnomalyDetector}: the value is a 4-byte big-endian length followed by the
 * library's own versioned, CRC32C-checked detector snapshot, so a checkpoint holds exactly the bytes the library
 * writes and reads anywhere else (and damaged bytes are refused, never half-read).
 *
 * <p>On the heap state backend the detector stays a live object and is serialized only when a checkpoint or
 * savepoint is written; on RocksDB or ForSt every state access reads and writes these bytes.
 *
 * <p>The serializer is configured with the {@link DetectorConfig}'s template: {@link #createInstance()} builds a
 * fresh detector from it, and its {@link AnomalyDetectorSerializerSnapshot} records it, so a restore with a
 * different task or shape (dimension, classes) is refused as incompatible before any state is read. It keeps no
 * mutable fields, so {@link #duplicate()} returns {@code this}.
 *
 * <p><b>Copies</b> ({@link #copy(AnomalyDetector)}) are deep: the detector is written to bytes and restored.
 * Reading a detector's snapshot touches scratch fields inside it, so this serializer holds the detector's monitor
 * while it writes one: the heap backend's asynchronous snapshot thread and the task thread's copy-on-write may read
 * the same detector at the same time.
 */
public final class AnomalyDetectorSerializer extends TypeSerializer<AnomalyDetector> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Room for the threshold's score histograms (and a clip window of another size) beyond the estimator. */
    private static final int THRESHOLD_SLACK = 64 << 20;

    private final DetectorTemplate template;

    /**
     * A serializer for the detectors of {@code config}.
     *
     * @throws IllegalArgumentException if {@code config} is null
     */
    public AnomalyDetectorSerializer(DetectorConfig config) {
        this(requireConfig(config).template());
    }

    AnomalyDetectorSerializer(DetectorTemplate template) {
        this.template = Objects.requireNonNull(template, "template");
    }

    private static DetectorConfig requireConfig(DetectorConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        return config;
    }

    DetectorTemplate template() {
        return template;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<AnomalyDetector> duplicate() {
        return this;
    }

    /** A fresh detector in the configuration's starting state. */
    @Override
    public AnomalyDetector createInstance() {
        return template.newDetector();
    }

    /** A deep, independent copy (through the snapshot bytes). */
    @Override
    public AnomalyDetector copy(AnomalyDetector from) {
        return DetectorCodec.restore(bytes(from));
    }

    /** As {@link #copy(AnomalyDetector)}: detectors cannot be overwritten in place, {@code reuse} is ignored. */
    @Override
    public AnomalyDetector copy(AnomalyDetector from, AnomalyDetector reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    /**
     * Writes the length and the detector's snapshot.
     *
     * @throws NullPointerException if {@code record} is null (null is not a detector state; clear the state)
     */
    @Override
    public void serialize(AnomalyDetector record, DataOutputView target) throws IOException {
        byte[] bytes = bytes(Objects.requireNonNull(record, "record"));
        target.writeInt(bytes.length);
        target.write(bytes);
    }

    /**
     * Reads one detector.
     *
     * @throws IOException if the length is impossible or the bytes are truncated, damaged or of an unknown version
     *     (the message names the problem)
     */
    @Override
    public AnomalyDetector deserialize(DataInputView source) throws IOException {
        byte[] bytes = new byte[readLength(source)];
        source.readFully(bytes);
        try {
            return DetectorCodec.restore(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException("clipstream: cannot restore a detector (" + template.shape() + ") from "
                    + bytes.length + " bytes of state: " + e.getMessage(), e);
        }
    }

    /** As {@link #deserialize(DataInputView)}; {@code reuse} is ignored. */
    @Override
    public AnomalyDetector deserialize(AnomalyDetector reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    /** Copies one serialized detector without parsing it. */
    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int n = readLength(source);
        target.writeInt(n);
        target.write(source, n);
    }

    private int readLength(DataInputView source) throws IOException {
        int n = source.readInt();
        long max = (long) template.estimatorSnapshotLength() + THRESHOLD_SLACK;
        if (n < 0 || n > max) {
            throw new IOException("clipstream: impossible detector state length " + n + " for " + template.shape()
                    + " (at most " + max + "): the bytes are damaged or not clipstream state");
        }
        return n;
    }

    private static byte[] bytes(AnomalyDetector detector) {
        // a snapshot writes through scratch buffers inside the detector: one reader at a time
        synchronized (detector) {
            return DetectorCodec.snapshot(detector);
        }
    }

    @Override
    public TypeSerializerSnapshot<AnomalyDetector> snapshotConfiguration() {
        return new AnomalyDetectorSerializerSnapshot(template, DetectorCodec.FORMAT_VERSION);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AnomalyDetectorSerializer s && template.equals(s.template);
    }

    @Override
    public int hashCode() {
        return template.hashCode();
    }

    @Override
    public String toString() {
        return "AnomalyDetectorSerializer[" + template + "]";
    }
}
