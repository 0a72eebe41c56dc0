package io.clipstream.detect;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import org.HdrHistogram.DoubleHistogram;

/**
 * An anomaly threshold that follows drift, by one of two {@link Method}s, with a change test that restarts it when
 * the score distribution moves.
 *
 * <h2>Methods and what each guarantees</h2>
 * <ul>
 *   <li>{@link Method#PEAKS_OVER_THRESHOLD} (the default): <b>after a warm-up of {@code warmup} scores (default
 *       500) every score is ANOMALY or BENIGN, and on a stationary stream about a fraction {@code q = 1 - p} of
 *       the ordinary scores is flagged (as far as a generalized Pareto tail fits them).</b> An extreme-value
 *       threshold in the manner of SPOT/DSPOT (Siffer et al., KDD 2017): a generalized Pareto tail fitted to the
 *       peaks of the scores over a moving local level, censored where anomalies are kept out of the fit
 *       ({@link PeaksOverThreshold} explains the fit). It gives finite thresholds for small risks
 *       ({@code p = 0.999 .. 1 - 1e-6}) after the same warm-up. ABSTAIN only during the warm-up.</li>
 *   <li>{@link Method#CONFIDENCE_SEQUENCE}: <b>with probability {@code >= 1 - 2a} no ANOMALY below, and no BENIGN
 *       above, the true {@code p}-quantile on a stationary stream; every other score abstains</b>, including
 *       anomalies inside the interval and every score during the long warm-up of
 *       {@link QuantileConfidence#scoresUntilFinite} scores (315,571 for {@code p = 0.99, a = 0.05}; for
 *       {@code p < 1/2} ANOMALY is possible sooner, after {@link QuantileConfidence#scoresUntilUpperFinite}). The quantile
 *       confidence sequence ({@link QuantileConfidence}, Sun et al. 2024) for the {@code p}-quantile of all scores
 *       since the last reset gives an interval {@code [lower, upper]}: above it ANOMALY, below it BENIGN, inside
 *       ABSTAIN; at most {@code 7 sqrt(T ln(1612 ln(e T) / a^2))} abstentions on a stationary stream.</li>
 * </ul>
 * Read {@link Decision#ABSTAIN} as "not enough evidence yet": with the confidence sequence it can hide anomalies;
 * count or review abstentions where that matters ({@link AnomalyDetector#abstentions()}).
 *
 * <h2>Change test</h2>
 * The scores of the current block (at most {@code blockLength}, default 1024) are compared with all scores since
 * the last reset through the confidence intervals of a bulk quantile (the median by default): when the block's
 * interval lies entirely above or below the history's, the distribution has moved; the history is replaced by
 * the block's scores and a change is reported. The confidence sequence then continues from the block's scores;
 * peaks over threshold calibrates afresh on the next {@code warmup} scores. Watching the median rather than
 * {@code p} matters: its interval has two finite ends after ~40 scores, so an upward shift is found within a
 * block's first hundred or so scores. A block that started before the shift holds old scores that dilute its
 * median, so the delay is between ~100 scores and about one block length. Block {@code k} uses confidence
 * {@code a / (k (k + 1))}, so over the whole stream the chance of any false change is at most {@code a} (plus
 * {@code a} for the history's own sequence). The test runs every {@code min(128, t/16)} scores.
 *
 * <h2>Cost and memory</h2>
 * Two {@link DoubleHistogram}s of ~43 KB (dynamic range 10^12, two significant digits) for the change test and
 * the confidence sequence: recording is O(1) and allocation-free; the confidence interval and the change test are
 * recomputed every {@code min(128, t/16)} scores (a percentile query walks the histogram, ~2 microseconds).
 * Peaks over threshold adds {@code 16 warmup + 16 maxPeaks} bytes (12 KB by default) and, per score over the
 * initial threshold (about one in ten), an O({@code maxPeaks}) insertion and refit. A change event allocates ~160
 * bytes (the histogram merge); nothing else allocates after warm-up.
 *
 * <h2>Scores of any magnitude</h2>
 * Decisions compare the raw score with the threshold. The history, however, records a clamped copy: a histogram
 * covers a ratio of about 10^12 between its smallest and largest non-zero value, so a recorded score is clamped
 * into {@code [max / 10^10, min * 10^10]} of the non-zero scores since the last reset (and into
 * {@code [1e-200, 1e200]} overall; zero is recorded as zero). When scores above the window outnumber those more
 * than ten decades below them, the window moves up instead and the few low scores are raised (so one early tiny
 * score cannot cap every later one). Clamping keeps the order of all scores except the clamped ones, so quantiles
 * are unaffected unless more than {@code 1 - p} of the history lies more than ten decades away from the rest; when the scale of the scores really moves that far, the change test fires on the clamped
 * scores, the history restarts from the block, and the window moves with it.
 *
 * <p>Not thread-safe.
 */
public final class AdaptiveThreshold {

    /** How scores become decisions; see the class comment for the guarantee of each. */
    public enum Method {
        /**
         * Extreme-value threshold (generalized Pareto tail over a moving level): ANOMALY or BENIGN for every score
         * after {@code warmup} scores, about {@code 1 - p} of ordinary scores flagged. The default.
         */
        PEAKS_OVER_THRESHOLD,
        /**
         * Quantile confidence sequence: no mistake with probability {@code >= 1 - 2a} on a stationary stream, at
         * the cost of ABSTAIN inside the interval and during a warm-up of {@code ~1/(1-p)^2} scores.
         */
        CONFIDENCE_SEQUENCE
    }

    /** Default target quantile. */
    public static final double DEFAULT_QUANTILE = 0.99;
    /**
     * Smallest quantile peaks over threshold accepts: an extreme-value model of the upper tail, fitted above the
     * {@code 1 - 2(1 - p)} quantile, it has no tail left to model when {@code 1 - p} is large. Measured on chi
     * scores (mean detector, d = 8, 19,000 Gaussian samples after warm-up, seed 3), the share flagged over
     * {@code 1 - p}: 2.5x at p = 0.99, 2.1x at 0.95, 1.8x at 0.9 and 0.85, 1.9x at 0.8, 2.0x at 0.75, then 1.65x
     * at 0.7, 0.77x at 0.6, 0.3x at 0.5, and at p = 0.3 it abstained on 88% of the scores (its change test fired
     * again and again). Builders refuse lower p for this method (the confidence sequence takes any p); a state
     * restored from an earlier version is read as it was written.
     */
    public static final double MIN_PEAKS_QUANTILE = 0.75;
    /** Default confidence parameter. */
    public static final double DEFAULT_CONFIDENCE = 0.05;
    /** Default calibration length of peaks over threshold: the warm-up after construction and after each change. */
    public static final int DEFAULT_WARMUP = 500;
    /** Default rate of the moving local level that peaks over threshold measures scores against. */
    public static final double DEFAULT_LEVEL_RATE = 0;
    /** Default number of recent peaks the generalized Pareto fit uses. */
    public static final int DEFAULT_MAX_PEAKS = 256;
    /** Default quantile the change test watches. */
    public static final double DEFAULT_CHANGE_QUANTILE = 0.5;
    /** Default block length of the change test. */
    public static final int DEFAULT_BLOCK_LENGTH = 1024;

    private static final long RANGE = 1_000_000_000_000L;
    /** Largest ratio between recorded non-zero scores since a reset; 100x inside what the histograms cover. */
    static final double SPAN = 1e10;
    /** Smallest non-zero and largest value recorded at all; the histograms cannot cover values near the ends of double. */
    static final double FLOOR = 1e-200;
    static final double CEILING = 1e200;

    private final Method method;
    private final double p;
    private final double a;
    private final double changeQuantile;
    private final int blockLength;
    private final boolean detectChanges;
    /** The extreme-value model (peaks over threshold only); replaced, never half-written, by a restore. */
    private PeaksOverThreshold pot;
    /** Scores since the last reset; replaced (never half-written) by a restore. */
    private DoubleHistogram all = new DoubleHistogram(RANGE, 2);
    /** Scores of the current change-test block. */
    private DoubleHistogram block = new DoubleHistogram(RANGE, 2);
    private double lower = Double.NEGATIVE_INFINITY;
    private double upper = Double.POSITIVE_INFINITY;
    private long sinceRefresh;
    private long blockIndex = 1;
    private long changes;
    /** Smallest non-zero and largest score recorded in {@link #all} since its last reset (after clamping). */
    private double minRecorded = Double.POSITIVE_INFINITY;
    private double maxRecorded = 0;

    /**
     * A confidence-sequence threshold ({@link Method#CONFIDENCE_SEQUENCE}) for quantile {@code p} at confidence
     * {@code a}, as before peaks over threshold existed; {@link #builder()} configures either method.
     *
     * @param p the target quantile, in (0, 1)
     * @param a the error probability of the confidence sequence, in (0, 1)
     * @param detectChanges whether to run the change test
     * @param changeQuantile the quantile the change test watches, in (0, 1)
     * @param blockLength the change test's block length, at least 64
     * @throws IllegalArgumentException if a parameter is out of range
     */
    public AdaptiveThreshold(double p, double a, boolean detectChanges, double changeQuantile, int blockLength) {
        this(Method.CONFIDENCE_SEQUENCE, p, a, detectChanges, changeQuantile, blockLength, DEFAULT_WARMUP,
                DEFAULT_LEVEL_RATE, DEFAULT_MAX_PEAKS);
    }

    private AdaptiveThreshold(Method method, double p, double a, boolean detectChanges, double changeQuantile,
                              int blockLength, int warmup, double levelRate, int maxPeaks) {
        if (method == null) {
            throw new IllegalArgumentException("method must not be null");
        }
        checkQuantile(p);
        checkConfidence(a);
        checkParameters(changeQuantile, blockLength);
        checkWarmup(warmup);
        checkLevelRate(levelRate);
        checkMaxPeaks(maxPeaks);
        this.method = method;
        this.p = p;
        this.a = a;
        this.detectChanges = detectChanges;
        this.changeQuantile = changeQuantile;
        this.blockLength = blockLength;
        this.pot = method == Method.PEAKS_OVER_THRESHOLD
                ? new PeaksOverThreshold(1 - p, warmup, levelRate, maxPeaks) : null;
    }

    /** A builder; its defaults are peaks over threshold at {@code p = 0.99} with a warm-up of 500 scores. */
    public static Builder builder() {
        return new Builder();
    }

    private static void checkParameters(double changeQuantile, int blockLength) {
        if (!(changeQuantile > 0 && changeQuantile < 1)) {
            throw new IllegalArgumentException("change quantile must be in (0, 1): " + changeQuantile);
        }
        if (blockLength < 64) {
            throw new IllegalArgumentException("block length must be >= 64: " + blockLength);
        }
    }

    private static int checkWarmup(int n) {
        if (n < 32 || n > 1 << 20) {
            throw new IllegalArgumentException("warmup must be in [32, 1048576] scores: " + n);
        }
        return n;
    }

    private static double checkLevelRate(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("level rate must be in [0, 1): " + rate);
        }
        return rate;
    }

    private static int checkMaxPeaks(int n) {
        if (n < 16 || n > 1 << 20) {
            throw new IllegalArgumentException("max peaks must be in [16, 1048576]: " + n);
        }
        return n;
    }

    /**
     * Validates a target quantile for the builders that configure thresholds.
     *
     * @return {@code p}
     * @throws IllegalArgumentException unless {@code 0 < p < 1}
     */
    public static double checkQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("quantile p must be in (0, 1): " + p);
        }
        return p;
    }

    /**
     * Validates a confidence parameter for the builders that configure thresholds.
     *
     * @return {@code a}
     * @throws IllegalArgumentException unless {@code 0 < a < 1}
     */
    public static double checkConfidence(double a) {
        if (!(a > 0 && a < 1)) {
            throw new IllegalArgumentException("confidence a must be in (0, 1): " + a);
        }
        return a;
    }

    /**
     * The decision for {@code score} against the current threshold: above {@link #upper()} ANOMALY; for peaks
     * over threshold after its warm-up, BENIGN otherwise; for the confidence sequence, BENIGN below
     * {@link #lower()} and ABSTAIN in between.
     *
     * @throws IllegalArgumentException if {@code score} is NaN or negative (as {@link #observe(double)})
     */
    public Decision decide(double score) {
        if (!(score >= 0)) {
            throw new IllegalArgumentException("score must be >= 0 and not NaN: " + score); // as observe
        }
        if (score > upper) {
            return Decision.ANOMALY;
        }
        return score < lower || pot != null && pot.binary() ? Decision.BENIGN : Decision.ABSTAIN;
    }

    /**
     * Records a score (after its decision); updates the threshold and runs the change test when due.
     *
     * @param score a non-negative score ({@code +Infinity} is recorded as the largest value the history holds)
     * @return whether a change was detected (the history was then reset)
     * @throws IllegalArgumentException if the score is negative or NaN (nothing is recorded)
     */
    public boolean observe(double score) {
        if (!(score >= 0)) {
            throw new IllegalArgumentException("score must be >= 0 and not NaN: " + score);
        }
        double v = recordable(score);
        all.recordValue(v);
        block.recordValue(v);
        if (pot != null && pot.observe(score, score > upper) && detectChanges) {
            return burst();
        }
        boolean changed = false;
        long t = all.getTotalCount();
        if (++sinceRefresh >= Math.min(128, Math.max(1, t / 16))) {
            sinceRefresh = 0;
            changed = detectChanges && changeTest();
            if (pot == null) {
                refresh();
            }
        }
        if (!changed && block.getTotalCount() >= blockLength) {
            block.reset();
            blockIndex++;
        }
        if (pot != null) {
            if (changed) {
                // after a fall of the scores the old threshold is a conservative one for the new regime: keep
                // deciding with it while the model recalibrates, instead of abstaining
                pot.reset(lastChangeDownward && pot.ready ? pot.threshold() : Double.POSITIVE_INFINITY);
            }
            upper = pot.threshold();
            lower = pot.binary() ? upper : Double.NEGATIVE_INFINITY;
        }
        return changed;
    }

    /** The clamped copy of a score that the histograms record (see the class comment). */
    private double recordable(double score) {
        if (score == 0) {
            return 0;
        }
        double v = Math.min(CEILING, Math.max(FLOOR, score));
        if (maxRecorded > 0) {
            if (v > minRecorded * SPAN && lowsAreTheFewer(v)) {
                raiseHistory(v / SPAN);
            }
            v = Math.min(minRecorded * SPAN, Math.max(maxRecorded / SPAN, v));
        }
        minRecorded = Math.min(minRecorded, v);
        maxRecorded = Math.max(maxRecorded, v);
        return v;
    }

    /**
     * Whether the scores more than ten decades below {@code v} are fewer than those clamped down to the top of the
     * window (counted in its bucket) with {@code v}: then the window moves up to {@code v}, raising the few low
     * scores, instead of clamping every later ordinary score down to a ceiling that one early tiny score set (it
     * once held a confidence-sequence threshold at 0.84 for scores whose 0.9-quantile was 2.3). A single huge score
     * among ordinary ones is still the one clamped. Cold: only for scores above the window; decided from the
     * histograms alone, so a restored threshold decides the same.
     */
    private boolean lowsAreTheFewer(double v) {
        double ceiling = minRecorded * SPAN;
        double atCeiling = all.getCountBetweenValues(all.lowestEquivalentValue(ceiling), ceiling * 2);
        double zeros = all.getCountAtValue(0);
        double low = all.getCountBetweenValues(0, v / SPAN) - zeros;
        return low < atCeiling + 1;
    }

    /** Rebuilds both histograms with every non-zero score below {@code floor} raised to it (cold). */
    private void raiseHistory(double floor) {
        all = raised(all, floor);
        block = raised(block, floor);
        minRecorded = floor;
        if (maxRecorded < floor) {
            maxRecorded = floor;
        }
    }

    private static DoubleHistogram raised(DoubleHistogram h, double floor) {
        DoubleHistogram r = new DoubleHistogram(RANGE, 2);
        for (var x : h.recordedValues()) {
            double value = x.getValueIteratedTo();
            r.recordValueWithCount(value == 0 ? 0 : Math.max(floor, value), x.getCountAtValueIteratedTo());
        }
        return r;
    }

    private void resetRange() {
        minRecorded = Double.POSITIVE_INFINITY;
        maxRecorded = 0;
    }

    /** Whether the median test's last change was a fall of the scores (not part of the state: used at once). */
    private boolean lastChangeDownward;

    private boolean changeTest() {
        double blockA = a / ((double) blockIndex * (blockIndex + 1));
        double blockLow = QuantileConfidence.lower(block, changeQuantile, blockA);
        double blockHigh = QuantileConfidence.upper(block, changeQuantile, blockA);
        double allLow = QuantileConfidence.lower(all, changeQuantile, a);
        double allHigh = QuantileConfidence.upper(all, changeQuantile, a);
        if (blockLow > allHigh || blockHigh < allLow) {
            lastChangeDownward = blockHigh < allLow;
            changes++;
            all.reset();
            all.add(block);
            resetRange();
            if (block.getTotalCount() > block.getCountAtValue(0)) {
                minRecorded = block.getMinNonZeroValue();
                maxRecorded = block.getMaxValue();
            }
            block.reset();
            blockIndex++;
            return true;
        }
        return false;
    }

    /**
     * Peaks over threshold saw most of the last 64 scores flagged: the distribution has moved (an abrupt shift
     * flags nearly everything, and the median-based test would need up to a block to see it). The history
     * restarts empty, so that the median test can later see the scores fall back; the model recalibrates.
     */
    private boolean burst() {
        changes++;
        all.reset();
        block.reset();
        blockIndex++;
        resetRange();
        sinceRefresh = 0;
        pot.reset(Double.POSITIVE_INFINITY);
        upper = Double.POSITIVE_INFINITY;
        lower = Double.NEGATIVE_INFINITY;
        return true;
    }

    private void refresh() {
        lower = QuantileConfidence.lower(all, p, a);
        upper = QuantileConfidence.upper(all, p, a);
    }

    /** Forgets every score (as after a change), keeping the change counter; peaks over threshold warms up again. */
    public void reset() {
        all.reset();
        block.reset();
        resetRange();
        sinceRefresh = 0;
        if (pot != null) {
            pot.reset(Double.POSITIVE_INFINITY);
            upper = Double.POSITIVE_INFINITY;
            lower = Double.NEGATIVE_INFINITY;
        } else {
            refresh();
        }
    }

    /**
     * The lower end of the current interval ({@code -Infinity} until it is finite); for peaks over threshold,
     * equal to {@link #upper()} once warmed up (a point threshold: at or below it BENIGN).
     */
    public double lower() {
        return lower;
    }

    /**
     * The upper end of the current interval ({@code +Infinity} until it is finite): scores above it are ANOMALY.
     * For peaks over threshold, the threshold itself, {@code level + z}.
     */
    public double upper() {
        return upper;
    }

    /** Scores recorded since the last reset. */
    public long scoresSinceReset() {
        return all.getTotalCount();
    }

    /** Changes detected so far. */
    public long changes() {
        return changes;
    }

    /** The target quantile. */
    public double quantile() {
        return p;
    }

    /** The confidence parameter (of the confidence sequence and of the change test). */
    public double confidence() {
        return a;
    }

    /** The method. */
    public Method method() {
        return method;
    }

    /**
     * The scores after construction or a reset (or a detected change) before an ANOMALY is possible: the
     * calibration length for peaks over threshold, {@link QuantileConfidence#scoresUntilUpperFinite} for the
     * confidence sequence (the upper end is what an ANOMALY needs; that is {@link QuantileConfidence#scoresUntilFinite}
     * for {@code p >= 1/2}; at least that many: its interval is refreshed every {@code min(128, t/16)} scores).
     */
    public long warmup() {
        return pot != null ? pot.warmup : QuantileConfidence.scoresUntilUpperFinite(p, a);
    }

    /** Scores still needed before an ANOMALY is possible (0 once the threshold is finite). */
    public long warmupRemaining() {
        if (pot != null) {
            return pot.remainingWarmup();
        }
        return upper < Double.POSITIVE_INFINITY ? 0 : Math.max(1, warmup() - scoresSinceReset());
    }

    // ------------------------------------------------------------------ state for snapshots

    /** Magic of the version-1 state (no version field, no checksum); still read. */
    static final int STATE_MAGIC_V1 = 0x434C5448;
    /** Magic of the versioned states, bytes "CLTS". */
    static final int STATE_MAGIC = 0x53544C43;
    /**
     * Version 3 stores the histograms in HdrHistogram's plain encoding (zero runs already collapsed) instead of its
     * Deflate-compressed one: about 35% more bytes, but 4-5x faster to write and 2-10x faster to read, which is
     * what a state backend that (de)serializes per element (Flink's RocksDB) pays for. Version 2 (compressed) and
     * version 1 are still read.
     */
    static final short STATE_VERSION = 3;
    /** The previous version, with compressed histograms; still read. */
    static final short STATE_VERSION_COMPRESSED = 2;
    /** Most scores a restored history may hold: far beyond any stream, far below where counts overflow. */
    static final long MAX_COUNT = 1L << 60;

    /**
     * The complete state (parameters, interval, counters and both histograms) as bytes, for snapshots of the
     * structures that own a threshold: format version 3, little-endian, CRC32C-checked (see {@link #restoreState}).
     * Allocates.
     */
    public byte[] state() {
        byte[] h1 = encode(all);
        byte[] h2 = encode(block);
        byte[] section = pot == null ? new byte[0] : PeaksOverThreshold.writeState(pot);
        ByteBuffer out = ByteBuffer.allocate(STATE_FIXED + 4 + h1.length + 4 + h2.length + 4 + section.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(STATE_MAGIC).putShort(STATE_VERSION).put((byte) method.ordinal())
                .put((byte) (detectChanges ? 1 : 0))
                .putDouble(p).putDouble(a).putDouble(changeQuantile).putInt(blockLength).putInt(0)
                .putDouble(lower).putDouble(upper).putLong(sinceRefresh).putLong(blockIndex).putLong(changes)
                .putDouble(minRecorded).putDouble(maxRecorded);
        out.putInt(h1.length).put(h1).putInt(h2.length).put(h2);
        out.putInt(section.length).put(section); // method section: empty for the confidence sequence
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** Bytes before the first histogram in versions 2 and 3. */
    private static final int STATE_FIXED = 96;

    private static byte[] encode(DoubleHistogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity() + 64);
        int n = h.encodeIntoByteBuffer(b);
        return Arrays.copyOf(b.array(), n);
    }

    /**
     * A threshold built from a {@link #state()}, with the parameters the state holds.
     *
     * @throws IllegalArgumentException if the bytes are null, truncated, corrupt (checksum), of an unknown version,
     *     or hold a field out of range (the message names it)
     */
    public static AdaptiveThreshold restore(byte[] state) {
        Decoded d = decodeState(state);
        AdaptiveThreshold t = d.pot == null
                ? new AdaptiveThreshold(d.p, d.a, d.detectChanges, d.changeQuantile, d.blockLength)
                : new AdaptiveThreshold(Method.PEAKS_OVER_THRESHOLD, d.p, d.a, d.detectChanges, d.changeQuantile,
                        d.blockLength, d.pot.warmup, d.pot.levelRate, d.pot.maxPeaks);
        t.apply(d);
        return t;
    }

    /**
     * Restores a {@link #state()} of a threshold with the same parameters. Reads the current format (version 3,
     * checksummed), version 2 (checksummed, compressed histograms) and version 1 (no checksum). Everything is decoded and validated before anything changes: on
     * any error this threshold is left exactly as it was.
     *
     * @throws IllegalArgumentException if the bytes are null, truncated, corrupt, hold a field out of range, or
     *     were written with other parameters (the message names the problem)
     */
    public void restoreState(byte[] bytes) {
        Decoded d = decodeState(bytes);
        Method m = d.pot == null ? Method.CONFIDENCE_SEQUENCE : Method.PEAKS_OVER_THRESHOLD;
        if (m != method) {
            throw new IllegalArgumentException("threshold state of method " + m + ", this threshold uses " + method);
        }
        if (pot != null && (d.pot.warmup != pot.warmup || d.pot.levelRate != pot.levelRate
                || d.pot.maxPeaks != pot.maxPeaks)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "threshold state for warmup %d, level "
                    + "rate %s, max peaks %d; this threshold has warmup %d, level rate %s, max peaks %d",
                    d.pot.warmup, d.pot.levelRate, d.pot.maxPeaks, pot.warmup, pot.levelRate, pot.maxPeaks));
        }
        if (d.p != p || d.a != a || d.changeQuantile != changeQuantile || d.blockLength != blockLength
                || d.detectChanges != detectChanges) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "threshold state for "
                    + "p=%s a=%s change quantile %s block %d changes %s, this threshold has p=%s a=%s change "
                    + "quantile %s block %d changes %s", d.p, d.a, d.changeQuantile, d.blockLength,
                    d.detectChanges, p, a, changeQuantile, blockLength, detectChanges));
        }
        apply(d);
    }

    /** Swaps the decoded state in; cannot fail. */
    private void apply(Decoded d) {
        all = d.all;
        block = d.block;
        lower = d.lower;
        upper = d.upper;
        sinceRefresh = d.sinceRefresh;
        blockIndex = d.blockIndex;
        changes = d.changes;
        minRecorded = d.minRecorded;
        maxRecorded = d.maxRecorded;
        if (d.pot != null) {
            pot = d.pot;
        }
    }

    /** A decoded, fully validated state. */
    private record Decoded(double p, double a, double changeQuantile, int blockLength, boolean detectChanges,
                           double lower, double upper, long sinceRefresh, long blockIndex, long changes,
                           double minRecorded, double maxRecorded, DoubleHistogram all, DoubleHistogram block,
                           PeaksOverThreshold pot) {
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("invalid threshold state: " + problem);
    }

    private static Decoded decodeState(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("threshold state must not be null");
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.length < 4) {
                throw invalid("truncated: " + bytes.length + " bytes");
            }
            int magic = in.getInt();
            boolean v1 = magic == STATE_MAGIC_V1;
            if (!v1) {
                if (magic != STATE_MAGIC) {
                    throw invalid("not a threshold state (magic 0x" + Integer.toHexString(magic) + ")");
                }
                if (bytes.length < STATE_FIXED + 4) {
                    throw invalid("truncated: " + bytes.length + " bytes");
                }
                CRC32C crc = new CRC32C();
                crc.update(bytes, 0, bytes.length - 4);
                int stored = in.getInt(bytes.length - 4);
                if (stored != (int) crc.getValue()) {
                    throw invalid("checksum mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                            + Integer.toHexString((int) crc.getValue()) + "): the bytes are corrupt");
                }
                short version = in.getShort();
                if (version != STATE_VERSION && version != STATE_VERSION_COMPRESSED) {
                    throw invalid("unsupported version " + version + " (this library reads 1 to " + STATE_VERSION
                            + ")");
                }
                int method = in.get();
                if (method < 0 || method >= Method.values().length) {
                    throw invalid("unknown threshold method " + method);
                }
                int flags = in.get();
                if ((flags & ~1) != 0) {
                    throw invalid("unknown flags 0x" + Integer.toHexString(flags & 0xFF));
                }
            }
            double sp;
            double sa;
            double sq;
            int sb;
            boolean sd;
            if (v1) {
                sp = in.getDouble();
                sa = in.getDouble();
                sq = in.getDouble();
                sb = in.getInt();
                int flag = in.get();
                if (flag != 0 && flag != 1) {
                    throw invalid("change-test flag " + flag);
                }
                sd = flag == 1;
            } else {
                sd = (bytes[7] & 1) != 0;
                sp = in.getDouble();
                sa = in.getDouble();
                sq = in.getDouble();
                sb = in.getInt();
                if (in.getInt() != 0) {
                    throw invalid("reserved field is not zero");
                }
            }
            try {
                checkQuantile(sp);
                checkConfidence(sa);
                checkParameters(sq, sb);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            double lo = in.getDouble();
            double hi = in.getDouble();
            long since = in.getLong();
            long bi = in.getLong();
            long ch = in.getLong();
            double minR = in.getDouble();
            double maxR = in.getDouble();
            boolean compressed = v1 || in.getShort(4) == STATE_VERSION_COMPRESSED;
            DoubleHistogram h1 = decode(in, compressed);
            DoubleHistogram h2 = decode(in, compressed);
            PeaksOverThreshold model = null;
            if (!v1) {
                int methodBytes = in.getInt();
                boolean peaks = bytes[6] == Method.PEAKS_OVER_THRESHOLD.ordinal();
                if (methodBytes < 0 || methodBytes > in.remaining() - 4 || !peaks && methodBytes != 0) {
                    throw invalid("method section of " + methodBytes + " bytes");
                }
                if (peaks) {
                    int end = in.position() + methodBytes;
                    try {
                        model = PeaksOverThreshold.readState(in.slice(in.position(), methodBytes).order(ByteOrder.LITTLE_ENDIAN),
                                1 - sp);
                    } catch (IllegalArgumentException e) {
                        throw invalid(e.getMessage());
                    }
                    in.position(end);
                }
                in.getInt(); // the checksum, verified above
            }
            if (in.hasRemaining()) {
                throw invalid(in.remaining() + " trailing bytes");
            }
            return validate(new Decoded(sp, sa, sq, sb, sd, lo, hi, since, bi, ch, minR, maxR, h1, h2, model));
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw invalid("truncated (" + bytes.length + " bytes)");
        }
    }

    /** Checks every field and the histograms against each other and against what {@link #observe} can reach. */
    private static Decoded validate(Decoded d) {
        if (d.pot != null) {
            double threshold = d.pot.threshold();
            double low = d.pot.binary() ? threshold : Double.NEGATIVE_INFINITY;
            if (Double.doubleToLongBits(d.upper) != Double.doubleToLongBits(threshold)
                    || Double.doubleToLongBits(d.lower) != Double.doubleToLongBits(low)) {
                throw invalid("interval [" + d.lower + ", " + d.upper + "] is not the model's threshold " + threshold);
            }
        }
        if (Double.isNaN(d.lower) || Double.isNaN(d.upper) || d.lower > d.upper || d.lower == Double.POSITIVE_INFINITY
                || d.upper == Double.NEGATIVE_INFINITY) {
            throw invalid("interval [" + d.lower + ", " + d.upper + "]");
        }
        if (d.sinceRefresh < 0 || d.sinceRefresh >= 128) {
            throw invalid("scores since the last refresh " + d.sinceRefresh + " (must be in [0, 128))");
        }
        if (d.blockIndex < 1 || d.blockIndex > MAX_COUNT || d.changes < 0 || d.changes >= d.blockIndex) {
            throw invalid("block index " + d.blockIndex + " and changes " + d.changes
                    + " (need 0 <= changes < block index <= 2^60)");
        }
        long total = d.all.getTotalCount();
        long inBlock = d.block.getTotalCount();
        if (total < 0 || total > MAX_COUNT || inBlock < 0 || inBlock > total || inBlock >= d.blockLength) {
            throw invalid("history of " + total + " scores with " + inBlock + " in the current block (block length "
                    + d.blockLength + ")");
        }
        boolean empty = total == d.all.getCountAtValue(0);
        if (empty) {
            if (d.minRecorded != Double.POSITIVE_INFINITY || d.maxRecorded != 0) {
                throw invalid("recorded range [" + d.minRecorded + ", " + d.maxRecorded + "] of a history without "
                        + "non-zero scores");
            }
        } else {
            // after a change the range is the block histogram's, rounded to its ~1% buckets: allow that much
            if (!(d.minRecorded >= FLOOR / 1.05 && d.maxRecorded <= CEILING * 1.05 && d.minRecorded <= d.maxRecorded
                    && d.maxRecorded <= d.minRecorded * SPAN * 1.05)) {
                throw invalid("recorded range [" + d.minRecorded + ", " + d.maxRecorded + "]");
            }
            // every recorded value lies in the recorded range, up to the histograms' 1% rounding
            for (DoubleHistogram h : new DoubleHistogram[] {d.all, d.block}) {
                if (h.getTotalCount() == h.getCountAtValue(0)) {
                    continue;
                }
                double lowest = h.getMinNonZeroValue();
                double highest = h.getMaxValue();
                if (!(lowest >= d.minRecorded / 1.05 && highest <= d.maxRecorded * 1.05)) {
                    throw invalid("histogram values [" + lowest + ", " + highest + "] outside the recorded range ["
                            + d.minRecorded + ", " + d.maxRecorded + "]");
                }
            }
        }
        if (d.block.getTotalCount() > 0 && d.block.getTotalCount() > d.block.getCountAtValue(0) && empty) {
            throw invalid("block holds scores the history does not");
        }
        return d;
    }

    /**
     * Decodes one histogram and checks that it is one the threshold could have written: the same range and
     * precision (so that later values fit, where a wider one made HdrHistogram throw inside {@link #observe}), and
     * values inside what the threshold records. The decoded histogram itself is used (not a copy): it keeps the
     * original's auto-ranging state, so the restored threshold rounds, and decides, exactly as the original.
     */
    private static DoubleHistogram decode(ByteBuffer in, boolean compressed) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw invalid("histogram of " + n + " bytes, " + in.remaining() + " left");
        }
        byte[] copy = new byte[n];
        in.get(copy); // HdrHistogram's decoder reads the backing array from index 0: give it its own
        try {
            if (!compressed) {
                // the plain encoding starts with the shape (big-endian: cookie, digits, range): refuse another shape
                // before HdrHistogram allocates counts for it
                ByteBuffer head = ByteBuffer.wrap(copy);
                if (n < 16 || head.getInt(4) != 2 || head.getLong(8) != RANGE) {
                    throw invalid("histogram of another shape (" + (n < 16 ? n + " bytes" : "digits "
                            + head.getInt(4) + ", range " + head.getLong(8)) + "; expected 2 digits, range " + RANGE
                            + ")");
                }
            }
            DoubleHistogram h = compressed ? DoubleHistogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(copy), RANGE)
                    : DoubleHistogram.decodeFromByteBuffer(ByteBuffer.wrap(copy), RANGE);
            if (h.getNumberOfSignificantValueDigits() != 2 || h.getHighestToLowestValueRatio() != RANGE) {
                throw invalid("histogram of range " + h.getHighestToLowestValueRatio() + " with "
                        + h.getNumberOfSignificantValueDigits() + " digits (expected " + RANGE + ", 2)");
            }
            if (h.getTotalCount() < 0) {
                throw invalid("histogram with a negative count");
            }
            // the recorded values' range, from the values themselves: a histogram that holds only zeros has not
            // auto-ranged, and its getMaxValue() is meaningless (5e238), though every value in it is 0
            long sum = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (var v : h.recordedValues()) {
                sum += v.getCountAtValueIteratedTo();
                if (v.getCountAtValueIteratedTo() < 0 || sum < 0) {
                    throw invalid("histogram counts overflow");
                }
                min = Math.min(min, v.getValueIteratedTo());
                max = Math.max(max, v.getValueIteratedTo());
            }
            if (sum > 0 && !(min >= 0 && max <= CEILING * 1.05)) {
                throw invalid("histogram values [" + min + ", " + max + "]");
            }
            if (sum != h.getTotalCount()) {
                throw invalid("histogram counts do not add up");
            }
            return h;
        } catch (DataFormatException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith("invalid threshold state")) {
                throw iae;
            }
            throw invalid("corrupt histogram (" + e + ")");
        }
    }

    /**
     * Configures an {@link AdaptiveThreshold}; every setter validates eagerly, naming the value. Defaults: peaks over
     * threshold, {@code p = 0.99}, {@code a = 0.05}, warm-up 500 scores, no level tracking (level rate 0), 256 peaks,
     * change test on (median, blocks of 1024).
     */
    public static final class Builder {
        private Method method = Method.PEAKS_OVER_THRESHOLD;
        private double quantile = DEFAULT_QUANTILE;
        private double confidence = DEFAULT_CONFIDENCE;
        private boolean detectChanges = true;
        private double changeQuantile = DEFAULT_CHANGE_QUANTILE;
        private int blockLength = DEFAULT_BLOCK_LENGTH;
        private int warmup = DEFAULT_WARMUP;
        private double levelRate = DEFAULT_LEVEL_RATE;
        private int maxPeaks = DEFAULT_MAX_PEAKS;
        private boolean acceptEarlierPeaksQuantile;

        private Builder() {
        }

        /** The method (default {@link Method#PEAKS_OVER_THRESHOLD}). */
        public Builder method(Method m) {
            if (m == null) {
                throw new IllegalArgumentException("method must not be null");
            }
            this.method = m;
            return this;
        }

        /** The target quantile {@code p} in (0, 1) (default 0.99); peaks over threshold flags {@code ~1 - p}. */
        public Builder quantile(double p) {
            this.quantile = checkQuantile(p);
            return this;
        }

        /** The confidence parameter {@code a} in (0, 1) (default 0.05) of the change test and the confidence sequence. */
        public Builder confidence(double a) {
            this.confidence = checkConfidence(a);
            return this;
        }

        /** Run the change test (default true). */
        public Builder detectChanges(boolean detect) {
            this.detectChanges = detect;
            return this;
        }

        /** The quantile the change test watches, in (0, 1) (default 0.5, the median). */
        public Builder changeQuantile(double q) {
            checkParameters(q, DEFAULT_BLOCK_LENGTH);
            this.changeQuantile = q;
            return this;
        }

        /** The change test's block length, at least 64 (default 1024). */
        public Builder blockLength(int n) {
            checkParameters(DEFAULT_CHANGE_QUANTILE, n);
            this.blockLength = n;
            return this;
        }

        /**
         * Peaks over threshold: the scores that calibrate it after construction and after each detected change,
         * in [32, 2^20] (default 500); no ANOMALY before.
         */
        public Builder warmup(int n) {
            this.warmup = checkWarmup(n);
            return this;
        }

        /**
         * Peaks over threshold: the rate of the moving local level subtracted from each score (DSPOT), in [0, 1);
         * 0 (the default) measures raw scores.
         */
        public Builder levelRate(double rate) {
            this.levelRate = checkLevelRate(rate);
            return this;
        }

        /** Peaks over threshold: how many recent peaks the tail fit uses, in [16, 2^20] (default 256). */
        public Builder maxPeaks(int n) {
            this.maxPeaks = checkMaxPeaks(n);
            return this;
        }

        /**
         * For configurations saved by a version without the {@link #MIN_PEAKS_QUANTILE} check (default false):
         * when true, {@link #build()} accepts peaks over threshold below that quantile, as those versions did, so
         * that a stored configuration (a Flink serializer snapshot, a saved job setting) is rebuilt exactly as it
         * was. Such a threshold flags far fewer than {@code 1 - p} of ordinary scores, or abstains (measured in
         * {@link #MIN_PEAKS_QUANTILE}'s comment); never set it for a new configuration.
         */
        public Builder acceptEarlierPeaksQuantile(boolean accept) {
            this.acceptEarlierPeaksQuantile = accept;
            return this;
        }

        /**
         * Builds the threshold.
         *
         * @throws IllegalArgumentException for peaks over threshold with a quantile below
         *     {@link #MIN_PEAKS_QUANTILE} (the confidence sequence takes any quantile in (0, 1)), unless
         *     {@link #acceptEarlierPeaksQuantile(boolean)} is set
         */
        public AdaptiveThreshold build() {
            if (method == Method.PEAKS_OVER_THRESHOLD && quantile < MIN_PEAKS_QUANTILE && !acceptEarlierPeaksQuantile) {
                throw new IllegalArgumentException("peaks over threshold needs quantile p >= " + MIN_PEAKS_QUANTILE
                        + " (it models the upper tail of the scores), not " + quantile
                        + "; the confidence sequence (method CONFIDENCE_SEQUENCE) takes any p in (0, 1)");
            }
            return new AdaptiveThreshold(method, quantile, confidence, detectChanges, changeQuantile, blockLength,
                    warmup, levelRate, maxPeaks);
        }
    }
}
