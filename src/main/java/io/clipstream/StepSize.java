package io.clipstream;

/**
 * How the step size {@code eta_t} evolves with the number of applied updates {@code t} (0 for the first sample).
 * Immutable; validated when created.
 *
 * <p>Which to use (see the README's "Choosing a step size" for the experiments behind this):
 * <ul>
 *   <li>{@link #halfLife(double)}: constant, stated as "forget half of the past in h samples". The default is
 *       {@code halfLife(300)} ({@code eta ~ 0.0023}): a drifting stream needs a constant step, half-lives are how
 *       stream users already think (Spark's StreamingKMeans, exponential moving averages), and 300 was the
 *       minimax choice in our experiments (README, "Choosing defaults"): over static, slowly and quickly drifting
 *       and jumping heavy-tailed streams with 0-10% corruption its tracking error was never more than 2.9x that
 *       of the best half-life for the scenario, while 1000 was up to 8.7x and 100 up to 3.1x worse.</li>
 *   <li>{@link #constant(double)}: the same, stated directly.</li>
 *   <li>{@link #horizon(double, double, long)}: {@code c T^-alpha} for a stream of known length {@code T}; the
 *       paper's rate, balancing drift ({@code alpha < 1} keeps the step large enough to follow it) against
 *       noise.</li>
 *   <li>{@link #doubling(double, double, long)}: the doubling trick for an unknown length: epochs of
 *       {@code T0, 2 T0, 4 T0, ...} samples, each with the horizon rate for its own length.</li>
 *   <li>{@link #inverseTime(double, double)}: {@code c / (t + t0)}, optimal for a stationary stream and unable to
 *       follow drift; offered for comparison.</li>
 * </ul>
 * For the model estimators (linear, logistic, softmax) the step is, by default, additionally divided by a robust
 * running estimate of {@code ||x||^2}, which makes {@code eta} dimensionless there too (see
 * {@code normalizeSteps} on their builders).
 */
public sealed interface StepSize {

    /**
     * The step size for update number {@code t >= 0}.
     *
     * @throws IllegalArgumentException if {@code t < 0}
     */
    double eta(long t);

    /** Update numbers start at 0 (a negative one gave steps above 1, infinite or tiny, depending on the policy). */
    private static void checkTime(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("update number t must be >= 0: " + t);
        }
    }

    /**
     * A constant step.
     *
     * @param eta in (0, 1] for the mean (its builder checks); for models any value that rounds to a finite float
     *     {@code > 0}
     * @throws IllegalArgumentException if {@code eta} does not round to a finite float {@code > 0}
     */
    static StepSize constant(double eta) {
        return new Constant(eta);
    }

    /**
     * A constant step that halves the weight of the past every {@code samples} updates:
     * {@code eta = 1 - 2^(-1/samples)} (so {@code (1 - eta)^samples = 1/2}).
     *
     * @param samples half-life in samples, at least 1 (and at most about {@code 4.9e44}, where the step would
     *     round to 0 as a float)
     * @throws IllegalArgumentException if {@code samples < 1}, not finite, or too long
     */
    static StepSize halfLife(double samples) {
        return new HalfLife(samples);
    }

    /**
     * {@code eta = c * horizon^-alpha}, constant over a stream of known length.
     *
     * @throws IllegalArgumentException if {@code c <= 0}, {@code alpha} is outside [0, 1], {@code horizon < 1}, or
     *     the step does not round to a finite float {@code > 0}
     */
    static StepSize horizon(double c, double alpha, long horizon) {
        return new Horizon(c, alpha, horizon);
    }

    /**
     * The doubling trick: epoch {@code k} covers {@code firstEpoch * 2^k} updates with
     * {@code eta = c * (firstEpoch * 2^k)^-alpha}.
     *
     * @throws IllegalArgumentException if {@code c <= 0}, {@code alpha} is outside [0, 1], {@code firstEpoch < 1},
     *     or the step of the first or the last epoch does not round to a finite float {@code > 0}
     */
    static StepSize doubling(double c, double alpha, long firstEpoch) {
        return new Doubling(c, alpha, firstEpoch);
    }

    /**
     * {@code eta = c / (t + offset)}.
     *
     * @throws IllegalArgumentException if {@code c <= 0}, {@code offset < 1}, or the step at {@code t = 0} or at
     *     {@code t = Long.MAX_VALUE} does not round to a finite float {@code > 0}
     */
    static StepSize inverseTime(double c, double offset) {
        return new InverseTime(c, offset);
    }

    /**
     * A constant step.
     *
     * @param value the step
     */
    record Constant(double value) implements StepSize {
        /** Validates. */
        public Constant {
            if (!(value > 0 && Double.isFinite(value))) {
                throw new IllegalArgumentException("step size must be finite and > 0: " + value);
            }
            FloatParameters.checkPositiveFloat("step size", value);
        }

        @Override
        public double eta(long t) {
            checkTime(t);
            return value;
        }
    }

    /**
     * A constant step given by its half-life.
     *
     * @param samples the half-life in samples
     */
    record HalfLife(double samples) implements StepSize {
        /** Validates. */
        public HalfLife {
            if (!(samples >= 1 && Double.isFinite(samples))) {
                throw new IllegalArgumentException("half-life must be finite and >= 1 sample: " + samples);
            }
            double eta = -Math.expm1(-Math.log(2) / samples);
            if (!((float) eta > 0)) {
                throw new IllegalArgumentException("half-life is too long: its step " + eta
                        + " rounds to 0 as a float (steps are used as floats): " + samples);
            }
        }

        @Override
        public double eta(long t) {
            checkTime(t);
            return -Math.expm1(-Math.log(2) / samples);
        }
    }

    /**
     * The horizon rate {@code c T^-alpha}.
     *
     * @param c the constant
     * @param alpha the exponent
     * @param horizon the stream length T
     */
    record Horizon(double c, double alpha, long horizon) implements StepSize {
        /** Validates. */
        public Horizon {
            checkRate(c, alpha);
            if (horizon < 1) {
                throw new IllegalArgumentException("horizon must be >= 1: " + horizon);
            }
            double eta = c * Math.pow(horizon, -alpha);
            if (!isPositiveFloat(eta)) {
                throw notFloatSteps("Horizon[c=" + c + ", alpha=" + alpha + ", horizon=" + horizon + "]", eta, eta);
            }
        }

        @Override
        public double eta(long t) {
            checkTime(t);
            return c * Math.pow(horizon, -alpha);
        }
    }

    /**
     * The doubling trick.
     *
     * @param c the constant
     * @param alpha the exponent
     * @param firstEpoch the length of the first epoch
     */
    record Doubling(double c, double alpha, long firstEpoch) implements StepSize {
        /** Validates. */
        public Doubling {
            checkRate(c, alpha);
            if (firstEpoch < 1) {
                throw new IllegalArgumentException("first epoch must be >= 1 sample: " + firstEpoch);
            }
            double first = c * Math.pow(epochLength(firstEpoch, 0), -alpha);
            double last = c * Math.pow(epochLength(firstEpoch, Long.MAX_VALUE), -alpha);
            if (!isPositiveFloat(first) || !isPositiveFloat(last)) {
                throw notFloatSteps("Doubling[c=" + c + ", alpha=" + alpha + ", firstEpoch=" + firstEpoch + "]",
                        first, last);
            }
        }

        /** The length of the epoch that contains update {@code t}. */
        public long epochLength(long t) {
            return epochLength(firstEpoch, t);
        }

        private static long epochLength(long firstEpoch, long t) {
            // epoch k spans [T0 (2^k - 1), T0 (2^(k+1) - 1))
            long k = 63 - Long.numberOfLeadingZeros(t / firstEpoch + 1);
            return firstEpoch << Math.min(k, 62 - (63 - Long.numberOfLeadingZeros(firstEpoch)));
        }

        /** The first update of the epoch after the one that contains {@code t}. */
        public long nextEpochStart(long t) {
            long k = 63 - Long.numberOfLeadingZeros(t / firstEpoch + 1);
            return k >= 62 - (63 - Long.numberOfLeadingZeros(firstEpoch)) ? Long.MAX_VALUE
                    : firstEpoch * ((2L << k) - 1);
        }

        @Override
        public double eta(long t) {
            checkTime(t);
            return c * Math.pow(epochLength(t), -alpha);
        }
    }

    /**
     * The {@code 1/t} schedule.
     *
     * @param c the constant
     * @param offset {@code t0}
     */
    record InverseTime(double c, double offset) implements StepSize {
        /** Validates. */
        public InverseTime {
            if (!(c > 0 && Double.isFinite(c))) {
                throw new IllegalArgumentException("c must be finite and > 0: " + c);
            }
            if (!(offset >= 1 && Double.isFinite(offset))) {
                throw new IllegalArgumentException("offset must be finite and >= 1: " + offset);
            }
            if (!isPositiveFloat(c / offset) || !isPositiveFloat(c / (Long.MAX_VALUE + offset))) {
                throw notFloatSteps("InverseTime[c=" + c + ", offset=" + offset + "]", c / offset,
                        c / (Long.MAX_VALUE + offset));
            }
        }

        @Override
        public double eta(long t) {
            checkTime(t);
            return c / (t + offset);
        }
    }

    /*
     * Every schedule is non-increasing in t, and the estimators use its value as a float: it must be a finite
     * float > 0 at the first update and still > 0 at the last one a counter can reach (Long.MAX_VALUE).
     */
    private static boolean isPositiveFloat(double eta) {
        float f = (float) eta;
        return f > 0 && f <= Float.MAX_VALUE;
    }

    private static IllegalArgumentException notFloatSteps(String schedule, double first, double last) {
        boolean firstBad = !isPositiveFloat(first);
        return new IllegalArgumentException(schedule + ": eta(" + (firstBad ? 0 : Long.MAX_VALUE) + ") = "
                + (firstBad ? first : last) + " is not a float > 0 (steps are used as floats)");
    }

    private static void checkRate(double c, double alpha) {
        if (!(c > 0 && Double.isFinite(c))) {
            throw new IllegalArgumentException("c must be finite and > 0: " + c);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1]: " + alpha);
        }
    }
}
