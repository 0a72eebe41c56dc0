package io.clipstream.bench;

import io.clipstream.Estimator;
import io.clipstream.LogisticRegression;
import io.clipstream.MeanEstimator;
import io.clipstream.Task;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.AnomalyDetector;
import io.clipstream.synthetic.SyntheticStream;
import io.clipstream.synthetic.SyntheticStream.Corruption;
import io.clipstream.synthetic.SyntheticStream.Tail;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One {@link AnomalyDetector#process} per operation (score, decide, record the score and run the change test when
 * due, update the estimator), against the bare estimator update on the same samples ({@link #estimatorUpdate}):
 * the difference is the cost of the adaptive threshold. With {@code -prof gc}, {@code gc.alloc.rate.norm} shows
 * the detector's promise: no allocation per sample after warm-up.
 *
 * <p>Data: a stationary stream, so the change test has nothing to find (a change event allocates ~160 bytes, the
 * histogram merge, and would be a property of the data, not of the steady state): the demo's Student-t(3) noise
 * with 5% anomalies at 10 radii +-50% in one fixed direction, no drift, no change points
 * ({@link DetectionStream#stationary}) for {@code MEAN}; for {@code LOGISTIC}, {@link SyntheticStream}'s logistic
 * task with Student-t(3) features and 5% corruptions (features moved 10 radii in one direction, label flipped).
 * Samples rotate through a pool of {@value #POOL_BYTES} bytes ({@code 2^k} rows: 8192 at d = 16, 512 at 256, 128 at
 * 1024), copied into one reused {@code float[]} per call (the documented zero-allocation pattern; the copy is in
 * both methods' times). Set-up builds everything with the public builders' defaults ({@code
 * MeanEstimator.builder(d).build()}, {@code LogisticRegression.builder(d).buildLogistic()}), the detector with
 * the builder's defaults ({@code threshold = POT}: peaks over threshold, p = 0.99) or with the confidence sequence
 * at the demo's former setting ({@code threshold = CS}: {@code method(CONFIDENCE_SEQUENCE).quantile(0.9)
 * .confidence(0.05)}), and runs {@value #WARMUP_SAMPLES} samples through it so that the threshold is finite and
 * the estimate has settled. Tear-down prints how many changes the test found
 * during the trial (expected: 0).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class DetectorProcessBenchmark {

    static final int POOL_BYTES = 512 * 1024;
    static final int WARMUP_SAMPLES = 50_000;
    static final long SEED = 11;

    @Param({"16", "256", "1024"})
    public int dim;

    @Param({"MEAN", "LOGISTIC"})
    public Task task;

    /** {@code POT}: the detector's defaults; {@code CS}: the confidence sequence at p = 0.9, a = 0.05. */
    @Param({"POT", "CS"})
    public String threshold;

    private float[] pool;
    private int[] labels;
    private int rowMask;
    private float[] x;
    private AnomalyDetector detector;
    private MeanEstimator mean;
    private LogisticRegression logistic;
    private long changesAtStart;
    private int next;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        int rows = Math.max(1, Integer.highestOneBit(POOL_BYTES / (dim * Float.BYTES)));
        rowMask = rows - 1;
        fillPool(rows);
        x = new float[dim];
        boolean measuresDetector = params.getBenchmark().endsWith(".detectorProcess");
        Estimator e = switch (task) {
            case MEAN -> MeanEstimator.builder(dim).build();
            case LOGISTIC -> LogisticRegression.builder(dim).buildLogistic();
            default -> throw new IllegalArgumentException("detector benchmarks cover MEAN and LOGISTIC, not " + task);
        };
        mean = e instanceof MeanEstimator m ? m : null;
        logistic = e instanceof LogisticRegression l ? l : null;
        detector = !measuresDetector ? null : switch (threshold) {
            case "POT" -> AnomalyDetector.builder(e).build();
            case "CS" -> AnomalyDetector.builder(e).method(AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE)
                    .quantile(0.9).confidence(0.05).build();
            default -> throw new IllegalArgumentException("threshold must be POT or CS, not " + threshold);
        };
        next = 0;
        for (int i = 0; i < WARMUP_SAMPLES; i++) {
            if (measuresDetector) {
                detectorProcess();
            } else {
                estimatorUpdate();
            }
        }
        if (measuresDetector) {
            boolean interval = threshold.equals("CS");
            if (!Double.isFinite(detector.threshold().upper())
                    || interval && !Double.isFinite(detector.threshold().lower())) {
                throw new IllegalStateException("threshold interval still not finite after warm-up: ["
                        + detector.threshold().lower() + ", " + detector.threshold().upper() + "]");
            }
            changesAtStart = detector.changes();
        }
        BenchSupport.recordFork("");
    }

    private void fillPool(int rows) {
        pool = new float[rows * dim];
        labels = new int[rows];
        if (task == Task.MEAN) {
            DetectionStream stream = DetectionStream.stationary(dim, rows, SEED);
            System.arraycopy(stream.data(), 0, pool, 0, pool.length);
            return;
        }
        SyntheticStream stream = SyntheticStream.builder(Task.LOGISTIC, dim).tail(Tail.STUDENT_T, 3)
                .corruption(0.05, Corruption.FAR_FIXED).corruptionDistance(10 * Math.sqrt(dim)).corruptionSpread(0.5)
                .seed(SEED).build();
        for (int r = 0; r < rows; r++) {
            stream.next(pool, r * dim);
            labels[r] = stream.classLabel();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (detector != null) {
            System.err.printf(Locale.ROOT, "[detectorProcess] dim=%d task=%s threshold=%s: %d change(s) during the "
                    + "trial (after warm-up), %d in all; abstentions %.1f%% of %,d samples%n", dim, task, threshold,
                    detector.changes() - changesAtStart, detector.changes(),
                    100.0 * detector.abstentions() / detector.processed(), detector.processed());
        }
    }

    /** {@code process(x[, label])}: score, decision, threshold and change-test bookkeeping, estimator update. */
    @Benchmark
    public double detectorProcess() {
        int row = next++ & rowMask;
        System.arraycopy(pool, row * dim, x, 0, dim);
        return mean != null ? detector.process(x).score() : detector.process(x, labels[row]).score();
    }

    /** The estimator update alone ({@code update(x[, label])}, which also returns the score), same samples. */
    @Benchmark
    public double estimatorUpdate() {
        int row = next++ & rowMask;
        System.arraycopy(pool, row * dim, x, 0, dim);
        return mean != null ? mean.update(x) : logistic.update(x, labels[row]);
    }
}
