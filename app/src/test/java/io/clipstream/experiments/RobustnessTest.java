package io.clipstream.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.MeanEstimator;
import io.clipstream.Task;
import io.clipstream.synthetic.SyntheticStream;
import io.clipstream.synthetic.SyntheticStream.Corruption;
import io.clipstream.synthetic.SyntheticStream.Tail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The four robustness claims, each on seeded synthetic streams (3 seeds, averaged) against baselines run on the
 * same streams with the same step size. Errors are tracking errors {@code ||theta_t - theta*_t||} averaged after
 * a burn-in, normalised by the noise radius {@code scale sqrt(d)} (mean) or {@code ||theta*||} (models). The
 * margins were set from a calibration run (README, "Robustness") and leave headroom; the measured values are
 * printed so CI logs show how close each run came.
 */
class RobustnessTest {

    private static final int D = 100;
    private static final int SAMPLES = 20_000;
    private static final int BURN_IN = 5_000;
    private static final long[] SEEDS = {1, 2, 3};

    private static SyntheticStream.Builder mean(Tail tail, long seed) {
        return SyntheticStream.builder(Task.MEAN, D).tail(tail, 2.5).seed(seed);
    }

    private static double meanError(Method method, SyntheticStream.Builder stream) {
        return Run.run(stream.build(), method.build(Task.MEAN, D, 1), SAMPLES, BURN_IN).error();
    }

    /**
     * 1. Heavy tails (Student-t nu = 2.5, Pareto alpha = 2.5), no corruption, d = 100: clipped SGD's error is no
     * worse than 1.5x plain SGD's with the same step. (Calibration: clipped was 1.6-1.8x better.)
     */
    @ParameterizedTest
    @EnumSource(value = Tail.class, names = {"STUDENT_T", "PARETO"})
    void heavyTailsCostNothing(Tail tail) {
        double clipped = 0;
        double plain = 0;
        for (long seed : SEEDS) {
            clipped += meanError(Method.CLIPPED, mean(tail, seed)) / SEEDS.length;
            plain += meanError(Method.PLAIN, mean(tail, seed)) / SEEDS.length;
        }
        report("1 heavy tails " + tail, "clipped %.4f, plain %.4f (limit: clipped <= 1.5 x plain)", clipped, plain);
        assertTrue(clipped <= 1.5 * plain, "clipped " + clipped + " vs plain " + plain);
    }

    /**
     * 2. 20% corruptions at 100 noise radii in a fixed direction: clipped SGD's error is at least 10x smaller than
     * plain SGD's (calibration: ~100x), at most 15x its own error on the same streams without corruption
     * (calibration: ~11x), and below {@code eps / (1 - eps) = 0.25} noise radii plus twice that uncorrupted error,
     * the bias an eps-fraction can cause a median-level clip.
     */
    @ParameterizedTest
    @EnumSource(value = Tail.class, names = {"STUDENT_T", "PARETO"})
    void farCorruptionsAreResisted(Tail tail) {
        double eps = 0.2;
        double clipped = 0;
        double plain = 0;
        double clean = 0;
        for (long seed : SEEDS) {
            clipped += meanError(Method.CLIPPED, mean(tail, seed).corruption(eps, Corruption.FAR_FIXED)) / SEEDS.length;
            plain += meanError(Method.PLAIN, mean(tail, seed).corruption(eps, Corruption.FAR_FIXED)) / SEEDS.length;
            clean += meanError(Method.CLIPPED, mean(tail, seed)) / SEEDS.length;
        }
        report("2 corruption " + tail, "clipped %.4f, plain %.4f, clipped without corruption %.4f", clipped, plain, clean);
        assertTrue(10 * clipped <= plain, "clipped " + clipped + " vs plain " + plain);
        assertTrue(clipped <= 15 * clean, "clipped " + clipped + " vs uncorrupted " + clean);
        assertTrue(clipped <= eps / (1 - eps) + 2 * clean, "clipped " + clipped + " above the bias bound");
    }

    /**
     * 3. An abrupt jump of 10 noise radii at sample 20,000: the default estimator is back within 2x its
     * steady-state error (measured over the 10,000 samples before the jump) within {@code 15 / eta} samples
     * (6,500 at the default eta ~ 0.0023; calibration: ~3,000), while the {@code 1/t} schedule has not recovered
     * after 10x as many.
     */
    @Test
    void abruptChangeIsFollowed() {
        double eta = MeanEstimator.builder(1).build().stepSize();
        int jumpAt = 20_000;
        int budget = (int) Math.ceil(15 / eta);
        int samples = jumpAt + 10 * budget;
        for (long seed : SEEDS) {
            SyntheticStream.Builder stream = mean(Tail.STUDENT_T, seed).changePoints(10 * Math.sqrt(D), jumpAt);
            Run.Result clipped = Run.run(stream.build(), Method.CLIPPED.build(Task.MEAN, D, 1), samples, 0);
            Run.Result inverse = Run.run(stream.build(), Method.INVERSE_TIME.build(Task.MEAN, D, 1), samples, 0);
            int recovery = recovery(clipped, jumpAt, samples);
            int inverseRecovery = recovery(inverse, jumpAt, samples);
            report("3 jump seed " + seed, "recovered after %d samples (limit %d); 1/t: %s", recovery, budget,
                    inverseRecovery < 0 ? "not within " + (samples - jumpAt) : inverseRecovery + " samples");
            assertTrue(recovery >= 0 && recovery <= budget, "recovery took " + recovery + " samples, limit " + budget);
            assertTrue(inverseRecovery < 0, "1/t recovered after " + inverseRecovery);
        }
    }

    /** Samples after {@code jumpAt} until the error is within 2x the pre-jump steady state, or -1. */
    private static int recovery(Run.Result r, int jumpAt, int samples) {
        double steady = r.meanError(jumpAt / 2, jumpAt);
        for (int t = jumpAt; t < samples; t++) {
            if (r.errorAt(t) <= 2 * steady) {
                return t - jumpAt;
            }
        }
        return -1;
    }

    /**
     * 4. Linear and logistic regression, d = 20, Student-t features and noise (nu = 2.5), 10% corruptions (features
     * moved 100 radii away, labels set against the model), slow drift of the weights: the default clipped
     * estimators beat plain SGD with the same normalised step on parameter error and on held-out loss (2,000 clean
     * samples from the final distribution), measured as excess loss over the true weights' loss on the same
     * samples. Linear: plain SGD diverges; margins 10x on both. Logistic (plain SGD stays bounded, because the
     * logistic gradient is, but the far corruptions make it chaotic: its loss moved by 8% between vector widths):
     * parameter error at most 0.6x and excess held-out loss at most 0.8x plain's (measured at 512, 256 and 128 bits:
     * 0.44-0.46x and 0.20-0.56x).
     */
    @ParameterizedTest
    @EnumSource(value = Task.class, names = {"LINEAR", "LOGISTIC"})
    void modelsBeatPlainSgdOnCorruptedDriftingData(Task task) {
        int d = 20;
        double clippedError = 0;
        double plainError = 0;
        double clippedLoss = 0;
        double plainLoss = 0;
        for (long seed : SEEDS) {
            for (Method m : new Method[] {Method.CLIPPED, Method.PLAIN}) {
                SyntheticStream s = SyntheticStream.builder(task, d).tail(Tail.STUDENT_T, 2.5)
                        .corruption(0.1, Corruption.FAR_FIXED).drift(1e-5).offset(3).seed(seed).build();
                Run.Result r = Run.run(s, m.build(task, d, 1), SAMPLES, BURN_IN);
                if (m == Method.CLIPPED) {
                    clippedError += r.error() / SEEDS.length;
                    clippedLoss += r.excessLoss() / SEEDS.length;
                } else {
                    plainError += r.error() / SEEDS.length;
                    plainLoss += r.excessLoss() / SEEDS.length;
                }
            }
        }
        report("4 " + task, "error clipped %.4g plain %.4g; excess held-out loss clipped %.4g plain %.4g", clippedError,
                plainError, clippedLoss, plainLoss);
        double errorMargin = task == Task.LINEAR ? 0.1 : 0.6;
        double lossMargin = task == Task.LINEAR ? 0.1 : 0.8;
        assertTrue(clippedError <= errorMargin * plainError, "parameter error " + clippedError + " vs " + plainError);
        assertTrue(clippedLoss <= lossMargin * plainLoss, "held-out loss " + clippedLoss + " vs " + plainLoss);
    }

    private static void report(String what, String format, Object... values) {
        System.out.println("[robustness] " + what + ": " + String.format(format, values));
    }
}
