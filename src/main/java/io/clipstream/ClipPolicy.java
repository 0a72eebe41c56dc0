package io.clipstream;

/**
 * How the clip level {@code lambda} (the largest gradient norm a step may use) is chosen. Immutable; validated
 * when created.
 *
 * <h2>The default: {@link #adaptive()}</h2>
 * {@code lambda_t = multiplier * m_t}, where {@code m_t} tracks the median of recent pre-clip gradient norms with
 * a multiplicative stochastic-approximation update: after each sample with norm {@code g},
 * {@code m <- m * exp(rate * (q - 1[g <= m]))} with {@code q = 0.5}. Why this rule:
 * <ul>
 *   <li><b>It needs only a finite variance and no bound from the user.</b> It tracks the scale of the gradients
 *       themselves; by Markov's inequality the median of {@code ||g||} is at most
 *       {@code sqrt(2 E||g||^2)}, finite whenever the variance is.</li>
 *   <li><b>Corruptions cannot drag it up.</b> A median moves only with the fraction of samples above it, not
 *       with their size: with an {@code eps} fraction of arbitrarily far corruptions the tracker settles at the
 *       {@code 0.5 / (1 - eps)} quantile of the inlier norms (the 0.625 quantile at 20%), whatever the
 *       corruptions' magnitude. It breaks down only when corruptions are the majority. A mean- or
 *       variance-based level, in contrast, is carried away by a single far sample.</li>
 *   <li><b>It follows drift.</b> After an abrupt change all norms jump, and {@code m} grows by a factor
 *       {@code exp(rate/2)} per sample until it catches up (about {@code 2 ln(ratio) / rate} samples).</li>
 *   <li><b>It costs O(1)</b> per sample (one compare, one multiply by a precomputed factor), holds one number
 *       of state (trivial to snapshot and merge) and has no periodic recomputation, so no latency spikes.</li>
 * </ul>
 * The level starts at the first sample's norm (times the multiplier). The defaults, multiplier 1 (the median
 * itself) and rate 0.05, were chosen by experiment (README, "Choosing defaults"): a smaller multiplier resists
 * corruption a little better (bias about {@code eps/(1-eps)} of the noise radius once the level is at or below
 * the median) but recovers from abrupt changes more slowly (multiplier 0.5 took 1.7x as long), a larger one
 * lets corruptions pull harder (multiplier 3: 4x the error at 20% corruption); rate 0.05 recovered 15% faster
 * than 0.02 after a jump with the same steady-state error.
 *
 * <h2>The others</h2>
 * {@link #fixed(double)} when a bound is known; {@link #rollingQuantile(double, int)}, the exact quantile of the
 * last {@code window} norms (Merad and Gaiffas' quantile clipping), recomputed every {@code window / 16} samples;
 * {@link #none()}, plain SGD, for baselines.
 */
public sealed interface ClipPolicy {

    /** Default multiplier of {@link #adaptive()}. */
    double DEFAULT_MULTIPLIER = 1.0;
    /** Default quantile of {@link #adaptive()}. */
    double DEFAULT_QUANTILE = 0.5;
    /** Default tracking rate of {@link #adaptive()}. */
    double DEFAULT_RATE = 0.05;

    /** The default adaptive level: {@code adaptive(DEFAULT_MULTIPLIER, DEFAULT_QUANTILE, DEFAULT_RATE)}. */
    static ClipPolicy adaptive() {
        return new Adaptive(DEFAULT_MULTIPLIER, DEFAULT_QUANTILE, DEFAULT_RATE);
    }

    /**
     * An adaptive level {@code multiplier * m}, {@code m} tracking quantile {@code quantile} of recent norms.
     *
     * @param multiplier finite, > 0
     * @param quantile in (0, 1)
     * @param rate tracking rate in (0, 1]: about {@code 1/rate} samples of memory
     * @throws IllegalArgumentException if a parameter is out of range
     */
    static ClipPolicy adaptive(double multiplier, double quantile, double rate) {
        return new Adaptive(multiplier, quantile, rate);
    }

    /**
     * A fixed level.
     *
     * @throws IllegalArgumentException if {@code level} does not round to a finite float {@code > 0}
     */
    static ClipPolicy fixed(double level) {
        return new Fixed(level);
    }

    /**
     * The exact {@code quantile} of the last {@code window} norms, recomputed every {@code max(1, window / 16)}
     * samples (amortised O(16) per sample, with an O(window) pause at each recomputation). Until the window
     * has filled, the quantile of the norms seen so far; no clipping before the first.
     *
     * @throws IllegalArgumentException if {@code quantile} is outside (0, 1] or {@code window} outside [1, 2^20]
     */
    static ClipPolicy rollingQuantile(double quantile, int window) {
        return new RollingQuantile(quantile, window);
    }

    /** No clipping: plain SGD. */
    static ClipPolicy none() {
        return None.INSTANCE;
    }

    /**
     * Adaptive level.
     *
     * @param multiplier the level over the tracked quantile
     * @param quantile the tracked quantile
     * @param rate the tracking rate
     */
    record Adaptive(double multiplier, double quantile, double rate) implements ClipPolicy {
        /** Validates. */
        public Adaptive {
            if (!(multiplier > 0 && Double.isFinite(multiplier))) {
                throw new IllegalArgumentException("multiplier must be finite and > 0: " + multiplier);
            }
            if (!(quantile > 0 && quantile < 1)) {
                throw new IllegalArgumentException("quantile must be in (0, 1): " + quantile);
            }
            if (!(rate > 0 && rate <= 1)) {
                throw new IllegalArgumentException("rate must be in (0, 1]: " + rate);
            }
        }
    }

    /**
     * Fixed level.
     *
     * @param level the level
     */
    record Fixed(double level) implements ClipPolicy {
        /** Validates. */
        public Fixed {
            if (!(level > 0 && Double.isFinite(level))) {
                throw new IllegalArgumentException("clip level must be finite and > 0: " + level);
            }
            FloatParameters.checkPositiveFloat("clip level", level);
        }
    }

    /**
     * Rolling-window quantile.
     *
     * @param quantile the quantile
     * @param window the window length in samples
     */
    record RollingQuantile(double quantile, int window) implements ClipPolicy {
        /** Validates. */
        public RollingQuantile {
            if (!(quantile > 0 && quantile <= 1)) {
                throw new IllegalArgumentException("quantile must be in (0, 1]: " + quantile);
            }
            if (window < 1 || window > 1 << 20) {
                throw new IllegalArgumentException("window must be in [1, 2^20]: " + window);
            }
        }
    }

    /** No clipping. */
    enum None implements ClipPolicy {
        /** The only instance. */
        INSTANCE
    }
}
