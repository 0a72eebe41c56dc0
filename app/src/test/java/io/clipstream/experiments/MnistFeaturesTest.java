package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The MNIST experiment's random ReLU feature map and settings, without the data set: the map must keep a gain glitch
 * a gain glitch (positive homogeneity), or the glitch experiment would test the features instead of the estimator.
 */
class MnistFeaturesTest {

    @Test
    void featuresArePositivelyHomogeneousAndNonNegative() {
        Mnist.ReluFeatures map = new Mnist.ReluFeatures(28, 28, 256, new SplittableRandom(3));
        SplittableRandom random = new SplittableRandom(5);
        float[] image = new float[784];
        for (int i = 0; i < image.length; i++) {
            image[i] = random.nextDouble() < 0.2 ? (float) random.nextDouble() : 0f;
        }
        float[] glitch = new float[784];
        for (int i = 0; i < image.length; i++) {
            glitch[i] = image[i] * Mnist.GLITCH_GAIN;
        }
        float[] a = new float[256];
        float[] b = new float[256];
        map.map(image, a);
        map.map(glitch, b);
        double norm = 0;
        for (int k = 0; k < a.length; k++) {
            assertTrue(a[k] >= 0, "ReLU output is non-negative");
            // float sums of 196 terms: relative error well below 1e-4 of the feature vector's size
            assertEquals(Mnist.GLITCH_GAIN * a[k], b[k], 1e-4 * Mnist.GLITCH_GAIN * (1 + Math.abs(a[k])), "feature " + k);
            norm += a[k] * a[k];
        }
        assertTrue(norm > 0, "an image with ink has non-zero features");
        float[] blank = new float[256];
        map.map(new float[784], blank);
        for (float v : blank) {
            assertEquals(0f, v, "a blank image maps to zero");
        }
    }

    @Test
    void badSettingsNameTheValue() {
        Mnist.Settings d = Mnist.Settings.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Mnist.Settings(d.samples(),
                d.switchEvery(), d.anomalyFraction(), d.maxRotation(), 0, d.features(), 0, d.negatives(),
                d.logisticStep(), d.quantile(), d.confidence(), d.seed()));
        assertTrue(e.getMessage().contains("feature count") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Mnist.Settings(d.samples(), d.switchEvery(),
                d.anomalyFraction(), d.maxRotation(), 0, d.features(), d.featureCount(), 17, d.logisticStep(),
                d.quantile(), d.confidence(), d.seed()));
        assertTrue(e.getMessage().contains("negatives") && e.getMessage().contains("17"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.withGlitches(0.7));
        assertTrue(e.getMessage().contains("0.7"), e.getMessage());
    }
}
