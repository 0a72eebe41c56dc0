package io.clipstream;

import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The snapshot format, version 1: little-endian on every platform, so the same bytes restore on AVX-512, AVX2
 * and scalar hosts (and in any JVM language or stream processor that stores bytes).
 *
 * <pre>
 * offset size  field
 *      0    4  magic "CLNS" (0x43 0x4C 0x4E 0x53)
 *      4    2  format version (1)
 *      6    1  task (Task ordinal: 0 mean, 1 linear, 2 logistic, 3 softmax, 4 custom)
 *      7    1  flags: bit 0 normalizeSteps
 *      8    4  dimension d
 *     12    4  classes K (1 unless softmax)
 *     16    8  l2 (double)
 *     24    1  step kind: 0 constant, 1 halfLife, 2 horizon, 3 doubling, 4 inverseTime; 25..31 zero
 *     32    8  step parameter 1 (double: value / samples / c)
 *     40    8  step parameter 2 (double: alpha / offset; 0 otherwise)
 *     48    8  step parameter 3 (long: horizon / first epoch; 0 otherwise)
 *     56    1  clip kind: 0 none, 1 fixed, 2 adaptive, 3 rolling quantile; 57..63 zero
 *     64    8  clip parameter 1 (double: level / multiplier / quantile)
 *     72    8  clip parameter 2 (double: quantile / 0)
 *     80    8  clip parameter 3 (double: rate / window)
 *     88    8  samples seen
 *     96    8  clipped count
 *    104    8  rejected count
 *    112    8  schedule time (updates the step schedule has counted)
 *    120    8  clip state (adaptive: tracked quantile; rolling: current level)
 *    128    8  feature-scale state (normalised model steps; NaN otherwise)
 *    136    4  rolling window: filled count
 *    140    4  rolling window: next position
 *    144    4  rolling window: samples since the last recomputation
 *    148    4  zero
 *    152  4 W  rolling window values (float), W = window (0 unless rolling quantile)
 *  152+4W 4 P  parameters (float), P = K d, row-major
 *   ...     4  CRC32C of every preceding byte
 * </pre>
 * Readers check the length, magic, version and checksum, then every field by the rules the library itself keeps:
 * the configuration through the same constructors as the builders (so l2, steps and fixed levels must be positive
 * floats, a mean's step at most 1), counters non-negative and consistent (clipped at most samples, none without
 * clipping, the schedule's time equal to the samples seen), tracker states in range (an adaptive clip tracker NaN
 * or finite and non-negative; a rolling window as its updates leave it; a feature scale NaN or finite and
 * non-negative, NaN when steps are not normalised), finite parameters; and finally the restored estimator rewrites
 * its header, which must equal the input byte for byte (padding and unused parameters zero, derived states as
 * written). A truncated, corrupt, mismatched or out-of-range snapshot is rejected with an
 * {@link IllegalArgumentException} and nothing is half-read; whatever restores accepts samples and writes
 * snapshots this reader accepts (counters saturate at {@code Long.MAX_VALUE} rather than wrap).
 */
final class SnapshotFormat {

    static final int MAGIC = 0x534E4C43;
    static final short VERSION = 1;
    static final int HEADER = 152;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SnapshotFormat() {
    }

    static int window(ClipPolicy policy) {
        return policy instanceof ClipPolicy.RollingQuantile r ? r.window() : 0;
    }

    static int size(Estimator e) {
        return HEADER + 4 * window(e.config.clipPolicy()) + 4 * e.size + 4;
    }

    /**
     * Writes at absolute offsets (no slices) and checksums with the estimator's reusable {@link CRC32C}: when
     * {@code array} is the heap array behind {@code dst} (the {@code byte[]} API) nothing is allocated; a
     * native {@code dst} needs one {@link java.nio.ByteBuffer} view for the checksum.
     */
    static long write(Estimator e, MemorySegment dst, long offset, byte[] array) {
        long o = offset;
        long at = writeHeader(e, dst, o);
        for (long i = 0; i < e.size; i++, at += 4) {
            dst.set(FLOAT, at, e.params.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        CRC32C crc = e.crc();
        crc.reset();
        if (array != null) {
            crc.update(array, (int) o, (int) (at - o));
        } else {
            crc.update(dst.asSlice(o, at - o).asByteBuffer());
        }
        dst.set(INT, at, (int) crc.getValue());
        return at + 4 - o;
    }

    /** Writes the header and the rolling window at {@code o}; returns the offset of the parameters. */
    private static long writeHeader(Estimator e, MemorySegment dst, long o) {
        EstimatorConfig c = e.config;
        for (long z = 0; z < HEADER; z += 8) {
            dst.set(LONG, o + z, 0L);
        }
        dst.set(INT, o, MAGIC);
        dst.set(SHORT, o + 4, VERSION);
        dst.set(ValueLayout.JAVA_BYTE, o + 6, (byte) c.task().ordinal());
        dst.set(ValueLayout.JAVA_BYTE, o + 7, (byte) (c.normalizeSteps() ? 1 : 0));
        dst.set(INT, o + 8, c.dimension());
        dst.set(INT, o + 12, c.classes());
        dst.set(DOUBLE, o + 16, c.l2());
        switch (c.stepSize()) {
            case StepSize.Constant k -> step(dst, o, 0, k.value(), 0, 0);
            case StepSize.HalfLife h -> step(dst, o, 1, h.samples(), 0, 0);
            case StepSize.Horizon h -> step(dst, o, 2, h.c(), h.alpha(), h.horizon());
            case StepSize.Doubling d -> step(dst, o, 3, d.c(), d.alpha(), d.firstEpoch());
            case StepSize.InverseTime i -> step(dst, o, 4, i.c(), i.offset(), 0);
        }
        switch (c.clipPolicy()) {
            case ClipPolicy.None n -> clip(dst, o, 0, 0, 0, 0);
            case ClipPolicy.Fixed f -> clip(dst, o, 1, f.level(), 0, 0);
            case ClipPolicy.Adaptive a -> clip(dst, o, 2, a.multiplier(), a.quantile(), a.rate());
            case ClipPolicy.RollingQuantile r -> clip(dst, o, 3, r.quantile(), 0, r.window());
        }
        dst.set(LONG, o + 88, e.samples);
        dst.set(LONG, o + 96, e.clipped);
        dst.set(LONG, o + 104, e.rejected);
        dst.set(LONG, o + 112, e.schedule.time());
        dst.set(DOUBLE, o + 120, e.clip.state());
        dst.set(DOUBLE, o + 128, e.featureScale == null ? Double.NaN : e.featureScale.value());
        long at = o + HEADER;
        if (e.clip instanceof ClipTracker.RollingClip r) {
            dst.set(INT, o + 136, r.count());
            dst.set(INT, o + 140, r.position());
            dst.set(INT, o + 144, r.sinceRecompute());
            for (int i = 0; i < r.window(); i++, at += 4) {
                dst.set(FLOAT, at, r.ring(i));
            }
        }
        return at;
    }

    private static void step(MemorySegment s, long o, int kind, double p1, double p2, long p3) {
        s.set(ValueLayout.JAVA_BYTE, o + 24, (byte) kind);
        s.set(DOUBLE, o + 32, p1);
        s.set(DOUBLE, o + 40, p2);
        s.set(LONG, o + 48, p3);
    }

    private static void clip(MemorySegment s, long o, int kind, double p1, double p2, double p3) {
        s.set(ValueLayout.JAVA_BYTE, o + 56, (byte) kind);
        s.set(DOUBLE, o + 64, p1);
        s.set(DOUBLE, o + 72, p2);
        s.set(DOUBLE, o + 80, p3);
    }

    private static int crc(MemorySegment s, long length) {
        CRC32C crc = new CRC32C();
        crc.update(s.asSlice(0, length).asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * Parses and validates everything, then builds the estimator.
     *
     * @param expected the task the caller requires, or null for any non-custom task
     * @param loss the loss for a custom estimator (required iff the snapshot is custom)
     * @param kernels the kernels to run on, or null for the production kernels
     */
    static Estimator read(MemorySegment s, Task expected, Loss loss, Kernels kernels) {
        long length = s.byteSize();
        if (length < HEADER + 4) {
            throw invalid("truncated: " + length + " bytes, a snapshot has at least " + (HEADER + 4));
        }
        if (s.get(INT, 0) != MAGIC) {
            throw invalid("not a clipstream snapshot (bad magic 0x" + Integer.toHexString(s.get(INT, 0)) + ")");
        }
        short version = s.get(SHORT, 4);
        if (version != VERSION) {
            throw invalid("unsupported format version " + version + " (this library reads version " + VERSION + ")");
        }
        int taskOrdinal = s.get(ValueLayout.JAVA_BYTE, 6);
        if (taskOrdinal < 0 || taskOrdinal >= Task.values().length) {
            throw invalid("unknown task " + taskOrdinal);
        }
        int d = s.get(INT, 8);
        int k = s.get(INT, 12);
        int clipKind = s.get(ValueLayout.JAVA_BYTE, 56);
        double clip3 = s.get(DOUBLE, 80);
        int window = clipKind == 3 ? (int) clip3 : 0;
        long parameters = (long) Math.max(0, d) * Math.max(0, k);
        if (d <= 0 || k <= 0 || parameters > EstimatorConfig.MAX_PARAMETERS || window < 0 || window > 1 << 20) {
            throw invalid("bad shape (d=" + d + ", classes=" + k + ", window=" + window + ")");
        }
        long expectedLength = HEADER + 4L * window + 4 * parameters + 4;
        if (length != expectedLength) {
            throw invalid((length < expectedLength ? "truncated: " : "has trailing bytes: ") + length
                    + " bytes, expected " + expectedLength + " for d=" + d + ", classes=" + k);
        }
        long crcAt = length - 4;
        int stored = s.get(INT, crcAt);
        int actual = crc(s, crcAt);
        if (stored != actual) {
            throw invalid("checksum mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString(actual) + "): the bytes are corrupt");
        }
        Task task = Task.values()[taskOrdinal];
        if (expected != null && task != expected) {
            throw new IllegalArgumentException("snapshot holds a " + task + " estimator, not " + expected);
        }
        if (task == Task.CUSTOM && loss == null) {
            throw new IllegalArgumentException("snapshot holds a CUSTOM estimator: restore it with "
                    + "CustomEstimator.restore(bytes, loss)");
        }
        int flags = s.get(ValueLayout.JAVA_BYTE, 7);
        if ((flags & ~1) != 0) {
            throw invalid("unknown flags 0x" + Integer.toHexString(flags & 0xff) + " (only bit 0, normalizeSteps, is "
                    + "defined)");
        }
        EstimatorConfig config;
        try {
            config = new EstimatorConfig(task, d, k, stepSize(s), clipPolicy(s, clipKind),
                    s.get(DOUBLE, 16), (flags & 1) != 0);
        } catch (IllegalArgumentException e) {
            throw invalid("invalid configuration: " + e.getMessage());
        }
        long samples = s.get(LONG, 88);
        long clipped = s.get(LONG, 96);
        long rejected = s.get(LONG, 104);
        long time = s.get(LONG, 112);
        checkCounters(config, samples, clipped, rejected, time);
        double clipState = s.get(DOUBLE, 120);
        double scaleState = s.get(DOUBLE, 128);
        int count = s.get(INT, 136);
        int position = s.get(INT, 140);
        int since = s.get(INT, 144);
        float[] ring = new float[window];
        long at = HEADER;
        for (int i = 0; i < window; i++, at += 4) {
            ring[i] = s.get(FLOAT, at);
        }
        checkTrackers(config, clipState, scaleState, ring, count, position, since);
        float[] values = new float[(int) parameters];
        for (int i = 0; i < values.length; i++, at += 4) {
            values[i] = s.get(FLOAT, at);
            if (!Float.isFinite(values[i])) {
                throw invalid("parameter " + i + " is " + values[i]);
            }
        }
        // every field is in range: build, then check that the header is exactly what this state writes
        Estimator e = switch (task) {
            case MEAN -> new MeanEstimator(config, kernels);
            case LINEAR -> new LinearRegression(config, kernels);
            case LOGISTIC -> new LogisticRegression(config, kernels);
            case SOFTMAX -> new SoftmaxRegression(config, kernels);
            case CUSTOM -> new CustomEstimator(config, loss, kernels);
        };
        MemorySegment.copy(values, 0, e.params, ValueLayout.JAVA_FLOAT, 0, values.length);
        e.samples = samples;
        e.clipped = clipped;
        e.rejected = rejected;
        e.schedule.setTime(time);
        if (e.clip instanceof ClipTracker.RollingClip r) {
            r.restoreRing(ring, count, position, since);
        }
        e.clip.restoreState(clipState);
        if (e.featureScale != null) {
            e.featureScale.set(scaleState);
        }
        e.afterRestore();
        checkCanonical(e, s, HEADER + 4L * window);
        return e;
    }

    /**
     * The counters as the estimators keep them: non-negative (they saturate at {@code Long.MAX_VALUE}), no more
     * clipped steps than samples (none without clipping), and the schedule's time equal to the samples seen (both
     * advance once per applied sample, and merging adds both).
     */
    private static void checkCounters(EstimatorConfig c, long samples, long clipped, long rejected, long time) {
        if (samples < 0) {
            throw invalid("samples seen must be >= 0: " + samples);
        }
        if (rejected < 0) {
            throw invalid("rejected count must be >= 0: " + rejected);
        }
        if (clipped < 0 || clipped > samples) {
            throw invalid("clipped count must be in [0, samples seen = " + samples + "]: " + clipped);
        }
        if (clipped != 0 && c.clipPolicy() instanceof ClipPolicy.None) {
            throw invalid("clipped count must be 0 without clipping: " + clipped);
        }
        if (time != samples) {
            throw invalid("schedule time " + time + " differs from samples seen " + samples
                    + " (both advance once per applied sample)");
        }
    }

    /**
     * The tracker states the estimators reach: an adaptive clip tracker is NaN (nothing seen yet) or finite and
     * {@code >= 0}; a rolling window holds {@code count} finite norms {@code >= 0} in its first slots (zeros after
     * them until it has filled), the next position right after them, fewer samples since the last recomputation
     * than the recomputation period, and a level that is {@code +Infinity} before the first sample and a float in
     * {@code [Float.MIN_VALUE, Float.MAX_VALUE]} after; the feature scale is NaN or finite and {@code >= 0} with
     * normalised steps, NaN without. (The states of fixed levels and of no clipping are derived from the
     * configuration; {@link #checkCanonical} compares them.)
     */
    private static void checkTrackers(EstimatorConfig c, double clipState, double scaleState, float[] ring, int count,
                                      int position, int since) {
        switch (c.clipPolicy()) {
            case ClipPolicy.Adaptive a -> {
                if (!(clipState != clipState || clipState >= 0 && clipState < Double.POSITIVE_INFINITY)) {
                    throw invalid("clip state (the tracked norm quantile) must be NaN or finite and >= 0: "
                            + clipState);
                }
            }
            case ClipPolicy.RollingQuantile r -> {
                int window = r.window();
                int period = Math.max(1, window / 16);
                if (count < 0 || count > window || position < 0 || position >= window || since < 0
                        || since >= period || count < window && position != count) {
                    throw invalid("invalid rolling window state (count=" + count + ", position=" + position
                            + ", since=" + since + " for a window of " + window + " recomputed every " + period + ")");
                }
                for (int i = 0; i < window; i++) {
                    boolean filled = i < count;
                    if (filled ? !(ring[i] >= 0 && ring[i] <= Float.MAX_VALUE) : ring[i] != 0
                            || Float.floatToRawIntBits(ring[i]) != 0) {
                        throw invalid("invalid rolling window value " + ring[i] + " at " + i + " (" + (filled
                                ? "a norm must be finite and >= 0)" : "slots beyond the filled count are 0)"));
                    }
                }
                boolean level = clipState >= Float.MIN_VALUE && clipState <= Float.MAX_VALUE;
                if (count == 0 ? clipState != Double.POSITIVE_INFINITY : !level) {
                    throw invalid("clip state (the current level) must be " + (count == 0
                            ? "+Infinity before the first sample: " : "a float in [Float.MIN_VALUE, Float.MAX_VALUE]: ")
                            + clipState);
                }
            }
            default -> {
            }
        }
        if (c.normalizeSteps()) {
            if (!(scaleState != scaleState || scaleState >= 0 && scaleState < Double.POSITIVE_INFINITY)) {
                throw invalid("feature-scale state (the tracked median of ||x||^2) must be NaN or finite and >= 0: "
                        + scaleState);
            }
        } else if (scaleState == scaleState) {
            throw invalid("feature-scale state must be NaN when steps are not normalised: " + scaleState);
        }
    }

    /**
     * Refuses any header byte that differs from what the restored estimator writes: padding and unused parameters
     * must be 0, derived states (a fixed level, no clipping, NaN encodings) exactly as written. So nothing is
     * accepted that the library would not have produced, and a restored estimator's snapshot equals its input.
     */
    private static void checkCanonical(Estimator e, MemorySegment s, long length) {
        byte[] expected = new byte[(int) length];
        writeHeader(e, MemorySegment.ofArray(expected), 0);
        long mismatch = MemorySegment.ofArray(expected).mismatch(s.asSlice(0, length));
        if (mismatch >= 0) {
            throw invalid(field(mismatch) + " (byte " + mismatch + ") is not what this configuration and state "
                    + "write (unused fields and padding must be 0)");
        }
    }

    /** The name of the header field at byte {@code at}. */
    private static String field(long at) {
        if (at >= HEADER) {
            return "rolling window value " + (at - HEADER) / 4;
        }
        String[] names = {"magic", "version", "task", "flags", "dimension", "classes", "l2", "step kind", "padding",
            "step parameter 1", "step parameter 2", "step parameter 3", "clip kind", "padding", "clip parameter 1",
            "clip parameter 2", "clip parameter 3", "samples seen", "clipped count", "rejected count", "schedule time",
            "clip state", "feature-scale state", "rolling window count", "rolling window position",
            "rolling window samples since recomputation", "padding"};
        int[] starts = {0, 4, 6, 7, 8, 12, 16, 24, 25, 32, 40, 48, 56, 57, 64, 72, 80, 88, 96, 104, 112, 120, 128,
            136, 140, 144, 148};
        int i = starts.length - 1;
        while (starts[i] > at) {
            i--;
        }
        return names[i];
    }

    private static StepSize stepSize(MemorySegment s) {
        double p1 = s.get(DOUBLE, 32);
        double p2 = s.get(DOUBLE, 40);
        long p3 = s.get(LONG, 48);
        return switch (s.get(ValueLayout.JAVA_BYTE, 24)) {
            case 0 -> StepSize.constant(p1);
            case 1 -> StepSize.halfLife(p1);
            case 2 -> StepSize.horizon(p1, p2, p3);
            case 3 -> StepSize.doubling(p1, p2, p3);
            case 4 -> StepSize.inverseTime(p1, p2);
            default -> throw new IllegalArgumentException("unknown step-size kind " + s.get(ValueLayout.JAVA_BYTE, 24));
        };
    }

    private static ClipPolicy clipPolicy(MemorySegment s, int kind) {
        double p1 = s.get(DOUBLE, 64);
        double p2 = s.get(DOUBLE, 72);
        double p3 = s.get(DOUBLE, 80);
        return switch (kind) {
            case 0 -> ClipPolicy.none();
            case 1 -> ClipPolicy.fixed(p1);
            case 2 -> ClipPolicy.adaptive(p1, p2, p3);
            case 3 -> {
                if (p3 != Math.rint(p3)) {
                    throw new IllegalArgumentException("window is not an integer: " + p3);
                }
                yield ClipPolicy.rollingQuantile(p1, (int) p3);
            }
            default -> throw new IllegalArgumentException("unknown clip kind " + kind);
        };
    }

    private static IllegalArgumentException invalid(String problem) {
        return new IllegalArgumentException("invalid snapshot: " + problem);
    }
}
