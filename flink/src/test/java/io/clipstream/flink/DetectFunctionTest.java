package io.clipstream.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.detect.AnomalyDetector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/**
 * The operator on Flink's operator test harness (heap keyed state, no cluster): a snapshot restored into a new
 * operator instance continues as if uninterrupted, bad samples go to the side output and count in the key's
 * {@code rejectedCount()}, exceptions from the extractors fail the task, and a state TTL forgets idle keys.
 */
class DetectFunctionTest {

    private static final OutputTag<RejectedSample<Long, Sample>> REJECTED = new OutputTag<>(
            ClipstreamFlink.REJECTED_OUTPUT, RejectedSample.typeInfo(Types.LONG, TypeInformation.of(Sample.class)));

    private static KeyedOneInputStreamOperatorTestHarness<Long, Sample, DetectionResult<Long, Sample>> harness(
            DetectorConfig config) throws Exception {
        return harness(config, Sample::features, null);
    }

    private static KeyedOneInputStreamOperatorTestHarness<Long, Sample, DetectionResult<Long, Sample>> harness(
            DetectorConfig config, FeatureExtractor<Sample> features, LabelExtractor<Sample> labels) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new DetectFunction<>(config, features, labels, REJECTED), Sample::key, Types.LONG);
    }

    /** The detector that the operator's keyed state holds for {@code key}. */
    private static AnomalyDetector detectorOf(KeyedOneInputStreamOperatorTestHarness<Long, Sample, ?> harness,
                                              long key, DetectorConfig config) throws Exception {
        AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) harness.getOperator();
        operator.setCurrentKey(key);
        return operator.getKeyedStateStore().getState(DetectFunction.stateDescriptor(config)).value();
    }

    private static List<String> reasons(KeyedOneInputStreamOperatorTestHarness<Long, Sample, ?> harness) {
        var rejected = harness.getSideOutput(REJECTED);
        return rejected == null ? List.of() : rejected.stream().map(r -> r.getValue().reason()).toList();
    }

    @Test
    void anOperatorSnapshotRestoresIntoANewInstanceThatContinuesUninterrupted() throws Exception {
        DetectorConfig config = CheckpointRecoveryTest.config(4);
        SampleGenerator generator = SampleGenerator.clean(3, 4, 5, 300);
        Reference reference = Reference.run(generator, 600, config);

        List<DetectionResult<Long, Sample>> results = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var first = harness(config)) {
            for (long seq = 0; seq < 250; seq++) {
                first.processElement(generator.sample(seq), seq);
            }
            snapshot = first.snapshot(1, 250);
            results.addAll(first.extractOutputValues());
            // elements after the snapshot are lost with this instance, as in a failure
            first.processElement(generator.sample(250), 250);
        }
        KeyedOneInputStreamOperatorTestHarness<Long, Sample, DetectionResult<Long, Sample>> restored =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(
                                new DetectFunction<>(config, Sample::features, null, REJECTED)),
                        Sample::key, Types.LONG);
        try (restored) {
            restored.initializeState(snapshot);
            restored.open();
            for (long seq = 250; seq < 600; seq++) {
                restored.processElement(generator.sample(seq), seq);
            }
            results.addAll(restored.extractOutputValues());
        }
        FlinkTestSupport.assertSameResults(reference.results, results);
    }

    @Test
    void badSamplesGoToTheSideOutputAndLeaveTheKeyUntouched() throws Exception {
        DetectorConfig config = CheckpointRecoveryTest.config(4);
        try (var h = harness(config)) {
            h.processElement(new Sample(7, 0, new float[] {1, 2, 3, 4}, 0), 0);
            h.processElement(new Sample(7, 1, new float[] {1, Float.NaN, 3, 4}, 0), 1);
            h.processElement(new Sample(7, 2, new float[] {1, 2, 3}, 0), 2);
            h.processElement(new Sample(7, 3, new float[] {1, 2, 3, 4}, 0), 3);
            List<DetectionResult<Long, Sample>> out = h.extractOutputValues();
            assertEquals(2, out.size());
            assertEquals(1, out.get(1).index(), "the rejected samples were not numbered");
            assertEquals(2, out.get(1).samplesSeen());
            List<String> reasons = h.getSideOutput(REJECTED).stream().map(r -> r.getValue().reason()).toList();
            assertEquals(List.of("x[1] is NaN (values must be finite)", "x has length 3 but the estimator's dimension is 4"),
                    reasons);
        }
    }

    /**
     * README: "Exceptions thrown by your extractors are bugs and do fail the task", also when they are
     * {@link IllegalArgumentException}s (a {@link NumberFormatException} from parsing a label is one): only the
     * library's refusal of what an extractor returned makes a rejected sample.
     */
    @Test
    void exceptionsFromTheExtractorsFailTheTask() throws Exception {
        DetectorConfig config = DetectorConfig.builder(LinearRegression.builder(2).build()).build();
        LabelExtractor<Sample> parsing = s -> s.seq() == 2 ? Double.parseDouble("n/a") : s.label();
        try (var h = harness(config, Sample::features, parsing)) {
            h.processElement(new Sample(1, 0, new float[] {1, 2}, 1), 0);
            h.processElement(new Sample(1, 1, new float[] {1, 2}, Double.NaN), 1);
            assertEquals(1, reasons(h).size(), "a NaN target the extractor returned is a bad sample: " + reasons(h));
            assertThrows(NumberFormatException.class,
                    () -> h.processElement(new Sample(1, 2, new float[] {1, 2}, 1), 2));
            assertEquals(1, reasons(h).size(), "the extractor's exception is not a rejected sample: " + reasons(h));
        }
        FeatureExtractor<Sample> throwing = s -> {
            throw new IllegalArgumentException("a bug in the feature extractor");
        };
        try (var h = harness(Detectors.meanConfig(2), throwing, null)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> h.processElement(new Sample(1, 0, new float[] {1, 2}, 0), 0));
            assertEquals("a bug in the feature extractor", e.getMessage());
            assertEquals(List.of(), reasons(h));
        }
    }

    /**
     * README: "the key's state is unchanged apart from its estimator's rejectedCount()": every rejected sample
     * counts there once, whether the library refused it while updating, while scoring first (skip update on
     * anomaly) or the operator refused a class label that is not a whole number before the library saw it.
     */
    @Test
    void everyRejectedSampleCountsInTheKeysRejectedCount() throws Exception {
        for (boolean skip : new boolean[] {false, true}) {
            DetectorConfig mean = DetectorConfig.builder(MeanEstimator.builder(2).build())
                    .skipUpdateOnAnomaly(skip).build();
            try (var h = harness(mean)) {
                h.processElement(new Sample(1, 0, new float[] {1, 2}, 0), 0);
                h.processElement(new Sample(1, 1, new float[] {1, Float.NaN}, 0), 1);
                h.processElement(new Sample(1, 2, new float[] {1, 2, 3}, 0), 2);
                h.processElement(new Sample(1, 3, null, 0), 3);
                assertEquals(3, reasons(h).size());
                AnomalyDetector d = detectorOf(h, 1, mean);
                assertEquals(3, d.estimator().rejectedCount(), "mean, skipUpdateOnAnomaly " + skip);
                assertEquals(1, d.estimator().samplesSeen());
                assertEquals(1, d.processed());
            }
            DetectorConfig logistic = DetectorConfig.builder(LogisticRegression.builder(2).buildLogistic())
                    .skipUpdateOnAnomaly(skip).build();
            try (var h = harness(logistic, Sample::features, Sample::label)) {
                h.processElement(new Sample(1, 0, new float[] {1, 2}, 1), 0);
                h.processElement(new Sample(1, 1, new float[] {1, 2}, 0.5), 1);
                h.processElement(new Sample(1, 2, new float[] {1, 2}, Double.NaN), 2);
                h.processElement(new Sample(1, 3, new float[] {1, 2}, 2), 3);
                h.processElement(new Sample(1, 4, new float[] {1, Float.NaN}, 0), 4);
                assertEquals(List.of("class label must be a whole number: 0.5", "class label must be a whole number: NaN",
                        "label must be 0 or 1: 2", "x[1] is NaN (values must be finite)"), reasons(h));
                AnomalyDetector d = detectorOf(h, 1, logistic);
                assertEquals(4, d.estimator().rejectedCount(), "logistic, skipUpdateOnAnomaly " + skip);
                assertEquals(1, d.estimator().samplesSeen());
            }
        }
    }

    /** Labels refused by their own value: a whole class out of range, a target beyond the float range. */
    @Test
    void refusedLabelsAreNamedByTheirValue() throws Exception {
        DetectorConfig logistic = DetectorConfig.builder(LogisticRegression.builder(2).buildLogistic()).build();
        try (var h = harness(logistic, Sample::features, Sample::label)) {
            h.processElement(new Sample(1, 0, new float[] {1, 2}, 1), 0);
            h.processElement(new Sample(1, 1, new float[] {1, 2}, 4294967296.0), 1);
            h.processElement(new Sample(1, 2, new float[] {1, 2}, 1e300), 2);
            assertEquals(List.of("class label 4.294967296E9 is out of range (it must be a class of the task)",
                    "class label 1.0E300 is out of range (it must be a class of the task)"), reasons(h));
            assertEquals(2, detectorOf(h, 1, logistic).estimator().rejectedCount());
        }
        DetectorConfig linear = DetectorConfig.builder(LinearRegression.builder(2).build()).build();
        try (var h = harness(linear, Sample::features, Sample::label)) {
            h.processElement(new Sample(1, 0, new float[] {1, 2}, 1), 0);
            h.processElement(new Sample(1, 1, new float[] {1, 2}, 1e39), 1);
            h.processElement(new Sample(1, 2, new float[] {1, 2}, Double.POSITIVE_INFINITY), 2);
            assertEquals(List.of("target y 1.0E39 is outside the float range (must be finite)",
                    "target y is Infinity (must be finite)"), reasons(h));
            AnomalyDetector d = detectorOf(h, 1, linear);
            assertEquals(2, d.estimator().rejectedCount());
            assertEquals(1, d.estimator().samplesSeen());
        }
    }

    @Test
    void aStateTtlForgetsIdleKeys() throws Exception {
        DetectorConfig config = DetectorConfig.builder(MeanEstimator.builder(2).build())
                .stateTtl(Duration.ofSeconds(10)).build();
        assertTrue(DetectFunction.stateDescriptor(config).getTtlConfig().isEnabled());
        try (var h = harness(config)) {
            float[] x = {1, 2};
            h.setStateTtlProcessingTime(0);
            h.processElement(new Sample(1, 0, x, 0), 0);
            h.processElement(new Sample(1, 1, x, 0), 1);
            h.setStateTtlProcessingTime(9_000);
            h.processElement(new Sample(1, 2, x, 0), 2);                 // within the TTL: refreshed
            h.setStateTtlProcessingTime(18_000);
            h.processElement(new Sample(1, 3, x, 0), 3);                 // 9 s after the last write: still there
            h.setStateTtlProcessingTime(28_001);
            h.processElement(new Sample(1, 4, x, 0), 4);                 // idle for more than 10 s: forgotten
            List<Long> indices = h.extractOutputValues().stream().map(DetectionResult::index).toList();
            assertEquals(List.of(0L, 1L, 2L, 3L, 0L), indices);
        }
        DetectorConfig forever = DetectorConfig.builder(MeanEstimator.builder(2).build()).build();
        assertNull(forever.stateTtl());
        assertTrue(!DetectFunction.stateDescriptor(forever).getTtlConfig().isEnabled());
        assertThrows(IllegalArgumentException.class,
                () -> DetectorConfig.builder(MeanEstimator.builder(2).build()).stateTtl(Duration.ZERO));
    }
}
