package io.clipstream;

/**
 * The defaults the builders start from, per task; the README ("Choosing defaults") has the experiments behind them.
 * <ul>
 *   <li>Mean: {@code halfLife(300)}, the minimax half-life over static, drifting and jumping heavy-tailed streams
 *       with 0-10% corruption; clip at the tracked median gradient norm.</li>
 *   <li>Models (normalised steps): {@code constant(0.05)}, the NLMS step, i.e. each step corrects about 5% of the
 *       sample's residual (a parameter half-life of about {@code 14 d} samples); robust at d = 20 and 100 while
 *       0.2 and above grew noisy and 0.01 learned slowly.</li>
 *   <li>Linear regression: clip at the median gradient norm. Logistic and softmax: clip at 3x the median: their
 *       gradient norms are very skewed (well-classified samples contribute almost nothing), and clipping at the
 *       median itself cut the informative gradients (clean parameter error 0.37 against 0.14 at 3x).</li>
 * </ul>
 */
final class Defaults {
    /** Mean: forget half of the past in 300 samples. */
    static final StepSize STEP_SIZE = StepSize.halfLife(300);
    /** Models with normalised steps: correct 5% of the residual per sample. */
    static final StepSize MODEL_STEP_SIZE = StepSize.constant(0.05);
    /** Mean and linear regression. */
    static final ClipPolicy CLIP = ClipPolicy.adaptive();
    /** Logistic and softmax regression. */
    static final ClipPolicy CLASSIFIER_CLIP =
            ClipPolicy.adaptive(3, ClipPolicy.DEFAULT_QUANTILE, ClipPolicy.DEFAULT_RATE);

    private Defaults() {
    }
}
