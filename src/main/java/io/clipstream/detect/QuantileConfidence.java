package io.clipstream.detect;

import org.HdrHistogram.DoubleHistogram;

/**
 * The quantile confidence sequence of Sun, Sankararaman and Narayanaswamy, "Online adaptive anomaly thresholding
 * with confidence sequences" (2024): after {@code t} scores, with
 * {@code u_t(a) = 0.85 sqrt((ln ln(e t) + 0.8 ln(1612 / a)) / t)}, the p-quantile of the score distribution lies,
 * with probability at least {@code 1 - a} uniformly over time, in {@code [Q(p - 2u), Q(p + 2u)]} of the empirical
 * quantile function {@code Q}.
 *
 * <p>Two readings of ours, both on the conservative side:
 * <ul>
 *   <li>{@code Q} at a level at or beyond 0 or 1 is taken as {@code -infinity} or {@code +infinity}: the sample
 *       minimum and maximum are not valid confidence bounds for an interior quantile (with few scores the true
 *       0.99-quantile is often above all of them). Until the interval has a finite end, decisions on that side
 *       abstain.</li>
 *   <li>The empirical quantiles come from an HdrHistogram {@link DoubleHistogram} (bounded memory, allocation-free
 *       recording and queries). Its counts are exact, so it adds no rank error; its values are rounded to two
 *       significant digits (1% relative), and we widen the interval outward by that rounding: the lower end is
 *       its bucket's lowest value, the upper end its bucket's highest.</li>
 * </ul>
 */
public final class QuantileConfidence {

    private QuantileConfidence() {
    }

    /** {@code u_t(a)}, the half-width in quantile levels after {@code t} scores (infinite for {@code t = 0}). */
    public static double radius(long t, double a) {
        if (t <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 0.85 * Math.sqrt((Math.log(Math.log(Math.E * t)) + 0.8 * Math.log(1612 / a)) / t);
    }

    /** The lower end {@code Q(p - 2u)} of the interval for the {@code p}-quantile, or -infinity. */
    public static double lower(DoubleHistogram h, double p, double a) {
        double level = p - 2 * radius(h.getTotalCount(), a);
        if (!(level > 0)) {
            return Double.NEGATIVE_INFINITY;
        }
        return h.lowestEquivalentValue(h.getValueAtPercentile(100 * level));
    }

    /** The upper end {@code Q(p + 2u)} of the interval for the {@code p}-quantile, or +infinity. */
    public static double upper(DoubleHistogram h, double p, double a) {
        double level = p + 2 * radius(h.getTotalCount(), a);
        if (!(level < 1)) {
            return Double.POSITIVE_INFINITY;
        }
        return h.highestEquivalentValue(h.getValueAtPercentile(100 * level));
    }

    /**
     * The number of scores after which the interval for {@code p} has two finite ends, i.e. the first {@code t}
     * with {@code 2 u_t(a) < min(p, 1 - p)}; {@code Long.MAX_VALUE} if no count a {@code long} holds gets there
     * (p within about 1e-9 of 0 or 1).
     *
     * @throws IllegalArgumentException unless {@code 0 < p < 1} and {@code 0 < a < 1}
     */
    public static long scoresUntilFinite(double p, double a) {
        check(p, a);
        return firstBelow(Math.min(p, 1 - p) / 2, a);
    }

    /**
     * The number of scores after which the interval's upper end {@code Q(p + 2u)} is finite (what an ANOMALY
     * needs), i.e. the first {@code t} with {@code 2 u_t(a) < 1 - p}: {@link #scoresUntilFinite} for
     * {@code p >= 1/2}, fewer below it, where the lower end is the later one.
     *
     * @throws IllegalArgumentException unless {@code 0 < p < 1} and {@code 0 < a < 1}
     */
    public static long scoresUntilUpperFinite(double p, double a) {
        check(p, a);
        return firstBelow((1 - p) / 2, a);
    }

    private static void check(double p, double a) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1): " + p);
        }
        if (!(a > 0 && a < 1)) {
            throw new IllegalArgumentException("a must be in (0, 1): " + a);
        }
    }

    /** The first {@code t} with {@code u_t(a) < gap}, or {@code Long.MAX_VALUE}. */
    private static long firstBelow(double gap, double a) {
        if (radius(Long.MAX_VALUE, a) >= gap) {
            return Long.MAX_VALUE; // the search below would overflow t (it once looped forever)
        }
        long t = 1;
        while (radius(t, a) >= gap) {
            t = t < 1 << 20 ? t * 2 : t > Long.MAX_VALUE / 9 * 8 ? Long.MAX_VALUE : t + (t >> 3);
        }
        long lo = t / 2;
        long hi = t;
        while (lo + 1 < hi) {
            long mid = (lo + hi) >>> 1;
            if (radius(mid, a) < gap) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }
}
