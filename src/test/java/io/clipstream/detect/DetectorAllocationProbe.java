package io.clipstream.detect;

import io.clipstream.MeanEstimator;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

/**
 * Run in a child JVM by {@link ThresholdStateTest}: after warm-up, the bytes allocated per
 * {@link AnomalyDetector#process} with the default threshold (peaks over threshold, refits included) and with the
 * confidence sequence, on a stationary stream with 5% far samples (a change event allocates ~160 bytes: none
 * happen here). Prints {@code bytes/sample=<pot> <cs>}.
 */
public final class DetectorAllocationProbe {
    private DetectorAllocationProbe() {
    }

    public static void main(String[] args) {
        int d = 32;
        SplittableRandom r = new SplittableRandom(12);
        float[][] samples = new float[4096][d];
        for (float[] x : samples) {
            boolean far = r.nextDouble() < 0.05;
            for (int i = 0; i < d; i++) {
                x[i] = (float) (r.nextGaussian() + (far ? 8 : 0));
            }
        }
        AnomalyDetector pot = AnomalyDetector.builder(MeanEstimator.builder(d).build()).build();
        AnomalyDetector cs = AnomalyDetector.builder(MeanEstimator.builder(d).build())
                .method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE).build();
        System.out.println("bytes/sample=" + perSample(pot, samples) + " " + perSample(cs, samples));
    }

    private static double perSample(AnomalyDetector det, float[][] samples) {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        double last = Double.NaN;
        long deadline = System.nanoTime() + 60_000_000_000L;
        int below = 0;
        int k = 0;
        while (System.nanoTime() < deadline && below < 3) {
            long before = bean.getThreadAllocatedBytes(id);
            for (int i = 0; i < 200_000; i++) {
                det.process(samples[k++ & 4095]);
            }
            last = (bean.getThreadAllocatedBytes(id) - before) / 200_000.0;
            below = last < 0.01 ? below + 1 : 0;
        }
        if (det.changes() > 0) {
            throw new IllegalStateException(det.changes() + " changes on a stationary stream");
        }
        return last;
    }
}
