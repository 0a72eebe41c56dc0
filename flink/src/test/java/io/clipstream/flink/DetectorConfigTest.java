package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.CustomEstimator;
import io.clipstream.LinearRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The operator's configuration and entry points: every mistake is an {@link IllegalArgumentException} with a clear
 * message when the job graph is built; the configuration survives Java serialization (Flink ships it); the result
 * and rejected-sample types are POJO types (never Kryo).
 */
class DetectorConfigTest {

    @Test
    void builderSettingsAreValidatedAtOnce() {
        DetectorConfig.Builder b = DetectorConfig.builder(MeanEstimator.builder(4).build());
        assertMessage("quantile p must be in (0, 1): 1.5", () -> b.quantile(1.5));
        assertMessage("quantile p must be in (0, 1): NaN", () -> b.quantile(Double.NaN));
        assertMessage("confidence a must be in (0, 1): 0.0", () -> b.confidence(0));
        assertMessage("change quantile must be in (0, 1): 1.0", () -> b.changeQuantile(1));
        assertMessage("block length must be >= 64: 10", () -> b.blockLength(10));
        assertMessage("method must not be null", () -> b.method(null));
        assertMessage("warmup must be in [32, 1048576] scores: 10", () -> b.warmup(10));
        assertMessage("level rate must be in [0, 1): 1.0", () -> b.levelRate(1));
        assertMessage("max peaks must be in [16, 1048576]: 8", () -> b.maxPeaks(8));
        assertMessage("state TTL must be a positive duration: PT-1S",
                () -> b.stateTtl(java.time.Duration.ofSeconds(-1)));
        assertMessage("state TTL must be a positive duration: null", () -> b.stateTtl(null));
        assertMessage("prototype estimator must not be null", () -> DetectorConfig.builder(null));
        CustomEstimator custom = CustomEstimator.builder(3, (theta, x, y, gradient) -> 0).build();
        assertMessage("keyed detection supports mean, linear, logistic and softmax estimators, not CUSTOM (its loss "
                + "is code that per-key state bytes cannot carry)", () -> DetectorConfig.builder(custom));
    }

    @Test
    void thresholdMethodSettingsReachEveryKeysDetector() {
        DetectorConfig defaults = DetectorConfig.builder(MeanEstimator.builder(2).build()).build();
        assertEquals(AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, defaults.method());
        assertEquals(500, defaults.warmup());
        assertEquals(AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, defaults.newDetector().threshold().method());
        DetectorConfig pot = DetectorConfig.builder(MeanEstimator.builder(2).build()).warmup(64).build();
        AnomalyDetector d = pot.newDetector();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 64; i++) {
            d.process(new float[] {(float) r.nextGaussian(), (float) r.nextGaussian()});
        }
        assertTrue(Double.isFinite(d.threshold().upper()), "a key can flag after the configured warm-up");
        DetectorConfig cs = DetectorConfig.builder(MeanEstimator.builder(2).build())
                .method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE).quantile(0.9).build();
        assertEquals(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE, cs.newDetector().threshold().method());
        assertTrue(cs.toString().contains("confidence sequence"), cs.toString());
        assertTrue(pot.toString().contains("peaks over threshold (warm-up 64"), pot.toString());
    }

    @Test
    void everyKeyStartsFromThePrototypesStateAtTheTimeOfTheBuilder() {
        MeanEstimator prototype = MeanEstimator.builder(3).build();
        float[] x = {1, 2, 3};
        for (int i = 0; i < 50; i++) {
            prototype.update(x);
        }
        DetectorConfig config = DetectorConfig.builder(prototype).build();
        prototype.update(new float[] {100, 100, 100});
        AnomalyDetector a = config.newDetector();
        AnomalyDetector b = config.newDetector();
        assertEquals(50, a.estimator().samplesSeen(), "a warm start from the prototype as it was");
        a.process(x);
        assertEquals(50, b.estimator().samplesSeen(), "keys are independent");
        assertEquals(Task.MEAN, config.task());
        assertEquals(3, config.dimension());
        assertEquals(1, config.classes());
        assertFalse(config.needsLabels());
    }

    @Test
    void theConfigurationSurvivesJavaSerialization() throws Exception {
        DetectorConfig config = DetectorConfig.builder(LinearRegression.builder(5).l2(0.01).build()).quantile(0.95)
                .confidence(0.02).skipUpdateOnAnomaly(true).detectChanges(false).changeQuantile(0.6).blockLength(512)
                .emitEstimates(true).stateTtl(java.time.Duration.ofHours(1)).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(config);
        }
        DetectorConfig copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (DetectorConfig) in.readObject();
        }
        assertEquals(config, copy);
        assertEquals(config.hashCode(), copy.hashCode());
        assertArrayEquals(config.newDetector().snapshot(), copy.newDetector().snapshot());
        assertTrue(copy.emitEstimates() && copy.skipUpdateOnAnomaly() && !copy.detectChanges());
        assertEquals(java.time.Duration.ofHours(1), copy.stateTtl());
        assertEquals(0.95, copy.quantile());
        assertEquals(0.02, copy.confidence());
        assertTrue(copy.needsLabels());
        assertTrue(copy.toString().contains("LINEAR d=5"), copy.toString());
    }

    @Test
    void labelsMustMatchTheTask() {
        DetectorConfig mean = DetectorConfig.builder(MeanEstimator.builder(4).build()).build();
        DetectorConfig linear = DetectorConfig.builder(LinearRegression.builder(4).build()).build();
        FeatureExtractor<Sample> features = Sample::features;
        assertMessage("a LINEAR detector needs a LabelExtractor (the target y of each element): use "
                + "ClipstreamFlink.detectLabelled", () -> new DetectFunction<Long, Sample>(linear, features, null, null));
        assertMessage("a MEAN detector takes no label: use ClipstreamFlink.detect, without a LabelExtractor",
                () -> new DetectFunction<Long, Sample>(mean, features, Sample::label, null));
        assertMessage("config must not be null", () -> new DetectFunction<Long, Sample>(null, features, null, null));
        assertMessage("feature extractor must not be null",
                () -> new DetectFunction<Long, Sample>(mean, null, null, null));
    }

    @Test
    void entryPointsCheckTheirArgumentsWhenTheGraphIsBuilt() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<Sample> samples = env.fromData(new Sample(1, 0, new float[] {1, 2}, 0));
        DetectorConfig mean = DetectorConfig.builder(MeanEstimator.builder(2).build()).build();
        DetectorConfig linear = DetectorConfig.builder(LinearRegression.builder(2).build()).build();
        assertMessage("stream must not be null",
                () -> ClipstreamFlink.detect((DataStream<Sample>) null, Sample::key, Sample::features, mean));
        assertMessage("key selector must not be null",
                () -> ClipstreamFlink.<Sample, Long>detect(samples, null, Sample::features, mean));
        assertMessage("a LINEAR detector needs a LabelExtractor (the target y of each element): use "
                + "ClipstreamFlink.detectLabelled", () -> ClipstreamFlink.detect(samples, Sample::key,
                Sample::features, linear));
        assertMessage("label extractor must not be null (mean detectors take none: use ClipstreamFlink.detect)",
                () -> ClipstreamFlink.detectLabelled(samples, Sample::key, Sample::features, null, linear));
        assertMessage("a MEAN detector takes no label: use ClipstreamFlink.detect, without a LabelExtractor",
                () -> ClipstreamFlink.detectLabelled(samples, Sample::key, Sample::features, Sample::label, mean));
        assertMessage("config must not be null",
                () -> ClipstreamFlink.detect(samples, Sample::key, Sample::features, null));

        Detection<Long, Sample> detection = ClipstreamFlink.detect(samples, Sample::key, Sample::features, mean);
        TypeInformation<DetectionResult<Long, Sample>> resultType = detection.results().getType();
        assertTrue(resultType instanceof PojoTypeInfo, "results are a POJO type, not Kryo: " + resultType);
        assertTrue(detection.rejected().getType() instanceof PojoTypeInfo, "rejected samples too");
        assertEquals(ClipstreamFlink.OPERATOR_NAME, detection.results().getName());
        assertEquals(ClipstreamFlink.REJECTED_OUTPUT, detection.rejectedTag().getId());
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(expected, e.getMessage());
    }

    @FunctionalInterface
    private interface Executable {
        void run() throws Throwable;
    }
}
