package io.clipstream.detect;

import java.nio.ByteBuffer;

/**
 * The extreme-value side of {@link AdaptiveThreshold}: peaks over threshold with a generalized Pareto tail, in
 * the spirit of SPOT/DSPOT (Siffer et al., KDD 2017), made robust to anomalies in the calibration data and free
 * of the bias that excluding anomalies from the fit causes. All state lives in arrays allocated at construction:
 * nothing is allocated per score.
 *
 * <h2>Model</h2>
 * A score {@code x} is read as {@code x' = x - level}, where {@code level} is a moving local level (an exponential
 * moving average of the scores not flagged, rate {@code levelRate}; 0 turns it off, as in SPOT, and {@code x' = x}).
 * Above an initial threshold {@code t} (the {@code 1 - f} quantile of the calibration scores, {@code f = max(0.1,
 * 2q)}), the excesses {@code y = x' - t} of ordinary scores follow, by the Pickands-Balkema-de Haan theorem, a
 * generalized Pareto distribution {@code GPD(gamma, sigma)}; the threshold for risk {@code q} is
 * <pre>  z = t + sigma / gamma ((q / r)^-gamma - 1)      (t - sigma ln(q / r) for gamma = 0)</pre>
 * with {@code r} the rate at which ordinary scores exceed {@code t}. A score with {@code x' > z} is an anomaly.
 * Scores far above {@code z} do not enter the model (so anomalies cannot drag the threshold up). The fit uses the
 * most recent {@code maxPeaks} exceedances, so it follows slow changes of the tail.
 *
 * <h2>Fit: censored probability-weighted moments</h2>
 * SPOT refits by Grimshaw's maximum-likelihood method on every peak. We use probability-weighted moments
 * (Hosking and Wallis, Technometrics 1987) instead, for three reasons: they have a closed form (no root finding
 * that can fail or need fall-backs, a bounded cost per peak, deterministic results for bit-identical snapshots);
 * they are valid for every {@code gamma < 1} (the method of moments needs {@code gamma < 1/2} for its own
 * variance to exist, which heavy-tailed scores violate in practice); and they are more accurate than maximum
 * likelihood for the few dozen peaks a short warm-up gives. SPOT keeps flagged scores out of the fit; that
 * removes the top {@code q / r} of the ordinary tail too, the fit sees a shorter tail, {@code z} falls and more is
 * excluded (measured on clean exponential, lognormal, chi and Student-t scores: 4-5x too many alarms at
 * {@code q = 0.01}). Here the model takes every score up to a band above {@code z} ({@link #BAND}, 10% of
 * {@code z - t} beyond it: a threshold set too low sees the ordinary tail it cuts off there and rises) and treats
 * the exceedances beyond the band as <em>censored</em>, with the mass the fitted tail itself puts there. With
 * {@code P} the share of exceedances below the band end, the moments are
 * <pre>  a0 = (1/M) sum y_i + int_P^1 Q(u) du,   a1 = (1/M) sum (1 - p_i) y_i + int_P^1 (1 - u) Q(u) du,</pre>
 * {@code M = m / P}, {@code p_i = (i - 0.35) / M} over the {@code m} stored peaks in increasing order, {@code Q}
 * the GPD quantile function (the integrals have closed forms), and {@code gamma = 2 - a0 / (a0 - 2 a1)},
 * {@code sigma = a0 (1 - gamma)}, iterated to the fixed point from the previous fit. {@code gamma} is kept in
 * {@code [-1, 0.5]}: inliers of finite variance have {@code gamma < 1/2}. Measured on clean scores of eight
 * distributions (chi with 16 and 256 degrees, Student-t radii, exponential, lognormal, Pareto 2.5 and 1.5,
 * half-normal), the alarm rate is within 0.9-2.5x of {@code q = 0.01} and 0.75-5.7x of {@code q = 0.001}
 * (the worst: half-normal and exponential scores, whose tails a GPD over the 0.9 quantile fits least well).
 *
 * <h2>Calibration</h2>
 * The first {@code warmup} scores after construction or a reset calibrate: the fit starts from the calibration
 * scores between their 0.75 and 0.9 quantiles only, the rest of the tail censored (robust to up to ~10% anomalies
 * among the calibration scores), then alternates "keep the scores up to the band above {@code z}, re-choose
 * {@code t}, refit" until {@code t} and {@code z} no longer move (at most 50 rounds), never raising {@code z}
 * above the robust start: free to rise, it climbed over a cluster of anomalies among the calibration scores and
 * took them in as ordinary (the RCF-comparison stream, d = 256, seed 9: recall 0.60). After calibration the band
 * above {@code z} raises a threshold that came out low, one peak at a time. Until then the threshold is infinite, or the
 * provisional one the owner passed to {@link #reset(double)}.
 */
final class PeaksOverThreshold {

    static final double GAMMA_MIN = -1;
    /**
     * Largest shape: the library assumes inliers of finite variance (tail index above 2, so {@code gamma < 1/2}),
     * and a cap there keeps a cluster of anomalies that slipped under the threshold from making the fitted tail
     * ever heavier (measured: at 0.9, the RCF-comparison stream at d = 64 lost half its recall that way).
     */
    static final double GAMMA_MAX = 0.5;
    /** Share of the robust start's peaks it fits: the lower 60%, so scores up to the 0.9 quantile. */
    static final double ROBUST_SHARE = 0.6;
    /** Tail fraction of the robust start's initial threshold. */
    static final double ROBUST_TAIL = 0.25;
    static final int CALIBRATION_ROUNDS = 50;
    /**
     * Width of the modelled band above z, relative to {@code z - t}: 10%. Wider bands calibrate better on clean
     * data (worst ratio of alarm rate to q over eight clean distributions at q = 0.01 and 0.001: 5.7 at 10%, 2.5 at
     * 25%, 1.9 at 50%) but let a cluster of anomalies near the tail pull the threshold over itself (25% and 50%
     * lost a third of the recall on some of the RCF-comparison streams); 0 leaves no force that raises a
     * threshold calibrated too low (up to 40x too many alarms on clean chi and half-normal scores).
     */
    static final double BAND = 0.1;
    /** Fixed-point iterations of the censored moments per refit, starting from the previous fit. */
    static final int REFIT_ITERATIONS = 6;
    /**
     * Refit on every fourth exceedance: a refit costs ~1 microsecond (a pass over the peaks and a few fixed-point
     * iterations with pow); refitting on each changed no measure by more than 0.01 F1 and the calibration on clean
     * data not at all.
     */
    static final int REFIT_EVERY = 4;
    static final int START_ITERATIONS = 100;
    /** Largest score the model takes in; larger (and infinite) scores are flagged but modelled as this. */
    static final double CEILING = 1e200;

    final double q;
    final int warmup;
    final double levelRate;
    final int maxPeaks;
    final double tailFraction;
    /**
     * Flags among the last 64 scores that mean the distribution has moved: {@code 32 + ceil(128 q)}, at most 64.
     * An abrupt shift flags nearly every score; ordinary scores flag a fraction {@code q}, anomalies a few percent,
     * so that even {@code q = 0.01} with 6% anomalies reaches 34 of 64 with probability ~1e-21 per score.
     */
    final int burstCount;

    // ---- state (everything a snapshot holds)
    /** Calibration values x', in arrival order; {@code calibrated} of them so far. */
    final double[] calibration;
    int calibrated;
    boolean ready;
    double level;
    long levelCount;
    double t;
    /** The most recent peaks (excesses over t of ordinary scores): in arrival order (ring) and sorted. */
    final double[] ring;
    final double[] sorted;
    int peaks;
    int ringNext;
    /** The threshold in force while calibrating after a fall of the scores (+infinity otherwise). */
    double provisional = Double.POSITIVE_INFINITY;
    /** The flags of the last 64 scores since calibration, newest in bit 0. */
    long recentFlags;
    /** Ordinary (not flagged) scores and their exceedances of t since calibration began. */
    long ordinary;
    long exceedances;
    // ---- derived from the state by refit()
    double gamma;
    double sigma;
    double z = Double.POSITIVE_INFINITY;

    /** Scratch for calibration (sorting); holds no state between calls. */
    private final double[] scratch;

    PeaksOverThreshold(double q, int warmup, double levelRate, int maxPeaks) {
        this.q = q;
        this.warmup = warmup;
        this.levelRate = levelRate;
        this.maxPeaks = maxPeaks;
        this.tailFraction = Math.min(0.9, Math.max(0.1, 2 * q));
        this.burstCount = (int) Math.min(64, 32 + Math.ceil(128 * q));
        this.calibration = new double[warmup];
        this.scratch = new double[warmup];
        this.ring = new double[maxPeaks];
        this.sorted = new double[maxPeaks];
    }

    /**
     * The threshold on raw scores: {@code level + z} once calibrated; before, the provisional threshold kept from
     * the previous regime (+infinity if none).
     */
    double threshold() {
        return ready ? level + z : provisional;
    }

    /** Whether decisions are ANOMALY or BENIGN (calibrated, or a provisional threshold in force). */
    boolean binary() {
        return ready || provisional < Double.POSITIVE_INFINITY;
    }

    /** Scores still needed before the threshold is finite (0 while a provisional one is in force). */
    int remainingWarmup() {
        return binary() ? 0 : warmup - calibrated; // a provisional threshold in force decides already
    }

    /**
     * Takes a score ({@code >= 0}, may be infinite) after its decision; {@code flagged} is whether it was above
     * {@link #threshold()} (the caller's comparison, so that decision and model agree to the last bit).
     *
     * @return whether the flags of the last 64 scores reach {@link #burstCount} (the caller then reports a
     *     change and resets the model)
     */
    boolean observe(double score, boolean flagged) {
        double x = Math.min(score, CEILING);
        if (!ready) {
            calibration[calibrated++] = x - level();
            updateLevel(x);
            if (calibrated == warmup) {
                calibrate();
            }
            return false;
        }
        recentFlags = recentFlags << 1 | (flagged ? 1 : 0);
        if (flagged && Long.bitCount(recentFlags) >= burstCount) {
            return true;
        }
        double excess = x - level - t;
        if (excess > band()) {
            return false; // far above the threshold: censored, with the mass the fit predicts there
        }
        ordinary++;
        if (excess > 0) {
            exceedances++;
            addPeak(excess);
            if (exceedances % REFIT_EVERY == 0) {
                refit(REFIT_ITERATIONS);
            }
        }
        updateLevel(x);
        return false;
    }

    /** The level a score is measured against (0 without level tracking). */
    private double level() {
        return levelRate > 0 ? level : 0;
    }

    private void updateLevel(double x) {
        if (levelRate > 0) {
            levelCount++;
            // warm start: the plain running mean until 1/rate scores, then the moving average
            double rate = Math.max(levelRate, 1.0 / levelCount);
            level += rate * (x - level);
        }
    }

    /**
     * Forgets everything: calibration starts again, deciding meanwhile with {@code provisional} (+infinity: no
     * decisions, ABSTAIN).
     */
    void reset(double provisional) {
        this.provisional = provisional;
        calibrated = 0;
        ready = false;
        level = 0;
        levelCount = 0;
        t = 0;
        peaks = 0;
        ringNext = 0;
        ordinary = 0;
        exceedances = 0;
        recentFlags = 0;
        gamma = 0;
        sigma = 0;
        z = Double.POSITIVE_INFINITY;
    }

    // ------------------------------------------------------------------ calibration

    private void calibrate() {
        int n = warmup;
        System.arraycopy(calibration, 0, scratch, 0, n);
        heapSort(scratch, n);
        // robust start: the lower 60% of the peaks over a low initial threshold (the 1 - max(f, 0.25) quantile),
        // the rest censored, so that up to ~10% anomalies among the calibration scores cannot reach the fit
        t = scratch[Math.max(0, n - Math.max(2, (int) Math.round(Math.max(tailFraction, ROBUST_TAIL) * n)) - 1)];
        int m = countAbove(scratch, n, t);
        int used = Math.max(Math.min(m, 2), (int) Math.ceil(ROBUST_SHARE * m));
        gamma = 0;
        sigma = 0;
        fit(scratch, n - m, used, t, n - (m - used), m - used > 0 ? Double.NaN : Double.POSITIVE_INFINITY,
                (double) used / m, START_ITERATIONS, false);
        int kept = n;
        double ceiling = z;
        for (int round = 0; round < CALIBRATION_ROUNDS; round++) {
            // keep the calibration scores up to the band above z, re-choose t among them and refit
            double end = t + band();
            int newKept = n;
            while (newKept > 2 && scratch[newKept - 1] > end) {
                newKept--;
            }
            double oldT = t;
            double oldZ = z;
            kept = newKept;
            t = scratch[initialIndex(kept)];
            m = countAbove(scratch, kept, t);
            fit(scratch, kept - m, m, t, kept, end - t, 0, START_ITERATIONS, true);
            if (z > ceiling) {
                z = ceiling; // never above the robust start (see the class comment)
            }
            if (t == oldT && z == oldZ) {
                break;
            }
        }
        // the model continues with the calibration's included peaks, in arrival order
        peaks = 0;
        ringNext = 0;
        ordinary = 0;
        exceedances = 0;
        double end = band();
        for (int i = 0; i < n; i++) {
            double excess = calibration[i] - t;
            if (excess > end) {
                continue;
            }
            ordinary++;
            if (excess > 0) {
                exceedances++;
                addPeak(excess);
            }
        }
        ready = true;
        provisional = Double.POSITIVE_INFINITY;
        refit(START_ITERATIONS);
    }

    /**
     * The band above z whose scores still enter the model, as an excess over t: {@code (z - t)(1 + BAND)}. Scores
     * in the band are flagged but modelled, so that a threshold that is too low sees the ordinary tail it cuts
     * off and rises; scores beyond it are censored (anomalies far out cannot drag the fit).
     */
    double band() {
        return (z - t) * (1 + BAND);
    }

    /** Index of t among {@code kept} sorted values: the (1 - f) quantile, with at least two values above. */
    private int initialIndex(int kept) {
        int above = Math.max(2, (int) Math.round(tailFraction * kept));
        return Math.max(0, kept - above - 1);
    }

    private static int countAbove(double[] sortedValues, int kept, double t) {
        int m = 0;
        for (int i = kept - 1; i >= 0 && sortedValues[i] > t; i--) {
            m++;
        }
        return m;
    }

    // ------------------------------------------------------------------ peaks

    private void addPeak(double excess) {
        if (peaks == maxPeaks) {
            removeSorted(ring[ringNext]);
        }
        insertSorted(excess);
        ring[ringNext] = excess;
        ringNext = ringNext + 1 == maxPeaks ? 0 : ringNext + 1;
    }

    private void insertSorted(double v) {
        int at = upperBound(v);
        System.arraycopy(sorted, at, sorted, at + 1, peaks - at);
        sorted[at] = v;
        peaks++;
    }

    private void removeSorted(double v) {
        int at = upperBound(v) - 1; // the last element equal to v (it is present)
        System.arraycopy(sorted, at + 1, sorted, at, peaks - at - 1);
        peaks--;
    }

    /** First index in {@code sorted[0, peaks)} whose value is greater than {@code v}. */
    private int upperBound(double v) {
        int lo = 0;
        int hi = peaks;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    // ------------------------------------------------------------------ fit

    /** Refits on the stored peaks and recomputes z. */
    void refit(int iterations) {
        if (peaks == 0) {
            gamma = 0;
            sigma = 0;
            z = t;
            return;
        }
        // the stored peaks stand for all exceedances: scale the count of ordinary scores to the window
        double scale = (double) peaks / exceedances;
        fit(sorted, 0, peaks, 0, ordinary * scale, band(), 0, iterations, true);
    }

    /**
     * Censored probability-weighted moments of the excesses {@code values[from .. from + m) - base} (sorted) of
     * {@code included} ordinary scores, all of them at most {@code bandExcess} over t; the exceedances beyond the
     * band are censored, with the mass the fit itself predicts there. With {@code bandExcess} NaN the data are
     * instead the lowest {@code fixedShare} of the exceedances. Updates {@link #gamma}, {@link #sigma} (starting
     * from their current values when {@code warm}) and {@link #z}.
     */
    private void fit(double[] values, int from, int m, double base, double included, double bandExcess,
                     double fixedShare, int iterations, boolean warm) {
        double s0 = 0;
        double s1 = 0;
        for (int i = 0; i < m; i++) {
            double y = values[from + i] - base;
            s0 += y;
            s1 += (i + 0.65) * y;
        }
        if (!(s0 > 0)) {
            gamma = 0;
            sigma = 0;
            z = t;
            return;
        }
        double g = gamma;
        double s = sigma;
        if (!warm || !(s > 0)) {
            double a0 = s0 / m;
            double a1 = (s0 - s1 / m) / m;
            g = shape(a0, a1);
            s = a0 * (1 - g);
        }
        double share = 1;
        for (int k = 0; k < iterations; k++) {
            share = Double.isNaN(bandExcess) ? fixedShare : Math.max(0.5, cdf(g, s, bandExcess));
            double total = m / share;
            double a0 = s0 / total + integral0(g, s, share);
            double a1 = (s0 - s1 / total) / total + integral1(g, s, share);
            double ng = shape(a0, a1);
            double ns = a0 * (1 - ng);
            boolean done = ng == g && ns == s;
            g = ng;
            s = ns;
            if (done) {
                break;
            }
        }
        gamma = g;
        sigma = s;
        share = Double.isNaN(bandExcess) ? fixedShare : Math.max(0.5, cdf(g, s, bandExcess));
        // ordinary exceedance rate r (censored ones included) and z at conditional level 1 - q / r
        double exceedancesAll = m / share;
        double rate = exceedancesAll / (included + exceedancesAll - m);
        z = t + quantile(g, s, Math.max(0, 1 - q / rate));
    }

    /** The GPD distribution function of the excess, {@code P(Y <= y)}. */
    static double cdf(double g, double s, double y) {
        if (!(y > 0)) {
            return 0;
        }
        if (y == Double.POSITIVE_INFINITY || !(s > 0)) {
            return 1;
        }
        if (Math.abs(g) < 1e-9) {
            return -Math.expm1(-y / s);
        }
        double base = 1 + g * y / s;
        if (base <= 0) {
            return 1; // beyond the end point of a bounded tail
        }
        return 1 - Math.pow(base, -1 / g);
    }

    /** {@code gamma = 2 - a0 / (a0 - 2 a1)}, in [GAMMA_MIN, GAMMA_MAX]. */
    static double shape(double a0, double a1) {
        double den = a0 - 2 * a1;
        double g = den > 0 ? 2 - a0 / den : GAMMA_MAX;
        return Math.min(GAMMA_MAX, Math.max(GAMMA_MIN, g));
    }

    /** The GPD quantile {@code Q(u)} of the excess, for {@code u} in [0, 1]. */
    static double quantile(double g, double s, double u) {
        if (!(s > 0)) {
            return 0;
        }
        double w = 1 - u;
        if (Math.abs(g) < 1e-9) {
            return -s * Math.log(w);
        }
        return s / g * (Math.pow(w, -g) - 1);
    }

    /** {@code int_P^1 Q(u) du}. */
    static double integral0(double g, double s, double p) {
        double w = 1 - p;
        if (!(w > 0) || !(s > 0)) {
            return 0;
        }
        if (Math.abs(g) < 1e-9) {
            return s * (w - w * Math.log(w));
        }
        return s / g * (Math.pow(w, 1 - g) / (1 - g) - w);
    }

    /** {@code int_P^1 (1 - u) Q(u) du}. */
    static double integral1(double g, double s, double p) {
        double w = 1 - p;
        if (!(w > 0) || !(s > 0)) {
            return 0;
        }
        if (Math.abs(g) < 1e-9) {
            return s * (w * w / 4 - w * w * Math.log(w) / 2);
        }
        return s / g * (Math.pow(w, 2 - g) / (2 - g) - w * w / 2);
    }

    // ------------------------------------------------------------------ state

    /** Bytes of the fixed part of the state. */
    static final int STATE_FIXED = 112;
    private static final double LIMIT = 2 * CEILING;
    /**
     * Largest scale a fit writes: {@code sigma = a0 (1 - gamma)} with the mean excess {@code a0 <= LIMIT} and
     * {@code gamma >= GAMMA_MIN} (scores at the ceiling, or +Infinity recorded there, reach it; a bound of
     * {@code LIMIT} refused such states).
     */
    private static final double SIGMA_LIMIT = (1 - GAMMA_MIN) * LIMIT;

    /**
     * The model's state, little-endian: warmup, max peaks, level rate; calibrated count, ready flag; level, level
     * count, t, gamma, sigma, z; peaks, ring position, ordinary scores, exceedances; the calibration values while
     * calibrating; the peaks in ring order. The owner's format adds the checksum.
     */
    static byte[] writeState(PeaksOverThreshold m) {
        int values = (m.ready ? 0 : m.calibrated) + m.peaks;
        ByteBuffer b = ByteBuffer.allocate(STATE_FIXED + 8 * values).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(m.warmup).putInt(m.maxPeaks).putDouble(m.levelRate).putInt(m.calibrated)
                .putInt(m.ready ? 1 : 0).putDouble(m.level).putLong(m.levelCount).putDouble(m.t).putDouble(m.gamma)
                .putDouble(m.sigma).putDouble(m.z).putInt(m.peaks).putInt(m.ringNext).putLong(m.ordinary)
                .putLong(m.exceedances).putLong(m.recentFlags).putDouble(m.provisional);
        if (!m.ready) {
            for (int i = 0; i < m.calibrated; i++) {
                b.putDouble(m.calibration[i]);
            }
        }
        for (int i = 0; i < m.peaks; i++) {
            b.putDouble(m.ring[i]);
        }
        return b.array();
    }

    /**
     * Decodes and validates a {@link #writeState} into a new model for risk {@code q}; every field is checked
     * against what {@link #observe} can reach.
     *
     * @throws IllegalArgumentException naming the first field out of range, or if the bytes do not fit
     */
    static PeaksOverThreshold readState(ByteBuffer b, double q) {
        if (b.remaining() < STATE_FIXED) {
            throw new IllegalArgumentException("peaks-over-threshold state truncated: " + b.remaining() + " bytes");
        }
        int warmup = b.getInt();
        int maxPeaks = b.getInt();
        double levelRate = b.getDouble();
        if (warmup < 32 || warmup > 1 << 20 || maxPeaks < 16 || maxPeaks > 1 << 20
                || !(levelRate >= 0 && levelRate < 1)) {
            throw new IllegalArgumentException("peaks-over-threshold parameters: warmup " + warmup + ", max peaks "
                    + maxPeaks + ", level rate " + levelRate);
        }
        int calibrated = b.getInt();
        int readyFlag = b.getInt();
        double level = b.getDouble();
        long levelCount = b.getLong();
        double t = b.getDouble();
        double gamma = b.getDouble();
        double sigma = b.getDouble();
        double z = b.getDouble();
        int peaks = b.getInt();
        int ringNext = b.getInt();
        long ordinary = b.getLong();
        long exceedances = b.getLong();
        long recentFlags = b.getLong();
        double provisional = b.getDouble();
        boolean ready = readyFlag == 1;
        if (!(provisional > 0) || ready && provisional != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("provisional threshold " + provisional);
        }
        if (readyFlag != 0 && readyFlag != 1 || calibrated < 0 || calibrated > warmup || ready != (calibrated == warmup)) {
            throw new IllegalArgumentException("calibration " + calibrated + " of " + warmup + " scores, ready flag "
                    + readyFlag);
        }
        if (!(level >= 0 && level <= CEILING) || levelCount < 0 || levelCount > AdaptiveThreshold.MAX_COUNT
                || levelRate == 0 && (level != 0 || levelCount != 0) || levelCount == 0 && level != 0) {
            throw new IllegalArgumentException("level " + level + " after " + levelCount + " scores (rate " + levelRate
                    + ")");
        }
        if (ready) {
            if (!(Math.abs(t) <= LIMIT) || !(sigma >= 0 && sigma <= SIGMA_LIMIT) || !(z >= t) || Double.isNaN(z)
                    || !(gamma >= GAMMA_MIN && gamma <= GAMMA_MAX)) {
                throw new IllegalArgumentException("tail model t=" + t + " gamma=" + gamma + " sigma=" + sigma + " z="
                        + z);
            }
            if (peaks < 0 || peaks > maxPeaks || exceedances < 0 || peaks != Math.min(exceedances, maxPeaks)
                    || ordinary < exceedances || ordinary > AdaptiveThreshold.MAX_COUNT
                    || ringNext < 0 || ringNext >= maxPeaks || peaks < maxPeaks && ringNext != peaks) {
                throw new IllegalArgumentException("peaks " + peaks + " (ring at " + ringNext + ") of " + exceedances
                        + " exceedances among " + ordinary + " ordinary scores, at most " + maxPeaks + " kept");
            }
            // recentFlags: any 64 flags are a valid history. With the change test on, the owner resets the model
            // once they reach the burst count, but with it off they keep counting (and a restored burst simply
            // reports a change at the next flagged score).
        } else if (t != 0 || gamma != 0 || sigma != 0 || z != Double.POSITIVE_INFINITY || peaks != 0 || ringNext != 0
                || ordinary != 0 || exceedances != 0 || recentFlags != 0) {
            throw new IllegalArgumentException("tail model fields set while calibrating");
        }
        int values = (ready ? 0 : calibrated) + peaks;
        if (b.remaining() != 8L * values) {
            throw new IllegalArgumentException("peaks-over-threshold state of " + b.remaining() + " value bytes, "
                    + "expected " + 8L * values);
        }
        PeaksOverThreshold m = new PeaksOverThreshold(q, warmup, levelRate, maxPeaks);
        if (!ready) {
            for (int i = 0; i < calibrated; i++) {
                double v = b.getDouble();
                if (!(Math.abs(v) <= CEILING)) {
                    throw new IllegalArgumentException("calibration value " + i + " is " + v);
                }
                m.calibration[i] = v;
            }
        }
        for (int i = 0; i < peaks; i++) {
            double v = b.getDouble();
            if (!(v > 0 && v <= LIMIT)) {
                throw new IllegalArgumentException("peak " + i + " is " + v);
            }
            m.ring[i] = v;
            m.sorted[i] = v;
        }
        heapSort(m.sorted, peaks);
        m.calibrated = calibrated;
        m.ready = ready;
        m.level = level;
        m.levelCount = levelCount;
        m.t = t;
        m.gamma = gamma;
        m.sigma = sigma;
        m.z = z;
        m.peaks = peaks;
        m.ringNext = ringNext;
        m.ordinary = ordinary;
        m.exceedances = exceedances;
        m.recentFlags = recentFlags;
        m.provisional = provisional;
        return m;
    }

    /** In-place heap sort of {@code a[0, n)}: no allocation (Arrays.sort may allocate run buffers). */
    static void heapSort(double[] a, int n) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(a, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            double tmp = a[0];
            a[0] = a[end];
            a[end] = tmp;
            siftDown(a, 0, end);
        }
    }

    private static void siftDown(double[] a, int i, int n) {
        double v = a[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && a[child + 1] > a[child]) {
                child++;
            }
            if (!(a[child] > v)) {
                break;
            }
            a[i] = a[child];
            i = child;
        }
        a[i] = v;
    }
}
