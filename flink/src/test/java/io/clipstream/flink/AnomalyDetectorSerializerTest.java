package io.clipstream.flink;

import io.clipstream.detect.AnomalyDetector;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.testutils.DeeplyEqualsChecker;

/**
 * Flink's own serializer contract ({@link SerializerTestBase}): instantiation, copies into new and reused
 * instances, serialization one by one and as a sequence with and without reuse, serialized copies, Java
 * serializability and equality of the serializer, its snapshot's round trip and self-compatibility, null handling,
 * and ten threads on duplicates of the serializer at once. Two detectors are equal when their snapshot bytes are.
 */
class AnomalyDetectorSerializerTest extends SerializerTestBase<AnomalyDetector> {

    private static final DetectorConfig CONFIG = Detectors.meanConfig(8);

    AnomalyDetectorSerializerTest() {
        super(new DeeplyEqualsChecker().withCustomCheck(
                (a, b) -> a instanceof AnomalyDetector && b instanceof AnomalyDetector,
                (a, b, checker) -> Arrays.equals(Detectors.bytes((AnomalyDetector) a),
                        Detectors.bytes((AnomalyDetector) b))));
    }

    @Override
    protected TypeSerializer<AnomalyDetector> createSerializer() {
        return new AnomalyDetectorSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<AnomalyDetector> getTypeClass() {
        return AnomalyDetector.class;
    }

    @Override
    protected AnomalyDetector[] getTestData() {
        AnomalyDetector skipping = DetectorConfig.builder(io.clipstream.MeanEstimator.builder(8).build())
                .quantile(0.8).skipUpdateOnAnomaly(true).detectChanges(false).build().newDetector();
        Detectors.feedMean(skipping, 8, 700, 5);
        return new AnomalyDetector[] {
            CONFIG.newDetector(),
            Detectors.trainedMean(CONFIG, 10, 1),
            Detectors.trainedMean(CONFIG, 3_000, 2),
            skipping,
        };
    }
}
