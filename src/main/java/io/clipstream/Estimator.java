package io.clipstream;

import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * An online estimator driven by clipped SGD: {@code theta <- theta - eta * clip(grad l(x, theta), lambda)}.
 * The concrete estimators ({@link MeanEstimator}, {@link LinearRegression}, {@link LogisticRegression},
 * {@link SoftmaxRegression}, {@link CustomEstimator}) add the per-sample calls for their task; this class holds
 * what they share: the parameters (off-heap, 64-byte aligned), the step-size and clip state, diagnostics,
 * snapshots and merging.
 *
 * <h2>Per-sample calls</h2>
 * {@code update} applies one step and returns the sample's score computed against the estimate <i>before</i>
 * the step; {@code score} computes the score without updating; {@code scoreAndUpdate} is {@code update} under
 * the name detection code reads best with. Whether the last step was clipped is {@link #lastClipped()}. The
 * score is documented per task.
 *
 * <h2>Bad input</h2>
 * A null or wrongly sized sample, a NaN or infinite value, or a label outside the task's range throws an
 * {@link IllegalArgumentException} that names the index (and row, in batches) and the value, and leaves the
 * estimator bit-identical, apart from {@link #rejectedCount()}, which counts rejected samples (see there for the
 * batch rule). Every finite sample is accepted, from subnormals to {@code Float.MAX_VALUE}, and never makes the
 * state infinite or NaN: the kernels switch to double precision where floats could overflow and saturate the
 * result, and normalised model steps are formed in double. Builders refuse parameters the float arithmetic cannot
 * use, and snapshot restores validate every field by the same rules, so no configuration or restored state can
 * make a later update non-finite.
 *
 * <h2>Allocation and memory kinds</h2>
 * No per-sample or batch call allocates after warm-up. Samples given as {@code float[]} (or heap segments) are
 * copied into a native staging buffer before the kernels run (the state is native, and kernels that mix heap
 * and native memory in one loop ran ~3x slower); native segments are read in place, so they are the fastest way
 * to feed an estimator.
 *
 * <h2>Thread safety</h2>
 * An estimator is single-writer and not thread-safe: one thread at a time may call anything on it, including
 * the read-only calls ({@code score}, {@code estimate}, diagnostics, {@code snapshot}), which read state the
 * writer changes without synchronisation. To read from other threads, have the writer publish snapshots (or
 * copies made with {@code estimate}), or guard all calls with one lock.
 */
public abstract sealed class Estimator
        permits MeanEstimator, LinearRegression, LogisticRegression, SoftmaxRegression, CustomEstimator {

    final EstimatorConfig config;
    final Kernels kernels;
    final int dimension;
    final int size;
    final MemorySegment params;
    final float mu;
    final Schedule schedule;
    final ClipTracker clip;
    /** Robust running estimate of {@code ||x||^2} for normalised model steps; null otherwise. */
    final MedianTracker featureScale;

    long samples;
    long clipped;
    long rejected;
    boolean lastClipped;

    /**
     * Where samples given as {@code float[]} (or heap segments) are copied before the kernels see them: the state
     * is native, and a kernel loop that reads native and heap memory together ran ~3x slower (dot at d = 1024:
     * 193 vs 62 ns); the copy ({@code MemorySegment.copy} from the array, no wrapper object) costs about one extra
     * load and store per vector and makes every kernel call site see only native memory.
     */
    final MemorySegment staging;
    private float[] cachedArray;
    private MemorySegment cachedSegment;
    private byte[] cachedSnapshotArray;
    private MemorySegment cachedSnapshotSegment;
    private java.util.zip.CRC32C crc;

    Estimator(EstimatorConfig config, Kernels kernels) {
        this.config = Objects.requireNonNull(config, "config");
        this.kernels = kernels == null ? KernelProvider.kernels() : kernels;
        this.dimension = config.dimension();
        this.size = config.parameterCount();
        // padded to whole 64-byte lines so that no other data shares the last line
        this.params = Arena.ofAuto().allocate(((size * 4L + 63) & -64L), 64).asSlice(0, size * 4L);
        this.staging = Arena.ofAuto().allocate(((dimension * 4L + 63) & -64L), 64).asSlice(0, dimension * 4L);
        this.mu = (float) config.l2();
        this.schedule = new Schedule(config.stepSize(), 0);
        this.clip = ClipTracker.create(config.clipPolicy());
        this.featureScale = config.normalizeSteps() ? new MedianTracker(0.5, 0.02) : null;
    }

    // ------------------------------------------------------------------ description and diagnostics

    /** The validated configuration. */
    public final EstimatorConfig config() {
        return config;
    }

    /** The task. */
    public final Task task() {
        return config.task();
    }

    /** The sample dimension {@code d}. */
    public final int dimension() {
        return dimension;
    }

    /** Number of parameters ({@code classes * d} for softmax, {@code d} otherwise). */
    public final int parameterCount() {
        return size;
    }

    /** Samples applied (rejected samples are not counted here). */
    public final long samplesSeen() {
        return samples;
    }

    /** Applied steps whose gradient was clipped. */
    public final long clippedCount() {
        return clipped;
    }

    /** {@code clippedCount / samplesSeen}, 0 before the first sample. */
    public final double clipFraction() {
        return samples == 0 ? 0 : (double) clipped / samples;
    }

    /**
     * Samples (or batch rows) refused by update calls, for any reason: null, wrong length, a non-finite value or
     * label, a label out of range. One rule for batches: a batch call that throws counts every one of its
     * {@code n} rows (none if {@code n < 0}), whatever the cause (a null or short array, a bad offset, a short
     * scores buffer, a null policy, or a bad row under {@link BadRowPolicy#REJECT_BATCH}); under
     * {@link BadRowPolicy#SKIP_AND_COUNT} each skipped row counts once. Score-only calls are not counted. Like every
     * counter here, it saturates at {@code Long.MAX_VALUE}.
     */
    public final long rejectedCount() {
        return rejected;
    }

    /** Whether the last applied step was clipped. */
    public final boolean lastClipped() {
        return lastClipped;
    }

    /**
     * The step size the next update will use (for normalised model steps, before the division by the
     * {@code ||x||^2} estimate).
     */
    public final double stepSize() {
        return schedule.eta();
    }

    /** The clip level the next update will use ({@code +Infinity} when not clipping or before any sample). */
    public final double clipLevel() {
        return clip.level();
    }

    /** The name of the kernels in use, e.g. {@code simd-512} or {@code scalar}. */
    public final String kernelName() {
        return kernels.name();
    }

    // ------------------------------------------------------------------ estimate

    /**
     * Copies the current parameters (row-major {@code classes x d} for softmax) into {@code dst}.
     *
     * @throws IllegalArgumentException if {@code dst} is null or shorter than {@link #parameterCount()}
     */
    public final void estimate(float[] dst) {
        estimate(dst, 0);
    }

    /**
     * Copies the current parameters into {@code dst[offset ..]}.
     *
     * @throws IllegalArgumentException if {@code dst} is null or the range does not fit
     */
    public final void estimate(float[] dst, int offset) {
        if (dst == null) {
            throw new IllegalArgumentException("dst must not be null");
        }
        if (offset < 0 || dst.length - offset < size) {
            throw new IllegalArgumentException("dst must hold " + size + " floats from offset " + offset
                    + " but has length " + dst.length);
        }
        MemorySegment.copy(params, ValueLayout.JAVA_FLOAT, 0, dst, offset, size);
    }

    /**
     * Copies the current parameters into {@code dst} at element {@code index} (native byte order).
     *
     * @throws IllegalArgumentException if {@code dst} is null, read-only or the range does not fit
     */
    public final void estimate(MemorySegment dst, long index) {
        checkSegment(dst, index, size, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        MemorySegment.copy(params, 0, dst, index * 4, size * 4L);
    }

    // ------------------------------------------------------------------ snapshots

    /** The exact size in bytes of this estimator's snapshot. */
    public final int snapshotSize() {
        return SnapshotFormat.size(this);
    }

    /** A snapshot of the whole state (see {@link SnapshotFormat} for the layout). Allocates the array. */
    public final byte[] snapshot() {
        byte[] bytes = new byte[snapshotSize()];
        writeSnapshot(bytes, 0);
        return bytes;
    }

    /**
     * Writes the snapshot into {@code dst[offset ..]} without allocating.
     *
     * @return the number of bytes written ({@link #snapshotSize()})
     * @throws IllegalArgumentException if {@code dst} is null or too small
     */
    public final int writeSnapshot(byte[] dst, int offset) {
        if (dst == null) {
            throw new IllegalArgumentException("dst must not be null");
        }
        int n = snapshotSize();
        if (offset < 0 || dst.length - offset < n) {
            throw new IllegalArgumentException("snapshot needs " + n + " bytes from offset " + offset
                    + " but dst has length " + dst.length);
        }
        if (dst != cachedSnapshotArray) {
            cachedSnapshotArray = dst;
            cachedSnapshotSegment = MemorySegment.ofArray(dst);
        }
        return (int) SnapshotFormat.write(this, cachedSnapshotSegment, offset, dst);
    }

    /**
     * Writes the snapshot into {@code dst} at byte {@code offset}. For a native {@code dst} the checksum needs one
     * small {@link java.nio.ByteBuffer} view; {@link #writeSnapshot(byte[], int)} allocates nothing.
     *
     * @return the number of bytes written
     * @throws IllegalArgumentException if {@code dst} is null, read-only or too small
     */
    public final long writeSnapshot(MemorySegment dst, long offset) {
        if (dst == null) {
            throw new IllegalArgumentException("dst must not be null");
        }
        int n = snapshotSize();
        if (offset < 0 || dst.byteSize() - offset < n) {
            throw new IllegalArgumentException("snapshot needs " + n + " bytes from offset " + offset
                    + " but dst has " + dst.byteSize());
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        return SnapshotFormat.write(this, dst, offset, null);
    }

    /**
     * Restores any non-custom estimator from a snapshot.
     *
     * @throws IllegalArgumentException if the bytes are truncated, corrupt, of an unknown version, or hold a
     *     custom estimator (use {@link CustomEstimator#restore(byte[], Loss)})
     */
    public static Estimator restore(byte[] snapshot) {
        return SnapshotFormat.read(bytes(snapshot), null, null, null);
    }

    /** Restores from a snapshot held in {@code snapshot} (exactly its bytes). */
    public static Estimator restore(MemorySegment snapshot) {
        if (snapshot == null) {
            throw new IllegalArgumentException("snapshot must not be null");
        }
        return SnapshotFormat.read(snapshot, null, null, null);
    }

    static MemorySegment bytes(byte[] snapshot) {
        if (snapshot == null) {
            throw new IllegalArgumentException("snapshot must not be null");
        }
        return MemorySegment.ofArray(snapshot);
    }

    /** The reusable checksum of this estimator's snapshot writes. */
    final java.util.zip.CRC32C crc() {
        if (crc == null) {
            crc = new java.util.zip.CRC32C();
        }
        return crc;
    }

    /** Hook for estimators that derive scratch state from the parameters after a restore. */
    void afterRestore() {
    }

    // ------------------------------------------------------------------ merge

    /**
     * Merges {@code other} into this estimator, as when two shards of a rescaled deployment are joined: the
     * parameters become the average weighted by samples seen, the counters add up, the step schedule continues
     * from the combined sample count, and an adaptive clip level becomes the weighted geometric mean of the two
     * (a rolling-quantile window is kept from this estimator, or taken from {@code other} if this one is empty).
     * {@code other} is not changed.
     *
     * @throws IllegalArgumentException if {@code other} is null, this estimator, or of another task or shape
     */
    public final void merge(Estimator other) {
        if (other == null) {
            throw new IllegalArgumentException("other must not be null");
        }
        if (other == this) {
            throw new IllegalArgumentException("cannot merge an estimator with itself");
        }
        if (other.task() != task() || other.dimension != dimension || other.size != size) {
            throw new IllegalArgumentException("cannot merge a " + other.task() + " estimator of " + other.size
                    + " parameters (d=" + other.dimension + ") into a " + task() + " estimator of " + size
                    + " parameters (d=" + dimension + ")");
        }
        if (other.config.clipPolicy().getClass() != config.clipPolicy().getClass()) {
            throw new IllegalArgumentException("cannot merge clip policy " + other.config.clipPolicy() + " into "
                    + config.clipPolicy());
        }
        double a = samples;
        double b = other.samples;
        double wa = a + b == 0 ? 0.5 : a / (a + b);
        double wb = 1 - wa;
        for (long i = 0; i < size; i++) {
            float x = params.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float y = other.params.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            params.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (wa * x + wb * y));
        }
        clip.merge(other.clip, a, b);
        if (featureScale != null && other.featureScale != null) {
            featureScale.merge(other.featureScale, a, b);
        }
        samples = saturatingAdd(samples, other.samples);
        clipped = saturatingAdd(clipped, other.clipped);
        rejected = saturatingAdd(rejected, other.rejected);
        schedule.setTime(saturatingAdd(schedule.time(), other.schedule.time()));
        afterRestore();
    }

    // ------------------------------------------------------------------ shared per-sample plumbing

    /** Records an applied step: counters, clip tracker, schedule. */
    final void accepted(double norm, float lambda) {
        samples = increment(samples);
        boolean c = norm > lambda;
        lastClipped = c;
        if (c) {
            clipped = increment(clipped);
        }
        clip.observe(norm);
        schedule.advance();
    }

    /** Counts {@code n >= 0} refused samples. */
    final void countRejected(long n) {
        rejected = saturatingAdd(rejected, n);
    }

    /**
     * {@code count + 1}, saturating at {@code Long.MAX_VALUE}: counters never wrap to a negative value (which the
     * snapshot reader would refuse), however they were restored.
     */
    static long increment(long count) {
        return count == Long.MAX_VALUE ? count : count + 1;
    }

    /** {@code a + b} for non-negative counts, saturating at {@code Long.MAX_VALUE}. */
    static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }

    /**
     * Update path: {@code x} must be exactly {@code d} long; a refusal is counted in {@link #rejectedCount()}.
     * Returns the staging segment holding a copy of {@code x} (element 0).
     */
    final MemorySegment acceptExact(float[] x) {
        if (x == null || x.length != dimension) {
            countRejected(1);
            throw x == null ? new IllegalArgumentException("x must not be null")
                    : new IllegalArgumentException("x has length " + x.length + " but the estimator's dimension is "
                            + dimension);
        }
        return stage(x, 0);
    }

    /** Update path: the sample at {@code x[offset ..]}, copied to the staging segment; a refusal is counted. */
    final MemorySegment accept(float[] x, int offset) {
        try {
            checkArray(x, offset, dimension);
        } catch (IllegalArgumentException e) {
            countRejected(1);
            throw e;
        }
        return stage(x, offset);
    }

    /**
     * Update path: the sample at element {@code index} of {@code x}; a refusal is counted. Returns {@code x} itself
     * if it is native (use {@code index}), else the staging segment holding a copy (use element 0).
     */
    final MemorySegment accept(MemorySegment x, long index) {
        try {
            checkSegment(x, index, dimension, "x");
        } catch (IllegalArgumentException e) {
            countRejected(1);
            throw e;
        }
        return x.isNative() ? x : stage(x, index);
    }

    /** Score path: validates (uncounted) and copies {@code x[offset ..]} to the staging segment. */
    final MemorySegment view(float[] x, int offset) {
        checkArray(x, offset, dimension);
        return stage(x, offset);
    }

    /** Score path: {@code x} itself if native, else a staged copy; validates, uncounted. */
    final MemorySegment view(MemorySegment x, long index) {
        checkSegment(x, index, dimension, "x");
        return x.isNative() ? x : stage(x, index);
    }

    /**
     * Update path: validates a batch's arguments ({@code n}, the rows at {@code xs[offset ..]}, the scores buffer
     * if any, the policy). A refusal counts every row of the batch, as any refused update does (none when
     * {@code n < 0}: there are no rows).
     */
    final void acceptBatch(float[] xs, int offset, int n, double[] scores, int scoresOffset, BadRowPolicy policy) {
        try {
            checkBatchArgs(n, "batch");
            checkArray(xs, offset, (int) Math.min(Integer.MAX_VALUE, (long) n * dimension));
            checkScores(scores, scoresOffset, n);
            checkPolicy(policy);
        } catch (IllegalArgumentException e) {
            countRejected(Math.max(0, n));
            throw e;
        }
    }

    /** As {@link #acceptBatch(float[], int, int, double[], int, BadRowPolicy)} for rows in a segment. */
    final void acceptBatch(MemorySegment xs, long index, int n, MemorySegment scores, long scoresIndex,
                           BadRowPolicy policy) {
        try {
            checkBatchArgs(n, "batch");
            checkSegment(xs, index, (long) n * dimension, "xs");
            checkScores(scores, scoresIndex, n);
            checkPolicy(policy);
        } catch (IllegalArgumentException e) {
            countRejected(Math.max(0, n));
            throw e;
        }
    }

    /** Update path: {@code n >= 0} targets at {@code ys[offset ..]} exist; a refusal counts all {@code n} rows. */
    final void acceptLabels(float[] ys, int offset, int n) {
        if (ys == null || offset < 0 || offset > ys.length || ys.length - offset < n) {
            countRejected(n);
            throw ys == null ? new IllegalArgumentException("ys must not be null")
                    : new IllegalArgumentException("ys must hold " + n + " labels from offset " + offset
                            + " but has length " + ys.length);
        }
    }

    /** Update path: {@code n >= 0} labels at {@code labels[offset ..]} exist; a refusal counts all {@code n} rows. */
    final void acceptLabels(int[] labels, int offset, int n) {
        if (labels == null || offset < 0 || offset > labels.length || labels.length - offset < n) {
            countRejected(n);
            throw labels == null ? new IllegalArgumentException("labels must not be null")
                    : new IllegalArgumentException("labels must hold " + n + " labels from offset " + offset
                            + " but has length " + labels.length);
        }
    }

    static void checkPolicy(BadRowPolicy policy) {
        if (policy == null) {
            throw new IllegalArgumentException("policy must not be null");
        }
    }

    static void checkScores(double[] scores, int offset, int n) {
        if (scores != null && (offset < 0 || offset > scores.length || scores.length - offset < n)) {
            throw new IllegalArgumentException("scores must hold " + n + " values from offset " + offset
                    + " but has length " + scores.length);
        }
    }

    static void checkScores(MemorySegment scores, long index, int n) {
        if (scores != null && (index < 0 || scores.byteSize() / 8 - index < n)) {
            throw new IllegalArgumentException("scores must hold " + n + " doubles from element " + index
                    + " but has " + scores.byteSize() + " bytes");
        }
    }

    /** Copies {@code d} floats from {@code x[offset ..]} to the staging segment. */
    final MemorySegment stage(float[] x, int offset) {
        MemorySegment.copy(x, offset, staging, ValueLayout.JAVA_FLOAT, 0, dimension);
        return staging;
    }

    /** Copies {@code d} floats from element {@code index} of {@code x} to the staging segment. */
    final MemorySegment stage(MemorySegment x, long index) {
        MemorySegment.copy(x, index * 4, staging, 0, dimension * 4L);
        return staging;
    }

    /** Validates that {@code x[offset .. offset + length)} exists. */
    final void checkArray(float[] x, int offset, int length) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        if (offset < 0 || offset > x.length || x.length - offset < length) {
            throw wrongLength(x.length, offset, length);
        }
    }

    /**
     * A heap segment over a whole slab array (cached for the last array seen), for kernels that read only that
     * array (the non-finite scan of a batch), so that reusing a slab allocates nothing.
     */
    final MemorySegment slab(float[] x) {
        if (x != cachedArray) {
            cachedArray = x;
            cachedSegment = MemorySegment.ofArray(x);
        }
        return cachedSegment;
    }

    private IllegalArgumentException wrongLength(int arrayLength, int offset, int length) {
        if (offset == 0 && length == dimension) {
            return new IllegalArgumentException("x has length " + arrayLength + " but the estimator's dimension is "
                    + dimension);
        }
        return new IllegalArgumentException("x must hold " + length + " floats from offset " + offset
                + " but has length " + arrayLength);
    }

    /** Validates a segment range of {@code count} floats at element {@code index}. */
    static void checkSegment(MemorySegment s, long index, long count, String name) {
        if (s == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (index < 0 || s.byteSize() / 4 - index < count) {
            throw new IllegalArgumentException(name + " must hold " + count + " floats from element " + index
                    + " but has " + s.byteSize() + " bytes");
        }
    }

    /** Cold path: count the rejection and describe the first non-finite value of {@code x}. */
    final IllegalArgumentException rejectSample(MemorySegment x, long index, long row, String labelProblem) {
        countRejected(1);
        String where = row < 0 ? "" : "row " + row + ": ";
        if (labelProblem != null) {
            return new IllegalArgumentException(where + labelProblem);
        }
        long bad = KernelProvider.scalar().firstNonFinite(x, index, dimension);
        if (bad < 0) {
            return new IllegalArgumentException(where + "the sample could not be applied (non-finite state)");
        }
        float v = x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + bad);
        return new IllegalArgumentException(where + "x[" + bad + "] is " + v + " (values must be finite)");
    }

    /**
     * {@link BadRowPolicy#REJECT_BATCH}: checks the first {@code rows} rows of a batch of {@code n} for non-finite
     * values; throws naming the row, column and value, and counts all {@code n} rows. (Callers that also check
     * labels pass {@code rows} = up to and including the first bad label's row, so the first bad row is named,
     * whichever its problem.)
     */
    final void rejectBatchIfNonFinite(MemorySegment xs, long index, int rows, int n) {
        long bad = kernels.firstNonFinite(xs, index, (long) rows * dimension);
        if (bad >= 0) {
            countRejected(n);
            float v = xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + bad);
            throw new IllegalArgumentException("row " + bad / dimension + ": x[" + bad % dimension + "] is " + v
                    + " (values must be finite); the batch of " + n + " rows was not applied");
        }
    }

    static void checkBatchArgs(int n, String what) {
        if (n < 0) {
            throw new IllegalArgumentException(what + " row count must be >= 0: " + n);
        }
    }
}
