package io.clipstream.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.ClipPolicy;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.StepSize;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {

    private static float[] sample(SplittableRandom r, int d, double shift) {
        float[] x = new float[d];
        for (int i = 0; i < d; i++) {
            x[i] = (float) (r.nextGaussian() + shift);
        }
        return x;
    }

    @Test
    void flagsFarSamplesOnceTheThresholdHasEvidence() {
        AnomalyDetector det = AnomalyDetector.builder(MeanEstimator.builder(8).build()).quantile(0.9).build();
        SplittableRandom r = new SplittableRandom(1);
        int flaggedFar = 0;
        int far = 0;
        for (int i = 0; i < 40_000; i++) {
            boolean anomaly = i > 10_000 && i % 50 == 0;
            Outcome o = det.process(sample(r, 8, anomaly ? 30 : 0));
            assertEquals(i, o.index());
            assertTrue(o.updated());
            if (anomaly) {
                far++;
                flaggedFar += o.decision() == Decision.ANOMALY ? 1 : 0;
                assertTrue(o.score() > o.lower());
            }
        }
        assertTrue(flaggedFar > 0.95 * far, flaggedFar + " of " + far + " far samples flagged");
        assertEquals(40_000, det.processed());
        assertEquals(40_000, det.anomalies() + det.benign() + det.abstentions());
        assertEquals(40_000, det.estimator().samplesSeen());
    }

    @Test
    void skipUpdateOnAnomalyLeavesTheEstimateAlone() {
        AnomalyDetector det = AnomalyDetector.builder(MeanEstimator.builder(4).build()).quantile(0.9)
                .skipUpdateOnAnomaly(true).build();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 20_000; i++) {
            det.process(sample(r, 4, 0));
        }
        long seen = det.estimator().samplesSeen();
        Outcome o = det.process(sample(r, 4, 1000));
        assertEquals(Decision.ANOMALY, o.decision());
        assertFalse(o.updated());
        assertEquals(seen, det.estimator().samplesSeen());
        Outcome normal = det.process(sample(r, 4, 0));
        assertTrue(normal.updated());
    }

    @Test
    void badInputChangesNothingInTheDetector() {
        AnomalyDetector det = AnomalyDetector.builder(MeanEstimator.builder(3).build()).build();
        det.process(new float[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> det.process(new float[] {1, Float.NaN, 3}));
        assertEquals("x[1] is NaN (values must be finite)", e.getMessage());
        assertEquals(1, det.processed());
        assertEquals(1, det.threshold().scoresSinceReset());
    }

    /**
     * A refused sample counts once in the estimator's rejectedCount whatever the mode: skipUpdateOnAnomaly scores
     * before it updates, and score calls count nothing, so its refusals went uncounted.
     */
    @Test
    void badInputCountsOnceInTheRejectedCountWithOrWithoutSkipping() {
        for (boolean skip : new boolean[] {false, true}) {
            AnomalyDetector mean = AnomalyDetector.builder(MeanEstimator.builder(3).build())
                    .skipUpdateOnAnomaly(skip).build();
            mean.process(new float[] {1, 2, 3});
            assertThrows(IllegalArgumentException.class, () -> mean.process(new float[] {1, Float.NaN, 3}));
            assertThrows(IllegalArgumentException.class, () -> mean.process(new float[] {1, 2}));
            assertThrows(IllegalArgumentException.class, () -> mean.process(null));
            assertThrows(IllegalArgumentException.class, () -> mean.process(java.lang.foreign.MemorySegment.ofArray(
                    new float[] {Float.POSITIVE_INFINITY, 2, 3}), 0));
            assertEquals(4, mean.estimator().rejectedCount(), "mean, skipUpdateOnAnomaly " + skip);
            assertEquals(1, mean.estimator().samplesSeen());
            assertEquals(1, mean.processed());

            AnomalyDetector lin = AnomalyDetector.builder(LinearRegression.builder(2).build())
                    .skipUpdateOnAnomaly(skip).build();
            assertThrows(IllegalArgumentException.class, () -> lin.process(new float[] {1, 2}, Float.NaN));
            assertThrows(IllegalArgumentException.class, () -> lin.process(new float[] {Float.NaN, 2}, 1f));
            assertEquals(2, lin.estimator().rejectedCount(), "linear, skipUpdateOnAnomaly " + skip);

            AnomalyDetector log = AnomalyDetector.builder(LogisticRegression.builder(2).buildLogistic())
                    .skipUpdateOnAnomaly(skip).build();
            assertThrows(IllegalArgumentException.class, () -> log.process(new float[] {1, 2}, 2));
            assertThrows(IllegalArgumentException.class, () -> log.process(new float[] {1, Float.NaN}, 0));
            assertEquals(2, log.estimator().rejectedCount(), "logistic, skipUpdateOnAnomaly " + skip);

            AnomalyDetector soft = AnomalyDetector.builder(SoftmaxRegression.builder(2, 3).build())
                    .skipUpdateOnAnomaly(skip).build();
            assertThrows(IllegalArgumentException.class, () -> soft.process(new float[] {1, 2}, 3));
            assertThrows(IllegalArgumentException.class, () -> soft.process(new float[] {1}, 0));
            assertEquals(2, soft.estimator().rejectedCount(), "softmax, skipUpdateOnAnomaly " + skip);

            // the wrong call for the task is a programming error, not a refused sample
            assertThrows(IllegalArgumentException.class, () -> lin.process(new float[] {1, 2}));
            assertEquals(2, lin.estimator().rejectedCount(), "wrong call, skipUpdateOnAnomaly " + skip);
        }
    }

    @Test
    void theProcessCallMustMatchTheTask() {
        AnomalyDetector mean = AnomalyDetector.builder(MeanEstimator.builder(3).build()).build();
        assertEquals("process(float[], float) needs a LINEAR estimator, but this detector wraps a MEAN",
                assertThrows(IllegalArgumentException.class, () -> mean.process(new float[3], 1f)).getMessage());
        AnomalyDetector lin = AnomalyDetector.builder(LinearRegression.builder(3).build()).build();
        assertEquals("process(float[]) needs a MEAN estimator, but this detector wraps a LINEAR",
                assertThrows(IllegalArgumentException.class, () -> lin.process(new float[3])).getMessage());
        assertEquals("process(float[], int) needs a LOGISTIC estimator (or SOFTMAX), but this detector wraps a LINEAR",
                assertThrows(IllegalArgumentException.class, () -> lin.process(new float[3], 1)).getMessage());
        AnomalyDetector soft = AnomalyDetector.builder(SoftmaxRegression.builder(3, 3).build()).build();
        assertTrue(soft.process(new float[] {1, 2, 3}, 2).score() > 0);
        assertEquals("label must be in [0, 3): 3", assertThrows(IllegalArgumentException.class,
                () -> soft.process(new float[3], 3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.builder(null));
        assertThrows(IllegalArgumentException.class, () -> AnomalyDetector.builder(mean.estimator()).quantile(1));
    }

    @Test
    void attributionNamesTheCoordinatesThatMadeTheScore() {
        MeanEstimator m = MeanEstimator.builder(6).stepSize(StepSize.constant(1)).clip(ClipPolicy.none()).build();
        AnomalyDetector det = AnomalyDetector.builder(m).build();
        det.process(new float[] {0, 0, 0, 0, 0, 0});
        int[] idx = new int[3];
        double[] share = new double[3];
        assertEquals(3, det.attribute(new float[] {0, 1, 0, 0, 3, 0}, 3, idx, share));
        assertEquals(4, idx[0]);
        assertEquals(0.9, share[0], 1e-12);
        assertEquals(1, idx[1]);
        assertEquals(0.1, share[1], 1e-12);
        assertEquals(0.0, share[2]);
        assertEquals(2, det.attribute(new float[] {0, 1, 0, 0, 3, 0}, 2, idx, share), "k bounds the output");

        LinearRegression lin = LinearRegression.builder(3).normalizeSteps(false).clip(ClipPolicy.none())
                .stepSize(StepSize.constant(1)).build();
        AnomalyDetector linDet = AnomalyDetector.builder(lin).build();
        linDet.process(new float[] {1, 0, 0}, 2f); // w = (2, 0, 0)
        linDet.process(new float[] {0, 1, 0}, -1f); // w = (2, -1, 0)
        // x = (1, 1, 1), y = 5: prediction 1, residual +4; feature 1 pulled the prediction down (away from y)
        assertEquals(3, linDet.attribute(new float[] {1, 1, 1}, 5f, 3, idx, share));
        assertEquals(1, idx[0]);
        assertEquals(1.0, share[0], 1e-6);
        assertEquals(0, idx[2]);
        assertEquals(-2.0, share[2], 1e-6);

        AnomalyDetector logDet = AnomalyDetector.builder(LogisticRegression.builder(2).buildLogistic()).build();
        assertThrows(IllegalArgumentException.class, () -> logDet.attribute(new float[2], 2f, 1, idx, share));
        assertThrows(IllegalArgumentException.class, () -> det.attribute(new float[5], 1, idx, share));

        // non-finite input is refused by name, as by every other entry point (it returned zero or NaN shares)
        assertEquals("x[0] is NaN (values must be finite)", assertThrows(IllegalArgumentException.class,
                () -> det.attribute(new float[] {Float.NaN, 1, 2, 0, 0, 0}, 2, idx, share)).getMessage());
        assertEquals("x[1] is Infinity (values must be finite)", assertThrows(IllegalArgumentException.class,
                () -> det.attribute(new float[] {0, Float.POSITIVE_INFINITY, 2, 0, 0, 0}, 2, idx, share)).getMessage());
        assertEquals("y is NaN (values must be finite)", assertThrows(IllegalArgumentException.class,
                () -> linDet.attribute(new float[] {1, 1, 1}, Float.NaN, 3, idx, share)).getMessage());
        assertEquals("x[1] is NaN (values must be finite)", assertThrows(IllegalArgumentException.class,
                () -> logDet.attribute(new float[] {0, Float.NaN}, 1f, 1, idx, share)).getMessage());
        // the message names the call that was made
        assertEquals("attribute(float[], int, ...) needs a MEAN estimator, but this detector wraps a LINEAR",
                assertThrows(IllegalArgumentException.class,
                        () -> linDet.attribute(new float[3], 1, idx, share)).getMessage());
    }

    @Test
    void theThresholdRefusesToDecideANaNOrNegativeScoreAsItRefusesToObserveOne() {
        AdaptiveThreshold th = AdaptiveThreshold.builder().warmup(32).build();
        for (int i = 0; i < 100; i++) {
            th.observe(i % 10);
        }
        assertEquals(Decision.BENIGN, th.decide(1));
        assertEquals("score must be >= 0 and not NaN: NaN", assertThrows(IllegalArgumentException.class,
                () -> th.decide(Double.NaN)).getMessage());
        assertEquals("score must be >= 0 and not NaN: -1.0", assertThrows(IllegalArgumentException.class,
                () -> th.decide(-1)).getMessage());
        assertEquals(Decision.ANOMALY, th.decide(Double.POSITIVE_INFINITY));
    }
}
