package io.clipstream.bench;

import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.Task;
import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;
import io.clipstream.internal.kernel.StepResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Set-up shared by the estimator benchmarks ({@link EstimatorUpdateBenchmark}, {@link EstimatorScoreBenchmark},
 * {@link EstimatorBatchBenchmark}): the data, the estimators, and the raw kernel baseline the facade is compared
 * with. Nothing here runs inside a timed region except {@link Facade} and {@link Raw}, which the benchmark
 * methods call.
 *
 * <h2>Estimators</h2>
 * Built with the public builders and their defaults ({@code MeanEstimator.builder(d).build()},
 * {@code LinearRegression.builder(d).build()}, {@code LogisticRegression.builder(d).buildLogistic()},
 * {@code SoftmaxRegression.builder(d, 4).build()}). SIMD leaves the builder's kernels alone, so the estimator gets
 * {@code KernelProvider.kernels()} exactly as production does; SCALAR calls the builder's package-private
 * {@code kernels(Kernels)} by reflection with {@code KernelProvider.scalar()}. Either way the set-up checks
 * {@link Estimator#kernelName()}.
 *
 * <h2>Data</h2>
 * A pool of rows as in the kernel benchmarks ({@link BenchSupport#poolRows}, stride rounded to 16 floats):
 * N(0, 1) samples for the mean, N(0, I/d) features for the models (so {@code ||x|| ~ 1} at every d). Step
 * {@code i} takes row {@code i & rowMask} and label {@link #label(int) label(i)} from a pool of 64 labels
 * (N(0, 1) targets, random 0/1 or 0..3 classes), paired in a rotating pattern so no model fits all pairs and the
 * state keeps moving.
 *
 * <h2>Raw kernel baseline</h2>
 * The kernel call the facade makes, on the same memory kinds (parameters native and 64-byte aligned, {@code x}
 * exactly what the facade gets), starting from the facade's state after warm-up: {@code clippedMeanStep},
 * {@code clippedLinearStep}, {@code clippedLogisticStep} with one reused {@link StepResult}; for softmax, which
 * has no fused kernel, the kernel calls the facade makes ({@code sumSquares}, 4 {@code dot}, 4 {@code axpy})
 * with coefficients precomputed per label. Its {@code eta} is the facade's step (divided by the median
 * {@code ||x||^2} of the pool for the models, as the facade's normalised steps do), and its fixed {@code lambda}
 * is calibrated on the raw kernel's own orbit so that it clips as often as the facade's adaptive level did over
 * {@value #SHARE_STEPS} steps (both shares are printed; the set-up fails if they differ by more than 0.25).
 *
 * <h2>Checks</h2>
 * The measured estimator runs {@value #VERIFY_STEPS} steps beside a scalar reference estimator fed through the
 * same input kind (the reference runs the same facade code on the same memory kind, so the fork's profiles see
 * nothing the measurement does not); the returned scores must agree within a relative 1e-3 and the estimates
 * within 1e-3 in relative L2 norm. The raw kernel runs {@value #SHARE_STEPS} steps beside the scalar kernels
 * with the same checks. Estimators are then warmed up to {@value #WARMUP_STEPS} samples, so the adaptive clip
 * level and the feature scale have settled.
 */
final class EstimatorFixture implements AutoCloseable {

    /** Classes of the softmax benchmarks. */
    static final int CLASSES = 4;
    /** Size of the label pool (a power of two). */
    static final int LABELS = 64;
    static final int VERIFY_STEPS = 256;
    static final int WARMUP_STEPS = 1024;
    static final int SHARE_STEPS = 512;

    /** {@code ||e_label - (1/K, ..., 1/K)||^2}: the softmax gradient's coefficient norm at uniform probabilities. */
    private static final double SOFTMAX_COEFFICIENT_NORM2 = (CLASSES - 1.0) / CLASSES;

    final Task task;
    final int dim;
    final Impl impl;
    final Input input;
    final int stride;
    final int rows;
    final int rowMask;
    /** The pool, {@code rows x stride} floats, padding 0. */
    final float[] pool;
    /** The pool's rows as separate {@code float[dim]} arrays ({@link Input#DISTINCT}). */
    final float[][] arrays;
    final float[] targets;
    final int[] labels;
    /** Logistic labels as {@code y = -1, +1}. */
    final float[] signs;
    final Arena arena;
    /** The pool in native memory, 64-byte aligned. */
    final MemorySegment samples;
    /** {@code ||x||} of each pool row. */
    final double[] rowNorms;
    /** The median over the pool of {@code ||x||^2}: what a model estimator's feature-scale tracker settles at. */
    final double medianSquaredNorm;

    private Facade facade;
    private Raw raw;

    EstimatorFixture(Task task, int dim, Impl impl, Input input) {
        checkTask(task);
        if (impl != Impl.SCALAR && impl != Impl.SIMD) {
            throw new IllegalArgumentException("estimator benchmarks run SCALAR or SIMD, not " + impl);
        }
        this.task = task;
        this.dim = dim;
        this.impl = impl;
        this.input = input;
        stride = BenchSupport.stride(dim);
        rows = BenchSupport.poolRows(stride);
        rowMask = rows - 1;
        SplittableRandom random = new SplittableRandom(BenchSupport.SEED);
        pool = BenchSupport.gaussianRows(random, rows, dim, stride, sigma(task, dim));
        arrays = new float[rows][];
        double[] squaredNorms = new double[rows];
        rowNorms = new double[rows];
        for (int r = 0; r < rows; r++) {
            arrays[r] = Arrays.copyOfRange(pool, r * stride, r * stride + dim);
            rowNorms[r] = norm(arrays[r]);
            squaredNorms[r] = rowNorms[r] * rowNorms[r];
        }
        medianSquaredNorm = BenchSupport.median(squaredNorms);
        targets = new float[LABELS];
        labels = new int[LABELS];
        signs = new float[LABELS];
        fillLabels(task, random, targets, labels, signs);
        arena = Arena.ofShared();
        samples = Memory.NATIVE.copyOf(pool, arena);
        facade = new Facade(this, impl);
    }

    /** N(0, 1) samples for the mean; N(0, I/d) features for the models. */
    static double sigma(Task task, int dim) {
        return task == Task.MEAN ? 1.0 : 1.0 / Math.sqrt(dim);
    }

    /** Fills the label pools: N(0, 1) targets, random classes (0/1, or 0..3 for softmax) and their signs. */
    static void fillLabels(Task task, SplittableRandom random, float[] targets, int[] labels, float[] signs) {
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (float) random.nextGaussian();
            labels[i] = random.nextInt(task == Task.SOFTMAX ? CLASSES : 2);
            signs[i] = labels[i] == 1 ? 1f : -1f;
        }
    }

    /** Step {@code i} pairs pool row {@code i & rowMask} with this label; in 64 rounds every row meets every label. */
    static int label(int i) {
        return (i + (i >>> 6)) & (LABELS - 1);
    }

    static void checkTask(Task task) {
        if (task == Task.CUSTOM) {
            throw new IllegalArgumentException("estimator benchmarks cover MEAN, LINEAR, LOGISTIC and SOFTMAX");
        }
    }

    /**
     * An estimator built with the public builder and its defaults. SIMD: the builder's default kernels
     * (production); SCALAR: {@code KernelProvider.scalar()} through the builder's package-private
     * {@code kernels(Kernels)}, called by reflection (the benchmarks run on the class path).
     */
    static Estimator build(Task task, int dim, Impl impl) {
        Object builder = switch (task) {
            case MEAN -> MeanEstimator.builder(dim);
            case LINEAR -> LinearRegression.builder(dim);
            case LOGISTIC -> LogisticRegression.builder(dim);
            case SOFTMAX -> SoftmaxRegression.builder(dim, CLASSES);
            case CUSTOM -> throw new IllegalArgumentException("no custom estimators here");
        };
        if (impl == Impl.SCALAR) {
            try {
                Method kernels = builder.getClass().getDeclaredMethod("kernels", Kernels.class);
                kernels.setAccessible(true);
                kernels.invoke(builder, KernelProvider.scalar());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot inject the scalar kernels into " + builder.getClass().getName()
                        + " (package-private kernels(Kernels) missing?)", e);
            }
        }
        Estimator estimator = switch (task) {
            case MEAN -> ((MeanEstimator.Builder) builder).build();
            case LINEAR -> ((LinearRegression.Builder) builder).build();
            case LOGISTIC -> ((LinearRegression.Builder) builder).buildLogistic();
            case SOFTMAX -> ((SoftmaxRegression.Builder) builder).build();
            case CUSTOM -> throw new AssertionError(task);
        };
        String expected = (impl == Impl.SCALAR ? KernelProvider.scalar() : KernelProvider.kernels()).name();
        if (!estimator.kernelName().equals(expected)) {
            throw new IllegalStateException(task + " estimator for " + impl + " runs on kernels "
                    + estimator.kernelName() + ", expected " + expected);
        }
        if (impl == Impl.SIMD && !expected.startsWith("simd")) {
            throw new IllegalStateException("the production kernels are " + expected + ", not SIMD: is "
                    + "--add-modules jdk.incubator.vector missing, or C2 off?");
        }
        return estimator;
    }

    static float[] estimate(Estimator estimator) {
        float[] out = new float[estimator.parameterCount()];
        estimator.estimate(out);
        return out;
    }

    Facade facade() {
        return facade;
    }

    Raw raw() {
        return raw;
    }

    private String what() {
        return String.format(Locale.ROOT, "%s %s d=%d input=%s", impl, task, dim, input);
    }

    /**
     * For the update benchmarks: checks the estimator against the scalar reference, warms it up, measures its clip
     * share, then builds and calibrates the raw kernel baseline from its state and checks that against the scalar
     * kernels.
     */
    void prepareUpdates() {
        Facade reference = new Facade(this, Impl.SCALAR);
        int i = 0;
        for (; i < VERIFY_STEPS; i++) {
            double magnitude = magnitude(estimate(reference.estimator), i);
            double expected = reference.update(i);
            double actual = facade.update(i);
            BenchSupport.checkReduction(what() + " update score (step " + i + ")", actual, expected, magnitude);
        }
        checkEstimates(reference);
        for (; i < WARMUP_STEPS; i++) {
            facade.update(i);
        }
        Estimator e = facade.estimator;
        long clipped = e.clippedCount();
        long seen = e.samplesSeen();
        for (int n = 0; n < SHARE_STEPS; n++, i++) {
            facade.update(i);
        }
        double facadeShare = (double) (e.clippedCount() - clipped) / (e.samplesSeen() - seen);
        double facadeLevel = e.clipLevel();

        raw = new Raw(this, impl.kernels(), estimate(e));
        raw.eta = (float) (task == Task.MEAN ? e.stepSize() : e.stepSize() / medianSquaredNorm);
        raw.lambda = (float) facadeLevel;
        int j = 0;
        if (task == Task.SOFTMAX) {
            raw.fillSoftmaxCoefficients(medianSquaredNorm);
        } else {
            double[] norms = new double[SHARE_STEPS];
            for (int round = 0; round < 3; round++) {
                for (int n = 0; n < SHARE_STEPS; n++) {
                    norms[n] = raw.update(j++);
                }
                raw.lambda = levelForShare(norms, facadeShare, facadeLevel);
            }
        }
        Raw rawReference = raw.copyWith(KernelProvider.scalar());
        int rawClipped = 0;
        for (int n = 0; n < SHARE_STEPS; n++, j++) {
            double magnitude = task == Task.LINEAR
                    ? magnitude(BenchSupport.toArray(rawReference.params, e.parameterCount()), j) * rowNorm(j) : 0;
            double expected = rawReference.update(j);
            double actual = raw.update(j);
            if (task == Task.SOFTMAX) {
                double norm = Math.sqrt(SOFTMAX_COEFFICIENT_NORM2) * rowNorm(j);
                rawClipped += norm > raw.lambda ? 1 : 0;
            } else {
                BenchSupport.checkReduction(what() + " raw kernel norm (step " + n + ")", actual, expected, magnitude);
                rawClipped += expected > raw.lambda ? 1 : 0;
            }
        }
        BenchSupport.checkVector(what() + " raw kernel state", BenchSupport.toArray(raw.params, e.parameterCount()),
                BenchSupport.toArray(rawReference.params, e.parameterCount()));
        double rawShare = (double) rawClipped / SHARE_STEPS;
        System.err.printf(Locale.ROOT, "[clipstream-bench] %s: facade (%s) clip share %.2f at level %.4g, step %.4g;"
                        + " raw kernel eta %.4g, lambda %.4g, clip share %.2f%s%n", what(), e.kernelName(),
                facadeShare, facadeLevel, e.stepSize(), raw.eta, raw.lambda, rawShare,
                task == Task.SOFTMAX ? " (at uniform probabilities)" : "");
        if (Math.abs(facadeShare - rawShare) > 0.25) {
            throw new IllegalStateException(what() + ": the raw kernel clips " + rawShare + " of its steps, the facade "
                    + facadeShare + "; the baseline is not comparable");
        }
    }

    /**
     * For the score benchmarks: updates the estimator and a scalar reference side by side, compares their scores,
     * warms the estimator up, and builds the raw baseline on a copy of its final state (scores do not change it).
     */
    void prepareScores() {
        if (input == Input.SEGMENT && task != Task.MEAN) {
            throw new IllegalArgumentException("the model estimators have no score(MemorySegment, ...): use input "
                    + "REUSED or DISTINCT for " + task);
        }
        Facade reference = new Facade(this, Impl.SCALAR);
        int i = 0;
        for (; i < VERIFY_STEPS; i++) {
            reference.update(i);
            facade.update(i);
        }
        checkEstimates(reference);
        float[] state = estimate(reference.estimator);
        for (int n = 0; n < 2 * LABELS; n++) {
            BenchSupport.checkReduction(what() + " score (sample " + n + ")", facade.score(i + n),
                    reference.score(i + n), magnitude(state, i + n));
        }
        for (; i < WARMUP_STEPS; i++) {
            facade.update(i);
        }
        raw = new Raw(this, impl.kernels(), estimate(facade.estimator));
        Raw rawReference = raw.copyWith(KernelProvider.scalar());
        state = estimate(facade.estimator);
        for (int n = 0; n < 2 * LABELS; n++) {
            BenchSupport.checkReduction(what() + " raw kernel score (sample " + n + ")", raw.score(n),
                    rawReference.score(n), magnitude(state, n));
        }
    }

    private void checkEstimates(Facade reference) {
        BenchSupport.checkVector(what() + " estimate", estimate(facade.estimator), estimate(reference.estimator));
        if (facade.estimator.rejectedCount() != 0 || reference.estimator.rejectedCount() != 0) {
            throw new IllegalStateException(what() + ": samples were rejected");
        }
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** {@code ||x||} of the row step {@code i} takes. */
    private double rowNorm(int i) {
        return rowNorms[i & rowMask];
    }

    /**
     * The scale of a model's margins for step {@code i}, for the relative checks of results that cancel:
     * {@code |y| + ||state|| ||x||} bounds the sum of the absolute terms of {@code y - w.x} (and of every logit);
     * 0 for the mean, whose distances do not cancel.
     */
    private double magnitude(float[] state, int i) {
        return task == Task.MEAN ? 0 : Math.abs(targets[label(i)]) + norm(state) * rowNorm(i);
    }

    /**
     * A fixed clip level under which {@code share} of the given norms clip: between the two order statistics that
     * separate them; the facade's own level if it never clipped (or above it).
     */
    static float levelForShare(double[] norms, double share, double facadeLevel) {
        double[] sorted = norms.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        int above = (int) Math.round(share * n);
        if (above <= 0) {
            return (float) Math.max(facadeLevel, sorted[n - 1]);
        }
        if (above >= n) {
            return (float) (0.5 * sorted[0]);
        }
        return (float) (0.5 * (sorted[n - above - 1] + sorted[n - above]));
    }

    @Override
    public void close() {
        arena.close();
    }

    // ------------------------------------------------------------------ timed code

    /**
     * Drives one estimator through the fixture's input kind. The measured and the reference estimator run this same
     * code. Each call takes row {@code i & rowMask} and label {@code label(i)}.
     */
    static final class Facade {
        final Estimator estimator;
        private final Task task;
        private final Input input;
        private final int dim;
        private final int stride;
        private final int rowMask;
        private final float[] pool;
        private final float[][] arrays;
        private final MemorySegment samples;
        private final float[] targets;
        private final int[] labels;
        /** This estimator's own reused buffer ({@link Input#REUSED}). */
        private final float[] buffer;
        private final MeanEstimator mean;
        private final LinearRegression linear;
        private final LogisticRegression logistic;
        private final SoftmaxRegression softmax;

        Facade(EstimatorFixture f, Impl impl) {
            estimator = build(f.task, f.dim, impl);
            task = f.task;
            input = f.input;
            dim = f.dim;
            stride = f.stride;
            rowMask = f.rowMask;
            pool = f.pool;
            arrays = f.arrays;
            samples = f.samples;
            targets = f.targets;
            labels = f.labels;
            buffer = new float[dim];
            mean = estimator instanceof MeanEstimator m ? m : null;
            linear = estimator instanceof LinearRegression m ? m : null;
            logistic = estimator instanceof LogisticRegression m ? m : null;
            softmax = estimator instanceof SoftmaxRegression m ? m : null;
        }

        /** One update; returns the facade's score of the sample. */
        double update(int i) {
            int row = i & rowMask;
            int t = label(i);
            return switch (input) {
                case SEGMENT -> update(samples, (long) row * stride, t);
                case REUSED -> {
                    System.arraycopy(pool, row * stride, buffer, 0, dim);
                    yield update(buffer, t);
                }
                case DISTINCT -> update(arrays[row], t);
            };
        }

        private double update(MemorySegment x, long index, int t) {
            return switch (task) {
                case MEAN -> mean.update(x, index);
                case LINEAR -> linear.update(x, index, targets[t]);
                case LOGISTIC -> logistic.update(x, index, labels[t]);
                case SOFTMAX -> softmax.update(x, index, labels[t]);
                case CUSTOM -> throw new AssertionError(task);
            };
        }

        private double update(float[] x, int t) {
            return switch (task) {
                case MEAN -> mean.update(x);
                case LINEAR -> linear.update(x, targets[t]);
                case LOGISTIC -> logistic.update(x, labels[t]);
                case SOFTMAX -> softmax.update(x, labels[t]);
                case CUSTOM -> throw new AssertionError(task);
            };
        }

        /** The score without updating ({@link Input#SEGMENT} only for the mean: the models take float[] only). */
        double score(int i) {
            int row = i & rowMask;
            int t = label(i);
            return switch (input) {
                case SEGMENT -> mean.score(samples, (long) row * stride);
                case REUSED -> {
                    System.arraycopy(pool, row * stride, buffer, 0, dim);
                    yield score(buffer, t);
                }
                case DISTINCT -> score(arrays[row], t);
            };
        }

        private double score(float[] x, int t) {
            return switch (task) {
                case MEAN -> mean.score(x);
                case LINEAR -> linear.score(x, targets[t]);
                case LOGISTIC -> logistic.score(x, labels[t]);
                case SOFTMAX -> softmax.score(x, labels[t]);
                case CUSTOM -> throw new AssertionError(task);
            };
        }
    }

    /**
     * The raw kernel baseline: the kernel calls the facade makes, on the same memory kinds, with the same row and
     * label selection as {@link Facade}, without the facade's bookkeeping (validation, clip-level and step
     * schedule, feature scale, counters, score).
     */
    static final class Raw {
        final Kernels kernels;
        /** The parameters, native and 64-byte aligned like the estimator's ({@code classes x d} for softmax). */
        final MemorySegment params;
        private final StepResult result = new StepResult();
        /** One double for the mean score ({@code distances} writes its result to memory, as in the facade). */
        private final MemorySegment scratch;
        private final EstimatorFixture f;
        private final Task task;
        private final Input input;
        private final int dim;
        private final int stride;
        private final int rowMask;
        private final float[] pool;
        private final MemorySegment samples;
        private final float[] targets;
        private final float[] signs;
        private final float[] buffer;
        private final MemorySegment bufferView;
        private final MemorySegment[] arrayViews;
        /** Softmax: the axpy coefficients per label, {@code [LABELS][CLASSES]}. */
        private final float[] coefficients = new float[LABELS * CLASSES];
        float eta;
        float lambda;

        Raw(EstimatorFixture f, Kernels kernels, float[] state) {
            this.f = f;
            this.kernels = kernels;
            task = f.task;
            input = f.input;
            dim = f.dim;
            stride = f.stride;
            rowMask = f.rowMask;
            pool = f.pool;
            samples = f.samples;
            targets = f.targets;
            signs = f.signs;
            params = f.arena.allocate((state.length * 4L + 63) & -64L, BenchSupport.ALIGNMENT)
                    .asSlice(0, state.length * 4L);
            MemorySegment.copy(state, 0, params, ValueLayout.JAVA_FLOAT, 0, state.length);
            scratch = f.arena.allocate(ValueLayout.JAVA_DOUBLE);
            buffer = new float[dim];
            bufferView = MemorySegment.ofArray(buffer);
            arrayViews = new MemorySegment[f.rows];
            for (int r = 0; r < f.rows; r++) {
                arrayViews[r] = MemorySegment.ofArray(f.arrays[r]);
            }
        }

        /** A copy of this baseline (state, eta, lambda, coefficients) on other kernels. */
        Raw copyWith(Kernels other) {
            Raw copy = new Raw(f, other, BenchSupport.toArray(params, (int) (params.byteSize() / 4)));
            copy.eta = eta;
            copy.lambda = lambda;
            System.arraycopy(coefficients, 0, copy.coefficients, 0, coefficients.length);
            return copy;
        }

        /**
         * Softmax coefficients {@code a_k = eta * clip * (1[k = label] - 1/K)}: the facade's at uniform
         * probabilities, with its clip factor at the median {@code ||x||^2}.
         */
        void fillSoftmaxCoefficients(double medianSquaredNorm) {
            double clip = Math.min(1.0, lambda / Math.sqrt(SOFTMAX_COEFFICIENT_NORM2 * medianSquaredNorm));
            for (int t = 0; t < LABELS; t++) {
                for (int k = 0; k < CLASSES; k++) {
                    coefficients[t * CLASSES + k] = (float) (eta * clip
                            * ((k == f.labels[t] ? 1.0 : 0.0) - 1.0 / CLASSES));
                }
            }
        }

        /** One step; returns the pre-clip gradient norm (softmax: {@code ||x||^2} plus the logits). */
        double update(int i) {
            int row = i & rowMask;
            int t = label(i);
            return switch (input) {
                case SEGMENT -> step(samples, (long) row * stride, t);
                case REUSED -> {
                    System.arraycopy(pool, row * stride, buffer, 0, dim);
                    yield step(bufferView, 0, t);
                }
                case DISTINCT -> step(arrayViews[row], 0, t);
            };
        }

        private double step(MemorySegment x, long index, int t) {
            return switch (task) {
                case MEAN -> kernels.clippedMeanStep(params, 0, x, index, dim, eta, lambda, 0f);
                case LINEAR -> kernels.clippedLinearStep(params, 0, x, index, dim, targets[t], eta, lambda, 0f,
                        result);
                case LOGISTIC -> kernels.clippedLogisticStep(params, 0, x, index, dim, signs[t], eta, lambda, 0f,
                        result);
                case SOFTMAX -> softmaxStep(x, index, t);
                case CUSTOM -> throw new AssertionError(task);
            };
        }

        private double softmaxStep(MemorySegment x, long index, int t) {
            double sum = kernels.sumSquares(x, index, dim);
            for (int k = 0; k < CLASSES; k++) {
                sum += kernels.dot(params, (long) k * dim, x, index, dim);
            }
            int base = t * CLASSES;
            for (int k = 0; k < CLASSES; k++) {
                kernels.axpy(coefficients[base + k], x, index, params, (long) k * dim, dim);
            }
            return sum;
        }

        /** The kernel calls of the facade's score: the distance for the mean, the margin(s) for the models. */
        double score(int i) {
            int row = i & rowMask;
            return switch (input) {
                case SEGMENT -> score(samples, (long) row * stride);
                case REUSED -> {
                    System.arraycopy(pool, row * stride, buffer, 0, dim);
                    yield score(bufferView, 0);
                }
                case DISTINCT -> score(arrayViews[row], 0);
            };
        }

        private double score(MemorySegment x, long index) {
            switch (task) {
                case MEAN -> {
                    kernels.distances(1f, params, 0, x, index, dim, 1, dim, scratch, 0);
                    return scratch.get(ValueLayout.JAVA_DOUBLE, 0);
                }
                case LINEAR, LOGISTIC -> {
                    return kernels.dot(params, 0, x, index, dim);
                }
                case SOFTMAX -> {
                    double sum = 0;
                    for (int k = 0; k < CLASSES; k++) {
                        sum += kernels.dot(params, (long) k * dim, x, index, dim);
                    }
                    return sum;
                }
                default -> throw new AssertionError(task);
            }
        }
    }
}
