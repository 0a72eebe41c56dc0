package io.clipstream.flink;

import java.util.SplittableRandom;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A deterministic stream: element {@code seq} depends on {@code seq} and the seed only, so a Flink source that
 * replays from a checkpoint, and the bare-library reference that walks {@code 0 .. n-1}, see the same elements.
 * Keys are {@code seq % keys}. Features: the key's level plus Student-t(3) noise, 3% far outliers, and for even keys
 * a jump of 6 after {@code shiftAt} (so the change test fires); labels follow the task. With {@code badEvery > 0}
 * every {@code badEvery}-th element is bad in one of several ways (NaN, infinity, wrong length, null features,
 * a label that is not a whole number or out of range).
 */
public final class SampleGenerator implements GeneratorFunction<Long, Sample> {

    private static final long serialVersionUID = 1L;

    final int keys;
    final int dimension;
    final long seed;
    final long shiftAt;
    final int badEvery;
    final boolean classLabels;

    SampleGenerator(int keys, int dimension, long seed, long shiftAt, int badEvery, boolean classLabels) {
        this.keys = keys;
        this.dimension = dimension;
        this.seed = seed;
        this.shiftAt = shiftAt;
        this.badEvery = badEvery;
        this.classLabels = classLabels;
    }

    static SampleGenerator clean(int keys, int dimension, long seed, long shiftAt) {
        return new SampleGenerator(keys, dimension, seed, shiftAt, 0, false);
    }

    @Override
    public Sample map(Long value) {
        return sample(value);
    }

    Sample sample(long seq) {
        long key = seq % keys;
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + seq);
        double level = key + (seq >= shiftAt && key % 2 == 0 ? 6 : 0);
        boolean outlier = random.nextDouble() < 0.03;
        float[] x = new float[dimension];
        double dot = 0;
        for (int i = 0; i < dimension; i++) {
            x[i] = (float) (level + studentT3(random) + (outlier ? 40 : 0));
            dot += x[i] * (i % 2 == 0 ? 0.5 : -0.25);
        }
        double label = classLabels ? (dot + random.nextGaussian() > 0 ? 1 : 0) : dot + random.nextGaussian();
        if (badEvery > 0 && seq % badEvery == badEvery - 1) {
            switch ((int) ((seq / badEvery) % 6)) {
                case 0 -> x[(int) (seq % dimension)] = Float.NaN;
                case 1 -> x[0] = Float.POSITIVE_INFINITY;
                case 2 -> x = new float[dimension + 1];
                case 3 -> x = null;
                case 4 -> label = classLabels ? 0.5 : Double.NaN;
                default -> label = classLabels ? 7 : Double.POSITIVE_INFINITY;
            }
        }
        return new Sample(key, seq, x, label);
    }

    /** Whether {@code sample(seq)} is one of the bad ones (for a task that uses the label). */
    boolean isBad(long seq) {
        return badEvery > 0 && seq % badEvery == badEvery - 1;
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
