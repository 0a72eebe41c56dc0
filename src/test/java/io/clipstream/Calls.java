package io.clipstream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The per-sample and batch update calls of every task, over every input kind, behind one signature, so that
 * contract tests and fuzzers can drive all of them alike.
 */
final class Calls {
    private Calls() {
    }

    /** How a sample (or a batch slab) is handed to the estimator. */
    enum Input {
        /** {@code update(float[] x, ...)} (per sample) or the {@code float[]} batch call at offset 0. */
        ARRAY,
        /** {@code update(float[] x, int offset, ...)}: the sample at offset 3 of a longer array. */
        ARRAY_OFFSET,
        /** A heap segment over a {@code float[]} (copied to the staging buffer by the estimator). */
        HEAP_SEGMENT,
        /** A native segment (read in place). */
        NATIVE_SEGMENT
    }

    static final int OFFSET = 3;

    /**
     * One {@code update} with {@code x} (may be null or of any length) in the given form; {@code y} is the
     * regression target, {@code label} the class (ignored where not applicable).
     */
    static double update(Estimator e, Input input, float[] x, float y, int label) {
        return switch (input) {
            case ARRAY -> switch (e) {
                case MeanEstimator m -> m.update(x);
                case LinearRegression l -> l.update(x, y);
                case LogisticRegression l -> l.update(x, label);
                case SoftmaxRegression s -> s.update(x, label);
                case CustomEstimator c -> c.update(x, y);
            };
            case ARRAY_OFFSET -> {
                float[] padded = x == null ? null : new float[x.length + OFFSET];
                if (x != null) {
                    System.arraycopy(x, 0, padded, OFFSET, x.length);
                }
                yield switch (e) {
                    case MeanEstimator m -> m.update(padded, OFFSET);
                    case LinearRegression l -> l.update(padded, OFFSET, y);
                    case LogisticRegression l -> l.update(padded, OFFSET, label);
                    case SoftmaxRegression s -> s.update(padded, OFFSET, label);
                    case CustomEstimator c -> c.update(padded, OFFSET, y);
                };
            }
            case HEAP_SEGMENT, NATIVE_SEGMENT -> {
                MemorySegment s = segment(x, input == Input.NATIVE_SEGMENT, OFFSET);
                yield switch (e) {
                    case MeanEstimator m -> m.update(s, OFFSET);
                    case LinearRegression l -> l.update(s, OFFSET, y);
                    case LogisticRegression l -> l.update(s, OFFSET, label);
                    case SoftmaxRegression sm -> sm.update(s, OFFSET, label);
                    case CustomEstimator c -> c.update(s, OFFSET, y);
                };
            }
        };
    }

    /** {@code x} (null stays null) after {@code offset} leading zeros, in a heap or native segment. */
    static MemorySegment segment(float[] x, boolean nativeMemory, int offset) {
        if (x == null) {
            return null;
        }
        float[] padded = new float[x.length + offset];
        System.arraycopy(x, 0, padded, offset, x.length);
        if (!nativeMemory) {
            return MemorySegment.ofArray(padded);
        }
        MemorySegment s = Arena.ofAuto().allocate(4L * padded.length + 4, 4);
        MemorySegment.copy(padded, 0, s, ValueLayout.JAVA_FLOAT, 0, padded.length);
        return s.asSlice(0, 4L * padded.length);
    }

    /**
     * One {@code updateBatch}: {@code n} rows of {@code xs} from element {@code offset}, the targets or labels
     * from {@code labelsOffset}, scores into a buffer of {@code scoresLength} values (or none if negative), in the
     * given form ({@link Input#ARRAY} or a segment; {@code ARRAY_OFFSET} is {@code ARRAY}).
     */
    static int updateBatch(Estimator e, Input input, float[] xs, int offset, int n, float[] ys, int[] labels,
                           int labelsOffset, int scoresLength, BadRowPolicy policy) {
        if (input == Input.ARRAY || input == Input.ARRAY_OFFSET) {
            double[] scores = scoresLength < 0 ? null : new double[scoresLength];
            return switch (e) {
                case MeanEstimator m -> m.updateBatch(xs, offset, n, scores, 0, policy);
                case LinearRegression l -> l.updateBatch(xs, offset, n, ys, labelsOffset, scores, 0, policy);
                case LogisticRegression l -> l.updateBatch(xs, offset, n, labels, labelsOffset, scores, 0, policy);
                case SoftmaxRegression s -> s.updateBatch(xs, offset, n, labels, labelsOffset, scores, 0, policy);
                case CustomEstimator c -> c.updateBatch(xs, offset, n, ys, labelsOffset, scores, 0, policy);
            };
        }
        MemorySegment slab = segment(xs, input == Input.NATIVE_SEGMENT, 0);
        MemorySegment scores = scoresLength < 0 ? null : Arena.ofAuto().allocate(8L * scoresLength + 8, 8)
                .asSlice(0, 8L * scoresLength);
        return switch (e) {
            case MeanEstimator m -> m.updateBatch(slab, offset, n, scores, 0, policy);
            case LinearRegression l -> l.updateBatch(slab, offset, n, ys, labelsOffset, scores, 0, policy);
            case LogisticRegression l -> l.updateBatch(slab, offset, n, labels, labelsOffset, scores, 0, policy);
            case SoftmaxRegression s -> s.updateBatch(slab, offset, n, labels, labelsOffset, scores, 0, policy);
            case CustomEstimator c -> c.updateBatch(slab, offset, n, ys, labelsOffset, scores, 0, policy);
        };
    }
}
