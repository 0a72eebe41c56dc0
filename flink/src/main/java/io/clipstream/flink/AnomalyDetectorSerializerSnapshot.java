package io.clipstream.flink;

import io.clipstream.detect.AnomalyDetector;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What a checkpoint or savepoint records about the {@link AnomalyDetectorSerializer} that wrote the state: the
 * version of the detector bytes and the detector template (the prototype estimator's snapshot and the threshold
 * settings). Flink instantiates this class by reflection when it restores (hence the public no-argument
 * constructor), reads it, and asks the new serializer's snapshot whether the old state can be used:
 *
 * <ul>
 *   <li><b>compatible as is</b>: same task and shape (task, dimension, classes) and the same bytes version. A
 *       changed step size, clip policy or threshold setting is allowed, and applies to new keys only: a restored
 *       key keeps the settings its state was written with (they travel in its bytes);</li>
 *   <li><b>compatible after migration</b>: same shape, older bytes version that this library still reads (Flink
 *       then rewrites every key in the current version);</li>
 *   <li><b>incompatible</b>: another task or shape, an unknown bytes version, or another serializer. Flink then
 *       refuses to start the job from that checkpoint, before any state is read (start the operator under a new
 *       uid to begin with fresh state).</li>
 * </ul>
 */
public final class AnomalyDetectorSerializerSnapshot implements TypeSerializerSnapshot<AnomalyDetector> {

    /**
     * Version 2: the bytes version (int), then the template with its threshold method settings. Version 1 (the
     * template without them) is still read.
     */
    private static final int VERSION = 2;

    private DetectorTemplate template;
    private int formatVersion;

    /** For Flink's reflective instantiation on restore; the fields are then filled by {@link #readSnapshot}. */
    public AnomalyDetectorSerializerSnapshot() {
    }

    AnomalyDetectorSerializerSnapshot(DetectorTemplate template, int formatVersion) {
        this.template = template;
        this.formatVersion = formatVersion;
    }

    @Override
    public int getCurrentVersion() {
        return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
        out.writeInt(formatVersion);
        template.write(out);
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
            throws IOException {
        if (readVersion < 1 || readVersion > VERSION) {
            throw new IOException("clipstream: unknown AnomalyDetectorSerializerSnapshot version " + readVersion
                    + " (this library writes " + VERSION + " and reads 1 to " + VERSION + ")");
        }
        formatVersion = in.readInt();
        template = DetectorTemplate.read(in, readVersion);
    }

    /**
     * A serializer that reads the state this snapshot describes.
     *
     * @throws IllegalStateException if the snapshot was neither written nor read
     * @throws UnsupportedOperationException if its bytes version is one this library cannot read
     */
    @Override
    public TypeSerializer<AnomalyDetector> restoreSerializer() {
        if (template == null) {
            throw new IllegalStateException("serializer snapshot was not read");
        }
        if (!DetectorCodec.canRead(formatVersion)) {
            throw new UnsupportedOperationException("clipstream detector state version " + formatVersion
                    + " cannot be read by this library (it reads " + DetectorCodec.FORMAT_VERSION + ")");
        }
        return new AnomalyDetectorSerializer(template);
    }

    @Override
    public TypeSerializerSchemaCompatibility<AnomalyDetector> resolveSchemaCompatibility(
            TypeSerializerSnapshot<AnomalyDetector> oldSerializerSnapshot) {
        if (!(oldSerializerSnapshot instanceof AnomalyDetectorSerializerSnapshot old)
                || !DetectorCodec.canRead(old.formatVersion) || !template.sameShape(old.template)) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        return old.formatVersion == formatVersion ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
    }

    /** The bytes version of the state this snapshot describes. */
    int formatVersion() {
        return formatVersion;
    }

    DetectorTemplate template() {
        return template;
    }

    @Override
    public String toString() {
        return "AnomalyDetectorSerializerSnapshot[state version " + formatVersion + ", " + template + "]";
    }
}
