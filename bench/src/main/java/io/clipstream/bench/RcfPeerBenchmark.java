package io.clipstream.bench;

import com.amazon.randomcutforest.RandomCutForest;
import com.amazon.randomcutforest.parkservices.AnomalyDescriptor;
import com.amazon.randomcutforest.parkservices.ThresholdedRandomCutForest;
import io.clipstream.MeanEstimator;
import io.clipstream.detect.AnomalyDetector;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Per-sample cost of clipstream's detector beside AWS Random Cut Forest 4.4.0, the peer a user would pick, on the
 * same samples: the stream of {@link RcfComparison} ({@link DetectionStream#demo}, {@value #SAMPLES} samples, the
 * demo's anomalies, drift and two jumps), read in order and wrapping around (the wrap is one more jump).
 *
 * <ul>
 *   <li>{@link #clipstreamDetector}: {@code AnomalyDetector.builder(MeanEstimator.builder(d).build()).build()}
 *       (the defaults: peaks over threshold, p = 0.99, as in {@link RcfComparison}), {@code process(float[])}.</li>
 *   <li>{@link #rcfScoreAndUpdate}: {@code RandomCutForest.builder().dimensions(d).randomSeed(7).build()} (50 trees,
 *       256 samples per tree, shingle 1: the defaults), {@code getAnomalyScore(x)} then {@code update(x)}.</li>
 *   <li>{@link #thresholdedRcf}: {@code ThresholdedRandomCutForest.builder().dimensions(d).randomSeed(7).build()},
 *       {@code process(double[], t)}: scoring, its thresholder and the update, as RCF's users get graded
 *       decisions.</li>
 * </ul>
 * clipstream and RCF copy each sample into one reused {@code float[]}; TRCF gets a fresh {@code double[d]} per call,
 * because its descriptor keeps a reference to the input (so {@code 8 d + 16} of its bytes per operation are ours).
 * Set-up builds only the measured method's detector and feeds it the first {@value #WARMUP_SAMPLES} samples (RCF's
 * trees are full after 256), so the measurement starts from a filled forest and a finite threshold. RCF needs a
 * long warm-up: at d = 256 (~0.7 ms per call) it ran 1.5-8x slower than its steady state through the first 2-3 s
 * here, hence 4 x 2 s of warm-up (the suite's {@code rcf} part enforces that minimum too).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class RcfPeerBenchmark {

    static final int SAMPLES = 40_000;
    static final int WARMUP_SAMPLES = 4_096;
    static final long SEED = 7;

    @Param({"16", "64", "256"})
    public int dim;

    private DetectionStream stream;
    private float[] x;
    private int next;
    /** TRCF's timestamps: increasing across the wrap-around. */
    private long time;
    private AnomalyDetector detector;
    private RandomCutForest forest;
    private ThresholdedRandomCutForest trcf;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        stream = DetectionStream.demo(dim, SAMPLES, SEED);
        x = new float[dim];
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        switch (method) {
            case "clipstreamDetector" -> detector = AnomalyDetector.builder(MeanEstimator.builder(dim).build())
                    .build();
            case "rcfScoreAndUpdate" -> forest = RandomCutForest.builder().dimensions(dim).randomSeed(SEED).build();
            case "thresholdedRcf" -> trcf = ThresholdedRandomCutForest.builder().dimensions(dim).randomSeed(SEED)
                    .build();
            default -> throw new IllegalStateException("unknown benchmark method " + method);
        }
        next = 0;
        time = 0;
        double sum = 0;
        for (int i = 0; i < WARMUP_SAMPLES; i++) {
            sum += switch (method) {
                case "clipstreamDetector" -> clipstreamDetector();
                case "rcfScoreAndUpdate" -> rcfScoreAndUpdate();
                default -> thresholdedRcf().getRCFScore();
            };
        }
        if (!(sum > 0 && Double.isFinite(sum))) {
            throw new IllegalStateException(method + ": scores over the warm-up sum to " + sum);
        }
        BenchSupport.recordFork("rcf=randomcutforest 4.4.0");
    }

    private int nextRow() {
        int t = next;
        next = t + 1 == SAMPLES ? 0 : t + 1;
        return t;
    }

    /** clipstream: score, decide, record, update; returns the score. */
    @Benchmark
    public double clipstreamDetector() {
        stream.copy(nextRow(), x);
        return detector.process(x).score();
    }

    /** RCF: {@code getAnomalyScore} then {@code update}; returns the score. */
    @Benchmark
    public double rcfScoreAndUpdate() {
        stream.copy(nextRow(), x);
        double score = forest.getAnomalyScore(x);
        forest.update(x);
        return score;
    }

    /** TRCF: {@code process}; returns the descriptor (score, grade, threshold). */
    @Benchmark
    public AnomalyDescriptor thresholdedRcf() {
        double[] point = new double[dim];
        stream.copy(nextRow(), point);
        return trcf.process(point, time++);
    }
}
