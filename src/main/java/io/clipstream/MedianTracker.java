package io.clipstream;

/**
 * Tracks quantile {@code q} of a positive stream with a multiplicative stochastic-approximation step:
 * {@code m <- m * exp(rate * q)} when a value exceeds {@code m}, {@code m <- m * exp(-rate * (1 - q))} otherwise,
 * which settles where {@code P(value <= m) = q}. Starts at the first positive value. O(1): one compare, one
 * multiply by a precomputed factor and one division for the inverse.
 */
final class MedianTracker {
    private final double up;
    private final double down;
    private final double cap;
    private double value = Double.NaN;
    /**
     * {@code 1 / value}, kept alongside so callers that divide by the value can multiply instead. Recomputed from
     * the value at every step (one division), never accumulated by multiplying: an accumulated inverse drifted
     * from {@code 1 / value} (~1e-11 after 300,000 steps) and a snapshot, which holds only the value, then
     * restored a model that no longer continued bit-identically.
     */
    private double inverse = Double.NaN;

    MedianTracker(double quantile, double rate) {
        this.up = Math.exp(rate * quantile);
        this.down = Math.exp(-rate * (1 - quantile));
        this.cap = Double.MAX_VALUE / up;
    }

    double value() {
        return value;
    }

    /** {@code 1 / value()} (NaN before the first positive value). */
    double inverse() {
        return inverse;
    }

    void set(double v) {
        value = v;
        inverse = 1 / v;
    }

    void observe(double v) {
        if (!(value > 0)) {
            // no positive value seen yet (NaN) or stuck at zero: restart from this one
            if (v > 0 || value != value) {
                set(v);
            }
            return;
        }
        if (v > value) {
            if (value < cap) {
                value *= up;
                inverse = 1 / value;
            }
        } else {
            value *= down;
            inverse = 1 / value;
        }
    }

    /** Weighted geometric mean (the tracker lives on a log scale). */
    void merge(MedianTracker other, double weight, double otherWeight) {
        double a = value;
        double b = other.value;
        if (!(b > 0)) {
            return;
        }
        if (!(a > 0) || weight + otherWeight == 0) {
            set(b);
            return;
        }
        set(Math.exp((weight * Math.log(a) + otherWeight * Math.log(b)) / (weight + otherWeight)));
    }
}
