package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EstimatorApiTest {

    private static final java.nio.charset.Charset UTF8 = java.nio.charset.StandardCharsets.UTF_8;

    private static final int D = 37;

    // ------------------------------------------------------------------ builders and configuration

    @Test
    void buildersValidateEagerlyWithMessagesThatNameTheValue() {
        assertMessage("dimension must be > 0: 0", () -> MeanEstimator.builder(0));
        assertMessage("l2 must be finite and >= 0: -1.0", () -> MeanEstimator.builder(3).l2(-1));
        assertMessage("l2 must be finite and >= 0: NaN", () -> LinearRegression.builder(3).l2(Double.NaN));
        assertMessage("softmax needs at least 2 classes: 1", () -> SoftmaxRegression.builder(3, 1));
        assertMessage("step size must be finite and > 0: 0.0", () -> StepSize.constant(0));
        assertMessage("half-life must be finite and >= 1 sample: 0.5", () -> StepSize.halfLife(0.5));
        assertMessage("alpha must be in [0, 1]: 1.5", () -> StepSize.horizon(1, 1.5, 10));
        assertMessage("horizon must be >= 1: 0", () -> StepSize.horizon(1, 0.5, 0));
        assertMessage("first epoch must be >= 1 sample: 0", () -> StepSize.doubling(1, 0.5, 0));
        assertMessage("offset must be finite and >= 1: 0.0", () -> StepSize.inverseTime(1, 0));
        assertMessage("clip level must be finite and > 0: -2.0", () -> ClipPolicy.fixed(-2));
        assertMessage("quantile must be in (0, 1): 1.0", () -> ClipPolicy.adaptive(1, 1, 0.1));
        assertMessage("rate must be in (0, 1]: 0.0", () -> ClipPolicy.adaptive(1, 0.5, 0));
        assertMessage("multiplier must be finite and > 0: Infinity", () -> ClipPolicy.adaptive(Double.POSITIVE_INFINITY, 0.5, 0.1));
        assertMessage("window must be in [1, 2^20]: 0", () -> ClipPolicy.rollingQuantile(0.5, 0));
        assertMessage("loss must not be null", () -> CustomEstimator.builder(3, null));
        assertThrows(NullPointerException.class, () -> MeanEstimator.builder(3).stepSize(null));
        assertThrows(IllegalArgumentException.class, () -> new EstimatorConfig(Task.MEAN, 3, 1, StepSize.constant(0.1),
                ClipPolicy.none(), 0, true), "normalizeSteps is for models only");
    }

    @Test
    void configRecordsWhatTheBuilderWasGiven() {
        LinearRegression lr = LinearRegression.builder(5).l2(0.01).stepSize(StepSize.constant(0.05))
                .clip(ClipPolicy.fixed(3)).normalizeSteps(false).build();
        EstimatorConfig c = lr.config();
        assertEquals(Task.LINEAR, c.task());
        assertEquals(5, c.dimension());
        assertEquals(1, c.classes());
        assertEquals(0.01, c.l2());
        assertEquals(StepSize.constant(0.05), c.stepSize());
        assertEquals(ClipPolicy.fixed(3), c.clipPolicy());
        assertFalse(c.normalizeSteps());
        assertEquals(3.0, lr.clipLevel());
        assertEquals(0.05, lr.stepSize(), 1e-9);
        assertEquals(12, SoftmaxRegression.builder(4, 3).build().parameterCount());
    }

    @Test
    void defaultsAreHalfLife300AndTheAdaptiveClip() {
        MeanEstimator m = MeanEstimator.builder(4).build();
        assertEquals(StepSize.halfLife(300), m.config().stepSize());
        assertEquals(ClipPolicy.adaptive(), m.config().clipPolicy());
        assertEquals(1 - Math.pow(2, -1.0 / 300), m.stepSize(), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, m.clipLevel(), "no clip level before the first sample");
        LinearRegression lin = LinearRegression.builder(4).build();
        assertTrue(lin.config().normalizeSteps());
        assertEquals(StepSize.constant(0.05), lin.config().stepSize());
        assertEquals(ClipPolicy.adaptive(), lin.config().clipPolicy());
        assertEquals(ClipPolicy.adaptive(3, 0.5, 0.05), LogisticRegression.builder(4).buildLogistic().config().clipPolicy());
        assertEquals(ClipPolicy.adaptive(3, 0.5, 0.05), SoftmaxRegression.builder(4, 3).build().config().clipPolicy());
    }

    // ------------------------------------------------------------------ the mean estimator

    @Test
    void meanUpdateReturnsTheDistanceBeforeTheStepAndMovesTowardsTheSample() {
        MeanEstimator m = MeanEstimator.builder(3).stepSize(StepSize.constant(0.5)).clip(ClipPolicy.none()).build();
        assertEquals(5.0, m.update(new float[] {3, 4, 0}), 1e-6);
        assertArrayEquals(new float[] {1.5f, 2f, 0f}, Fixtures.estimate(m));
        assertEquals(Math.hypot(1.5, 2), m.score(new float[] {0, 0, 0}), 1e-6);
        assertEquals(1, m.samplesSeen());
        assertFalse(m.lastClipped());
    }

    @Test
    void clippingCapsTheStepAndIsCounted() {
        MeanEstimator m = MeanEstimator.builder(2).stepSize(StepSize.constant(1)).clip(ClipPolicy.fixed(1)).build();
        assertEquals(100.0, m.update(new float[] {100, 0}), 1e-6);
        assertTrue(m.lastClipped());
        assertArrayEquals(new float[] {1f, 0f}, Fixtures.estimate(m), "a step of eta * lambda = 1 towards x");
        m.update(new float[] {1.5f, 0});
        assertFalse(m.lastClipped());
        assertEquals(2, m.samplesSeen());
        assertEquals(1, m.clippedCount());
        assertEquals(0.5, m.clipFraction());
    }

    @Test
    void segmentAndOffsetVariantsAgreeWithTheArrayCall() {
        SplittableRandom r = new SplittableRandom(3);
        MeanEstimator a = MeanEstimator.builder(D).build();
        MeanEstimator b = MeanEstimator.builder(D).build();
        MeanEstimator c = MeanEstimator.builder(D).build();
        for (int i = 0; i < 50; i++) {
            float[] x = Fixtures.gaussian(r, D, 3);
            float[] padded = new float[D + 5];
            System.arraycopy(x, 0, padded, 5, D);
            assertEquals(a.score(x), c.score(Fixtures.segment(x), 0));
            assertEquals(a.update(x), b.update(padded, 5));
            c.update(Fixtures.segment(x), 0);
        }
        assertArrayEquals(Fixtures.estimate(a), Fixtures.estimate(b));
        assertArrayEquals(Fixtures.estimate(a), Fixtures.estimate(c));
    }

    // ------------------------------------------------------------------ bad input leaves the state bit-identical

    @Test
    void badSamplesAreRejectedByNameAndChangeNothingButTheRejectedCount() {
        SplittableRandom r = new SplittableRandom(5);
        MeanEstimator m = MeanEstimator.builder(D).build();
        for (int i = 0; i < 20; i++) {
            m.update(Fixtures.gaussian(r, D, 1));
        }
        byte[] before = Fixtures.state(m);
        float[] nan = Fixtures.gaussian(r, D, 1);
        nan[17] = Float.NaN;
        assertMessage("x[17] is NaN (values must be finite)", () -> m.update(nan));
        float[] inf = Fixtures.gaussian(r, D, 1);
        inf[3] = Float.NEGATIVE_INFINITY;
        assertMessage("x[3] is -Infinity (values must be finite)", () -> m.update(inf));
        assertMessage("x has length 36 but the estimator's dimension is 37", () -> m.update(new float[D - 1]));
        assertMessage("x must not be null", () -> m.update((float[]) null));
        assertMessage("x must hold 37 floats from offset 2 but has length 37", () -> m.update(new float[D], 2));
        assertMessage("x must not be null", () -> m.update((MemorySegment) null, 0));
        assertMessage("x[17] is NaN (values must be finite)", () -> m.update(Fixtures.segment(nan), 0));
        assertArrayEquals(before, Fixtures.state(m));
        assertEquals(7, m.rejectedCount(), "every refused update counts, whatever the reason");
        assertEquals(20, m.samplesSeen());
        assertMessage("x has length 36 but the estimator's dimension is 37", () -> m.score(new float[D - 1]));
        assertEquals(7, m.rejectedCount(), "score-only calls do not count");
    }

    @Test
    void countRejectedCountsARefusalMadeOutsideTheEstimatorAndChangesNothingElse() {
        SplittableRandom r = new SplittableRandom(4);
        LogisticRegression log = LogisticRegression.builder(D).buildLogistic();
        for (int i = 0; i < 20; i++) {
            log.update(Fixtures.gaussian(r, D, 1), i % 2);
        }
        byte[] before = Fixtures.state(log);
        log.countRejected();
        log.countRejected();
        assertEquals(2, log.rejectedCount());
        assertArrayEquals(before, Fixtures.state(log), "only the rejected count changed");
        assertEquals(2, Estimator.restore(log.snapshot()).rejectedCount(), "snapshots carry it");
        assertEquals(20, log.samplesSeen());
    }

    @Test
    void badLabelsAreRejectedByName() {
        SplittableRandom r = new SplittableRandom(6);
        float[] x = Fixtures.gaussian(r, D, 1);
        LinearRegression lin = LinearRegression.builder(D).build();
        LogisticRegression log = LogisticRegression.builder(D).buildLogistic();
        SoftmaxRegression soft = SoftmaxRegression.builder(D, 4).build();
        lin.update(x, 1f);
        log.update(x, 1);
        soft.update(x, 2);
        byte[] a = Fixtures.state(lin);
        byte[] b = Fixtures.state(log);
        byte[] c = Fixtures.state(soft);
        assertMessage("target y is NaN (must be finite)", () -> lin.update(x, Float.NaN));
        assertMessage("label must be 0 or 1: 2", () -> log.update(x, 2));
        assertMessage("label must be 0 or 1: -1", () -> log.update(x, -1));
        assertMessage("label must be in [0, 4): 4", () -> soft.update(x, 4));
        float[] bad = x.clone();
        bad[30] = Float.POSITIVE_INFINITY;
        assertMessage("x[30] is Infinity (values must be finite)", () -> lin.update(bad, 1f));
        assertMessage("x[30] is Infinity (values must be finite)", () -> log.update(bad, 0));
        assertMessage("x[30] is Infinity (values must be finite)", () -> soft.update(bad, 0));
        assertArrayEquals(a, Fixtures.state(lin));
        assertArrayEquals(b, Fixtures.state(log));
        assertArrayEquals(c, Fixtures.state(soft));
        assertEquals(2, lin.rejectedCount());
        assertEquals(3, log.rejectedCount());
        assertEquals(2, soft.rejectedCount());
    }

    @Test
    void valuesNearFloatMaxNeverMakeTheStateInfiniteOrNaN() {
        float big = Float.MAX_VALUE;
        float[] x = new float[D];
        java.util.Arrays.fill(x, big);
        float[] y = x.clone();
        for (int i = 0; i < D; i += 2) {
            y[i] = -big;
        }
        for (Estimator e : java.util.List.of(MeanEstimator.builder(D).clip(ClipPolicy.none()).stepSize(StepSize.constant(1)).build(),
                MeanEstimator.builder(D).l2(0.5).build(),
                LinearRegression.builder(D).clip(ClipPolicy.none()).normalizeSteps(false).build(),
                LogisticRegression.builder(D).l2(0.1).buildLogistic(),
                SoftmaxRegression.builder(D, 3).clip(ClipPolicy.none()).stepSize(StepSize.constant(1)).build())) {
            for (int i = 0; i < 30; i++) {
                float[] s = i % 2 == 0 ? x : y;
                switch (e) {
                    case MeanEstimator m -> m.update(s);
                    case LinearRegression l -> l.update(s, i % 3 == 0 ? big : -big);
                    case LogisticRegression l -> l.update(s, i % 2);
                    case SoftmaxRegression l -> l.update(s, i % 3);
                    default -> throw new AssertionError();
                }
            }
            for (float v : Fixtures.estimate(e)) {
                assertTrue(Float.isFinite(v), e.task() + " state became " + v);
            }
            assertEquals(30, e.samplesSeen(), e.task() + " accepted every finite sample");
        }
    }

    // ------------------------------------------------------------------ batches

    @Test
    void batchUpdateEqualsSequentialUpdates() {
        SplittableRandom r = new SplittableRandom(7);
        int n = 25;
        float[] xs = Fixtures.gaussian(r, n * D, 2);
        MeanEstimator batch = MeanEstimator.builder(D).build();
        MeanEstimator single = MeanEstimator.builder(D).build();
        double[] scores = new double[n + 1];
        assertEquals(n, batch.updateBatch(xs, 0, n, scores, 1, BadRowPolicy.REJECT_BATCH));
        for (int i = 0; i < n; i++) {
            float[] x = java.util.Arrays.copyOfRange(xs, i * D, (i + 1) * D);
            assertEquals(single.update(x), scores[i + 1], "row " + i);
        }
        assertArrayEquals(Fixtures.estimate(single), Fixtures.estimate(batch));
        double[] scored = new double[n];
        batch.scoreBatch(xs, 0, n, scored, 0);
        for (int i = 0; i < n; i++) {
            assertEquals(batch.score(java.util.Arrays.copyOfRange(xs, i * D, (i + 1) * D)), scored[i], 1e-9);
        }
    }

    @Test
    void rejectBatchAppliesNothingAndNamesTheRowAndColumn() {
        SplittableRandom r = new SplittableRandom(8);
        int n = 10;
        float[] xs = Fixtures.gaussian(r, n * D, 1);
        xs[6 * D + 11] = Float.NaN;
        MeanEstimator m = MeanEstimator.builder(D).build();
        m.update(Fixtures.gaussian(r, D, 1));
        byte[] before = Fixtures.state(m);
        assertMessage("row 6: x[11] is NaN (values must be finite); the batch of 10 rows was not applied",
                () -> m.updateBatch(xs, 0, n, null, 0, BadRowPolicy.REJECT_BATCH));
        assertArrayEquals(before, Fixtures.state(m));
        assertEquals(n, m.rejectedCount());

        LogisticRegression log = LogisticRegression.builder(D).buildLogistic();
        int[] labels = new int[n];
        labels[4] = 7;
        byte[] logBefore = Fixtures.state(log);
        assertMessage("row 4: label must be 0 or 1: 7; the batch of 10 rows was not applied",
                () -> log.updateBatch(xs, 0, n, labels, 0, null, 0, BadRowPolicy.REJECT_BATCH));
        assertArrayEquals(logBefore, Fixtures.state(log));
    }

    @Test
    void skipAndCountAppliesTheGoodRowsInOrder() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 12;
        float[] xs = Fixtures.gaussian(r, n * D, 1);
        xs[3 * D] = Float.POSITIVE_INFINITY;
        xs[8 * D + 36] = Float.NaN;
        MeanEstimator batch = MeanEstimator.builder(D).build();
        MeanEstimator single = MeanEstimator.builder(D).build();
        double[] scores = new double[n];
        assertEquals(n - 2, batch.updateBatch(xs, 0, n, scores, 0, BadRowPolicy.SKIP_AND_COUNT));
        assertTrue(Double.isNaN(scores[3]) && Double.isNaN(scores[8]));
        for (int i = 0; i < n; i++) {
            if (i != 3 && i != 8) {
                assertEquals(single.update(java.util.Arrays.copyOfRange(xs, i * D, (i + 1) * D)), scores[i]);
            }
        }
        assertArrayEquals(Fixtures.estimate(single), Fixtures.estimate(batch));
        assertEquals(2, batch.rejectedCount());
        assertEquals(n - 2, batch.samplesSeen());

        float[] ys = new float[n];
        ys[5] = Float.NaN;
        LinearRegression lin = LinearRegression.builder(D).build();
        assertEquals(n - 3, lin.updateBatch(xs, 0, n, ys, 0, null, 0, BadRowPolicy.SKIP_AND_COUNT));
        assertEquals(3, lin.rejectedCount());
    }

    @Test
    void batchArgumentsAreValidated() {
        MeanEstimator m = MeanEstimator.builder(D).build();
        assertMessage("batch row count must be >= 0: -1", () -> m.updateBatch(new float[D], 0, -1, null, 0,
                BadRowPolicy.SKIP_AND_COUNT));
        assertMessage("xs must hold 74 floats from offset 0 but has length 37", () -> m.updateBatch(new float[D], 0, 2,
                null, 0, BadRowPolicy.SKIP_AND_COUNT));
        assertMessage("xs must not be null", () -> m.updateBatch((float[]) null, 0, 2, null, 0,
                BadRowPolicy.REJECT_BATCH));
        assertMessage("xs must hold " + (long) Integer.MAX_VALUE * D + " floats from offset 0 but has length " + D,
                () -> m.updateBatch(new float[D], 0, Integer.MAX_VALUE, null, 0, BadRowPolicy.REJECT_BATCH));
        assertMessage("scores must hold 2 values from offset 1 but has length 2", () -> m.updateBatch(new float[2 * D],
                0, 2, new double[2], 1, BadRowPolicy.SKIP_AND_COUNT));
        assertMessage("ys must hold 2 labels from offset 0 but has length 1", () -> LinearRegression.builder(D).build()
                .updateBatch(new float[2 * D], 0, 2, new float[1], 0, null, 0, BadRowPolicy.SKIP_AND_COUNT));
    }

    @Test
    void aBatchWhoseScoresSegmentCannotBeWrittenAppliesNothing() throws Exception {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment xs = arena.allocate(3L * D * Float.BYTES, 64);
            for (long i = 0; i < 3L * D; i++) {
                xs.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i % 7);
            }
            java.lang.foreign.Arena closed = java.lang.foreign.Arena.ofConfined();
            MemorySegment gone = closed.allocate(3L * D * Float.BYTES, 8);
            closed.close();
            MemorySegment[] other = new MemorySegment[1];
            java.lang.foreign.Arena[] otherArena = new java.lang.foreign.Arena[1];
            Thread t = new Thread(() -> {
                otherArena[0] = java.lang.foreign.Arena.ofConfined();
                other[0] = otherArena[0].allocate(24, 8);
            });
            t.start();
            t.join();
            MemorySegment readOnly = arena.allocate(24, 8).asReadOnly();
            for (BadRowPolicy policy : BadRowPolicy.values()) {
                MeanEstimator m = MeanEstimator.builder(D).build();
                byte[] before = m.snapshot();
                assertMessage("scores is read-only", () -> m.updateBatch(xs, 0, 3, readOnly, 0, policy));
                assertMessage("scores is not alive (its arena was closed)",
                        () -> m.updateBatch(xs, 0, 3, gone, 0, policy));
                assertMessage("scores is confined to another thread",
                        () -> m.updateBatch(xs, 0, 3, other[0], 0, policy));
                assertMessage("xs is not alive (its arena was closed)", () -> m.updateBatch(gone, 0, 1,
                        (MemorySegment) null, 0, policy));
                assertEquals(0, m.samplesSeen(), policy + ": no row applied");
                assertEquals(3 + 3 + 3 + 1, m.rejectedCount(), policy + ": every row of each refused batch counted");
                MeanEstimator fresh = MeanEstimator.builder(D).build();
                assertArrayEquals(Fixtures.estimate(fresh), Fixtures.estimate(m), policy + ": estimate unchanged");
                assertEquals(before.length, m.snapshot().length);

                LinearRegression lin = LinearRegression.builder(D).build();
                assertMessage("scores is read-only", () -> lin.updateBatch(xs, 0, 3, new float[3], 0, readOnly, 0,
                        policy));
                assertEquals(0, lin.samplesSeen());
                assertEquals(3, lin.rejectedCount());
            }
        }
    }

    // ------------------------------------------------------------------ models

    @Test
    void modelsExposePredictionsAndScores() {
        LinearRegression lin = LinearRegression.builder(2).normalizeSteps(false).clip(ClipPolicy.none())
                .stepSize(StepSize.constant(0.5)).build();
        assertEquals(3.0, lin.update(new float[] {1, 0}, 3f), 1e-9, "|y - w.x| with w = 0");
        assertEquals(1.5, lin.predict(new float[] {1, 0}), 1e-6);
        assertEquals(1.5, lin.score(new float[] {1, 0}, 3f), 1e-6);

        LogisticRegression log = LogisticRegression.builder(2).buildLogistic();
        assertEquals(Math.log(2), log.update(new float[] {1, 1}, 1), 1e-9, "log loss at w = 0");
        assertTrue(log.probability(new float[] {1, 1}) > 0.5);
        assertEquals(log.margin(new float[] {1, 1}), log.margin(new float[] {1, 1}));

        SoftmaxRegression soft = SoftmaxRegression.builder(2, 3).build();
        assertEquals(Math.log(3), soft.update(new float[] {1, 2}, 2), 1e-9, "log loss at W = 0");
        double[] p = new double[3];
        soft.probabilities(new float[] {1, 2}, p);
        assertEquals(1.0, p[0] + p[1] + p[2], 1e-12);
        assertEquals(2, soft.predict(new float[] {1, 2}));
        assertTrue(p[2] > p[0]);
    }

    @Test
    void customLossRunsOnTheScalarPathWithClipping() {
        // l = 1/2 ||theta - x||^2, the mean, through the custom interface
        CustomEstimator c = CustomEstimator.builder(3, (theta, x, y, g) -> {
            double loss = 0;
            for (int i = 0; i < theta.length; i++) {
                g[i] = theta[i] - x[i];
                loss += 0.5 * g[i] * g[i];
            }
            return loss;
        }).stepSize(StepSize.constant(1)).clip(ClipPolicy.fixed(1)).build();
        assertEquals(50.0, c.update(new float[] {0, 10, 0}, 0f), 1e-9);
        assertArrayEquals(new float[] {0, 1, 0}, Fixtures.estimate(c));
        assertTrue(c.lastClipped());
        CustomEstimator broken = CustomEstimator.builder(2, (t, x, y, g) -> {
            g[0] = Double.NaN;
            return 0;
        }).build();
        assertMessage("the loss returned a non-finite gradient at index 0: NaN", () -> broken.update(new float[2], 0));
        assertArrayEquals(new float[2], Fixtures.estimate(broken));
    }

    // ------------------------------------------------------------------ estimate and allocation

    @Test
    void estimateCopiesIntoCallerBuffers() {
        MeanEstimator m = MeanEstimator.builder(3).stepSize(StepSize.constant(1)).clip(ClipPolicy.none()).build();
        m.update(new float[] {1, 2, 3});
        float[] out = new float[5];
        m.estimate(out, 2);
        assertArrayEquals(new float[] {0, 0, 1, 2, 3}, out);
        MemorySegment seg = MemorySegment.ofArray(new float[4]);
        m.estimate(seg, 1);
        assertEquals(3f, seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 3));
        assertMessage("dst must hold 3 floats from offset 3 but has length 5", () -> m.estimate(out, 3));
        assertMessage("dst is read-only", () -> m.estimate(MemorySegment.ofArray(new float[3]).asReadOnly(), 0));
    }

    /**
     * Zero allocation per sample (array, fresh array, segment, score, every task, snapshot writes), measured in a
     * child JVM that, like production, loads one vector width (see {@link AllocationProbe}).
     */
    @Test
    void perSampleCallsDoNotAllocate() throws Exception {
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(javaCommand, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), AllocationProbe.class.getName()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), UTF8);
        assertEquals(0, p.waitFor(), err);
        double bytes = Double.parseDouble(out.substring(out.lastIndexOf('=') + 1));
        assertTrue(bytes < 1, "allocated " + bytes + " bytes per round of updates after warm-up");
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }
}
