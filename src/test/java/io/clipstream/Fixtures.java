package io.clipstream;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Helpers for the estimator tests. */
final class Fixtures {
    private Fixtures() {
    }

    static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            double w = r.nextDouble();
            v[i] = (float) (scale * Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * w));
        }
        return v;
    }

    /**
     * The snapshot with the rejected counter (bytes 104..111) and the checksum zeroed: everything a rejected
     * input must leave bit-identical.
     */
    static byte[] state(Estimator e) {
        byte[] s = e.snapshot();
        Arrays.fill(s, 104, 112, (byte) 0);
        Arrays.fill(s, s.length - 4, s.length, (byte) 0);
        return s;
    }

    static float[] estimate(Estimator e) {
        float[] out = new float[e.parameterCount()];
        e.estimate(out);
        return out;
    }

    /** Bytes allocated by the current thread while running {@code body} {@code times} times, per run. */
    static double allocatedPerRun(Runnable body, int times) {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = bean.getThreadAllocatedBytes(id);
        for (int i = 0; i < times; i++) {
            body.run();
        }
        return (double) (bean.getThreadAllocatedBytes(id) - before) / times;
    }

    /**
     * Steady-state allocation per run: warms up, then measures in chunks until two consecutive chunks allocate
     * less than {@code limit} bytes per run (C2 can take seconds to compile the vector kernels on a busy
     * machine, and interpreted or C1 code boxes vectors), or until {@code seconds} have passed.
     *
     * @return the last chunk's bytes per run
     */
    static double steadyAllocationPerRun(Runnable body, double limit, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int below = 0;
        double last = Double.NaN;
        while (System.nanoTime() < deadline && below < 2) {
            last = allocatedPerRun(body, 10_000);
            below = last < limit ? below + 1 : 0;
        }
        return last;
    }

    static MemorySegment segment(float[] values) {
        MemorySegment s = java.lang.foreign.Arena.ofAuto().allocate(values.length * 4L, 64);
        MemorySegment.copy(values, 0, s, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, values.length);
        return s;
    }
}
