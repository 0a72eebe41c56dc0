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
 * {@link SoftmaxRegression}, {@link CustomEstimator}) add the calls for their task and one step per sample; this
 * class holds what they share: the parameters (off-heap, 64-byte aligned), the step-size and clip state,
 * diagnostics, snapshots and merging, and the one implementation of the per-sample and batch surface (argument
 * checks, staging, the bad-row policies, the counting rule and every bad-input message), which calls the task's
 * step row by row.
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
     * {@link BadRowPolicy#SKIP_AND_COUNT} each skipped row counts once. Score-only calls are not counted; samples
     * that a caller refused on the estimator's behalf are, through {@link #countRejected()}. Like every counter
     * here, it saturates at {@code Long.MAX_VALUE}.
     */
    public final long rejectedCount() {
        return rejected;
    }

    /**
     * Counts one refused sample in {@link #rejectedCount()} and changes nothing else. For code that refuses a
     * sample on this estimator's behalf before any update call sees it, so that the estimator's count (which its
     * snapshots carry) stays the one count of refused samples: an {@code AnomalyDetector} that scores before it
     * decides to update, whose score call refused the sample; a stream operator that refuses a class label that is
     * not a whole number before it can become an {@code int}. Saturates at {@code Long.MAX_VALUE}.
     */
    public final void countRejected() {
        countRejected(1);
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
        return SnapshotFormat.size(config);
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
        return (int) writeState(cachedSnapshotSegment, offset, dst);
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
        return writeState(dst, offset, null);
    }

    /**
     * Restores any non-custom estimator from a snapshot.
     *
     * @throws IllegalArgumentException if the bytes are truncated, corrupt, of an unknown version, or hold a
     *     custom estimator (use {@link CustomEstimator#restore(byte[], Loss)})
     */
    public static Estimator restore(byte[] snapshot) {
        return readSnapshot(bytes(snapshot), null, null, null);
    }

    /** Restores from a snapshot held in {@code snapshot} (exactly its bytes). */
    public static Estimator restore(MemorySegment snapshot) {
        if (snapshot == null) {
            throw new IllegalArgumentException("snapshot must not be null");
        }
        return readSnapshot(snapshot, null, null, null);
    }

    static MemorySegment bytes(byte[] snapshot) {
        if (snapshot == null) {
            throw new IllegalArgumentException("snapshot must not be null");
        }
        return MemorySegment.ofArray(snapshot);
    }

    /** Writes the whole snapshot at {@code offset} (see {@link SnapshotFormat}); {@code array} backs a heap dst. */
    private long writeState(MemorySegment dst, long offset, byte[] array) {
        if (crc == null) {
            crc = new java.util.zip.CRC32C();
        }
        long at = writeHeader(dst, offset);
        return SnapshotFormat.writeParametersAndChecksum(dst, offset, at, params, size, array, crc);
    }

    /** The header and rolling window of this state; returns the offset of the parameters. */
    private long writeHeader(MemorySegment dst, long offset) {
        return SnapshotFormat.writeHeader(dst, offset, config, samples, clipped, rejected, schedule.time(),
                clip.state(), featureScale == null ? Double.NaN : featureScale.value(),
                clip instanceof ClipTracker.RollingClip r ? r : null);
    }

    /**
     * Restores from a snapshot: {@link SnapshotFormat#read} validates every field, this builds the estimator of the
     * snapshot's task and sets its state, and the header it then writes must equal the input byte for byte.
     *
     * @param expected the task the caller requires, or null for any non-custom task
     * @param loss the loss for a custom estimator (required iff the snapshot is custom)
     * @param kernels the kernels to run on, or null for the production kernels
     */
    static Estimator readSnapshot(MemorySegment s, Task expected, Loss loss, Kernels kernels) {
        SnapshotFormat.State state = SnapshotFormat.read(s, expected, loss != null);
        EstimatorConfig c = state.config();
        Estimator e = switch (c.task()) {
            case MEAN -> new MeanEstimator(c, kernels);
            case LINEAR -> new LinearRegression(c, kernels);
            case LOGISTIC -> new LogisticRegression(c, kernels);
            case SOFTMAX -> new SoftmaxRegression(c, kernels);
            case CUSTOM -> new CustomEstimator(c, loss, kernels);
        };
        float[] values = state.parameters();
        MemorySegment.copy(values, 0, e.params, ValueLayout.JAVA_FLOAT, 0, values.length);
        e.samples = state.samples();
        e.clipped = state.clipped();
        e.rejected = state.rejected();
        e.schedule.setTime(state.time());
        if (e.clip instanceof ClipTracker.RollingClip r) {
            r.restoreRing(state.ring(), state.ringCount(), state.ringPosition(), state.ringSince());
        }
        e.clip.restoreState(state.clipState());
        if (e.featureScale != null) {
            e.featureScale.set(state.scaleState());
        }
        e.afterRestore();
        byte[] written = new byte[SnapshotFormat.HEADER + 4 * state.ring().length];
        e.writeHeader(MemorySegment.ofArray(written), 0);
        SnapshotFormat.checkCanonical(written, s);
        return e;
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
     * {@code other} is not changed. Everything is checked before anything changes: a refused merge leaves this
     * estimator as it was.
     *
     * @throws IllegalArgumentException if {@code other} is null, this estimator, of another task or shape, of
     *     another clip policy kind, or of a rolling-quantile clip with another window length
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
        if (config.clipPolicy() instanceof ClipPolicy.RollingQuantile mine
                && other.config.clipPolicy() instanceof ClipPolicy.RollingQuantile theirs
                && mine.window() != theirs.window()) {
            // the windows' rings have different lengths: neither can be kept for both (it once half-applied)
            throw new IllegalArgumentException("cannot merge a rolling-quantile clip of window " + theirs.window()
                    + " into one of window " + mine.window() + " (the windows must be equal)");
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

    // ------------------------------------------------------------------ counters

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

    // ------------------------------------------------------------------ the task's step (what a subclass adds)

    /**
     * The task's step for one sample at element {@code index} of the native segment {@code x}, with the target
     * {@code y} or class {@code label} (each task reads the one it has; the mean reads neither): applies it and
     * returns the score, or returns NaN and changes nothing (not even a counter) when the sample, its label or the
     * state make the step impossible. The callers count, name and report refusals: {@link #applyOne} for a
     * per-sample call, {@link #updateRows} for a batch.
     *
     * <p>Every subclass is final, so where a caller is inlined into the subclass's public method the call binds
     * statically; otherwise its receiver profile is one class per task.
     */
    abstract double stepRow(MemorySegment x, long index, float y, int label);

    /** Whether {@code y} / {@code label} is acceptable to this task (the hot check of REJECT_BATCH's label scan). */
    abstract boolean labelOk(float y, int label);

    /** Which label argument this task's calls take. */
    enum Labels {
        /** No label (the mean). */
        NONE,
        /** A {@code float[] ys} of targets. */
        TARGETS,
        /** An {@code int[] labels} of classes. */
        CLASSES
    }

    /** Which label argument this task's calls take. */
    abstract Labels labels();

    /** Cold: what is wrong with {@code y} / {@code label}, or null if nothing (message built only here). */
    abstract String labelProblem(float y, int label);

    /**
     * Cold: why {@link #stepRow} refused this sample (after it returned NaN): the label first, then the first
     * non-finite value; a subclass with other reasons (a custom loss) overrides.
     */
    String refusal(MemorySegment x, long index, float y, int label) {
        String problem = labelProblem(y, label);
        if (problem != null) {
            return problem;
        }
        long bad = KernelProvider.scalar().firstNonFinite(x, index, dimension);
        return bad < 0 ? "the sample could not be applied (non-finite state)"
                : nonFiniteValue(bad, x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + bad));
    }

    // ------------------------------------------------------------------ the per-sample driver

    /**
     * Every per-sample update ends here: the step, or (cold) the refusal counted and thrown. Small on purpose, so
     * that C2 inlines it into each subclass's public {@code update}, where {@link #stepRow} binds statically.
     */
    final double applyOne(MemorySegment x, long index, float y, int label) {
        double score = stepRow(x, index, y, label);
        if (score != score) {
            throw refuseOne(x, index, y, label);
        }
        return score;
    }

    private IllegalArgumentException refuseOne(MemorySegment x, long index, float y, int label) {
        countRejected(1);
        return new IllegalArgumentException(refusal(x, index, y, label));
    }

    /**
     * Update path: {@code x} must be exactly {@code d} long; a refusal is counted in {@link #rejectedCount()}.
     * Returns the staging segment holding a copy of {@code x} (element 0).
     */
    final MemorySegment acceptExact(float[] x) {
        if (x == null || x.length != dimension) {
            countRejected(1);
            throw x == null ? nullArgument("x") : wrongLength(x.length);
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
            checkUsable(x, "x", false);
        } catch (IllegalArgumentException e) {
            countRejected(1);
            throw e;
        }
        return x.isNative() ? x : stage(x, index);
    }

    /** Score path: validates {@code x} as a whole sample (uncounted) and stages it. */
    final MemorySegment view(float[] x) {
        if (x != null && x.length != dimension) {
            throw wrongLength(x.length);
        }
        return view(x, 0);
    }

    /** Score path: validates (uncounted) and copies {@code x[offset ..]} to the staging segment. */
    final MemorySegment view(float[] x, int offset) {
        checkArray(x, offset, dimension);
        return stage(x, offset);
    }

    /** Score path: {@code x} itself if native, else a staged copy; validates, uncounted. */
    final MemorySegment view(MemorySegment x, long index) {
        checkSegment(x, index, dimension, "x");
        checkUsable(x, "x", false);
        return x.isNative() ? x : stage(x, index);
    }

    /** Score path: validates a label (uncounted). */
    final void checkLabel(float y, int label) {
        if (!labelOk(y, label)) {
            throw new IllegalArgumentException(labelProblem(y, label));
        }
    }

    /** Score path, cold: the first non-finite value of a sample whose score came out non-finite. */
    final IllegalArgumentException nonFiniteScore(MemorySegment x, long index) {
        long bad = Math.max(0, KernelProvider.scalar().firstNonFinite(x, index, dimension));
        return new IllegalArgumentException(nonFiniteValue(bad, x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED,
                index + bad)));
    }

    // ------------------------------------------------------------------ the batch driver

    /**
     * Every {@code updateBatch} ends here. {@code n} rows of {@code d} floats, row {@code i} at element
     * {@code index + i d} of {@code xsArray} (the {@code float[]} form, {@code arrayForm}) or of {@code xs}; the task's targets or classes at
     * {@code labelsOffset} of {@code ys} or {@code labels}; scores (the row's score, NaN when skipped) to
     * {@code scoresArray} or {@code scores} at element {@code scoresIndex}, if either is given.
     *
     * <p>The rules, in one place: arguments are checked first (any fault refuses the batch and counts all its
     * {@code n} rows, none if {@code n < 0}); under {@link BadRowPolicy#REJECT_BATCH} every row and label is
     * checked before any is applied, and the first bad row is named (its value before its label) and the batch is
     * refused, counted as {@code n}; then the rows are applied in order by the task's {@link #stepRow}, each row
     * it refuses skipped, counted once and scored NaN.
     *
     * @return the number of rows applied
     */
    final int updateRows(boolean arrayForm, float[] xsArray, MemorySegment xs, long index, int n, float[] ys, int[] labels,
                         int labelsOffset, double[] scoresArray, MemorySegment scores, long scoresIndex,
                         BadRowPolicy policy) {
        checkBatch(arrayForm, xsArray, xs, index, n, ys, labels, labelsOffset, scoresArray, scores, scoresIndex, policy);
        MemorySegment rows = arrayForm ? slab(xsArray) : xs;
        if (policy == BadRowPolicy.REJECT_BATCH) {
            rejectBadRows(rows, index, n, ys, labels, labelsOffset);
        }
        return applyRows(xsArray, rows, index, n, ys, labels, labelsOffset, scoresArray, scores, scoresIndex);
    }

    /**
     * The per-row loop: staging (arrays and heap segments are copied row by row into the native staging buffer;
     * native rows are read in place), the label, the task's step, the skip rule and the score. The branches on the
     * argument kinds are loop-invariant. In a JVM that runs one or two tasks the call to {@link #stepRow} is
     * inlined by its receiver profile (mono- or bimorphic); with three or more, C2 compiles this loop on its own
     * and the call stays a virtual call per row (seen with {@code -XX:+PrintInlining}; its cost is measured by
     * {@code EstimatorBatchBenchmark -p mixedTasks=true}, see the README). A switch over the sealed subclasses in
     * place of the virtual call was tried: the switch is compiled on its own too, and adds a call.
     */
    private int applyRows(float[] xsArray, MemorySegment xs, long index, int n, float[] ys, int[] labels,
                          int labelsOffset, double[] scoresArray, MemorySegment scores, long scoresIndex) {
        final boolean inPlace = xsArray == null && xs.isNative();
        final int d = dimension;
        int applied = 0;
        for (int i = 0; i < n; i++) {
            long row = index + (long) i * d;
            MemorySegment x = inPlace ? xs : xsArray != null ? stage(xsArray, (int) row) : stage(xs, row);
            double score = stepRow(x, inPlace ? row : 0, ys == null ? 0f : ys[labelsOffset + i],
                    labels == null ? 0 : labels[labelsOffset + i]);
            if (score == score) {
                applied++;
            } else {
                countRejected(1);
            }
            if (scoresArray != null) {
                scoresArray[(int) scoresIndex + i] = score;
            } else if (scores != null) {
                scores.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, scoresIndex + i, score);
            }
        }
        return applied;
    }

    /** Checks a batch's arguments; a refusal counts every one of its rows (none when {@code n < 0}). */
    private void checkBatch(boolean arrayForm, float[] xsArray, MemorySegment xs, long index, int n, float[] ys, int[] labels,
                            int labelsOffset, double[] scoresArray, MemorySegment scores, long scoresIndex,
                            BadRowPolicy policy) {
        try {
            checkRowCount(n);
            if (arrayForm) {
                checkRows(xsArray, (int) index, n);
            } else {
                checkSegment(xs, index, (long) n * dimension, "xs");
                checkUsable(xs, "xs", false);
            }
            if (scoresArray != null) {
                checkRange("scores", n, "values", scoresIndex, scoresArray.length);
            } else if (scores != null) {
                if (scoresIndex < 0 || scores.byteSize() / 8 - scoresIndex < n) {
                    throw shortSegment("scores", n, "doubles", scoresIndex, scores.byteSize());
                }
                checkUsable(scores, "scores", true);
            }
            if (policy == null) {
                throw nullArgument("policy");
            }
            switch (labels()) {
                case TARGETS -> checkLabels("ys", ys == null ? -1 : ys.length, labelsOffset, n);
                case CLASSES -> checkLabels("labels", labels == null ? -1 : labels.length, labelsOffset, n);
                case NONE -> {
                }
            }
        } catch (IllegalArgumentException e) {
            countRejected(Math.max(0, n));
            throw e;
        }
    }

    private static void checkLabels(String name, int length, int offset, int n) {
        if (length < 0) {
            throw nullArgument(name);
        }
        checkRange(name, n, "labels", offset, length);
    }

    /**
     * {@link BadRowPolicy#REJECT_BATCH}: names the first row with a non-finite value or a bad label (within a row,
     * the value first), counts all {@code n} rows and throws; returns if every row is good.
     */
    private void rejectBadRows(MemorySegment xs, long index, int n, float[] ys, int[] labels, int labelsOffset) {
        int badLabel = 0;
        if (labels() != Labels.NONE) {
            while (badLabel < n && labelOk(ys == null ? 0f : ys[labelsOffset + badLabel],
                    labels == null ? 0 : labels[labelsOffset + badLabel])) {
                badLabel++;
            }
        } else {
            badLabel = n;
        }
        int rows = Math.min(n, badLabel + 1);
        long bad = kernels.firstNonFinite(xs, index, (long) rows * dimension);
        if (bad >= 0) {
            countRejected(n);
            throw new IllegalArgumentException(batchNotApplied(inRow(bad / dimension, nonFiniteValue(bad % dimension,
                    xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + bad))), n));
        }
        if (badLabel < n) {
            countRejected(n);
            throw new IllegalArgumentException(batchNotApplied(inRow(badLabel, labelProblem(
                    ys == null ? 0f : ys[labelsOffset + badLabel], labels == null ? 0 : labels[labelsOffset + badLabel])),
                    n));
        }
    }

    /** Score-batch path: the rows exist, and none holds a non-finite value (uncounted). */
    final void checkScoreRows(MemorySegment xs, long index, int n) {
        long bad = kernels.firstNonFinite(xs, index, (long) n * dimension);
        if (bad >= 0) {
            throw new IllegalArgumentException(inRow(bad / dimension, nonFiniteValue(bad % dimension,
                    xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index + bad))));
        }
    }

    // ------------------------------------------------------------------ staging

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

    // ------------------------------------------------------------------ argument checks

    /** Validates that {@code x[offset .. offset + length)} exists. */
    final void checkArray(float[] x, int offset, int length) {
        checkFloats(x, offset, length, "x", length == dimension);
    }

    /** Validates a batch's rows: {@code n * d} floats of {@code xs} from {@code offset} (named "xs", counted exactly). */
    final void checkRows(float[] xs, int offset, int n) {
        checkFloats(xs, offset, (long) n * dimension, "xs", false);
    }

    /** {@code a[offset .. offset + length)} exists; a whole single sample that is too short is a wrong length. */
    private void checkFloats(float[] a, int offset, long length, String name, boolean sample) {
        if (a == null) {
            throw nullArgument(name);
        }
        if (offset < 0 || offset > a.length || a.length - offset < length) {
            throw sample && offset == 0 ? wrongLength(a.length) : shortArray(name, length, "floats", offset, a.length);
        }
    }

    /** Validates a segment range of {@code count} floats at element {@code index}. */
    static void checkSegment(MemorySegment s, long index, long count, String name) {
        if (s == null) {
            throw nullArgument(name);
        }
        if (index < 0 || s.byteSize() / 4 - index < count) {
            throw shortSegment(name, count, "floats", index, s.byteSize());
        }
    }

    /**
     * A batch's segment can be read (and, for {@code writable}, written) by this thread for the whole batch:
     * without this check the first bad access would come from the JDK after row 0 was applied (a closed,
     * read-only or other thread's {@code scores} segment half-applied a batch). Once per batch, not per row; once
     * per call for single samples, so that a closed or another thread's sample is refused (and counted) as a bad
     * argument like any other, not with the JDK's IllegalStateException or WrongThreadException.
     */
    static void checkUsable(MemorySegment s, String name, boolean writable) {
        if (!s.scope().isAlive()) {
            throw new IllegalArgumentException(name + " is not alive (its arena was closed)");
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalArgumentException(name + " is confined to another thread");
        }
        if (writable && s.isReadOnly()) {
            throw new IllegalArgumentException(name + " is read-only");
        }
    }

    /** Validates that {@code n} items from {@code offset} fit in an array of {@code length}. */
    static void checkRange(String name, long n, String unit, long offset, int length) {
        if (offset < 0 || offset > length || length - offset < n) {
            throw shortArray(name, n, unit, offset, length);
        }
    }

    static void checkRowCount(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("batch row count must be >= 0: " + n);
        }
    }

    // ------------------------------------------------------------------ bad-input messages (built only here)

    static IllegalArgumentException nullArgument(String name) {
        return new IllegalArgumentException(name + " must not be null");
    }

    final IllegalArgumentException wrongLength(int length) {
        return new IllegalArgumentException("x has length " + length + " but the estimator's dimension is "
                + dimension);
    }

    static IllegalArgumentException shortArray(String name, long n, String unit, long offset, int length) {
        return new IllegalArgumentException(name + " must hold " + n + " " + unit + " from offset " + offset
                + " but has length " + length);
    }

    static IllegalArgumentException shortSegment(String name, long n, String unit, long index, long bytes) {
        return new IllegalArgumentException(name + " must hold " + n + " " + unit + " from element " + index
                + " but has " + bytes + " bytes");
    }

    /** {@code x[column] is value (values must be finite)}. */
    static String nonFiniteValue(long column, float value) {
        return "x[" + column + "] is " + value + " (values must be finite)";
    }

    static String inRow(long row, String problem) {
        return "row " + row + ": " + problem;
    }

    static String batchNotApplied(String problem, int n) {
        return problem + "; the batch of " + n + " rows was not applied";
    }
}
