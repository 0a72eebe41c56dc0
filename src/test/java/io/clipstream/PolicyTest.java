package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PolicyTest {

    @Test
    void halfLifeHalvesThePastInTheGivenSamples() {
        double eta = StepSize.halfLife(300).eta(0);
        assertEquals(0.5, Math.pow(1 - eta, 300), 1e-12);
        assertEquals(eta, StepSize.halfLife(300).eta(1_000_000));
    }

    @Test
    void horizonAndInverseTime() {
        assertEquals(0.5 * Math.pow(10_000, -0.5), StepSize.horizon(0.5, 0.5, 10_000).eta(7));
        assertEquals(1.0 / 11, StepSize.inverseTime(1, 1).eta(10));
        assertEquals(2.0 / 15, StepSize.inverseTime(2, 5).eta(10));
    }

    @Test
    void doublingRunsEpochsOfDoublingLength() {
        StepSize.Doubling d = (StepSize.Doubling) StepSize.doubling(1, 0.5, 10);
        // epochs: [0,10) length 10, [10,30) length 20, [30,70) length 40, ...
        assertEquals(10, d.epochLength(0));
        assertEquals(10, d.epochLength(9));
        assertEquals(20, d.epochLength(10));
        assertEquals(20, d.epochLength(29));
        assertEquals(40, d.epochLength(30));
        assertEquals(30, d.nextEpochStart(10));
        assertEquals(70, d.nextEpochStart(30));
        assertEquals(Math.pow(20, -0.5), d.eta(15));
        assertTrue(d.epochLength(Long.MAX_VALUE - 1) > 0, "no overflow at the end of the long range");
        assertEquals(Long.MAX_VALUE, d.nextEpochStart(Long.MAX_VALUE - 1));
    }

    @Test
    void scheduleCachesEtaAndRecomputesAtEpochBoundaries() {
        Schedule s = new Schedule(StepSize.doubling(1, 1, 2), 0);
        float[] seen = new float[8];
        for (int t = 0; t < 8; t++) {
            seen[t] = s.eta();
            s.advance();
        }
        assertEquals(0.5f, seen[0]);
        assertEquals(0.5f, seen[1]);
        assertEquals(0.25f, seen[2]);
        assertEquals(0.25f, seen[5]);
        assertEquals(0.125f, seen[6]);
        assertEquals(8, s.time());
    }

    @Test
    void medianTrackerSettlesAtTheMedianAndIgnoresTheSizeOfOutliers() {
        SplittableRandom r = new SplittableRandom(1);
        MedianTracker clean = new MedianTracker(0.5, 0.05);
        MedianTracker corrupted = new MedianTracker(0.5, 0.05);
        double sumClean = 0;
        double sumCorrupted = 0;
        for (int i = 0; i < 40_000; i++) {
            double v = 1 + r.nextDouble(); // uniform on [1, 2): median 1.5
            clean.observe(v);
            corrupted.observe(r.nextDouble() < 0.2 ? 1e12 : v);
            if (i >= 20_000) {
                sumClean += clean.value();
                sumCorrupted += corrupted.value();
            }
        }
        assertEquals(1.5, sumClean / 20_000, 0.02);
        // 20% far outliers move it to the 0.5/0.8 = 0.625 quantile of the inliers (1.625), whatever their size
        assertEquals(1.625, sumCorrupted / 20_000, 0.03);
    }

    @Test
    void rollingQuantileIsExactOverTheWindow() {
        ClipTracker.RollingClip clip = new ClipTracker.RollingClip(new ClipPolicy.RollingQuantile(0.5, 64));
        assertEquals(Float.POSITIVE_INFINITY, clip.level(), "no clipping before the first norm");
        SplittableRandom r = new SplittableRandom(2);
        float[] last = new float[64];
        for (int i = 0; i < 1000; i++) {
            float v = (float) r.nextDouble();
            clip.observe(v);
            last[i % 64] = v;
        }
        // the level is recomputed every 4 samples: 1000 is a multiple, so it reflects exactly the last 64
        float[] sorted = last.clone();
        Arrays.sort(sorted);
        assertEquals(sorted[31], clip.level());
    }

    @Test
    void selectFindsEveryOrderStatistic() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n = 1; n < 60; n++) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = r.nextInt(10);
            }
            float[] sorted = values.clone();
            Arrays.sort(sorted);
            for (int k = 0; k < n; k++) {
                assertEquals(sorted[k], ClipTracker.RollingClip.select(values.clone(), n, k), "n=" + n + " k=" + k);
            }
        }
    }
}
