package io.clipstream;

import java.util.Arrays;

/**
 * The clip-level state of one estimator. {@link #level()} is the level for the next step (computed from earlier
 * samples only); {@link #observe} feeds the pre-clip norm of an applied step.
 */
abstract sealed class ClipTracker {

    abstract float level();

    abstract void observe(double norm);

    /** The single number of state that snapshots store (tracker value or current level). */
    abstract double state();

    abstract void restoreState(double state);

    /** Combines with another tracker of the same policy, weighting by sample counts. */
    abstract void merge(ClipTracker other, double weight, double otherWeight);

    static ClipTracker create(ClipPolicy policy) {
        return switch (policy) {
            case ClipPolicy.None n -> new NoClip();
            case ClipPolicy.Fixed f -> new FixedClip((float) f.level());
            case ClipPolicy.Adaptive a -> new AdaptiveClip(a);
            case ClipPolicy.RollingQuantile r -> new RollingClip(r);
        };
    }

    static final class NoClip extends ClipTracker {
        @Override
        float level() {
            return Float.POSITIVE_INFINITY;
        }

        @Override
        void observe(double norm) {
        }

        @Override
        double state() {
            return Double.POSITIVE_INFINITY;
        }

        @Override
        void restoreState(double state) {
        }

        @Override
        void merge(ClipTracker other, double weight, double otherWeight) {
        }
    }

    static final class FixedClip extends ClipTracker {
        private final float level;

        FixedClip(float level) {
            this.level = level;
        }

        @Override
        float level() {
            return level;
        }

        @Override
        void observe(double norm) {
        }

        @Override
        double state() {
            return level;
        }

        @Override
        void restoreState(double state) {
        }

        @Override
        void merge(ClipTracker other, double weight, double otherWeight) {
        }
    }

    /** {@code multiplier} times a {@link MedianTracker} of the norms. */
    static final class AdaptiveClip extends ClipTracker {
        private final MedianTracker tracker;
        private final double multiplier;
        private float level = Float.POSITIVE_INFINITY;

        AdaptiveClip(ClipPolicy.Adaptive policy) {
            this.tracker = new MedianTracker(policy.quantile(), policy.rate());
            this.multiplier = policy.multiplier();
        }

        @Override
        float level() {
            return level;
        }

        @Override
        void observe(double norm) {
            tracker.observe(norm);
            refresh();
        }

        private void refresh() {
            double m = tracker.value();
            level = m == m ? (float) Math.min(Float.MAX_VALUE, multiplier * m) : Float.POSITIVE_INFINITY;
            if (level == 0f) {
                level = Float.MIN_VALUE;
            }
        }

        @Override
        double state() {
            return tracker.value();
        }

        @Override
        void restoreState(double state) {
            tracker.set(state);
            refresh();
        }

        @Override
        void merge(ClipTracker other, double weight, double otherWeight) {
            tracker.merge(((AdaptiveClip) other).tracker, weight, otherWeight);
            refresh();
        }
    }

    /** Exact quantile of the last {@code window} norms, recomputed every {@code max(1, window / 16)} samples. */
    static final class RollingClip extends ClipTracker {
        private final double quantile;
        private final float[] ring;
        private final float[] scratch;
        private final int period;
        private int count;
        private int position;
        private int sinceRecompute;
        private float level = Float.POSITIVE_INFINITY;

        RollingClip(ClipPolicy.RollingQuantile policy) {
            this.quantile = policy.quantile();
            this.ring = new float[policy.window()];
            this.scratch = new float[policy.window()];
            this.period = Math.max(1, policy.window() / 16);
        }

        @Override
        float level() {
            return level;
        }

        @Override
        void observe(double norm) {
            ring[position] = (float) Math.min(Float.MAX_VALUE, norm);
            position = position + 1 == ring.length ? 0 : position + 1;
            count = Math.min(count + 1, ring.length);
            if (++sinceRecompute >= period || count <= 32) {
                recompute();
            }
        }

        private void recompute() {
            sinceRecompute = 0;
            System.arraycopy(ring, 0, scratch, 0, count);
            int k = (int) Math.max(0, Math.ceil(quantile * count) - 1);
            level = Math.max(Float.MIN_VALUE, select(scratch, count, k));
        }

        /** Hoare's quickselect on {@code a[0..n)}: the k-th smallest (0-based). */
        static float select(float[] a, int n, int k) {
            int lo = 0;
            int hi = n - 1;
            while (lo < hi) {
                float pivot = a[(lo + hi) >>> 1];
                int i = lo;
                int j = hi;
                while (i <= j) {
                    while (a[i] < pivot) {
                        i++;
                    }
                    while (a[j] > pivot) {
                        j--;
                    }
                    if (i <= j) {
                        float t = a[i];
                        a[i] = a[j];
                        a[j] = t;
                        i++;
                        j--;
                    }
                }
                if (k <= j) {
                    hi = j;
                } else if (k >= i) {
                    lo = i;
                } else {
                    return a[k];
                }
            }
            return a[k];
        }

        int window() {
            return ring.length;
        }

        int count() {
            return count;
        }

        int position() {
            return position;
        }

        int sinceRecompute() {
            return sinceRecompute;
        }

        float ring(int i) {
            return ring[i];
        }

        void restoreRing(float[] values, int count, int position, int sinceRecompute) {
            System.arraycopy(values, 0, ring, 0, ring.length);
            this.count = count;
            this.position = position;
            this.sinceRecompute = sinceRecompute;
        }

        @Override
        double state() {
            return level;
        }

        @Override
        void restoreState(double state) {
            level = (float) state;
        }

        /** Keeps this window (the estimators' windows are not time-aligned); documented on merge. */
        @Override
        void merge(ClipTracker other, double weight, double otherWeight) {
            if (count == 0) {
                RollingClip o = (RollingClip) other;
                restoreRing(Arrays.copyOf(o.ring, o.ring.length), o.count, o.position, o.sinceRecompute);
                level = o.level;
            }
        }
    }
}
