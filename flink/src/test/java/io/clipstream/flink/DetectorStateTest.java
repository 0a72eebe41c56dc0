package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.detect.Outcome;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The per-key state bytes and the serializer snapshot: the bytes are the library's detector snapshot behind a
 * length, a restored detector continues bit-identically on every task, damaged or truncated bytes are refused with
 * a clear {@link IOException} and never give a detector, and the serializer snapshot round-trips and resolves
 * compatibility by task and shape.
 */
class DetectorStateTest {

    private static final DetectorConfig MEAN_8 = Detectors.meanConfig(8);

    // ------------------------------------------------------------------ value bytes

    @Test
    void valueBytesAreTheLengthAndTheLibrarySnapshot() throws IOException {
        AnomalyDetector d = Detectors.trainedMean(MEAN_8, 500, 1);
        byte[] written = serialize(new AnomalyDetectorSerializer(MEAN_8), d);
        byte[] snapshot = d.snapshot();
        assertEquals(snapshot.length, new DataInputDeserializer(written).readInt());
        assertArrayEquals(snapshot, Arrays.copyOfRange(written, 4, written.length));
        assertEquals(DetectorCodec.FORMAT_VERSION, DetectorCodec.version(snapshot),
                "the library's detector snapshot version is the one the serializer snapshot records");
    }

    @Test
    void restoredDetectorsContinueBitIdenticallyOnEveryTask() throws IOException {
        for (AnomalyDetector original : Detectors.everyTask(6, 9)) {
            DetectorConfig config = DetectorConfig.builder(original.estimator()).build();
            AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(config);
            AnomalyDetector restored = serializer.deserialize(new DataInputDeserializer(serialize(serializer, original)));
            assertArrayEquals(original.snapshot(), restored.snapshot());
            SplittableRandom r = new SplittableRandom(17);
            float[] x = new float[6];
            for (int t = 0; t < 400; t++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (r.nextGaussian() * (t % 97 == 0 ? 30 : 1));
                }
                int label = r.nextInt(2);
                Outcome a = step(original, x, label);
                String expected = a.toString();
                Outcome b = step(restored, x, label);
                assertEquals(expected, b.toString(), original.estimator().task() + " sample " + t);
            }
            assertArrayEquals(original.snapshot(), restored.snapshot());
        }
    }

    private static Outcome step(AnomalyDetector d, float[] x, int label) {
        return switch (d.estimator().task()) {
            case MEAN -> d.process(x);
            case LINEAR -> d.process(x, x[0] - x[1] + label);
            default -> d.process(x, label);
        };
    }

    @Test
    void everyFlippedBitIsRefused() throws IOException {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(Detectors.meanConfig(2));
        byte[] good = serialize(serializer, Detectors.trainedMean(Detectors.meanConfig(2), 60, 2));
        int refused = 0;
        for (int at = 0; at < good.length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                int i = at;
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                IOException e = assertThrows(IOException.class,
                        () -> serializer.deserialize(new DataInputDeserializer(bad)), "byte " + i + " bit " + bit);
                assertTrue(e instanceof EOFException || e.getMessage().contains("clipstream"),
                        () -> "a clear message for byte " + i + ": " + e);
                refused++;
            }
        }
        assertEquals(8 * good.length, refused);
    }

    @Test
    void damagedBytesNameTheProblem() throws IOException {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(MEAN_8);
        byte[] good = serialize(serializer, Detectors.trainedMean(MEAN_8, 300, 3));
        byte[] corrupt = good.clone();
        corrupt[good.length / 2] ^= 0x10;
        IOException e = assertThrows(IOException.class,
                () -> serializer.deserialize(new DataInputDeserializer(corrupt)));
        assertTrue(e.getMessage().contains("MEAN d=8") && e.getMessage().contains("checksum mismatch"),
                e.getMessage());
        assertTrue(e.getCause() instanceof IllegalArgumentException);

        byte[] negative = good.clone();
        negative[0] = (byte) 0x80;
        IOException length = assertThrows(IOException.class,
                () -> serializer.deserialize(new DataInputDeserializer(negative)));
        assertTrue(length.getMessage().contains("impossible detector state length"), length.getMessage());

        byte[] other = good.clone();
        other[4] = 'X';
        IOException magic = assertThrows(IOException.class,
                () -> serializer.deserialize(new DataInputDeserializer(other)));
        assertTrue(magic.getMessage().contains("not a detector snapshot"), magic.getMessage());
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(MEAN_8);
        byte[] good = serialize(serializer, Detectors.trainedMean(MEAN_8, 100, 4));
        for (int n = 0; n < good.length; n++) {
            byte[] prefix = Arrays.copyOf(good, n);
            assertThrows(EOFException.class, () -> serializer.deserialize(new DataInputDeserializer(prefix)),
                    "prefix of " + n);
            assertThrows(EOFException.class, () -> serializer.copy(new DataInputDeserializer(prefix),
                    new DataOutputSerializer(16)), "copy of a prefix of " + n);
        }
    }

    @Test
    void copiesAreDeepAndIndependent() {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(MEAN_8);
        AnomalyDetector original = Detectors.trainedMean(MEAN_8, 300, 5);
        byte[] before = original.snapshot();
        AnomalyDetector copy = serializer.copy(original);
        assertNotSame(original, copy);
        assertNotSame(original.estimator(), copy.estimator());
        Detectors.feedMean(copy, 8, 200, 6);
        assertArrayEquals(before, original.snapshot(), "updating the copy left the original unchanged");
        assertFalse(Arrays.equals(before, copy.snapshot()));
        assertArrayEquals(before, serializer.copy(original, copy).snapshot(), "copy(from, reuse) ignores reuse");
    }

    @Test
    void createInstanceIsAFreshDetectorOfTheConfiguration() {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(MEAN_8);
        AnomalyDetector a = serializer.createInstance();
        AnomalyDetector b = serializer.createInstance();
        assertNotSame(a, b);
        assertArrayEquals(MEAN_8.newDetector().snapshot(), a.snapshot());
        assertEquals(0, a.processed());
        assertEquals(8, a.estimator().dimension());
    }

    @Test
    void nullIsNotADetectorState() {
        AnomalyDetectorSerializer serializer = new AnomalyDetectorSerializer(MEAN_8);
        assertThrows(NullPointerException.class, () -> serializer.serialize(null, new DataOutputSerializer(8)));
        assertThrows(IllegalArgumentException.class, () -> new AnomalyDetectorSerializer((DetectorConfig) null));
    }

    // ------------------------------------------------------------------ serializer snapshot

    @Test
    void serializerSnapshotRoundTripsAndRestoresAnEqualSerializer() throws IOException {
        for (AnomalyDetector d : Detectors.everyTask(5, 1)) {
            AnomalyDetectorSerializer serializer =
                    new AnomalyDetectorSerializer(DetectorConfig.builder(d.estimator()).quantile(0.9).build());
            TypeSerializerSnapshot<AnomalyDetector> read = roundTrip(serializer.snapshotConfiguration());
            assertTrue(read instanceof AnomalyDetectorSerializerSnapshot);
            TypeSerializer<AnomalyDetector> restored = read.restoreSerializer();
            assertEquals(serializer, restored);
            assertTrue(serializer.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs());
            // the restored serializer reads what the original wrote
            assertArrayEquals(d.snapshot(), restored.deserialize(new DataInputDeserializer(serialize(serializer, d)))
                    .snapshot());
        }
    }

    @Test
    void compatibilityFollowsTheShape() throws IOException {
        TypeSerializerSnapshot<AnomalyDetector> old = roundTrip(new AnomalyDetectorSerializer(MEAN_8)
                .snapshotConfiguration());
        // other step size, clip policy or threshold settings: restored keys keep theirs, compatible as is
        DetectorConfig retuned = DetectorConfig.builder(MeanEstimator.builder(8)
                        .stepSize(io.clipstream.StepSize.halfLife(1000)).build())
                .quantile(0.99).confidence(0.01).skipUpdateOnAnomaly(true).blockLength(1024).build();
        assertTrue(compatibility(retuned, old).isCompatibleAsIs());
        // another dimension or task: incompatible
        assertTrue(compatibility(Detectors.meanConfig(9), old).isIncompatible());
        assertTrue(compatibility(DetectorConfig.builder(LinearRegression.builder(8).build()).build(), old)
                .isIncompatible());
        DetectorConfig softmax3 = DetectorConfig.builder(SoftmaxRegression.builder(8, 3).build()).build();
        TypeSerializerSnapshot<AnomalyDetector> oldSoftmax =
                roundTrip(new AnomalyDetectorSerializer(softmax3).snapshotConfiguration());
        assertTrue(compatibility(DetectorConfig.builder(SoftmaxRegression.builder(8, 4).build()).build(), oldSoftmax)
                .isIncompatible(), "another number of classes");
        assertTrue(compatibility(DetectorConfig.builder(LogisticRegression.builder(8).buildLogistic()).build(),
                oldSoftmax).isIncompatible());
    }

    @Test
    void unknownStateVersionsAndForeignSnapshotsAreIncompatible() {
        AnomalyDetectorSerializerSnapshot future =
                new AnomalyDetectorSerializerSnapshot(MEAN_8.template(), DetectorCodec.FORMAT_VERSION + 1);
        assertTrue(new AnomalyDetectorSerializer(MEAN_8).snapshotConfiguration().resolveSchemaCompatibility(future)
                .isIncompatible());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, future::restoreSerializer);
        assertTrue(e.getMessage().contains("version " + (DetectorCodec.FORMAT_VERSION + 1)), e.getMessage());
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<AnomalyDetector> foreign =
                (TypeSerializerSnapshot) StringSerializer.INSTANCE.snapshotConfiguration();
        assertTrue(new AnomalyDetectorSerializer(MEAN_8).snapshotConfiguration().resolveSchemaCompatibility(foreign)
                .isIncompatible());
        assertThrows(IllegalStateException.class, () -> new AnomalyDetectorSerializerSnapshot().restoreSerializer());
    }

    @Test
    void damagedSerializerSnapshotsAreRefused() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        new AnomalyDetectorSerializer(MEAN_8).snapshotConfiguration().writeSnapshot(out);
        byte[] good = out.getCopyOfBuffer();
        AnomalyDetectorSerializerSnapshot snapshot = new AnomalyDetectorSerializerSnapshot();
        IOException version = assertThrows(IOException.class,
                () -> snapshot.readSnapshot(3, new DataInputDeserializer(good), getClass().getClassLoader()));
        assertTrue(version.getMessage().contains("version 3"), version.getMessage());
        byte[] bad = good.clone();
        bad[20] ^= 0x04; // inside the prototype estimator's snapshot: its checksum fails
        IOException template = assertThrows(IOException.class,
                () -> snapshot.readSnapshot(2, new DataInputDeserializer(bad), getClass().getClassLoader()));
        assertTrue(template.getMessage().contains("invalid detector template"), template.getMessage());
        assertThrows(EOFException.class, () -> snapshot.readSnapshot(2,
                new DataInputDeserializer(Arrays.copyOf(good, good.length - 3)), getClass().getClassLoader()));
        byte[] badMethod = good.clone();
        int name = good.length - 4 - 8 - 4 - "PEAKS_OVER_THRESHOLD".length();
        badMethod[name] = 'Q';
        IOException method = assertThrows(IOException.class,
                () -> snapshot.readSnapshot(2, new DataInputDeserializer(badMethod), getClass().getClassLoader()));
        assertTrue(method.getMessage().contains("unknown threshold method: QEAKS_OVER_THRESHOLD"), method.getMessage());
    }

    /**
     * A damaged template length must not make the restore allocate what it claims: a length no estimator snapshot
     * can have is refused by name, and a plausible one on a snapshot that ends early fails as the bytes run out
     * (the heap of the test JVM is 1 GiB: a single allocation of either length was an OutOfMemoryError).
     */
    @Test
    void aDamagedTemplateLengthIsRefusedWithoutAllocatingIt() {
        for (int length : new int[] {2_000_000_000, Integer.MAX_VALUE, 1_000_000_000, -1}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            try {
                out.writeInt(DetectorCodec.FORMAT_VERSION);
                out.writeInt(length);
                out.write(new byte[100]);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            byte[] damaged = out.getCopyOfBuffer();
            long allocatedBefore = allocatedBytes();
            IOException e = assertThrows(IOException.class, () -> new AnomalyDetectorSerializerSnapshot()
                    .readSnapshot(2, new DataInputDeserializer(damaged), getClass().getClassLoader()));
            long allocated = allocatedBytes() - allocatedBefore;
            assertTrue(e.getMessage().contains("template length " + length), e.getMessage());
            assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes for a " + damaged.length
                    + "-byte snapshot that claims " + length);
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    @Test
    void versionOneSerializerSnapshotsAreReadWithTheDefaultMethod() throws IOException {
        DetectorConfig cs = DetectorConfig.builder(MeanEstimator.builder(8).build())
                .method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE).warmup(100).build();
        DataOutputSerializer out = new DataOutputSerializer(256);
        new AnomalyDetectorSerializer(cs).snapshotConfiguration().writeSnapshot(out);
        byte[] v2 = out.getCopyOfBuffer();
        AnomalyDetectorSerializerSnapshot back = new AnomalyDetectorSerializerSnapshot();
        back.readSnapshot(2, new DataInputDeserializer(v2), getClass().getClassLoader());
        assertEquals(cs.template(), ((AnomalyDetectorSerializer) back.restoreSerializer()).template(),
                "version 2 keeps the method settings");
        // version 1: the same bytes without the trailing method, warm-up, level rate and peaks
        byte[] v1 = Arrays.copyOf(v2, v2.length - (2 + "CONFIDENCE_SEQUENCE".length() + 4 + 8 + 4));
        AnomalyDetectorSerializerSnapshot old = new AnomalyDetectorSerializerSnapshot();
        old.readSnapshot(1, new DataInputDeserializer(v1), getClass().getClassLoader());
        DetectorTemplate t = ((AnomalyDetectorSerializer) old.restoreSerializer()).template();
        assertEquals(AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, t.method());
        assertEquals(500, t.warmup());
        assertEquals(256, t.maxPeaks());
        assertTrue(compatibility(cs, old).isCompatibleAsIs(), "same shape: a new method applies to new keys");
        assertFalse(new AnomalyDetectorSerializer(cs).equals(new AnomalyDetectorSerializer(MEAN_8)),
                "the method is part of the template");
    }

    /**
     * A checkpoint written by a version that accepted peaks over threshold below p = 0.75 (which builders now
     * refuse) restores: its template is read as written, its keys' states restore, and a new configuration at an
     * accepted p is compatible as is. The old snapshot is made by writing one at p = 0.8 and setting the quantile
     * field (it follows the prototype estimator's bytes) to 0.6, which is what the earlier version wrote.
     */
    @Test
    void checkpointsOfEarlierPeaksQuantilesBelowTheMinimumRestore() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        new AnomalyDetectorSerializer(MEAN_8).snapshotConfiguration().writeSnapshot(out);
        byte[] bytes = out.getCopyOfBuffer();
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        in.readInt();
        int quantileAt = 8 + in.readInt();
        assertEquals(0.8, new DataInputDeserializer(bytes, quantileAt, 8).readDouble(), "layout as assumed");
        DataOutputSerializer patch = new DataOutputSerializer(8);
        patch.writeDouble(0.6);
        System.arraycopy(patch.getCopyOfBuffer(), 0, bytes, quantileAt, 8);

        AnomalyDetectorSerializerSnapshot old = new AnomalyDetectorSerializerSnapshot();
        old.readSnapshot(2, new DataInputDeserializer(bytes), getClass().getClassLoader());
        AnomalyDetectorSerializer restoredSerializer = (AnomalyDetectorSerializer) old.restoreSerializer();
        assertEquals(0.6, restoredSerializer.template().quantile());
        assertEquals(AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, restoredSerializer.template().method());
        assertEquals(0.6, restoredSerializer.createInstance().threshold().quantile(), "rebuilt as written");

        // a key's state of that configuration restores through the old and the new serializer alike
        AnomalyDetector key = AnomalyDetector.builder(MeanEstimator.builder(8).build()).quantile(0.6)
                .confidence(0.1).blockLength(128).acceptEarlierPeaksQuantile(true).build();
        Detectors.feedMean(key, 8, 600, 5);
        byte[] state = serialize(new AnomalyDetectorSerializer(MEAN_8), key);
        assertArrayEquals(key.snapshot(), restoredSerializer.deserialize(new DataInputDeserializer(state)).snapshot());
        assertArrayEquals(key.snapshot(),
                new AnomalyDetectorSerializer(MEAN_8).deserialize(new DataInputDeserializer(state)).snapshot());
        assertTrue(compatibility(MEAN_8, old).isCompatibleAsIs(), "the job's new p = 0.8 applies to new keys");

        // a new configuration still goes through the builders' check
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorConfig.builder(MeanEstimator.builder(8).build()).quantile(0.6).build());
        assertTrue(e.getMessage().contains("p >= 0.75"), e.getMessage());
        // unless the job asks to keep its earlier setting by name
        DetectorConfig kept = DetectorConfig.builder(MeanEstimator.builder(8).build()).quantile(0.6)
                .acceptEarlierPeaksQuantile(true).build();
        assertEquals(0.6, kept.newDetector().threshold().quantile());
        assertEquals(restoredSerializer.template().quantile(), kept.template().quantile());
    }

    @Test
    void serializersAreEqualExactlyWhenTheirTemplatesAre() {
        assertEquals(new AnomalyDetectorSerializer(Detectors.meanConfig(8)), new AnomalyDetectorSerializer(MEAN_8));
        assertEquals(new AnomalyDetectorSerializer(MEAN_8).hashCode(),
                new AnomalyDetectorSerializer(Detectors.meanConfig(8)).hashCode());
        assertFalse(new AnomalyDetectorSerializer(MEAN_8).equals(new AnomalyDetectorSerializer(Detectors.meanConfig(7))));
        DetectorConfig emitting = DetectorConfig.builder(MeanEstimator.builder(8).build()).quantile(0.8)
                .confidence(0.1).blockLength(128).emitEstimates(true).build();
        assertEquals(new AnomalyDetectorSerializer(MEAN_8), new AnomalyDetectorSerializer(emitting),
                "output options are not part of the state");
        AnomalyDetectorSerializer s = new AnomalyDetectorSerializer(MEAN_8);
        assertTrue(s.duplicate() == s, "stateless: duplicate() is this");
        assertTrue(s.toString().contains("MEAN d=8"));
        assertEquals(Task.MEAN, s.template().task());
    }

    // ------------------------------------------------------------------ helpers

    private static TypeSerializerSchemaCompatibility<AnomalyDetector> compatibility(
            DetectorConfig now, TypeSerializerSnapshot<AnomalyDetector> old) {
        return new AnomalyDetectorSerializer(now).snapshotConfiguration().resolveSchemaCompatibility(old);
    }

    private static TypeSerializerSnapshot<AnomalyDetector> roundTrip(TypeSerializerSnapshot<AnomalyDetector> s)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s);
        return TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()),
                DetectorStateTest.class.getClassLoader());
    }

    private static byte[] serialize(TypeSerializer<AnomalyDetector> serializer, AnomalyDetector d)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        serializer.serialize(d, out);
        return out.getCopyOfBuffer();
    }
}
