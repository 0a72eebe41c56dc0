package io.clipstream;

/**
 * The step-size state of one estimator: the update count {@code t} and the cached {@code eta(t)}, recomputed
 * only when it changes (never for constant steps, at epoch boundaries for the doubling trick, every update for
 * {@code 1/t}), so the hot path reads a field instead of calling {@code Math.pow}.
 */
final class Schedule {
    private final StepSize policy;
    private long time;
    private float eta;
    private long nextChange;

    Schedule(StepSize policy, long time) {
        this.policy = policy;
        this.time = time;
        recompute();
    }

    float eta() {
        return eta;
    }

    long time() {
        return time;
    }

    void advance() {
        if (time != Long.MAX_VALUE) { // saturates, as the estimators' counters do
            time++;
        }
        if (time >= nextChange) {
            recompute();
        }
    }

    void setTime(long t) {
        time = t;
        recompute();
    }

    private void recompute() {
        eta = (float) policy.eta(time);
        nextChange = switch (policy) {
            case StepSize.Doubling d -> d.nextEpochStart(time);
            case StepSize.InverseTime i -> Estimator.increment(time);
            default -> Long.MAX_VALUE;
        };
    }
}
