package io.clipstream.bench;

import io.clipstream.Task;
import io.clipstream.experiments.Demo;
import io.clipstream.synthetic.SyntheticStream;
import io.clipstream.synthetic.SyntheticStream.Corruption;
import io.clipstream.synthetic.SyntheticStream.Tail;

/**
 * A pre-generated copy of one of the demo's anomaly streams at any dimension and length, so that clipstream and its
 * peers read exactly the same samples and generation stays out of every timed region. {@link Scenario#FAR_ONLY}
 * (the default here, and the stream every published comparison figure used: {@link Demo.Settings#farOnly()}):
 * Student-t(3) elliptical noise of unit scale per coordinate (noise radius {@code sqrt(d)}), 5% anomalies at 10
 * radii +-50% in one fixed direction, drift of 2e-5 radii per sample, jumps of 10 radii at 35% and 70% of the
 * stream (the demo's 70,000 and 140,000 of 200,000), seed 7 unless given. {@link Scenario#MASKING} is the demo's
 * default ({@link Demo.Settings#defaults()}): 4% anomalies in one direction, half loud (200 radii), half subtle
 * (5 radii). The scenario is named, never "whatever the demo's default is today": a change of the demo once
 * turned this comparison into a stream of 200-radius anomalies without anyone asking for it.
 *
 * <p>{@link #stationary} is the same stream without drift and change points (for allocation measurements: a change
 * event of the detector allocates).
 *
 * @param dimension sample dimension
 * @param samples number of samples
 * @param data the samples, row-major ({@code samples x dimension})
 * @param anomaly whether each sample is an anomaly (the stream's ground truth)
 */
record DetectionStream(int dimension, int samples, float[] data, boolean[] anomaly) {

    /** Which of the demo's scenarios. */
    enum Scenario {
        /** 5% anomalies at 10 radii: {@link Demo.Settings#farOnly()}. */
        FAR_ONLY,
        /** Half loud, half subtle anomalies, masking for unclipped estimates: {@link Demo.Settings#defaults()}. */
        MASKING;

        Demo.Settings settings() {
            return this == FAR_ONLY ? Demo.Settings.farOnly() : Demo.Settings.defaults();
        }
    }

    /** The far-only stream with the demo's seed. */
    static DetectionStream demo(int dimension, int samples) {
        return demo(dimension, samples, Demo.Settings.farOnly().seed());
    }

    /** The far-only stream, change points scaled to {@code samples}. */
    static DetectionStream demo(int dimension, int samples, long seed) {
        return demo(Scenario.FAR_ONLY, dimension, samples, seed);
    }

    /** The scenario's stream, change points scaled to {@code samples}. */
    static DetectionStream demo(Scenario scenario, int dimension, int samples, long seed) {
        Demo.Settings s = scenario.settings();
        long[] changePoints = new long[s.changePoints().length];
        for (int i = 0; i < changePoints.length; i++) {
            changePoints[i] = Math.round((double) s.changePoints()[i] * samples / s.samples());
        }
        return generate(s, dimension, samples, seed, s.driftPerSample(), changePoints);
    }

    /** The far-only stream without drift or change points. */
    static DetectionStream stationary(int dimension, int samples, long seed) {
        return generate(Demo.Settings.farOnly(), dimension, samples, seed, 0, new long[0]);
    }

    private static DetectionStream generate(Demo.Settings s, int d, int n, long seed, double drift,
                                            long[] changePoints) {
        double radius = Math.sqrt(d);
        // the same builder calls as Demo.run
        SyntheticStream.Builder builder = SyntheticStream.builder(Task.MEAN, d).tail(Tail.STUDENT_T, 3)
                .corruption(s.anomalyFraction(), Corruption.FAR_FIXED)
                .corruptionDistance(s.anomalyDistance() * radius).corruptionSpread(0.5)
                .drift(drift * radius).changePoints(s.jump() * radius, changePoints)
                .offset(0).seed(seed);
        if (s.subtleShare() > 0) {
            builder.nearCorruptions(s.subtleShare(), s.subtleDistance() * radius);
        }
        SyntheticStream stream = builder.build();
        float[] data = new float[Math.multiplyExact(n, d)];
        boolean[] anomaly = new boolean[n];
        for (int t = 0; t < n; t++) {
            anomaly[t] = stream.next(data, t * d);
        }
        return new DetectionStream(d, n, data, anomaly);
    }

    /** Copies sample {@code t} into {@code x}. */
    void copy(int t, float[] x) {
        System.arraycopy(data, t * dimension, x, 0, dimension);
    }

    /** Copies sample {@code t} into {@code x}, widened to double. */
    void copy(int t, double[] x) {
        int base = t * dimension;
        for (int i = 0; i < dimension; i++) {
            x[i] = data[base + i];
        }
    }

    /** Number of anomalies. */
    int anomalies() {
        int n = 0;
        for (boolean a : anomaly) {
            n += a ? 1 : 0;
        }
        return n;
    }
}
