package io.clipstream.bench;

import io.clipstream.Task;
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

/**
 * One estimator {@code score(x[, label])} per operation, without updating: the distance from the estimate for the
 * mean, {@code |y - w.x|} for linear regression, the log loss for logistic and softmax regression (4 classes).
 * The estimator was warmed up on the same stream first ({@link EstimatorFixture#prepareScores}).
 *
 * <p>{@code input} defaults to {@link Input#REUSED}, the one zero-allocation form every task offers (the model
 * estimators have no {@code score(MemorySegment, ...)}), so the per-call {@code System.arraycopy} into the buffer
 * is part of the time; {@link #rawKernelScore} (the facade's kernel calls: {@code distances} or 1/4 {@code dot},
 * after the same copy) is the baseline that includes it. {@code -p input=DISTINCT} passes a different array
 * per call; {@code -p input=SEGMENT} (mean only) scores straight from the native slab.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class EstimatorScoreBenchmark {

    @Param({"16", "64", "256", "1024", "4096", "65536"})
    public int dim;

    @Param({"SCALAR", "SIMD"})
    public Impl impl;

    @Param({"MEAN", "LINEAR", "LOGISTIC", "SOFTMAX"})
    public Task task;

    @Param({"REUSED"})
    public Input input;

    private EstimatorFixture fixture;
    private EstimatorFixture.Facade facade;
    private EstimatorFixture.Raw raw;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new EstimatorFixture(task, dim, impl, input);
        fixture.prepareScores();
        facade = fixture.facade();
        raw = fixture.raw();
        BenchSupport.recordFork("");
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public double estimatorScore() {
        return facade.score(next++);
    }

    @Benchmark
    public double rawKernelScore() {
        return raw.score(next++);
    }
}
