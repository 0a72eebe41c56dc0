package io.clipstream.ingest;

import io.clipstream.ClipPolicy;
import io.clipstream.StepSize;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.Decision;
import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The model half of a {@link KeyedStore}: what one key's slot holds and how a sample changes it, plus the one
 * threshold all keys share. It works on any slot it is given ({@code slots} at byte {@code base}); which key owns
 * which slot, and when keys leave, is the index's business ({@link KeyIndex}).
 *
 * <h2>A key's slot</h2>
 * Its sample count, the tracker of its score scale and its anomaly count (fields at {@link #SAMPLES},
 * {@link #TRACKER}, {@link #ANOMALIES} of the slot's {@value KeyIndex#SLOT_HEADER}-byte header, beside the index's
 * key and last-seen time), then its estimate {@code theta}, {@code d} floats from byte {@link #THETA}.
 *
 * <h2>A sample</h2>
 * <ul>
 *   <li>the key's first sample becomes its estimate (score NaN, decision ABSTAIN);</li>
 *   <li>later ones are scored and applied in one fused kernel pass, as {@link io.clipstream.MeanEstimator} does:
 *       the score is {@code ||x - theta||} before the step, the step {@code max(eta, 1/(n+1))} for the {@code n}-th
 *       sample (the plain running mean of the first {@code 1/eta} samples, clipped), the clip level the policy's
 *       fixed level or {@code multiplier x} the key's tracked score quantile;</li>
 *   <li>the level is the score over the key's tracked score scale (before this sample updates it); after
 *       {@code warmup} samples it is decided by, and then fed to, the pooled {@link AdaptiveThreshold}.</li>
 * </ul>
 * Not thread-safe: the store's thread owns it.
 */
final class KeyModel {

    /** Slot field: samples applied to the key (long). */
    static final long SAMPLES = 8;
    /** Slot field: the key's tracked score quantile, NaN before its second sample (double). */
    static final long TRACKER = 24;
    /** Slot field: ANOMALY decisions for the key (long). */
    static final long ANOMALIES = 32;
    /** Slot field: the estimate, {@code d} floats. */
    static final int THETA = KeyIndex.SLOT_HEADER;

    final int dimension;
    final AdaptiveThreshold threshold;
    private final Kernels kernels;
    private final float eta;
    private final float mu;
    private final int warmup;
    private final double trackerUp;
    private final double trackerDown;
    /** 0 none, 1 fixed, 2 adaptive. */
    private final int clipKind;
    private final double clipValue;

    private long samples;
    private long anomalies;
    private long clipped;
    private double lastScore = Double.NaN;
    private double lastLevel = Double.NaN;
    private boolean lastChange;

    KeyModel(int dimension, StepSize stepSize, ClipPolicy clip, double l2, int warmup, Kernels kernels,
             AdaptiveThreshold threshold) {
        this.dimension = dimension;
        this.eta = (float) stepSize.eta(0);
        this.mu = (float) l2;
        this.warmup = warmup;
        this.kernels = kernels;
        this.threshold = threshold;
        double trackerQuantile;
        double trackerRate;
        if (clip instanceof ClipPolicy.Adaptive a) {
            clipKind = 2;
            clipValue = a.multiplier();
            trackerQuantile = a.quantile();
            trackerRate = a.rate();
        } else {
            clipKind = clip instanceof ClipPolicy.Fixed ? 1 : 0;
            clipValue = clip instanceof ClipPolicy.Fixed f ? f.level() : Double.POSITIVE_INFINITY;
            trackerQuantile = ClipPolicy.DEFAULT_QUANTILE;
            trackerRate = ClipPolicy.DEFAULT_RATE;
        }
        this.trackerUp = Math.exp(trackerRate * trackerQuantile);
        this.trackerDown = Math.exp(-trackerRate * (1 - trackerQuantile));
    }

    /** Bytes of one key's slot for dimension {@code d}: the header and the estimate, rounded up to 64. */
    static int slotBytes(int d) {
        return THETA + (int) ((4L * d + 63) & ~63L);
    }

    /**
     * A key's first sample (finite, checked by the caller) in a freshly inserted slot: it becomes the estimate.
     *
     * @return {@link Decision#ABSTAIN}
     */
    Decision first(MemorySegment slots, long base, MemorySegment x, long xIndex) {
        slots.set(ValueLayout.JAVA_DOUBLE, base + TRACKER, Double.NaN);
        MemorySegment.copy(x, 4 * xIndex, slots, base + THETA, 4L * dimension);
        slots.set(ValueLayout.JAVA_LONG, base + SAMPLES, 1);
        samples = increment(samples);
        lastScore = Double.NaN;
        lastLevel = Double.NaN;
        lastChange = false;
        return Decision.ABSTAIN;
    }

    /**
     * A later sample of the key in the slot at {@code base}: scores, applies the clipped step, decides.
     *
     * @return the decision, or null if {@code x} holds a non-finite value (then nothing changed)
     */
    Decision step(MemorySegment slots, long base, MemorySegment x, long xIndex) {
        long n = slots.get(ValueLayout.JAVA_LONG, base + SAMPLES);
        double tracker = slots.get(ValueLayout.JAVA_DOUBLE, base + TRACKER);
        float lambda = clipKind == 2 ? (tracker == tracker ? (float) Math.min(Float.MAX_VALUE,
                Math.max(Float.MIN_VALUE, clipValue * tracker)) : Float.POSITIVE_INFINITY)
                : (float) clipValue;
        float step = Math.max(eta, 1f / increment(n));
        double score = kernels.clippedMeanStep(slots, (base + THETA) >> 2, x, xIndex, dimension, step, lambda, mu);
        if (score != score) {
            return null;
        }
        samples = increment(samples);
        if (score > lambda) {
            clipped = increment(clipped);
        }
        slots.set(ValueLayout.JAVA_LONG, base + SAMPLES, increment(n));
        double level = score / tracker;
        slots.set(ValueLayout.JAVA_DOUBLE, base + TRACKER, track(tracker, score));
        lastScore = score;
        lastChange = false;
        if (n < warmup || !(level == level)) { // n + 1 <= warmup, without overflow
            lastLevel = level == level ? level : Double.NaN;
            return Decision.ABSTAIN;
        }
        lastLevel = level;
        Decision d = threshold.decide(level);
        lastChange = threshold.observe(Math.min(level, Double.MAX_VALUE));
        if (d == Decision.ANOMALY) {
            anomalies = increment(anomalies);
            slots.set(ValueLayout.JAVA_LONG, base + ANOMALIES,
                    increment(slots.get(ValueLayout.JAVA_LONG, base + ANOMALIES)));
        }
        return d;
    }

    /** The multiplicative quantile tracker (as the estimators' adaptive clip): up or down by a constant factor. */
    private double track(double value, double v) {
        if (!(value > 0)) {
            return v > 0 || value != value ? v : value;
        }
        return v > value ? (value < Double.MAX_VALUE / trackerUp ? value * trackerUp : value) : value * trackerDown;
    }

    /**
     * {@code count + 1}, saturating at {@code Long.MAX_VALUE}: counters (the store's and each key's) never wrap to
     * a negative value, which the snapshot reader refuses, however they were restored.
     */
    static long increment(long count) {
        return count == Long.MAX_VALUE ? count : count + 1;
    }

    /** Samples applied (first samples of keys included). */
    long samples() {
        return samples;
    }

    /** ANOMALY decisions. */
    long anomalies() {
        return anomalies;
    }

    /** Steps whose gradient was clipped. */
    long clipped() {
        return clipped;
    }

    double lastScore() {
        return lastScore;
    }

    double lastLevel() {
        return lastLevel;
    }

    boolean lastChange() {
        return lastChange;
    }

    /** Sets the counters (a restore). */
    void restoreCounters(long samples, long anomalies, long clipped) {
        this.samples = samples;
        this.anomalies = anomalies;
        this.clipped = clipped;
    }
}
