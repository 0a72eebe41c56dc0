package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The paper's MNIST experiment on the real test split in {@code ../shared/data/mnist} (skipped, with a message,
 * when absent), default settings (30,000 samples, switch every 6,000, 10% other digits, rotations up to 45 degrees,
 * logistic models on 1,024 random ReLU features, seed 11). Margins leave room around what the held-out seeds 11-17
 * give (README, MNIST section; the model was chosen on seeds 1-3 only):
 * <ul>
 *   <li>clean stream: the logistic model by clipped SGD reaches AUC >= 0.965 (target 0.97; measured 0.9757 at seed
 *       11, 0.9720-0.9763 over seeds 11-17, so 0.965 is 0.007 below the worst held-out seed), the mean >= 0.70
 *       (0.740-0.752), and clipping costs at most 0.01 AUC against plain SGD (measured: it gains 0.002-0.003);</li>
 *   <li>2% glitches (images x100): clipped SGD keeps its clean AUC within 0.01 (measured within 0.0015) while
 *       plain SGD falls at least 0.05 below it (logistic: 0.087-0.131 over seeds 11-17; mean: 0.14-0.16);</li>
 *   <li>after every switch the clipped logistic model's ordinary scores settle (recovery within 2,500 samples;
 *       measured 250-610 at seed 11).</li>
 * </ul>
 * Every assertion is on scores (AUC, recovery), none on the detectors' decisions: those depend on the threshold
 * rules, which have their own tests in the library.
 */
class MnistTest {

    /** {@code ../shared/data/mnist}, or {@code mnist} under the directory named by {@code -Dclipstream.data}. */
    static final Path DIR = Path.of(System.getProperty("clipstream.data", "../shared/data"), "mnist");
    static Idx.Dataset data;

    @BeforeAll
    static void load() throws IOException {
        Path images = DIR.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = DIR.resolve("t10k-labels-idx1-ubyte.gz");
        if (Files.isRegularFile(images) && Files.isRegularFile(labels)) {
            data = Idx.read(images, labels);
        } else {
            System.err.println("MnistTest: MNIST test split not found in " + DIR.toAbsolutePath() + ", skipping");
        }
    }

    @BeforeEach
    void requireData() {
        assumeTrue(data != null, "MNIST test split not found in " + DIR.toAbsolutePath());
    }

    static Mnist.Row row(Mnist.Result r, String name) {
        return r.rows().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void datasetIsTheTestSplit() {
        assertEquals(10_000, data.size());
        assertEquals(28, data.rows());
        assertEquals(28, data.columns());
    }

    @Test
    void cleanAndGlitchedStreams() {
        Mnist.Settings d = Mnist.Settings.defaults();
        Mnist.Result clean = Mnist.run(data, d, t -> { });
        Mnist.Result glitched = Mnist.run(data, d.withGlitches(0.02), t -> { });
        String tables = "\n" + Mnist.table(clean) + "\n" + Mnist.table(glitched);
        assertTrue(glitched.glitches() > 400 && glitched.glitches() < 800, "about 2% glitches: " + glitched.glitches());
        Mnist.Row logistic = row(clean, "logistic, clipped SGD");
        Mnist.Row mean = row(clean, "mean, clipped SGD");
        assertTrue(logistic.auc() >= 0.965, "logistic AUC" + tables);
        assertTrue(mean.auc() >= 0.70, "mean AUC" + tables);
        assertTrue(logistic.auc() >= row(clean, "logistic, plain SGD").auc() - 0.01, "clipping's cost" + tables);
        assertTrue(mean.auc() >= row(clean, "mean, plain SGD").auc() - 0.01, "clipping's cost" + tables);
        for (String model : List.of("logistic", "mean")) {
            Mnist.Row clipped = row(glitched, model + ", clipped SGD");
            Mnist.Row plain = row(glitched, model + ", plain SGD");
            double cleanAuc = row(clean, model + ", clipped SGD").auc();
            assertTrue(Math.abs(clipped.auc() - cleanAuc) <= 0.01, model + ": glitches move clipped SGD" + tables);
            assertTrue(clipped.auc() >= plain.auc() + 0.05, model + ": clipped vs plain under glitches" + tables);
        }
        assertEquals(4, logistic.recoveryDelays().length);
        for (long delay : logistic.recoveryDelays()) {
            assertTrue(delay >= 0 && delay <= 2500, "recovery after every switch" + tables);
        }
    }
}
