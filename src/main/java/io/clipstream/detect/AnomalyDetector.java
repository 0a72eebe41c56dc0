package io.clipstream.detect;

import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.Task;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Turns an estimator's scores into decisions whose threshold follows drift. Per sample: score it against the
 * current estimate, decide against the {@link AdaptiveThreshold} (ANOMALY / BENIGN / ABSTAIN, with the threshold;
 * by default peaks over threshold, which can flag from the 501st sample on and abstains only while it calibrates:
 * its first 500 samples, and 500 after an upward change),
 * record the score (running the change test), then update the estimator, unless the sample was decided an anomaly
 * and {@link Builder#skipUpdateOnAnomaly(boolean)} is on. Updating on every sample is the default: clipping
 * already caps what one sample can do to the estimate, and skipping can freeze the estimate after an abrupt change
 * whose samples all look anomalous at first.
 *
 * <pre>{@code
 * AnomalyDetector detector = AnomalyDetector.builder(MeanEstimator.builder(64).build()).quantile(0.99).build();
 * Outcome o = detector.process(sample);
 * if (o.decision() == Decision.ANOMALY) { alert(o.score(), o.upper()); }
 * }</pre>
 *
 * <p>Scores by task: the distance to the estimate (mean), the absolute residual (linear), the log loss (logistic,
 * softmax). Bad input throws the estimator's {@link IllegalArgumentException} and changes nothing in the detector
 * apart from the estimator's {@link Estimator#rejectedCount()}, which counts it once with or without
 * {@link Builder#skipUpdateOnAnomaly(boolean)}. Allocation-free per sample after warm-up (a change event allocates
 * ~160 bytes). Not thread-safe: one writer.
 */
public final class AnomalyDetector {

    private final Estimator estimator;
    private final AdaptiveThreshold threshold;
    private final boolean skipUpdateOnAnomaly;
    private final Outcome outcome = new Outcome();
    private final float[] parameters;
    private long processed;
    private long anomalies;
    private long benign;
    private long abstained;

    private AnomalyDetector(Builder b) {
        this(b.estimator, b.threshold.build(), b.skipUpdateOnAnomaly);
    }

    private AnomalyDetector(Estimator estimator, AdaptiveThreshold threshold, boolean skipUpdateOnAnomaly) {
        this.estimator = estimator;
        this.threshold = threshold;
        this.skipUpdateOnAnomaly = skipUpdateOnAnomaly;
        this.parameters = new float[estimator.parameterCount()];
    }

    /** A builder for a detector around {@code estimator} (which it then owns: do not update it elsewhere). */
    public static Builder builder(Estimator estimator) {
        return new Builder(estimator);
    }

    // ------------------------------------------------------------------ processing

    /**
     * Processes one sample of a mean estimator.
     *
     * @throws IllegalArgumentException if the estimator is not a mean estimator, or the sample is bad
     */
    public Outcome process(float[] x) {
        MeanEstimator m = mean();
        if (!skipUpdateOnAnomaly) {
            return finish(m.update(x), true);
        }
        double score;
        try {
            score = m.score(x);
        } catch (IllegalArgumentException e) {
            throw refused(e);
        }
        boolean update = threshold.decide(score) != Decision.ANOMALY;
        if (update) {
            m.update(x);
        }
        return finish(score, update);
    }

    /** As {@link #process(float[])} with the sample at element {@code index} of {@code x}. */
    public Outcome process(MemorySegment x, long index) {
        MeanEstimator m = mean();
        if (!skipUpdateOnAnomaly) {
            return finish(m.update(x, index), true);
        }
        double score;
        try {
            score = m.score(x, index);
        } catch (IllegalArgumentException e) {
            throw refused(e);
        }
        boolean update = threshold.decide(score) != Decision.ANOMALY;
        if (update) {
            m.update(x, index);
        }
        return finish(score, update);
    }

    /**
     * Processes one labelled sample of a linear regression.
     *
     * @throws IllegalArgumentException if the estimator is not a linear regression, or the sample is bad
     */
    public Outcome process(float[] x, float y) {
        if (!(estimator instanceof LinearRegression l)) {
            throw wrongTask("process(float[], float)", Task.LINEAR);
        }
        if (!skipUpdateOnAnomaly) {
            return finish(l.update(x, y), true);
        }
        double score;
        try {
            score = l.score(x, y);
        } catch (IllegalArgumentException e) {
            throw refused(e);
        }
        boolean update = threshold.decide(score) != Decision.ANOMALY;
        if (update) {
            l.update(x, y);
        }
        return finish(score, update);
    }

    /**
     * Processes one labelled sample of a logistic or softmax regression.
     *
     * @throws IllegalArgumentException if the estimator is not a classifier, or the sample or label is bad
     */
    public Outcome process(float[] x, int label) {
        double score;
        boolean update = true;
        switch (estimator) {
            case LogisticRegression l -> {
                if (!skipUpdateOnAnomaly) {
                    return finish(l.update(x, label), true);
                }
                try {
                    score = l.score(x, label);
                } catch (IllegalArgumentException e) {
                    throw refused(e);
                }
                update = threshold.decide(score) != Decision.ANOMALY;
                if (update) {
                    l.update(x, label);
                }
            }
            case SoftmaxRegression s -> {
                if (!skipUpdateOnAnomaly) {
                    return finish(s.update(x, label), true);
                }
                try {
                    score = s.score(x, label);
                } catch (IllegalArgumentException e) {
                    throw refused(e);
                }
                update = threshold.decide(score) != Decision.ANOMALY;
                if (update) {
                    s.update(x, label);
                }
            }
            default -> throw wrongTask("process(float[], int)", Task.LOGISTIC);
        }
        return finish(score, update);
    }

    /**
     * Cold: skipping updates on anomalies scores first, and score calls count nothing; a sample the score refused is
     * counted here, as the update would have counted it, so that the estimator's rejected count does not depend on
     * the mode.
     */
    private IllegalArgumentException refused(IllegalArgumentException e) {
        estimator.countRejected();
        return e;
    }

    private Outcome finish(double score, boolean updated) {
        Outcome o = outcome;
        o.index = processed++;
        o.score = score;
        o.lower = threshold.lower();
        o.upper = threshold.upper();
        Decision d = threshold.decide(score);
        o.decision = d;
        o.updated = updated;
        switch (d) {
            case ANOMALY -> anomalies++;
            case BENIGN -> benign++;
            case ABSTAIN -> abstained++;
        }
        o.changeDetected = threshold.observe(score);
        return o;
    }

    private MeanEstimator mean() {
        if (!(estimator instanceof MeanEstimator m)) {
            throw wrongTask("process(float[])", Task.MEAN);
        }
        return m;
    }

    private IllegalArgumentException wrongTask(String call, Task expected) {
        return new IllegalArgumentException(call + " needs a " + expected + " estimator"
                + (expected == Task.LOGISTIC ? " (or SOFTMAX)" : "") + ", but this detector wraps a "
                + estimator.task());
    }

    // ------------------------------------------------------------------ attribution

    /**
     * Which coordinates contributed most to the score of {@code x} against the current estimate, largest first:
     * for the mean, each coordinate's share of the squared distance, {@code (x_i - (1 + mu) theta_i)^2 / ||.||^2}.
     * Writes at most {@code k} entries into {@code indices} and {@code contributions}; allocation-free.
     *
     * @return the number of entries written ({@code min(k, d)})
     * @throws IllegalArgumentException if the estimator is not a mean estimator, {@code x} has the wrong length or
     *     a non-finite value, or the output arrays are shorter than {@code k}
     */
    public int attribute(float[] x, int k, int[] indices, double[] contributions) {
        if (!(estimator instanceof MeanEstimator m)) {
            throw wrongTask("attribute(float[], int, ...)", Task.MEAN);
        }
        checkAttribution(x, k, indices, contributions);
        m.estimate(parameters);
        double scale = 1 + m.config().l2();
        double total = 0;
        for (int i = 0; i < parameters.length; i++) {
            double diff = x[i] - scale * parameters[i];
            total += diff * diff;
        }
        int n = 0;
        for (int i = 0; i < parameters.length; i++) {
            double diff = x[i] - scale * parameters[i];
            n = insert(i, total > 0 ? diff * diff / total : 0, n, k, indices, contributions);
        }
        return n;
    }

    /**
     * For a linear regression: each feature's signed contribution to the prediction error,
     * {@code -sign(r) w_i x_i} with {@code r = y - w.x} (positive: the feature pushed the prediction away from
     * {@code y}); for a logistic regression with label {@code y} (0 or 1): {@code -s w_i x_i}, {@code s = +-1},
     * the evidence each feature gave against the observed label. Largest first; allocation-free.
     *
     * @return the number of entries written
     * @throws IllegalArgumentException if the estimator is not linear or logistic, or an argument is invalid (a
     *     non-finite value in {@code x} or {@code y} included)
     */
    public int attribute(float[] x, float y, int k, int[] indices, double[] contributions) {
        checkAttribution(x, k, indices, contributions);
        if (!Float.isFinite(y)) {
            throw new IllegalArgumentException("y is " + y + " (values must be finite)");
        }
        estimator.estimate(parameters);
        double sign;
        switch (estimator) {
            case LinearRegression l -> sign = Math.signum(y - l.predict(x));
            case LogisticRegression l -> {
                if (y != 0 && y != 1) {
                    throw new IllegalArgumentException("label must be 0 or 1: " + y);
                }
                sign = y == 1 ? 1 : -1;
            }
            default -> throw wrongTask("attribute(float[], float, ...)", Task.LINEAR);
        }
        int n = 0;
        for (int i = 0; i < parameters.length; i++) {
            n = insert(i, -sign * parameters[i] * (double) x[i], n, k, indices, contributions);
        }
        return n;
    }

    private void checkAttribution(float[] x, int k, int[] indices, double[] contributions) {
        if (x == null || x.length != estimator.dimension()) {
            throw new IllegalArgumentException("x must have length " + estimator.dimension());
        }
        if (k < 1 || indices == null || contributions == null || indices.length < k || contributions.length < k) {
            throw new IllegalArgumentException("k must be >= 1 and indices/contributions must hold k entries: k=" + k);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("x[" + i + "] is " + x[i] + " (values must be finite)");
            }
        }
    }

    /** Inserts (i, c) into the descending top-k lists of current size n; returns the new size. */
    private static int insert(int i, double c, int n, int k, int[] indices, double[] contributions) {
        if (n == k && !(c > contributions[k - 1])) {
            return n;
        }
        int at = Math.min(n, k - 1);
        while (at > 0 && c > contributions[at - 1]) {
            contributions[at] = contributions[at - 1];
            indices[at] = indices[at - 1];
            at--;
        }
        contributions[at] = c;
        indices[at] = i;
        return Math.min(n + 1, k);
    }

    // ------------------------------------------------------------------ snapshots

    /** Bytes "CLAD". */
    static final int SNAPSHOT_MAGIC = 0x44414C43;
    static final short SNAPSHOT_VERSION = 1;
    static final int SNAPSHOT_HEADER = 48;

    /**
     * The detector's complete state as bytes: the estimator's own snapshot, the threshold's state (whatever its
     * method, with every builder setting), the decision counters and {@code skipUpdateOnAnomaly}. Format version
     * 1, little-endian on every platform, CRC32C-checked:
     * <pre>
     * offset size  field
     *      0    4  magic "CLAD"
     *      4    2  format version (1)
     *      6    1  flags: bit 0 skipUpdateOnAnomaly
     *      7    1  zero
     *      8    8  samples processed
     *     16    8  ANOMALY decisions
     *     24    8  BENIGN decisions
     *     32    8  ABSTAIN decisions
     *     40    4  estimator snapshot length E
     *     44    4  threshold state length T
     *     48    E  the estimator's snapshot ({@link Estimator#snapshot()}, its own version and checksum)
     *   48+E    T  the threshold's state ({@link AdaptiveThreshold#state()}, its own version and checksum)
     * 48+E+T    4  CRC32C of every preceding byte
     * </pre>
     * {@link #restore(byte[])} continues bit-identically: the same scores, decisions and changes as this detector.
     * Allocates (the threshold's histograms are compressed); call it at checkpoints, not per sample.
     */
    public byte[] snapshot() {
        byte[] e = estimator.snapshot();
        byte[] t = threshold.state();
        ByteBuffer out = ByteBuffer.allocate(SNAPSHOT_HEADER + e.length + t.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(SNAPSHOT_MAGIC).putShort(SNAPSHOT_VERSION).put((byte) (skipUpdateOnAnomaly ? 1 : 0)).put((byte) 0)
                .putLong(processed).putLong(anomalies).putLong(benign).putLong(abstained)
                .putInt(e.length).putInt(t.length).put(e).put(t);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * A detector from a {@link #snapshot()}: estimator, threshold, counters and settings as they were. Everything
     * is decoded and validated before anything is built.
     *
     * @throws IllegalArgumentException if the bytes are null, truncated, corrupt (checksum), of an unknown version,
     *     or hold a field out of range (the message names it)
     */
    public static AnomalyDetector restore(byte[] snapshot) {
        if (snapshot == null) {
            throw new IllegalArgumentException("snapshot must not be null");
        }
        int length = snapshot.length;
        if (length < SNAPSHOT_HEADER + 4) {
            throw invalid("truncated: " + length + " bytes, a detector snapshot has at least "
                    + (SNAPSHOT_HEADER + 4));
        }
        ByteBuffer in = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.getInt(0);
        if (magic != SNAPSHOT_MAGIC) {
            throw invalid("not a detector snapshot (magic 0x" + Integer.toHexString(magic) + ")");
        }
        short version = in.getShort(4);
        if (version != SNAPSHOT_VERSION) {
            throw invalid("unsupported format version " + version + " (this library reads version "
                    + SNAPSHOT_VERSION + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(snapshot, 0, length - 4);
        int stored = in.getInt(length - 4);
        if (stored != (int) crc.getValue()) {
            throw invalid("checksum mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString((int) crc.getValue()) + "): the bytes are corrupt");
        }
        int flags = snapshot[6];
        if ((flags & ~1) != 0 || snapshot[7] != 0) {
            throw invalid("unknown flags 0x" + Integer.toHexString(flags & 0xFF));
        }
        long processed = in.getLong(8);
        long anomalies = in.getLong(16);
        long benign = in.getLong(24);
        long abstained = in.getLong(32);
        if (processed < 0 || processed > AdaptiveThreshold.MAX_COUNT || anomalies < 0 || benign < 0 || abstained < 0
                || anomalies > processed || benign > processed || abstained > processed
                || anomalies + benign + abstained != processed) {
            throw invalid("decision counters (processed " + processed + ", anomalies " + anomalies + ", benign "
                    + benign + ", abstained " + abstained + ") do not add up");
        }
        int e = in.getInt(40);
        int t = in.getInt(44);
        if (e < 0 || t < 0 || (long) SNAPSHOT_HEADER + e + t + 4 != length) {
            throw invalid("section lengths " + e + " + " + t + " do not fit " + length + " bytes");
        }
        Estimator estimator;
        AdaptiveThreshold threshold;
        try {
            estimator = Estimator.restore(Arrays.copyOfRange(snapshot, SNAPSHOT_HEADER, SNAPSHOT_HEADER + e));
            threshold = AdaptiveThreshold.restore(Arrays.copyOfRange(snapshot, SNAPSHOT_HEADER + e,
                    SNAPSHOT_HEADER + e + t));
        } catch (IllegalArgumentException ex) {
            throw invalid(ex.getMessage());
        }
        if (estimator.task() == Task.CUSTOM) {
            throw invalid("a detector cannot wrap a CUSTOM estimator");
        }
        // No cross-check of the threshold's history against the samples processed: threshold() is public, and a
        // threshold warmed with historical scores (or restored from another's state) holds more scores than the
        // detector has processed; such a detector must restore from its own snapshot.
        AnomalyDetector d = new AnomalyDetector(estimator, threshold, (flags & 1) != 0);
        d.processed = processed;
        d.anomalies = anomalies;
        d.benign = benign;
        d.abstained = abstained;
        return d;
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("invalid detector snapshot: " + problem);
    }

    /** Whether samples decided ANOMALY skip the estimator update (the builder's setting). */
    public boolean skipsUpdateOnAnomaly() {
        return skipUpdateOnAnomaly;
    }

    // ------------------------------------------------------------------ diagnostics

    /** The wrapped estimator (read its diagnostics; do not update it directly). */
    public Estimator estimator() {
        return estimator;
    }

    /**
     * The threshold state. It may be fed directly (for example warmed with historical scores through
     * {@link AdaptiveThreshold#observe}, or restored with {@link AdaptiveThreshold#restoreState}); the detector's
     * snapshot then holds it as it is, and its counters count only the samples the detector itself processed.
     */
    public AdaptiveThreshold threshold() {
        return threshold;
    }

    /** Samples processed. */
    public long processed() {
        return processed;
    }

    /** Samples decided ANOMALY. */
    public long anomalies() {
        return anomalies;
    }

    /** Samples decided BENIGN. */
    public long benign() {
        return benign;
    }

    /** Samples decided ABSTAIN. */
    public long abstentions() {
        return abstained;
    }

    /** Changes detected. */
    public long changes() {
        return threshold.changes();
    }

    /**
     * Builds an {@link AnomalyDetector}; every setter validates eagerly, naming the value. The threshold's defaults
     * are {@link AdaptiveThreshold#builder()}'s: peaks over threshold at {@code p = 0.99}, first ANOMALY possible
     * after 500 samples (and 500 after each detected change).
     */
    public static final class Builder {
        private final Estimator estimator;
        private final AdaptiveThreshold.Builder threshold = AdaptiveThreshold.builder();
        private boolean skipUpdateOnAnomaly;

        private Builder(Estimator estimator) {
            if (estimator == null) {
                throw new IllegalArgumentException("estimator must not be null");
            }
            if (estimator.task() == Task.CUSTOM) {
                throw new IllegalArgumentException("detectors wrap mean, linear, logistic or softmax estimators");
            }
            this.estimator = estimator;
        }

        /**
         * How scores become decisions (default {@link AdaptiveThreshold.Method#PEAKS_OVER_THRESHOLD}); see
         * {@link AdaptiveThreshold} for the guarantee of each.
         */
        public Builder method(AdaptiveThreshold.Method method) {
            threshold.method(method);
            return this;
        }

        /**
         * The target quantile {@code p} in (0, 1) (default 0.99): scores above it are anomalies. Peaks over
         * threshold needs {@code p >= 0.75} ({@link AdaptiveThreshold#MIN_PEAKS_QUANTILE}, checked by
         * {@link #build()}); the confidence sequence takes any {@code p}.
         */
        public Builder quantile(double p) {
            threshold.quantile(p);
            return this;
        }

        /** The confidence parameter {@code a} in (0, 1) (default 0.05) of the change test and the confidence sequence. */
        public Builder confidence(double a) {
            threshold.confidence(a);
            return this;
        }

        /** Peaks over threshold: samples that calibrate the threshold, in [32, 2^20] (default 500). */
        public Builder warmup(int n) {
            threshold.warmup(n);
            return this;
        }

        /** Peaks over threshold: the rate of the moving level subtracted from scores, in [0, 1) (default 0, off). */
        public Builder levelRate(double rate) {
            threshold.levelRate(rate);
            return this;
        }

        /** Peaks over threshold: recent peaks kept for the tail fit, in [16, 2^20] (default 256). */
        public Builder maxPeaks(int n) {
            threshold.maxPeaks(n);
            return this;
        }

        /** Skip the estimator update for samples decided ANOMALY (default false). */
        public Builder skipUpdateOnAnomaly(boolean skip) {
            this.skipUpdateOnAnomaly = skip;
            return this;
        }

        /** Run the change test (default true). */
        public Builder detectChanges(boolean detect) {
            threshold.detectChanges(detect);
            return this;
        }

        /** The quantile the change test watches (default 0.5, the median). */
        public Builder changeQuantile(double q) {
            threshold.changeQuantile(q);
            return this;
        }

        /** The change test's block length (default 1024, at least 64). */
        public Builder blockLength(int n) {
            threshold.blockLength(n);
            return this;
        }

        /**
         * Rebuild a configuration saved by a version without the {@code p >= 0.75} check for peaks over threshold
         * exactly as it was (default false); see {@link AdaptiveThreshold.Builder#acceptEarlierPeaksQuantile}.
         * Never set it for a new configuration.
         */
        public Builder acceptEarlierPeaksQuantile(boolean accept) {
            threshold.acceptEarlierPeaksQuantile(accept);
            return this;
        }

        /** Builds the detector. */
        public AnomalyDetector build() {
            Objects.requireNonNull(estimator);
            return new AnomalyDetector(this);
        }
    }
}
