package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract, run against every variant of the update surface (the JCTools shape: one spec, a variant per
 * implementation): every task x every input kind {array, array + offset, heap segment, native segment, batch
 * SKIP_AND_COUNT, batch REJECT_BATCH}. Per variant, seeded sequences of calls with good, extreme (subnormal to
 * {@code Float.MAX_VALUE}) and bad rows (a NaN or an infinity in the sample, a bad target or class), on random step,
 * clip and L2 settings, each call checked against a reference estimator fed only what the contract says must be
 * applied, one row at a time through {@code update(float[] ...)}:
 * <ul>
 *   <li>refused (a bad sample; a REJECT_BATCH batch with any bad row): an {@link IllegalArgumentException} with the
 *       documented message (the index and value, the label problem; for a batch the first bad row and "the batch
 *       of n rows was not applied"), {@code rejectedCount} up by 1 or by n, and the state bit-identical;</li>
 *   <li>accepted: every applied row's score bit-identical to the reference's per-sample score, skipped rows
 *       (SKIP_AND_COUNT) scored NaN and counted once, and the whole state (snapshot bytes, the rejected counter
 *       aside) bit-identical to the reference after every call; the state always finite.</li>
 * </ul>
 * Argument errors (null, short, offsets, scores buffers, policies) are {@link ApiFuzzTest}'s; the kernels against
 * their scalar reference are the kernel suites'.
 */
class EstimatorContractTest {

    enum Kind { ARRAY, ARRAY_OFFSET, HEAP_SEGMENT, NATIVE_SEGMENT, BATCH_SKIP, BATCH_REJECT }

    enum Quality { GOOD, EXTREME, NAN_VALUE, INFINITE_VALUE, BAD_LABEL }

    record Variant(Task task, Kind kind) {
        @Override
        public String toString() {
            return task + " x " + kind;
        }
    }

    static List<Variant> variants() {
        List<Variant> v = new ArrayList<>();
        for (Task task : Task.values()) {
            for (Kind kind : Kind.values()) {
                v.add(new Variant(task, kind));
            }
        }
        return v;
    }

    private static final int SEEDS = 6;
    private static final int CALLS = 40;
    private static final int CLASSES = 3;

    /** A row: its sample, target and class, and what is wrong with it (null if nothing). */
    record Row(float[] x, float y, int label, String problem) {
    }

    @ParameterizedTest
    @MethodSource("variants")
    void oneContractForEveryTaskAndInputKind(Variant v) {
        for (long seed = 1; seed <= SEEDS; seed++) {
            SplittableRandom r = new SplittableRandom(seed * 1_000 + v.task().ordinal() * 10 + v.kind().ordinal());
            int d = new int[] {1, 3, 16, 17, 67}[r.nextInt(5)];
            long configSeed = r.nextLong();
            Estimator e = ExtremeValuesProperties.estimator(v.task(), d, new SplittableRandom(configSeed));
            Estimator reference = ExtremeValuesProperties.estimator(v.task(), d, new SplittableRandom(configSeed));
            for (int call = 0; call < CALLS; call++) {
                String where = v + " seed " + seed + " call " + call + " (" + e.config() + ")";
                boolean batch = v.kind() == Kind.BATCH_SKIP || v.kind() == Kind.BATCH_REJECT;
                int n = batch ? r.nextInt(7) : 1;
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    rows.add(row(e, r, d));
                }
                check(e, reference, v.kind(), rows, r, where);
            }
        }
    }

    /** A row of a random quality; a bad row has exactly one problem, whose message the contract names. */
    static Row row(Estimator e, SplittableRandom r, int d) {
        int q = r.nextInt(20);
        Quality quality = q < 11 ? Quality.GOOD : q < 15 ? Quality.EXTREME : q < 17 ? Quality.NAN_VALUE
                : q < 18 ? Quality.INFINITE_VALUE : Quality.BAD_LABEL;
        if (quality == Quality.BAD_LABEL && e.task() == Task.MEAN) {
            quality = Quality.NAN_VALUE;
        }
        float[] x = quality == Quality.EXTREME ? ExtremeValuesProperties.sample(r, d) : Fixtures.gaussian(r, d, 2);
        float y = quality == Quality.EXTREME ? ExtremeValuesProperties.extreme(r) : (float) r.nextGaussian();
        int label = r.nextInt(e.task() == Task.SOFTMAX ? CLASSES : 2);
        String problem = null;
        switch (quality) {
            case NAN_VALUE, INFINITE_VALUE -> {
                int at = r.nextInt(d);
                x[at] = quality == Quality.NAN_VALUE ? Float.NaN
                        : r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                problem = "x[" + at + "] is " + x[at] + " (values must be finite)";
            }
            case BAD_LABEL -> {
                switch (e.task()) {
                    case LINEAR, CUSTOM -> {
                        y = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[r.nextInt(3)];
                        problem = (e.task() == Task.LINEAR ? "target y is " : "label y is ") + y + " (must be finite)";
                    }
                    case LOGISTIC -> {
                        label = r.nextBoolean() ? -1 - r.nextInt(3) : 2 + r.nextInt(3);
                        problem = "label must be 0 or 1: " + label;
                    }
                    case SOFTMAX -> {
                        label = r.nextBoolean() ? -1 - r.nextInt(3) : CLASSES + r.nextInt(3);
                        problem = "label must be in [0, " + CLASSES + "): " + label;
                    }
                    case MEAN -> throw new AssertionError();
                }
            }
            default -> {
            }
        }
        return new Row(x, y, label, problem);
    }

    /** Applies {@code rows} to {@code e} by {@code kind} and checks the call against the reference. */
    static void check(Estimator e, Estimator reference, Kind kind, List<Row> rows, SplittableRandom r, String where) {
        int n = rows.size();
        Row firstBad = rows.stream().filter(row -> row.problem() != null).findFirst().orElse(null);
        boolean refused = kind == Kind.BATCH_SKIP ? false : firstBad != null;
        long rejectedBefore = e.rejectedCount();
        byte[] before = Fixtures.state(e);
        double[] scores;
        if (refused) {
            String expected = kind == Kind.BATCH_REJECT ? "row " + rows.indexOf(firstBad) + ": " + firstBad.problem()
                    + "; the batch of " + n + " rows was not applied" : firstBad.problem();
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> apply(e, kind, rows, r), where + ": must be refused");
            assertEquals(expected, x.getMessage(), where);
            assertArrayEquals(before, Fixtures.state(e), where + ": a refused call changed the state");
            assertEquals(rejectedBefore + (kind == Kind.BATCH_REJECT ? n : 1), e.rejectedCount(), where + ": rejected");
            scores = null;
        } else {
            try {
                scores = apply(e, kind, rows, r);
            } catch (IllegalArgumentException x) {
                fail(where + ": refused, but must be accepted: " + x.getMessage(), x);
                return;
            }
            long skipped = rows.stream().filter(row -> row.problem() != null).count();
            assertEquals(rejectedBefore + skipped, e.rejectedCount(), where + ": skipped rows are counted once each");
        }
        for (int i = 0; i < n; i++) {
            Row row = rows.get(i);
            boolean applied = !refused && row.problem() == null;
            if (applied) {
                double expected = referenceUpdate(reference, row);
                assertEquals(expected, scores[i], where + ": row " + i + " scores as the per-sample path");
            } else if (scores != null) {
                assertTrue(Double.isNaN(scores[i]), where + ": skipped row " + i + " scored " + scores[i]);
            }
        }
        assertArrayEquals(Fixtures.state(reference), Fixtures.state(e), where + ": the state differs from the "
                + "per-sample path's");
        for (float v : Fixtures.estimate(e)) {
            if (!Float.isFinite(v)) {
                fail(where + ": the state became " + v);
            }
        }
    }

    /** The reference: one {@code update(float[] ...)} per applied row. */
    static double referenceUpdate(Estimator e, Row row) {
        return switch (e) {
            case MeanEstimator m -> m.update(row.x());
            case LinearRegression l -> l.update(row.x(), row.y());
            case LogisticRegression l -> l.update(row.x(), row.label());
            case SoftmaxRegression s -> s.update(row.x(), row.label());
            case CustomEstimator c -> c.update(row.x(), row.y());
        };
    }

    /** One call of the variant's kind; returns the rows' scores (NaN for skipped rows). */
    static double[] apply(Estimator e, Kind kind, List<Row> rows, SplittableRandom r) {
        if (kind == Kind.BATCH_SKIP || kind == Kind.BATCH_REJECT) {
            return batch(e, rows, kind == Kind.BATCH_SKIP ? BadRowPolicy.SKIP_AND_COUNT : BadRowPolicy.REJECT_BATCH,
                    r);
        }
        Row row = rows.getFirst();
        Calls.Input input = switch (kind) {
            case ARRAY -> Calls.Input.ARRAY;
            case ARRAY_OFFSET -> Calls.Input.ARRAY_OFFSET;
            case HEAP_SEGMENT -> Calls.Input.HEAP_SEGMENT;
            default -> Calls.Input.NATIVE_SEGMENT;
        };
        return new double[] {Calls.update(e, input, row.x(), row.y(), row.label())};
    }

    /**
     * One batch over the rows, in a random memory form (a {@code float[]} slab at a random offset, a heap segment
     * or a native one), the targets or classes at a random offset, scores into a buffer at a random offset.
     */
    static double[] batch(Estimator e, List<Row> rows, BadRowPolicy policy, SplittableRandom r) {
        int n = rows.size();
        int d = e.dimension();
        int offset = r.nextInt(3);
        int labelsOffset = r.nextInt(3);
        int scoresOffset = r.nextInt(3);
        float[] xs = new float[offset + n * d];
        float[] ys = new float[labelsOffset + n];
        int[] labels = new int[labelsOffset + n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i).x(), 0, xs, offset + i * d, d);
            ys[labelsOffset + i] = rows.get(i).y();
            labels[labelsOffset + i] = rows.get(i).label();
        }
        int form = r.nextInt(3);
        if (form == 0) {
            double[] scores = new double[scoresOffset + n];
            switch (e) {
                case MeanEstimator m -> m.updateBatch(xs, offset, n, scores, scoresOffset, policy);
                case LinearRegression l -> l.updateBatch(xs, offset, n, ys, labelsOffset, scores, scoresOffset, policy);
                case LogisticRegression l -> l.updateBatch(xs, offset, n, labels, labelsOffset, scores, scoresOffset,
                        policy);
                case SoftmaxRegression s -> s.updateBatch(xs, offset, n, labels, labelsOffset, scores, scoresOffset,
                        policy);
                case CustomEstimator c -> c.updateBatch(xs, offset, n, ys, labelsOffset, scores, scoresOffset, policy);
            }
            return Arrays.copyOfRange(scores, scoresOffset, scoresOffset + n);
        }
        MemorySegment slab = form == 1 ? MemorySegment.ofArray(xs) : Fixtures.segment(xs);
        MemorySegment scores = Arena.ofAuto().allocate(8L * (scoresOffset + n) + 8, 8);
        switch (e) {
            case MeanEstimator m -> m.updateBatch(slab, offset, n, scores, scoresOffset, policy);
            case LinearRegression l -> l.updateBatch(slab, offset, n, ys, labelsOffset, scores, scoresOffset, policy);
            case LogisticRegression l -> l.updateBatch(slab, offset, n, labels, labelsOffset, scores, scoresOffset,
                    policy);
            case SoftmaxRegression s -> s.updateBatch(slab, offset, n, labels, labelsOffset, scores, scoresOffset,
                    policy);
            case CustomEstimator c -> c.updateBatch(slab, offset, n, ys, labelsOffset, scores, scoresOffset, policy);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = scores.getAtIndex(ValueLayout.JAVA_DOUBLE, scoresOffset + i);
        }
        return out;
    }
}
