package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.RestoreFuzzer.Field;
import io.clipstream.RestoreFuzzer.Kind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every estimator restore path (every task, step kind and clip kind, normalised or not, with and without L2, fresh
 * and after ordinary and extreme samples) against bit flips, truncations, extensions and CRC-valid field edits:
 * only {@link IllegalArgumentException} escapes, and whatever restores accepts a good sample, stays finite and
 * restores from its own snapshot (issue 12, item 7). Seeded and bounded (a few seconds).
 */
class EstimatorRestoreFuzzTest {

    static final Loss LOSS = ExtremeValuesProperties.LEAST_SQUARES;

    /** Estimators covering every task x step kind x clip kind at least once, in several states. */
    static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(2024);
        StepSize[] steps = {StepSize.constant(0.3), StepSize.halfLife(50), StepSize.horizon(0.5, 0.5, 100),
            StepSize.doubling(0.5, 0.6, 4), StepSize.inverseTime(1, 1)};
        ClipPolicy[] clips = {ClipPolicy.adaptive(), ClipPolicy.fixed(1.5), ClipPolicy.none(),
            ClipPolicy.rollingQuantile(0.7, 24)};
        int i = 0;
        for (Task task : Task.values()) {
            for (StepSize step : steps) {
                for (ClipPolicy clip : clips) {
                    int d = 1 + (i % 7);
                    double l2 = i % 3 == 0 ? 0.01 : 0;
                    boolean normalize = i % 2 == 0;
                    Estimator e = switch (task) {
                        case MEAN -> MeanEstimator.builder(d).stepSize(step).clip(clip).l2(l2).build();
                        case LINEAR -> LinearRegression.builder(d).stepSize(step).clip(clip).l2(l2)
                                .normalizeSteps(normalize).build();
                        case LOGISTIC -> LogisticRegression.builder(d).stepSize(step).clip(clip).l2(l2)
                                .normalizeSteps(normalize).buildLogistic();
                        case SOFTMAX -> SoftmaxRegression.builder(d, 2 + i % 3).stepSize(step).clip(clip).l2(l2)
                                .normalizeSteps(normalize).build();
                        case CUSTOM -> CustomEstimator.builder(d, LOSS).stepSize(step).clip(clip).l2(l2).build();
                    };
                    int n = i % 4 == 0 ? 0 : 1 + r.nextInt(60);
                    for (int k = 0; k < n; k++) {
                        float[] x = k % 9 == 8 ? ExtremeValuesProperties.sample(r, d) : Fixtures.gaussian(r, d, 2);
                        ExtremeValuesTest.update(e, x, (float) r.nextGaussian(), r.nextInt(2));
                    }
                    seeds.add(e.snapshot());
                    i++;
                }
            }
        }
        return seeds;
    }

    /** The header fields, the first slots of a rolling window, the first and last parameter, and the checksum. */
    static List<Field> layout() {
        List<Field> f = new ArrayList<>(List.of(
                new Field("magic", 0, Kind.INT), new Field("version", 4, Kind.BYTE), new Field("task", 6, Kind.BYTE),
                new Field("flags", SnapshotBytes.FLAGS, Kind.BYTE), new Field("dimension", 8, Kind.INT),
                new Field("classes", 12, Kind.INT), new Field("l2", SnapshotBytes.L2, Kind.DOUBLE),
                new Field("step kind", SnapshotBytes.STEP_KIND, Kind.BYTE), new Field("padding", 27, Kind.BYTE),
                new Field("step 1", SnapshotBytes.STEP_1, Kind.DOUBLE),
                new Field("step 2", SnapshotBytes.STEP_2, Kind.DOUBLE),
                new Field("step 3", SnapshotBytes.STEP_3, Kind.LONG),
                new Field("clip kind", SnapshotBytes.CLIP_KIND, Kind.BYTE), new Field("padding", 60, Kind.BYTE),
                new Field("clip 1", SnapshotBytes.CLIP_1, Kind.DOUBLE),
                new Field("clip 2", SnapshotBytes.CLIP_2, Kind.DOUBLE),
                new Field("clip 3", SnapshotBytes.CLIP_3, Kind.DOUBLE),
                new Field("samples", SnapshotBytes.SAMPLES, Kind.LONG),
                new Field("clipped", SnapshotBytes.CLIPPED, Kind.LONG),
                new Field("rejected", SnapshotBytes.REJECTED, Kind.LONG),
                new Field("time", SnapshotBytes.TIME, Kind.LONG),
                new Field("clip state", SnapshotBytes.CLIP_STATE, Kind.DOUBLE),
                new Field("scale state", SnapshotBytes.SCALE_STATE, Kind.DOUBLE),
                new Field("ring count", SnapshotBytes.RING_COUNT, Kind.INT),
                new Field("ring position", SnapshotBytes.RING_POSITION, Kind.INT),
                new Field("ring since", SnapshotBytes.RING_SINCE, Kind.INT),
                new Field("padding", 148, Kind.INT),
                new Field("first value after the header", SnapshotFormat.HEADER, Kind.FLOAT),
                new Field("second value after the header", SnapshotFormat.HEADER + 4, Kind.FLOAT),
                new Field("last parameter", -8, Kind.FLOAT), new Field("checksum", -4, Kind.INT)));
        return f;
    }

    /** Restores with the loss the custom seeds were written with (the task byte decides, as a user would). */
    static Estimator restore(byte[] bytes) {
        boolean custom = bytes.length > 6 && bytes[6] == Task.CUSTOM.ordinal();
        return custom ? CustomEstimator.restore(bytes, LOSS) : Estimator.restore(bytes);
    }

    /** Usable: accepts a good sample, stays finite, and its snapshot restores (from native memory) to equal bytes. */
    static void usable(Estimator e) {
        SnapshotValidationTest.assertUsable(e, LOSS);
        byte[] again = e.snapshot();
        MemorySegment s = Arena.ofAuto().allocate(again.length);
        MemorySegment.copy(again, 0, s, ValueLayout.JAVA_BYTE, 0, again.length);
        Estimator back = e instanceof CustomEstimator ? CustomEstimator.restore(again, LOSS) : Estimator.restore(s);
        assertTrue(java.util.Arrays.equals(again, back.snapshot()), "restored from a native segment");
    }

    @Test
    void mutatedEstimatorSnapshotsAreRefusedOrUsable() {
        List<byte[]> seeds = seeds();
        RestoreFuzzer.Report report = new RestoreFuzzer<Estimator>("estimator snapshots",
                EstimatorRestoreFuzzTest::restore, EstimatorRestoreFuzzTest::usable, IllegalArgumentException.class)
                .fields(layout()).reseal(SnapshotBytes::reseal).run(seeds, 7, 30_000);
        System.out.println(report);
        report.assertClean();
        assertTrue(report.restored() > 1000, "CRC-valid edits that keep a valid state must restore: " + report);
        assertTrue(report.refused() > 10_000, report.toString());
    }
}
