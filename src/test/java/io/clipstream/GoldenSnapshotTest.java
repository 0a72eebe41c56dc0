package io.clipstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.clipstream.internal.kernel.ScalarKernels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden snapshots: bytes written by the library before the snapshot code was restructured (issue 11, item 5),
 * committed under {@code src/test/resources/golden/}. Each must restore and write itself back byte for byte, and
 * the seeded recipe that produced it must still produce exactly those bytes (on the scalar kernels, which give
 * the same bits on every machine), so neither the format nor the arithmetic of the per-sample and batch paths can
 * drift unnoticed.
 *
 * <p>To rewrite them (only for a deliberate format change, with a new version number):
 * {@code java -cp ... io.clipstream.GoldenSnapshotTest src/test/resources/golden}.
 */
class GoldenSnapshotTest {

    /** A recipe: a named configuration fed a seeded mix of per-sample and batch calls, good and bad. */
    record Golden(String name, java.util.function.Supplier<Estimator> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final ScalarKernels SCALAR = new ScalarKernels(true);

    static List<Golden> goldens() {
        return List.of(
                new Golden("mean-halflife-adaptive", () -> MeanEstimator.builder(7).kernels(SCALAR).build()),
                new Golden("mean-constant-rolling-l2", () -> MeanEstimator.builder(5).kernels(SCALAR)
                        .stepSize(StepSize.constant(0.5)).clip(ClipPolicy.rollingQuantile(0.5, 16)).l2(0.01).build()),
                new Golden("linear-default", () -> LinearRegression.builder(6).kernels(SCALAR).build()),
                new Golden("linear-horizon-fixed-plain", () -> LinearRegression.builder(4).kernels(SCALAR)
                        .stepSize(StepSize.horizon(0.5, 0.5, 100)).clip(ClipPolicy.fixed(1))
                        .normalizeSteps(false).build()),
                new Golden("logistic-doubling-none-l2", () -> LogisticRegression.builder(5).kernels(SCALAR)
                        .stepSize(StepSize.doubling(0.5, 0.6, 4)).clip(ClipPolicy.none()).l2(1e-3)
                        .buildLogistic()),
                new Golden("softmax-inverse-adaptive", () -> SoftmaxRegression.builder(4, 3).kernels(SCALAR)
                        .stepSize(StepSize.inverseTime(1, 1)).build()),
                new Golden("custom-constant-fixed-l2", () -> CustomEstimator.builder(3,
                        ExtremeValuesProperties.LEAST_SQUARES).stepSize(StepSize.constant(0.1))
                        .clip(ClipPolicy.fixed(2)).l2(0.5).build()));
    }

    /** The seeded calls: 40 per-sample updates (every fifth bad), then batches under both policies. */
    static byte[] produce(Golden g) {
        Estimator e = g.make().get();
        SplittableRandom r = new SplittableRandom(g.name().hashCode());
        int d = e.dimension();
        int classes = e instanceof SoftmaxRegression s ? s.classes() : 2;
        for (int i = 0; i < 40; i++) {
            float[] x = Fixtures.gaussian(r, d, 2);
            if (i % 5 == 4) {
                x[r.nextInt(d)] = Float.NaN;
            }
            float y = (float) r.nextGaussian();
            int label = r.nextInt(classes);
            try {
                Calls.update(e, Calls.Input.values()[i % Calls.Input.values().length], x, y, label);
            } catch (IllegalArgumentException expected) {
                // counted in rejectedCount, part of the golden state
            }
        }
        if (!(e instanceof CustomEstimator)) {
            for (BadRowPolicy policy : BadRowPolicy.values()) {
                int n = 8;
                float[] xs = Fixtures.gaussian(r, n * d, 2);
                xs[3 * d] = Float.POSITIVE_INFINITY;
                float[] ys = new float[n];
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) {
                    ys[i] = (float) r.nextGaussian();
                    labels[i] = r.nextInt(classes);
                }
                try {
                    Calls.updateBatch(e, Calls.Input.ARRAY, xs, 0, n, ys, labels, 0, n, policy);
                } catch (IllegalArgumentException expected) {
                    // REJECT_BATCH: counted, nothing applied
                }
                xs[3 * d] = 0.5f;
                Calls.updateBatch(e, Calls.Input.NATIVE_SEGMENT, xs, 0, n, ys, labels, 0, n, policy);
            }
        }
        return e.snapshot();
    }

    static byte[] golden(String name) throws IOException {
        try (InputStream in = GoldenSnapshotTest.class.getResourceAsStream("/golden/" + name + ".snapshot")) {
            assertNotNull(in, "missing golden snapshot " + name);
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void goldenSnapshotsRestoreAndWriteBackTheSameBytes(Golden g) throws IOException {
        byte[] bytes = golden(g.name());
        Estimator back = g.name().startsWith("custom") ? CustomEstimator.restore(bytes,
                ExtremeValuesProperties.LEAST_SQUARES) : Estimator.restore(bytes);
        assertArrayEquals(bytes, back.snapshot(), g + ": restored and written back");
        assertEquals(bytes.length, back.snapshotSize());
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void theRecipeStillProducesTheGoldenBytes(Golden g) throws IOException {
        assertArrayEquals(golden(g.name()), produce(g), g + ": the same calls now give other bytes");
    }

    /** Writes the golden files into the directory given as the first argument. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Golden g : goldens()) {
            Files.write(dir.resolve(g.name() + ".snapshot"), produce(g));
        }
    }
}
