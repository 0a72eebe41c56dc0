package io.clipstream;

/**
 * Tracks quantile {@code q} of a positive stream with a multiplicative stochastic-approximation step:
 * {@code m <- m * exp(rate * q)} when a value exceeds {@code m}, {@code m <- m * exp(-rate * (1 - q))} otherwise,
 * which settles where {@code P(value <= m) = q}. Starts at the first positive value. O(1): one compare and one
 * multiply by a precomputed factor.
 */
final class MedianTracker {
    private final double up;
    private final double down;
    private double value = Double.NaN;

    MedianTracker(double quantile, double rate) {
        this.up = Math.exp(rate * quantile);
        this.down = Math.exp(-rate * (1 - quantile));
    }

    double value() {
        return value;
    }

    void set(double v) {
        value = v;
    }

    void observe(double v) {
        if (!(value > 0)) {
            // no positive value seen yet (NaN) or stuck at zero: restart from this one
            if (v > 0 || value != value) {
                value = v;
            }
            return;
        }
        value = Math.min(Double.MAX_VALUE / up, v > value ? value * up : value * down);
    }

    /** Weighted geometric mean (the tracker lives on a log scale). */
    void merge(MedianTracker other, double weight, double otherWeight) {
        double a = value;
        double b = other.value;
        if (!(b > 0)) {
            return;
        }
        if (!(a > 0) || weight + otherWeight == 0) {
            value = b;
            return;
        }
        value = Math.exp((weight * Math.log(a) + otherWeight * Math.log(b)) / (weight + otherWeight));
    }
}
