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
 * One estimator update per operation, through the public facade ({@link #estimatorUpdate}), against the raw
 * kernel call the facade makes on the same memory ({@link #rawKernelUpdate}); their time ratio is the facade's
 * overhead. Samples rotate through a pool and labels through a rotating pairing (see {@link EstimatorFixture}), so
 * the state keeps moving; the raw kernel clips about as often as the facade.
 *
 * <p>{@code input}: {@link Input#SEGMENT} passes {@code (segment, index)} of a native slab; {@link Input#REUSED}
 * refills one {@code float[]} by {@code System.arraycopy} and passes it (the copy is in both methods' times, so
 * {@code rawKernelUpdate} with REUSED is the baseline that includes it); {@link Input#DISTINCT} ({@code -p
 * input=DISTINCT}) passes a different array every call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class EstimatorUpdateBenchmark {

    @Param({"16", "64", "256", "1024", "4096", "65536"})
    public int dim;

    @Param({"SCALAR", "SIMD"})
    public Impl impl;

    @Param({"MEAN", "LINEAR", "LOGISTIC", "SOFTMAX"})
    public Task task;

    @Param({"SEGMENT", "REUSED"})
    public Input input;

    private EstimatorFixture fixture;
    private EstimatorFixture.Facade facade;
    private EstimatorFixture.Raw raw;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new EstimatorFixture(task, dim, impl, input);
        fixture.prepareUpdates();
        facade = fixture.facade();
        raw = fixture.raw();
        BenchSupport.recordFork("");
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    /** {@code update(x[, label])} on the estimator; returns its score of the sample. */
    @Benchmark
    public double estimatorUpdate() {
        return facade.update(next++);
    }

    /** The kernel call(s) {@link #estimatorUpdate} makes, alone; returns the pre-clip norm. */
    @Benchmark
    public double rawKernelUpdate() {
        return raw.update(next++);
    }
}
