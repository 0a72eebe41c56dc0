package io.clipstream.bench;

import io.clipstream.BadRowPolicy;
import io.clipstream.Estimator;
import io.clipstream.LinearRegression;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.SoftmaxRegression;
import io.clipstream.Task;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code updateBatch} over {@value #BATCH} rows per invocation with {@link BadRowPolicy#SKIP_AND_COUNT}
 * (sequential steps, each row's score written out); scores are per row ({@code @OperationsPerInvocation}).
 *
 * <p>The mean uses the segment form ({@code updateBatch(MemorySegment, index, n, MemorySegment scores, ...)}) on
 * a native slab, scores to native memory; the models have only the array form ({@code updateBatch(float[], ...)}
 * with {@code float[]} targets or {@code int[]} labels and {@code double[]} scores), on one {@code float[]} slab
 * that every call passes (so the facade's cached wrapper serves it). The slab holds 64 rows packed at stride d
 * (the batch calls take no stride), i.e. 16 MiB at d = 65536, beyond L2. Labels rotate against the rows
 * (call {@code c} pairs row {@code i} with label {@code (i + c) mod 64}), so no model fits them all.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class EstimatorBatchBenchmark {

    static final int BATCH = 64;
    private static final int VERIFY_BATCHES = 4;
    private static final int WARMUP_BATCHES = 16;

    @Param({"16", "64", "256", "1024", "4096", "65536"})
    public int dim;

    @Param({"SCALAR", "SIMD"})
    public Impl impl;

    @Param({"MEAN", "LINEAR", "LOGISTIC", "SOFTMAX"})
    public Task task;

    /**
     * Whether the fork first runs batches of all four tasks (before the measured one is set up), so that the code
     * the tasks share (the facade's batch driver) is compiled with every task's receiver in its profile, as in a
     * service that runs several kinds of estimator in one JVM. Off by default; {@code -p mixedTasks=true}.
     */
    @Param({"false"})
    public boolean mixedTasks;

    private Arena arena;
    private Driver driver;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        EstimatorFixture.checkTask(task);
        SplittableRandom random = new SplittableRandom(BenchSupport.SEED);
        float[] rows = BenchSupport.gaussianRows(random, BATCH, dim, dim, EstimatorFixture.sigma(task, dim));
        float[] targets = new float[EstimatorFixture.LABELS];
        int[] labels = new int[EstimatorFixture.LABELS];
        EstimatorFixture.fillLabels(task, random, targets, labels, new float[EstimatorFixture.LABELS]);
        arena = Arena.ofShared();
        MemorySegment slab = Memory.NATIVE.copyOf(rows, arena);
        Data data = new Data(rows, slab, twice(targets), twice(labels));
        if (mixedTasks) {
            List<Driver> all = new java.util.ArrayList<>();
            for (Task t : List.of(Task.MEAN, Task.LINEAR, Task.LOGISTIC, Task.SOFTMAX)) {
                all.add(new Driver(t, dim, EstimatorFixture.build(t, dim, impl), data, arena));
            }
            for (int c = 0; c < 3_000; c++) {
                for (Driver other : all) {
                    other.batch(c);
                }
            }
        }
        driver = new Driver(task, dim, EstimatorFixture.build(task, dim, impl), data, arena);
        Driver reference = new Driver(task, dim, EstimatorFixture.build(task, dim, Impl.SCALAR), data, arena);
        String what = String.format(Locale.ROOT, "%s %s d=%d updateBatch", impl, task, dim);
        for (int c = 0; c < VERIFY_BATCHES; c++) {
            int expectedApplied = reference.batch(c);
            int applied = driver.batch(c);
            float[] state = EstimatorFixture.estimate(reference.estimator);
            for (int i = 0; i < BATCH; i++) {
                double magnitude = task == Task.MEAN ? 0 : Math.abs(data.targets[c + i])
                        + EstimatorFixture.norm(state) * norm(rows, i);
                BenchSupport.checkReduction(what + " score (batch " + c + ", row " + i + ")", driver.score(i),
                        reference.score(i), magnitude);
            }
            if (applied != BATCH || expectedApplied != BATCH) {
                throw new IllegalStateException(what + ": applied " + applied + " and " + expectedApplied + " of "
                        + BATCH + " rows");
            }
        }
        BenchSupport.checkVector(what + " estimate", EstimatorFixture.estimate(driver.estimator),
                EstimatorFixture.estimate(reference.estimator));
        for (int c = VERIFY_BATCHES; c < WARMUP_BATCHES; c++) {
            driver.batch(c);
        }
        if (driver.estimator.rejectedCount() != 0) {
            throw new IllegalStateException(what + ": rows were rejected");
        }
        BenchSupport.recordFork("");
        next = WARMUP_BATCHES;
    }

    /** {@code ||row i||} of a packed slab. */
    private double norm(float[] rows, int i) {
        double sum = 0;
        for (int j = 0; j < dim; j++) {
            double v = rows[i * dim + j];
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

    private static float[] twice(float[] a) {
        float[] out = new float[2 * a.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(a, 0, out, a.length, a.length);
        return out;
    }

    private static int[] twice(int[] a) {
        int[] out = new int[2 * a.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(a, 0, out, a.length, a.length);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One {@code updateBatch} over the 64 rows; returns the number of rows applied. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int estimatorBatch() {
        return driver.batch(next++);
    }

    /**
     * The slab as {@code float[]} (models) and native segment (mean), and the label pools written twice, so that
     * call {@code c} reads the 64 labels from offset {@code c mod 64}.
     */
    private record Data(float[] rows, MemorySegment slab, float[] targets, int[] labels) {
    }

    /** Runs one estimator's batches; the measured and the reference estimator use this same code. */
    private static final class Driver {
        final Estimator estimator;
        private final Task task;
        private final float[] rows;
        private final MemorySegment slab;
        private final float[] targets;
        private final int[] labels;
        private final MemorySegment scoresSegment;
        private final double[] scores;
        private final MeanEstimator mean;
        private final LinearRegression linear;
        private final LogisticRegression logistic;
        private final SoftmaxRegression softmax;

        Driver(Task task, int dim, Estimator estimator, Data data, Arena arena) {
            this.estimator = estimator;
            this.task = task;
            rows = data.rows();
            slab = data.slab();
            targets = data.targets();
            labels = data.labels();
            scoresSegment = arena.allocate(ValueLayout.JAVA_DOUBLE, BATCH);
            scores = new double[BATCH];
            mean = estimator instanceof MeanEstimator m ? m : null;
            linear = estimator instanceof LinearRegression m ? m : null;
            logistic = estimator instanceof LogisticRegression m ? m : null;
            softmax = estimator instanceof SoftmaxRegression m ? m : null;
        }

        int batch(int call) {
            int offset = call & (EstimatorFixture.LABELS - 1);
            return switch (task) {
                case MEAN -> mean.updateBatch(slab, 0, BATCH, scoresSegment, 0, BadRowPolicy.SKIP_AND_COUNT);
                case LINEAR -> linear.updateBatch(rows, 0, BATCH, targets, offset, scores, 0,
                        BadRowPolicy.SKIP_AND_COUNT);
                case LOGISTIC -> logistic.updateBatch(rows, 0, BATCH, labels, offset, scores, 0,
                        BadRowPolicy.SKIP_AND_COUNT);
                case SOFTMAX -> softmax.updateBatch(rows, 0, BATCH, labels, offset, scores, 0,
                        BadRowPolicy.SKIP_AND_COUNT);
                case CUSTOM -> throw new AssertionError(task);
            };
        }

        double score(int row) {
            return task == Task.MEAN ? scoresSegment.getAtIndex(ValueLayout.JAVA_DOUBLE, row) : scores[row];
        }
    }
}
