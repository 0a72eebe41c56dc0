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
        checkParameters(changeQuantile, blockLength);
        this.p = p;
        this.a = a;
        this.detectChanges = detectChanges;
        this.changeQuantile = changeQuantile;
        this.blockLength = blockLength;
    }

    private static void checkParameters(double changeQuantile, int blockLength) {
        if (!(changeQuantile > 0 && changeQuantile < 1)) {
            throw new IllegalArgumentException("change quantile must be in (0, 1): " + changeQuantile);
        }
        if (blockLength < 64) {
            throw new IllegalArgumentException("block length must be >= 64: " + blockLength);
        }
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

    /** Magic of the version-1 state (no version field, no checksum); still read. */
    static final int STATE_MAGIC_V1 = 0x434C5448;
    /** Magic of the versioned states, bytes "CLTS". */
    static final int STATE_MAGIC = 0x53544C43;
    static final short STATE_VERSION = 2;
    /** Most scores a restored history may hold: far beyond any stream, far below where counts overflow. */
    static final long MAX_COUNT = 1L << 60;

    /**
     * The complete state (parameters, interval, counters and both histograms, compressed) as bytes, for snapshots
     * of the structures that own a threshold: format version 2, little-endian, CRC32C-checked (see
     * {@link #restoreState}). Allocates.
     */
    public byte[] state() {
        byte[] h1 = encode(all);
        byte[] h2 = encode(block);
        ByteBuffer out = ByteBuffer.allocate(STATE_FIXED + 4 + h1.length + 4 + h2.length + 4 + 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(STATE_MAGIC).putShort(STATE_VERSION).put((byte) 0).put((byte) (detectChanges ? 1 : 0))
                .putDouble(p).putDouble(a).putDouble(changeQuantile).putInt(blockLength).putInt(0)
                .putDouble(lower).putDouble(upper).putLong(sinceRefresh).putLong(blockIndex).putLong(changes)
                .putDouble(minRecorded).putDouble(maxRecorded);
        out.putInt(h1.length).put(h1).putInt(h2.length).put(h2);
        out.putInt(0); // method section: empty for the confidence sequence
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** Bytes before the first histogram in version 2. */
    private static final int STATE_FIXED = 96;

    private static byte[] encode(DoubleHistogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity() + 64);
        int n = h.encodeIntoCompressedByteBuffer(b);
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
        AdaptiveThreshold t = new AdaptiveThreshold(d.p, d.a, d.detectChanges, d.changeQuantile, d.blockLength);
        t.apply(d);
        return t;
    }

    /**
     * Restores a {@link #state()} of a threshold with the same parameters. Reads the current format (version 2,
     * checksummed) and version 1 (no checksum). Everything is decoded and validated before anything changes: on
     * any error this threshold is left exactly as it was.
     *
     * @throws IllegalArgumentException if the bytes are null, truncated, corrupt, hold a field out of range, or
     *     were written with other parameters (the message names the problem)
     */
    public void restoreState(byte[] bytes) {
        Decoded d = decodeState(bytes);
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
    }

    /** A decoded, fully validated state. */
    private record Decoded(double p, double a, double changeQuantile, int blockLength, boolean detectChanges,
                           double lower, double upper, long sinceRefresh, long blockIndex, long changes,
                           double minRecorded, double maxRecorded, DoubleHistogram all, DoubleHistogram block) {
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
                if (version != STATE_VERSION) {
                    throw invalid("unsupported version " + version + " (this library reads 1 and " + STATE_VERSION
                            + ")");
                }
                int method = in.get();
                if (method != 0) {
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
            DoubleHistogram h1 = decode(in);
            DoubleHistogram h2 = decode(in);
            if (!v1) {
                int methodBytes = in.getInt();
                if (methodBytes != 0) {
                    throw invalid("method section of " + methodBytes + " bytes for the confidence sequence");
                }
                in.getInt(); // the checksum, verified above
            }
            if (in.hasRemaining()) {
                throw invalid(in.remaining() + " trailing bytes");
            }
            return validate(new Decoded(sp, sa, sq, sb, sd, lo, hi, since, bi, ch, minR, maxR, h1, h2));
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw invalid("truncated (" + bytes.length + " bytes)");
        }
    }

    /** Checks every field and the histograms against each other and against what {@link #observe} can reach. */
    private static Decoded validate(Decoded d) {
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
            if (!(d.minRecorded >= FLOOR && d.maxRecorded <= CEILING && d.minRecorded <= d.maxRecorded
                    && d.maxRecorded <= d.minRecorded * SPAN * 1.0001)) {
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
    private static DoubleHistogram decode(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw invalid("histogram of " + n + " bytes, " + in.remaining() + " left");
        }
        byte[] copy = new byte[n];
        in.get(copy); // HdrHistogram's decoder reads the backing array from index 0: give it its own
        try {
            DoubleHistogram h = DoubleHistogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(copy), RANGE);
            if (h.getNumberOfSignificantValueDigits() != 2 || h.getHighestToLowestValueRatio() != RANGE) {
                throw invalid("histogram of range " + h.getHighestToLowestValueRatio() + " with "
                        + h.getNumberOfSignificantValueDigits() + " digits (expected " + RANGE + ", 2)");
            }
            if (h.getTotalCount() < 0) {
                throw invalid("histogram with a negative count");
            }
            if (h.getTotalCount() > 0
                    && !(h.getMinValue() >= 0 && h.getMaxValue() <= CEILING * 1.05 && h.getMaxValue() >= 0)) {
                throw invalid("histogram values [" + h.getMinValue() + ", " + h.getMaxValue() + "]");
            }
            long sum = 0;
            for (var v : h.recordedValues()) {
                sum += v.getCountAtValueIteratedTo();
                if (v.getCountAtValueIteratedTo() < 0 || sum < 0) {
                    throw invalid("histogram counts overflow");
                }
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
}
