package io.clipstream.flink.example;

import java.util.SplittableRandom;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Synthetic host metrics for the example job: {@code hosts} hosts, {@code dimension} normalised metrics each
 * around a per-host baseline with heavy-tailed (Student-t, 3 degrees of freedom) noise; 0.3% of events are anomalous (three
 * metrics jump by 15 noise units); the first quarter of the hosts move their baseline by 4 half-way through (a deploy),
 * which the change test reports; one event in 20,000 carries a NaN (a broken agent), which is rejected and set
 * aside. Deterministic in {@code seq}, so a replay after a failure generates the same events.
 */
public final class HostMetricsGenerator implements GeneratorFunction<Long, HostMetrics> {

    private static final long serialVersionUID = 1L;

    private final int hosts;
    private final int dimension;
    private final long events;

    public HostMetricsGenerator(int hosts, int dimension, long events) {
        this.hosts = hosts;
        this.dimension = dimension;
        this.events = events;
    }

    @Override
    public HostMetrics map(Long value) {
        long seq = value;
        int host = (int) (seq % hosts);
        SplittableRandom random = new SplittableRandom(0x5EEDL * 1_000_003L + seq);
        boolean injected = random.nextDouble() < 0.003;
        boolean deployed = host < hosts / 4 && seq >= events / 2;
        float[] x = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            double baseline = 0.5 * (host % 3) + 0.1 * i + (deployed ? 4 : 0);
            x[i] = (float) (baseline + studentT3(random) + (injected && i % 5 == 0 ? 15 : 0));
        }
        if (random.nextDouble() < 1.0 / 20_000) {
            x[random.nextInt(dimension)] = Float.NaN;
        }
        return new HostMetrics("host-" + host, seq, x, injected);
    }

    private static double studentT3(SplittableRandom r) {
        double z = gaussian(r);
        double chi = 0;
        for (int k = 0; k < 3; k++) {
            double g = gaussian(r);
            chi += g * g;
        }
        return z / Math.sqrt(chi / 3);
    }

    private static double gaussian(SplittableRandom r) {
        double u = Math.max(r.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
