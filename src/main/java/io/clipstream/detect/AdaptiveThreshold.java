package io.clipstream.detect;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import org.HdrHistogram.DoubleHistogram;

/**
 * An anomaly threshold that follows drift: the quantile confidence sequence ({@link QuantileConfidence}) for the
 * target quantile {@code p} over the scores since the last reset, and a change test that resets that history when
 * the score distribution moves.
 *
 * <h2>Decisions</h2>
 * With the interval {@code [lower, upper]} for the {@code p}-quantile: a score above {@code upper} is an
 * {@link Decision#ANOMALY}, below {@code lower} {@link Decision#BENIGN}, inside {@link Decision#ABSTAIN}. On a
 * stationary stream this makes no mistakes with probability {@code >= 1 - 2a} and abstains at most
 * {@code 7 sqrt(T ln(1612 ln(e T) / a^2))} times (Sun et al.). The upper end is finite only after
 * {@link QuantileConfidence#scoresUntilFinite} scores ({@code ~12,000} for {@code p = 0.95, a = 0.05};
 * {@code 1/(1-p)^2}-ish in general): high quantiles need that much evidence, and until then high scores abstain.
 *
 * <h2>Change test</h2>
 * The scores of the current block (at most {@code blockLength}, default 1024) are compared with all scores since
 * the last reset through the confidence intervals of a bulk quantile (the median by default): when the block's
 * interval lies entirely above or below the history's, the distribution has moved; the history is replaced by
 * the block's scores and a change is reported. Watching the median rather than {@code p} matters: its interval
 * has two finite ends after ~40 scores, so an upward shift is found within a block's first hundred or so scores,
 * where an interval at {@code p} would need thousands. A block that started before the shift holds old scores
 * that dilute its median, so the delay is between ~100 scores and about one block length; shorter blocks react
 * faster, longer ones have narrower intervals. Block {@code k} uses confidence {@code a / (k (k + 1))},
 * so over the whole stream the chance of any false change is at most {@code a} (plus {@code a} for the history's
 * own sequence). The test runs at every interval refresh.
 *
 * <h2>Cost and memory</h2>
 * Two {@link DoubleHistogram}s of ~43 KB (dynamic range 10^12, two significant digits): recording is O(1) and
 * allocation-free; the interval and the change test are recomputed every {@code min(128, t/16)} scores (a
 * percentile query walks the histogram, ~2 microseconds), and between refreshes decisions use the last interval.
 * A change event allocates ~160 bytes (the histogram merge); nothing else allocates after warm-up.
 *
 * <h2>Scores of any magnitude</h2>
 * Decisions compare the raw score with the interval. The history, however, records a clamped copy: a histogram
 * covers a ratio of about 10^12 between its smallest and largest non-zero value, so a recorded score is clamped
 * into {@code [max / 10^10, min * 10^10]} of the non-zero scores since the last reset (and into
 * {@code [1e-200, 1e200]} overall; zero is recorded as zero). Clamping keeps the order of all scores except the
 * clamped ones, so quantiles are unaffected unless more than {@code 1 - p} of the history lies more than ten decades
 * away from the rest; when the scale of the scores really moves that far, the change test fires on the clamped
 * scores, the history restarts from the block, and the window moves with it.
 *
 * <p>Not thread-safe.
 */
public final class AdaptiveThreshold {

    private static final long RANGE = 1_000_000_000_000L;
    /** Largest ratio between recorded non-zero scores since a reset; 100x inside what the histograms cover. */
    static final double SPAN = 1e10;
    /** Smallest non-zero and largest value recorded at all; the histograms cannot cover values near the ends of double. */
    static final double FLOOR = 1e-200;
    static final double CEILING = 1e200;

    private final double p;
    private final double a;
    private final double changeQuantile;
    private final int blockLength;
    private final boolean detectChanges;
    private final DoubleHistogram all = new DoubleHistogram(RANGE, 2);
    private final DoubleHistogram block = new DoubleHistogram(RANGE, 2);
    private double lower = Double.NEGATIVE_INFINITY;
    private double upper = Double.POSITIVE_INFINITY;
    private long sinceRefresh;
    private long blockIndex = 1;
    private long changes;
    /** Smallest non-zero and largest score recorded in {@link #all} since its last reset (after clamping). */
    private double minRecorded = Double.POSITIVE_INFINITY;
    private double maxRecorded = 0;

    /**
     * A threshold for quantile {@code p} at confidence {@code a}.
     *
     * @param p the target quantile, in (0, 1)
     * @param a the error probability of the confidence sequence, in (0, 1)
     * @param detectChanges whether to run the change test
     * @param changeQuantile the quantile the change test watches, in (0, 1)
     * @param blockLength the change test's block length, at least 64
     * @throws IllegalArgumentException if a parameter is out of range
     */
    public AdaptiveThreshold(double p, double a, boolean detectChanges, double changeQuantile, int blockLength) {
        checkQuantile(p);
        checkConfidence(a);
        if (!(changeQuantile > 0 && changeQuantile < 1)) {
            throw new IllegalArgumentException("change quantile must be in (0, 1): " + changeQuantile);
        }
        if (blockLength < 64) {
            throw new IllegalArgumentException("block length must be >= 64: " + blockLength);
        }
        this.p = p;
        this.a = a;
        this.detectChanges = detectChanges;
        this.changeQuantile = changeQuantile;
        this.blockLength = blockLength;
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

    /** The decision for {@code score} against the current interval. */
    public Decision decide(double score) {
        return score > upper ? Decision.ANOMALY : score < lower ? Decision.BENIGN : Decision.ABSTAIN;
    }

    /**
     * Records a score; refreshes the interval and runs the change test when due.
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
        boolean changed = false;
        long t = all.getTotalCount();
        if (++sinceRefresh >= Math.min(128, Math.max(1, t / 16))) {
            sinceRefresh = 0;
            changed = detectChanges && changeTest();
            refresh();
        }
        if (!changed && block.getTotalCount() >= blockLength) {
            block.reset();
            blockIndex++;
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
            v = Math.min(minRecorded * SPAN, Math.max(maxRecorded / SPAN, v));
        }
        minRecorded = Math.min(minRecorded, v);
        maxRecorded = Math.max(maxRecorded, v);
        return v;
    }

    private void resetRange() {
        minRecorded = Double.POSITIVE_INFINITY;
        maxRecorded = 0;
    }

    private boolean changeTest() {
        double blockA = a / ((double) blockIndex * (blockIndex + 1));
        double blockLow = QuantileConfidence.lower(block, changeQuantile, blockA);
        double blockHigh = QuantileConfidence.upper(block, changeQuantile, blockA);
        double allLow = QuantileConfidence.lower(all, changeQuantile, a);
        double allHigh = QuantileConfidence.upper(all, changeQuantile, a);
        if (blockLow > allHigh || blockHigh < allLow) {
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

    private void refresh() {
        lower = QuantileConfidence.lower(all, p, a);
        upper = QuantileConfidence.upper(all, p, a);
    }

    /** Forgets every score (as after a change), keeping the change counter. */
    public void reset() {
        all.reset();
        block.reset();
        resetRange();
        sinceRefresh = 0;
        refresh();
    }

    /** The lower end of the current interval ({@code -Infinity} until it is finite). */
    public double lower() {
        return lower;
    }

    /** The upper end of the current interval ({@code +Infinity} until it is finite). */
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

    /** The confidence parameter. */
    public double confidence() {
        return a;
    }

    // ------------------------------------------------------------------ state for snapshots

    private static final int STATE_MAGIC = 0x434C5448; // "CLTH"

    /**
     * The complete state (parameters, interval, counters and both histograms, compressed) as bytes, for
     * snapshots of the structures that own a threshold. Allocates.
     */
    public byte[] state() {
        ByteBuffer a = ByteBuffer.allocate(all.getNeededByteBufferCapacity() + 64);
        int allBytes = all.encodeIntoCompressedByteBuffer(a);
        ByteBuffer b = ByteBuffer.allocate(block.getNeededByteBufferCapacity() + 64);
        int blockBytes = block.encodeIntoCompressedByteBuffer(b);
        ByteBuffer out = ByteBuffer.allocate(4 + 8 * 3 + 4 + 1 + 8 * 2 + 8 * 3 + 8 * 2 + 4 + allBytes + 4 + blockBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(STATE_MAGIC).putDouble(p).putDouble(this.a).putDouble(changeQuantile).putInt(blockLength)
                .put((byte) (detectChanges ? 1 : 0)).putDouble(lower).putDouble(upper).putLong(sinceRefresh)
                .putLong(blockIndex).putLong(changes).putDouble(minRecorded).putDouble(maxRecorded);
        out.putInt(allBytes).put(a.array(), 0, allBytes).putInt(blockBytes).put(b.array(), 0, blockBytes);
        return out.array();
    }

    /**
     * Restores a {@link #state()} of a threshold with the same parameters; on any error nothing changes.
     *
     * @throws IllegalArgumentException if the bytes are malformed or were written with other parameters
     */
    public void restoreState(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (in.getInt() != STATE_MAGIC) {
                throw new IllegalArgumentException("not a threshold state");
            }
            double sp = in.getDouble();
            double sa = in.getDouble();
            double sq = in.getDouble();
            int sb = in.getInt();
            boolean sd = in.get() != 0;
            if (sp != p || sa != a || sq != changeQuantile || sb != blockLength || sd != detectChanges) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "threshold state for "
                        + "p=%s a=%s change quantile %s block %d changes %s, this threshold has p=%s a=%s change "
                        + "quantile %s block %d changes %s", sp, sa, sq, sb, sd, p, a, changeQuantile, blockLength,
                        detectChanges));
            }
            double lo = in.getDouble();
            double hi = in.getDouble();
            long since = in.getLong();
            long bi = in.getLong();
            long ch = in.getLong();
            double minR = in.getDouble();
            double maxR = in.getDouble();
            DoubleHistogram h1 = decode(in);
            DoubleHistogram h2 = decode(in);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " trailing bytes");
            }
            all.reset();
            all.add(h1);
            block.reset();
            block.add(h2);
            lower = lo;
            upper = hi;
            sinceRefresh = since;
            blockIndex = bi;
            changes = ch;
            minRecorded = minR;
            maxRecorded = maxR;
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("threshold state truncated", e);
        }
    }

    private static DoubleHistogram decode(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("threshold state: histogram of " + n + " bytes, " + in.remaining()
                    + " left");
        }
        byte[] copy = new byte[n];
        in.get(copy); // HdrHistogram's decoder reads the backing array from index 0: give it its own
        ByteBuffer slice = ByteBuffer.wrap(copy);
        try {
            return DoubleHistogram.decodeFromCompressedByteBuffer(slice, RANGE);
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("threshold state: corrupt histogram: " + e.getMessage(), e);
        }
    }
}
