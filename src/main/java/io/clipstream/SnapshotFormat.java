package io.clipstream;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The snapshot format, version 1: little-endian on every platform, so the same bytes restore on AVX-512, AVX2
 * and scalar hosts (and in any JVM language or stream processor that stores bytes).
 *
 * <pre>
 * offset size  field                  contents
 *      0    4  magic                  "CLNS" (0x43 0x4C 0x4E 0x53)
 *      4    2  version                format version (1)
 *      6    1  task                   Task ordinal: 0 mean, 1 linear, 2 logistic, 3 softmax, 4 custom
 *      7    1  flags                  bit 0 normalizeSteps
 *      8    4  dimension              d
 *     12    4  classes                K (1 unless softmax)
 *     16    8  l2                     double
 *     24    1  step kind              0 constant, 1 halfLife, 2 horizon, 3 doubling, 4 inverseTime
 *     25    7  padding                zero
 *     32    8  step parameter 1       double: value / samples / c
 *     40    8  step parameter 2       double: alpha / offset; 0 otherwise
 *     48    8  step parameter 3       long: horizon / first epoch; 0 otherwise
 *     56    1  clip kind              0 none, 1 fixed, 2 adaptive, 3 rolling quantile
 *     57    7  padding                zero
 *     64    8  clip parameter 1       double: level / multiplier / quantile
 *     72    8  clip parameter 2       double: quantile / 0
 *     80    8  clip parameter 3       double: rate / window
 *     88    8  samples seen           long
 *     96    8  clipped count          long
 *    104    8  rejected count         long
 *    112    8  schedule time          long: updates the step schedule has counted
 *    120    8  clip state             double: adaptive, the tracked quantile; rolling, the current level
 *    128    8  feature-scale state    double: normalised model steps; NaN otherwise
 *    136    4  rolling window count   int: filled slots
 *    140    4  rolling window position  int: next slot
 *    144    4  rolling window samples since recomputation  int
 *    148    4  padding                zero
 *    152  4 W  rolling window values (float), W = window (0 unless rolling quantile)
 *  152+4W 4 P  parameters (float), P = K d, row-major
 *   ...     4  CRC32C of every preceding byte
 * </pre>
 * The first 152 bytes are {@link #HEADER_LAYOUT}, a {@link StructLayout} whose member names are the field names
 * above; every offset the code uses is derived from it by name ({@link #offset}), and {@code SnapshotLayoutTest}
 * prints the layout and compares it with this table.
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

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The fixed header, field by field, in the order and with the names of the table above. */
    static final StructLayout HEADER_LAYOUT = MemoryLayout.structLayout(
            INT.withName("magic"),
            SHORT.withName("version"),
            BYTE.withName("task"),
            BYTE.withName("flags"),
            INT.withName("dimension"),
            INT.withName("classes"),
            DOUBLE.withName("l2"),
            BYTE.withName("step kind"),
            MemoryLayout.paddingLayout(7),
            DOUBLE.withName("step parameter 1"),
            DOUBLE.withName("step parameter 2"),
            LONG.withName("step parameter 3"),
            BYTE.withName("clip kind"),
            MemoryLayout.paddingLayout(7),
            DOUBLE.withName("clip parameter 1"),
            DOUBLE.withName("clip parameter 2"),
            DOUBLE.withName("clip parameter 3"),
            LONG.withName("samples seen"),
            LONG.withName("clipped count"),
            LONG.withName("rejected count"),
            LONG.withName("schedule time"),
            DOUBLE.withName("clip state"),
            DOUBLE.withName("feature-scale state"),
            INT.withName("rolling window count"),
            INT.withName("rolling window position"),
            INT.withName("rolling window samples since recomputation"),
            MemoryLayout.paddingLayout(4));

    /** Bytes of the fixed header (152); the rolling window, the parameters and the checksum follow. */
    static final int HEADER = (int) HEADER_LAYOUT.byteSize();

    /**
     * The byte offset of the header field {@code name} (a member name of {@link #HEADER_LAYOUT}); looked up once,
     * into the constants below (the lookup allocates path elements).
     */
    static long offset(String name) {
        return HEADER_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    private static final long MAGIC_AT = offset("magic");
    private static final long VERSION_AT = offset("version");
    private static final long TASK = offset("task");
    private static final long FLAGS = offset("flags");
    private static final long DIMENSION = offset("dimension");
    private static final long CLASSES = offset("classes");
    private static final long L2 = offset("l2");
    private static final long STEP_KIND = offset("step kind");
    private static final long STEP_1 = offset("step parameter 1");
    private static final long STEP_2 = offset("step parameter 2");
    private static final long STEP_3 = offset("step parameter 3");
    private static final long CLIP_KIND = offset("clip kind");
    private static final long CLIP_1 = offset("clip parameter 1");
    private static final long CLIP_2 = offset("clip parameter 2");
    private static final long CLIP_3 = offset("clip parameter 3");
    private static final long SAMPLES = offset("samples seen");
    private static final long CLIPPED = offset("clipped count");
    private static final long REJECTED = offset("rejected count");
    private static final long TIME = offset("schedule time");
    private static final long CLIP_STATE = offset("clip state");
    private static final long SCALE_STATE = offset("feature-scale state");
    private static final long RING_COUNT = offset("rolling window count");
    private static final long RING_POSITION = offset("rolling window position");
    private static final long RING_SINCE = offset("rolling window samples since recomputation");

    private SnapshotFormat() {
    }

    /**
     * The state a snapshot holds besides the configuration, as the reader found and checked it (the writer takes
     * the same values as arguments, so that writing allocates nothing).
     *
     * @param ring the rolling window's values (empty unless rolling quantile)
     * @param parameters the parameters, {@code classes * d}
     */
    record State(EstimatorConfig config, long samples, long clipped, long rejected, long time, double clipState,
                 double scaleState, int ringCount, int ringPosition, int ringSince, float[] ring,
                 float[] parameters) {
    }

    static int window(ClipPolicy policy) {
        return policy instanceof ClipPolicy.RollingQuantile r ? r.window() : 0;
    }

    /** The exact size of the snapshot of an estimator of this configuration. */
    static int size(EstimatorConfig c) {
        return HEADER + 4 * window(c.clipPolicy()) + 4 * c.parameterCount() + 4;
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes the header and the rolling window at {@code o}; returns the offset of the parameters. {@code ring} is
     * the rolling clip tracker, null for other clip policies.
     */
    static long writeHeader(MemorySegment dst, long o, EstimatorConfig c, long samples, long clipped, long rejected,
                            long time, double clipState, double scaleState, ClipTracker.RollingClip ring) {
        for (long z = 0; z < HEADER; z += 8) {
            dst.set(LONG, o + z, 0L);
        }
        dst.set(INT, o + MAGIC_AT, MAGIC);
        dst.set(SHORT, o + VERSION_AT, VERSION);
        dst.set(BYTE, o + TASK, (byte) c.task().ordinal());
        dst.set(BYTE, o + FLAGS, (byte) (c.normalizeSteps() ? 1 : 0));
        dst.set(INT, o + DIMENSION, c.dimension());
        dst.set(INT, o + CLASSES, c.classes());
        dst.set(DOUBLE, o + L2, c.l2());
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
        dst.set(LONG, o + SAMPLES, samples);
        dst.set(LONG, o + CLIPPED, clipped);
        dst.set(LONG, o + REJECTED, rejected);
        dst.set(LONG, o + TIME, time);
        dst.set(DOUBLE, o + CLIP_STATE, clipState);
        dst.set(DOUBLE, o + SCALE_STATE, scaleState);
        long at = o + HEADER;
        if (ring != null) {
            dst.set(INT, o + RING_COUNT, ring.count());
            dst.set(INT, o + RING_POSITION, ring.position());
            dst.set(INT, o + RING_SINCE, ring.sinceRecompute());
            for (int i = 0; i < ring.window(); i++, at += 4) {
                dst.set(FLOAT, at, ring.ring(i));
            }
        }
        return at;
    }

    /**
     * Writes {@code count} parameters at {@code at}, then the checksum of {@code [o, at + 4 count)} with the
     * caller's reusable {@link CRC32C}: when {@code array} is the heap array behind {@code dst} nothing is allocated;
     * other segments go through {@link #update}. Returns the bytes written from {@code o}.
     */
    static long writeParametersAndChecksum(MemorySegment dst, long o, long at, MemorySegment params, int count,
                                           byte[] array, CRC32C crc) {
        for (long i = 0; i < count; i++, at += 4) {
            dst.set(FLOAT, at, params.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        crc.reset();
        if (array != null) {
            crc.update(array, (int) o, (int) (at - o));
        } else {
            update(crc, dst.asSlice(o, at - o));
        }
        dst.set(INT, at, (int) crc.getValue());
        return at + 4 - o;
    }

    private static void step(MemorySegment s, long o, int kind, double p1, double p2, long p3) {
        s.set(BYTE, o + STEP_KIND, (byte) kind);
        s.set(DOUBLE, o + STEP_1, p1);
        s.set(DOUBLE, o + STEP_2, p2);
        s.set(LONG, o + STEP_3, p3);
    }

    private static void clip(MemorySegment s, long o, int kind, double p1, double p2, double p3) {
        s.set(BYTE, o + CLIP_KIND, (byte) kind);
        s.set(DOUBLE, o + CLIP_1, p1);
        s.set(DOUBLE, o + CLIP_2, p2);
        s.set(DOUBLE, o + CLIP_3, p3);
    }

    // ------------------------------------------------------------------ reading

    private static int crc(MemorySegment s, long length) {
        CRC32C crc = new CRC32C();
        update(crc, s.asSlice(0, length));
        return (int) crc.getValue();
    }

    /**
     * Adds the bytes of {@code s} to {@code crc}: through a {@link java.nio.ByteBuffer} view where the segment has
     * one (native memory, or a heap {@code byte[]}), else copied through a small buffer (a heap segment over a
     * {@code long[]}, {@code float[]} and so on has no byte-buffer view; it once failed there after the snapshot's
     * fields were written).
     */
    static void update(CRC32C crc, MemorySegment s) {
        if (s.isNative() || s.heapBase().orElse(null) instanceof byte[]) {
            crc.update(s.asByteBuffer());
            return;
        }
        byte[] chunk = new byte[(int) Math.min(s.byteSize(), 4096)];
        for (long at = 0; at < s.byteSize(); at += chunk.length) {
            int n = (int) Math.min(chunk.length, s.byteSize() - at);
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at, chunk, 0, n);
            crc.update(chunk, 0, n);
        }
    }

    /**
     * Parses and validates every field of {@code s} (all its bytes); the caller builds the estimator from the
     * result and then calls {@link #checkCanonical} with the header that estimator writes.
     *
     * @param expected the task the caller requires, or null for any non-custom task
     * @param haveLoss whether the caller has a loss (required iff the snapshot is custom)
     */
    static State read(MemorySegment s, Task expected, boolean haveLoss) {
        long length = s.byteSize();
        if (length < HEADER + 4) {
            throw invalid("truncated: " + length + " bytes, a snapshot has at least " + (HEADER + 4));
        }
        if (s.get(INT, MAGIC_AT) != MAGIC) {
            throw invalid("not a clipstream snapshot (bad magic 0x" + Integer.toHexString(s.get(INT, 0)) + ")");
        }
        short version = s.get(SHORT, VERSION_AT);
        if (version != VERSION) {
            throw invalid("unsupported format version " + version + " (this library reads version " + VERSION + ")");
        }
        int taskOrdinal = s.get(BYTE, TASK);
        if (taskOrdinal < 0 || taskOrdinal >= Task.values().length) {
            throw invalid("unknown task " + taskOrdinal);
        }
        int d = s.get(INT, DIMENSION);
        int k = s.get(INT, CLASSES);
        int clipKind = s.get(BYTE, CLIP_KIND);
        double clip3 = s.get(DOUBLE, CLIP_3);
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
        if (task == Task.CUSTOM && !haveLoss) {
            throw new IllegalArgumentException("snapshot holds a CUSTOM estimator: restore it with "
                    + "CustomEstimator.restore(bytes, loss)");
        }
        int flags = s.get(BYTE, FLAGS);
        if ((flags & ~1) != 0) {
            throw invalid("unknown flags 0x" + Integer.toHexString(flags & 0xff) + " (only bit 0, normalizeSteps, is "
                    + "defined)");
        }
        EstimatorConfig config;
        try {
            config = new EstimatorConfig(task, d, k, stepSize(s), clipPolicy(s, clipKind), s.get(DOUBLE, L2),
                    (flags & 1) != 0);
        } catch (IllegalArgumentException e) {
            throw invalid("invalid configuration: " + e.getMessage());
        }
        long samples = s.get(LONG, SAMPLES);
        long clipped = s.get(LONG, CLIPPED);
        long rejected = s.get(LONG, REJECTED);
        long time = s.get(LONG, TIME);
        checkCounters(config, samples, clipped, rejected, time);
        double clipState = s.get(DOUBLE, CLIP_STATE);
        double scaleState = s.get(DOUBLE, SCALE_STATE);
        int count = s.get(INT, RING_COUNT);
        int position = s.get(INT, RING_POSITION);
        int since = s.get(INT, RING_SINCE);
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
        return new State(config, samples, clipped, rejected, time, clipState, scaleState, count, position, since,
                ring, values);
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
     * Refuses any header byte that differs from {@code written}, the header (and rolling window) the restored
     * estimator writes: padding and unused parameters must be 0, derived states (a fixed level, no clipping, NaN
     * encodings) exactly as written. So nothing is accepted that the library would not have produced, and a
     * restored estimator's snapshot equals its input.
     */
    static void checkCanonical(byte[] written, MemorySegment s) {
        long mismatch = MemorySegment.ofArray(written).mismatch(s.asSlice(0, written.length));
        if (mismatch >= 0) {
            throw invalid(field(mismatch) + " (byte " + mismatch + ") is not what this configuration and state "
                    + "write (unused fields and padding must be 0)");
        }
    }

    /** The name of the field at byte {@code at}: the header layout's member there, or a rolling window slot. */
    static String field(long at) {
        if (at >= HEADER) {
            return "rolling window value " + (at - HEADER) / 4;
        }
        long start = 0;
        for (MemoryLayout member : HEADER_LAYOUT.memberLayouts()) {
            if (at < start + member.byteSize()) {
                return member.name().orElse("padding");
            }
            start += member.byteSize();
        }
        throw new AssertionError(at);
    }

    private static StepSize stepSize(MemorySegment s) {
        double p1 = s.get(DOUBLE, STEP_1);
        double p2 = s.get(DOUBLE, STEP_2);
        long p3 = s.get(LONG, STEP_3);
        return switch (s.get(BYTE, STEP_KIND)) {
            case 0 -> StepSize.constant(p1);
            case 1 -> StepSize.halfLife(p1);
            case 2 -> StepSize.horizon(p1, p2, p3);
            case 3 -> StepSize.doubling(p1, p2, p3);
            case 4 -> StepSize.inverseTime(p1, p2);
            default -> throw new IllegalArgumentException("unknown step-size kind " + s.get(BYTE, STEP_KIND));
        };
    }

    private static ClipPolicy clipPolicy(MemorySegment s, int kind) {
        double p1 = s.get(DOUBLE, CLIP_1);
        double p2 = s.get(DOUBLE, CLIP_2);
        double p3 = s.get(DOUBLE, CLIP_3);
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
