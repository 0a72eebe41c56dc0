package io.clipstream.synthetic;

import io.clipstream.Task;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A seeded synthetic stream for tests, experiments and the demo: heavy-tailed inliers, an epsilon-fraction of
 * corruptions, slow drift and abrupt change points, in any dimension, for the mean, linear, logistic and softmax
 * tasks. The same seed and settings give the same stream on every machine.
 *
 * <h2>Model</h2>
 * The ground truth {@code theta*_t} ({@link #truth}) starts at a random point of norm {@code offset}, moves by
 * {@code drift} per sample along a unit direction (redrawn at every change point) and jumps by {@code jump} in a
 * random direction at every change point.
 * <ul>
 *   <li>{@link Task#MEAN}: {@code x = theta* + noise}.</li>
 *   <li>{@link Task#LINEAR}: features {@code x = noise / scale} (unit scale), label {@code y = w* . x + e}, with
 *       {@code e} a one-dimensional draw of the same tail at scale {@code scale}.</li>
 *   <li>{@link Task#LOGISTIC}: features as for linear, label 1 with probability {@code sigmoid(w* . x)}.</li>
 *   <li>{@link Task#SOFTMAX}: features as for linear, class drawn from {@code softmax(W* x)}; the truth is
 *       {@code classes x dimension}, row-major.</li>
 * </ul>
 * Noise is elliptical (one heavy-tailed radius per sample) so that the norms the estimator sees are
 * heavy-tailed, not only the coordinates; {@code E ||noise||^2 = scale^2 d} for every tail.
 * <ul>
 *   <li>{@link Tail#GAUSSIAN}: {@code N(0, scale^2 I)}.</li>
 *   <li>{@link Tail#STUDENT_T}: multivariate t with {@code nu = tailIndex} degrees of freedom (finite variance
 *       needs {@code nu > 2}), scaled to the same covariance.</li>
 *   <li>{@link Tail#PARETO}: a uniformly random direction times a Pareto radius with shape
 *       {@code alpha = tailIndex} (finite variance needs {@code alpha > 2}).</li>
 * </ul>
 * A corruption replaces the sample with probability {@code corruption}:
 * <ul>
 *   <li>{@link Corruption#FAR_FIXED}: {@code theta* + distance u0}, one fixed unit direction {@code u0};</li>
 *   <li>{@link Corruption#FAR_RANDOM}: {@code theta* + distance u}, a fresh random direction each time;</li>
 *   <li>{@link Corruption#ADVERSARIAL}: a fixed direction at a moderate distance, {@code 4 scale sqrt(d)} unless
 *       set: far enough to pull, close enough not to look extreme, always the same way so the pulls add up.</li>
 * </ul>
 * Corruptions can mix two severities ({@link Builder#nearCorruptions}): a share of them sits at a second, nearer
 * distance in the same placement (subtle anomalies among loud ones).
 * For the regression tasks a corruption moves the features the same way and replaces the label: by
 * {@code w* . x + distance} (linear), by the label the model finds least likely (logistic, softmax).
 *
 * <p>Not thread-safe. Each call of {@link #next} fills a caller buffer; nothing is allocated per sample.
 */
public final class SyntheticStream {

    /** Inlier noise distribution. */
    public enum Tail { GAUSSIAN, STUDENT_T, PARETO }

    /** How corruptions are placed. */
    public enum Corruption { FAR_FIXED, FAR_RANDOM, ADVERSARIAL }

    private final Task task;
    private final int dimension;
    private final int classes;
    private final Tail tail;
    private final double tailIndex;
    private final double scale;
    private final double corruptionFraction;
    private final Corruption corruption;
    private final double corruptionDistance;
    private final double corruptionSpread;
    private final double nearShare;
    private final double nearDistance;
    private final double drift;
    private final double jump;
    private final long[] changePoints;
    private final SplittableRandom random;

    private final double[] truth;
    private final double[] driftDirection;
    private final double[] jumpDirection;
    private final double[] corruptionDirection;
    private final double[] noise;
    private final double[] logits;

    private long index;
    private int nextChange;
    private boolean lastCorrupted;
    private boolean lastNear;
    private boolean lastChangePoint;
    private float label;
    private int classLabel;

    private SyntheticStream(Builder b) {
        this.task = b.task;
        this.dimension = b.dimension;
        this.classes = b.task == Task.SOFTMAX ? b.classes : 1;
        this.tail = b.tail;
        this.tailIndex = b.tailIndex;
        this.scale = b.scale;
        this.corruptionFraction = b.corruptionFraction;
        this.corruption = b.corruption;
        this.corruptionSpread = b.corruptionSpread;
        this.nearShare = b.nearShare;
        this.nearDistance = b.nearDistance;
        this.drift = b.drift;
        this.jump = b.jump;
        this.changePoints = b.changePoints.clone();
        Arrays.sort(this.changePoints);
        this.random = new SplittableRandom(b.seed);
        double defaultDistance = b.corruption == Corruption.ADVERSARIAL ? 4 : 100;
        double typical = task == Task.MEAN ? scale * Math.sqrt(dimension) : Math.sqrt(dimension);
        this.corruptionDistance = Double.isNaN(b.corruptionDistance) ? defaultDistance * typical
                : b.corruptionDistance;
        int size = classes * dimension;
        this.truth = new double[size];
        this.driftDirection = new double[size];
        this.jumpDirection = new double[size];
        this.corruptionDirection = new double[dimension];
        this.noise = new double[dimension];
        this.logits = new double[classes];
        randomUnit(truth);
        double start = Double.isNaN(b.offset) ? (task == Task.MEAN ? 10 * scale * Math.sqrt(dimension) : 1) : b.offset;
        for (int i = 0; i < size; i++) {
            truth[i] *= start;
        }
        randomUnit(driftDirection);
        randomUnit(corruptionDirection);
    }

    /** A builder for a stream of the given task and dimension. */
    public static Builder builder(Task task, int dimension) {
        return new Builder(task, dimension);
    }

    /**
     * Draws the next sample into {@code x[0..dimension)}.
     *
     * @return whether the sample is a corruption
     * @throws IllegalArgumentException if {@code x} is shorter than the dimension
     */
    public boolean next(float[] x) {
        return next(x, 0);
    }

    /**
     * Draws the next sample into {@code x[offset..offset+dimension)}.
     *
     * @return whether the sample is a corruption
     * @throws IllegalArgumentException if the range does not fit in {@code x}
     */
    public boolean next(float[] x, int offset) {
        Objects.requireNonNull(x, "x");
        if (offset < 0 || x.length - offset < dimension) {
            throw new IllegalArgumentException("x must hold " + dimension + " values from offset " + offset
                    + " but has length " + x.length);
        }
        lastChangePoint = false;
        while (nextChange < changePoints.length && changePoints[nextChange] == index) {
            changePoint();
            nextChange++;
        }
        if (drift != 0) {
            for (int i = 0; i < truth.length; i++) {
                truth[i] += drift * driftDirection[i];
            }
        }
        lastNear = false;
        lastCorrupted = corruptionFraction > 0 && random.nextDouble() < corruptionFraction;
        drawNoise();
        switch (task) {
            case MEAN -> mean(x, offset);
            case LINEAR -> linear(x, offset);
            case LOGISTIC -> logistic(x, offset);
            case SOFTMAX -> softmax(x, offset);
            case CUSTOM -> throw new IllegalStateException("unreachable: CUSTOM is rejected by the builder");
        }
        index++;
        return lastCorrupted;
    }

    /**
     * This corruption's distance: the configured one (or, for a {@code nearShare} of corruptions, the near one),
     * scaled by {@code 1 + spread (2U - 1)}.
     */
    private double distance() {
        lastNear = nearShare > 0 && random.nextDouble() < nearShare;
        double base = lastNear ? nearDistance : corruptionDistance;
        return corruptionSpread == 0 ? base : base * (1 + corruptionSpread * (2 * random.nextDouble() - 1));
    }

    private void mean(float[] x, int offset) {
        if (lastCorrupted) {
            double[] u = corruptionUnit();
            double distance = distance();
            for (int i = 0; i < dimension; i++) {
                x[offset + i] = (float) (truth[i] + distance * u[i]);
            }
        } else {
            for (int i = 0; i < dimension; i++) {
                x[offset + i] = (float) (truth[i] + noise[i]);
            }
        }
    }

    /** Features: unit-scale heavy-tailed draws; on a corruption moved far along the corruption direction. */
    private void features(float[] x, int offset) {
        double[] u = lastCorrupted ? corruptionUnit() : null;
        double distance = u == null ? 0 : distance();
        for (int i = 0; i < dimension; i++) {
            double v = noise[i] / scale;
            if (u != null) {
                v += distance * u[i];
            }
            x[offset + i] = (float) v;
        }
    }

    private double margin(float[] x, int offset, int row) {
        double m = 0;
        for (int i = 0; i < dimension; i++) {
            m += truth[row * dimension + i] * x[offset + i];
        }
        return m;
    }

    private void linear(float[] x, int offset) {
        features(x, offset);
        double m = margin(x, offset, 0);
        label = (float) (lastCorrupted ? m + corruptionDistance : m + scale * scalarNoise());
    }

    private void logistic(float[] x, int offset) {
        features(x, offset);
        double p = 1 / (1 + Math.exp(-margin(x, offset, 0)));
        if (lastCorrupted) {
            label = p >= 0.5 ? 0f : 1f;
        } else {
            label = random.nextDouble() < p ? 1f : 0f;
        }
    }

    private void softmax(float[] x, int offset) {
        features(x, offset);
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            logits[k] = margin(x, offset, k);
            max = Math.max(max, logits[k]);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            logits[k] = Math.exp(logits[k] - max);
            sum += logits[k];
        }
        if (lastCorrupted) {
            int least = 0;
            for (int k = 1; k < classes; k++) {
                if (logits[k] < logits[least]) {
                    least = k;
                }
            }
            classLabel = least;
        } else {
            double u = random.nextDouble() * sum;
            int k = 0;
            while (k < classes - 1 && (u -= logits[k]) > 0) {
                k++;
            }
            classLabel = k;
        }
        label = classLabel;
    }

    private double[] corruptionUnit() {
        if (corruption == Corruption.FAR_RANDOM) {
            randomUnit(noise);
            return noise;
        }
        return corruptionDirection;
    }

    private void changePoint() {
        lastChangePoint = true;
        randomUnit(driftDirection);
        if (jump != 0) {
            randomUnit(jumpDirection);
            for (int i = 0; i < truth.length; i++) {
                truth[i] += jump * jumpDirection[i];
            }
        }
    }

    /** Fills {@link #noise} with one draw of the inlier noise: {@code E ||noise||^2 = scale^2 d}. */
    private void drawNoise() {
        switch (tail) {
            case GAUSSIAN -> {
                for (int i = 0; i < dimension; i++) {
                    noise[i] = scale * gaussian();
                }
            }
            case STUDENT_T -> {
                double nu = tailIndex;
                double w = Math.sqrt(nu / chiSquare(nu)) * Math.sqrt((nu - 2) / nu) * scale;
                for (int i = 0; i < dimension; i++) {
                    noise[i] = w * gaussian();
                }
            }
            case PARETO -> {
                double alpha = tailIndex;
                double xm = scale * Math.sqrt(dimension * (alpha - 2) / alpha);
                double radius = xm / Math.pow(1 - random.nextDouble(), 1 / alpha);
                randomUnit(noise);
                for (int i = 0; i < dimension; i++) {
                    noise[i] *= radius;
                }
            }
        }
    }

    /** One unit-variance draw of the tail, for scalar label noise. */
    private double scalarNoise() {
        return switch (tail) {
            case GAUSSIAN -> gaussian();
            case STUDENT_T -> gaussian() * Math.sqrt(tailIndex / chiSquare(tailIndex)) * Math.sqrt((tailIndex - 2) / tailIndex);
            case PARETO -> (random.nextBoolean() ? 1 : -1) * Math.sqrt((tailIndex - 2) / tailIndex)
                    / Math.pow(1 - random.nextDouble(), 1 / tailIndex);
        };
    }

    private void randomUnit(double[] v) {
        double norm;
        do {
            norm = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = gaussian();
                norm += v[i] * v[i];
            }
        } while (norm == 0);
        double inv = 1 / Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
    }

    private double gaussian() {
        // Marsaglia polar method without caching the second value, so the stream is a pure function of the seed
        double u;
        double v;
        double s;
        do {
            u = 2 * random.nextDouble() - 1;
            v = 2 * random.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    /** Chi-square with {@code k} (real) degrees of freedom: Gamma(k/2, 2), Marsaglia and Tsang. */
    private double chiSquare(double k) {
        double shape = k / 2;
        double boost = 1;
        if (shape < 1) {
            boost = Math.pow(random.nextDouble(), 1 / shape);
            shape += 1;
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z;
            double v;
            do {
                z = gaussian();
                v = 1 + c * z;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * z * z * z * z || Math.log(u) < 0.5 * z * z + d * (1 - v + Math.log(v))) {
                return 2 * d * v * boost;
            }
        }
    }

    /** Copies the current ground truth ({@code classes x dimension} for softmax) into {@code dst}. */
    public void truth(float[] dst) {
        if (dst.length < truth.length) {
            throw new IllegalArgumentException("dst must hold " + truth.length + " values but has length " + dst.length);
        }
        for (int i = 0; i < truth.length; i++) {
            dst[i] = (float) truth[i];
        }
    }

    /** The label of the last sample: y for linear, 0 or 1 for logistic, the class for softmax, 0 for mean. */
    public float label() {
        return label;
    }

    /** The class of the last sample (softmax), or the logistic label as 0/1. */
    public int classLabel() {
        return task == Task.SOFTMAX ? classLabel : (int) label;
    }

    /** Whether the last sample was a corruption. */
    public boolean lastCorrupted() {
        return lastCorrupted;
    }

    /** Whether the last sample was a corruption placed at the near distance ({@link Builder#nearCorruptions}). */
    public boolean lastNear() {
        return lastNear;
    }

    /** Whether a change point happened just before the last sample. */
    public boolean lastWasChangePoint() {
        return lastChangePoint;
    }

    /** How many samples have been drawn. */
    public long index() {
        return index;
    }

    /** The sample dimension. */
    public int dimension() {
        return dimension;
    }

    /** The number of classes (1 unless softmax). */
    public int classes() {
        return classes;
    }

    /** The task. */
    public Task task() {
        return task;
    }

    /** The inlier noise scale. */
    public double scale() {
        return scale;
    }

    /**
     * A stream of clean samples (no corruption, drift or change points) from this stream's current truth, with
     * its own seed: held-out data for evaluating a model at the end of a run.
     */
    public SyntheticStream cleanCopy(long seed) {
        Builder b = builder(task, dimension).scale(scale).seed(seed);
        if (task == Task.SOFTMAX) {
            b.classes(classes);
        }
        if (tail != Tail.GAUSSIAN) {
            b.tail(tail, tailIndex);
        }
        SyntheticStream copy = b.build();
        System.arraycopy(truth, 0, copy.truth, 0, truth.length);
        return copy;
    }

    /** The distance of corruptions from the truth. */
    public double corruptionDistance() {
        return corruptionDistance;
    }

    /** Settings for a {@link SyntheticStream}; every setter validates eagerly. */
    public static final class Builder {
        private final Task task;
        private final int dimension;
        private int classes = 2;
        private Tail tail = Tail.GAUSSIAN;
        private double tailIndex = 3;
        private double scale = 1;
        private double corruptionFraction;
        private Corruption corruption = Corruption.FAR_FIXED;
        private double corruptionDistance = Double.NaN;
        private double corruptionSpread;
        private double nearShare;
        private double nearDistance;
        private double drift;
        private double jump;
        private double offset = Double.NaN;
        private long[] changePoints = new long[0];
        private long seed = 1;

        private Builder(Task task, int dimension) {
            this.task = Objects.requireNonNull(task, "task");
            if (task == Task.CUSTOM) {
                throw new IllegalArgumentException("synthetic streams cover MEAN, LINEAR, LOGISTIC and SOFTMAX, not CUSTOM");
            }
            if (dimension <= 0) {
                throw new IllegalArgumentException("dimension must be > 0: " + dimension);
            }
            this.dimension = dimension;
        }

        /** Number of classes for {@link Task#SOFTMAX} (at least 2). */
        public Builder classes(int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("classes must be >= 2: " + classes);
            }
            this.classes = classes;
            return this;
        }

        /**
         * Inlier tail and its index ({@code nu} for Student-t, {@code alpha} for Pareto; ignored for Gaussian).
         *
         * @throws IllegalArgumentException if the index is not above 2 (the variance would be infinite)
         */
        public Builder tail(Tail tail, double index) {
            this.tail = Objects.requireNonNull(tail, "tail");
            if (tail != Tail.GAUSSIAN && !(index > 2 && Double.isFinite(index))) {
                throw new IllegalArgumentException("tail index must be > 2 for a finite variance: " + index);
            }
            this.tailIndex = index;
            return this;
        }

        /** Per-coordinate noise scale (standard deviation), > 0. */
        public Builder scale(double scale) {
            if (!(scale > 0 && Double.isFinite(scale))) {
                throw new IllegalArgumentException("scale must be finite and > 0: " + scale);
            }
            this.scale = scale;
            return this;
        }

        /** Fraction of corrupted samples in [0, 1) and how they are placed. */
        public Builder corruption(double fraction, Corruption kind) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("corruption fraction must be in [0, 1): " + fraction);
            }
            this.corruptionFraction = fraction;
            this.corruption = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /** Distance of corruptions from the truth (default 100 scale sqrt(d), or 4 scale sqrt(d) when adversarial). */
        public Builder corruptionDistance(double distance) {
            if (!(distance > 0 && Double.isFinite(distance))) {
                throw new IllegalArgumentException("corruption distance must be finite and > 0: " + distance);
            }
            this.corruptionDistance = distance;
            return this;
        }

        /**
         * Varies each corruption's distance uniformly by {@code +-spread} of its value (default 0: all at the same
         * distance), for anomalies of varying severity.
         *
         * @throws IllegalArgumentException if {@code spread} is outside [0, 1)
         */
        public Builder corruptionSpread(double spread) {
            if (!(spread >= 0 && spread < 1)) {
                throw new IllegalArgumentException("corruption spread must be in [0, 1): " + spread);
            }
            this.corruptionSpread = spread;
            return this;
        }

        /**
         * Mixed severities: a {@code share} of the corruptions is placed at {@code distance} instead of the
         * corruption distance (same kind and spread), e.g. subtle anomalies among loud ones in the same direction.
         *
         * @throws IllegalArgumentException if {@code share} is outside [0, 1] or {@code distance} is not finite and
         *     positive
         */
        public Builder nearCorruptions(double share, double distance) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("near-corruption share must be in [0, 1]: " + share);
            }
            if (!(distance > 0 && Double.isFinite(distance))) {
                throw new IllegalArgumentException("near-corruption distance must be finite and > 0: " + distance);
            }
            this.nearShare = share;
            this.nearDistance = distance;
            return this;
        }

        /** Drift of the truth per sample (in norm), >= 0. */
        public Builder drift(double perSample) {
            if (!(perSample >= 0 && Double.isFinite(perSample))) {
                throw new IllegalArgumentException("drift must be finite and >= 0: " + perSample);
            }
            this.drift = perSample;
            return this;
        }

        /** Abrupt changes: before each listed sample index the truth jumps by {@code size} (in norm). */
        public Builder changePoints(double size, long... at) {
            if (!(size >= 0 && Double.isFinite(size))) {
                throw new IllegalArgumentException("jump size must be finite and >= 0: " + size);
            }
            for (long t : at) {
                if (t < 0) {
                    throw new IllegalArgumentException("change point must be >= 0: " + t);
                }
            }
            this.jump = size;
            this.changePoints = at.clone();
            return this;
        }

        /** Norm of the initial truth (default 10 scale sqrt(d) for the mean, 1 for models). */
        public Builder offset(double norm) {
            if (!(norm >= 0 && Double.isFinite(norm))) {
                throw new IllegalArgumentException("offset must be finite and >= 0: " + norm);
            }
            this.offset = norm;
            return this;
        }

        /** Random seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Builds the stream. */
        public SyntheticStream build() {
            return new SyntheticStream(this);
        }
    }
}
