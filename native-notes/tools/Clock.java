/**
 * Estimates the core clock without performance counters: a chain of dependent scalar FMAs (vfmadd231ss) runs at
 * one FMA per FMA latency, 4 cycles on AMD Zen 4 (and Intel since Skylake), so cycles = 4 * FMAs. Four chains per
 * iteration only lengthen the loop body; they are independent of each other, so the time is set by one chain.
 *
 *   java Clock [FMA_LATENCY_CYCLES]     (default 4)
 *
 * Prints GHz for several runs; take the steady value. Valid only while the machine is otherwise idle enough
 * that the thread is not descheduled; on a shared VM, take the highest of the runs.
 */
public final class Clock {
    public static void main(String[] args) {
        int latency = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int n = 100_000_000;
        float a = 1f;
        for (int warm = 0; warm < 20; warm++) {
            a = chain(a, 0.999999f, 1e-7f, 100_000); // compiled as a normal (not OSR) method
        }
        for (int run = 0; run < 6; run++) {
            long t0 = System.nanoTime();
            a = chain(a, 0.999999f, 1e-7f, n);
            long ns = System.nanoTime() - t0;
            System.out.printf("run %d: %d dependent FMAs in %.1f ms -> %.2f GHz (a=%s)%n", run, n, ns / 1e6,
                    (double) n * latency / ns, a);
        }
    }

    /** An int-counted loop: C2 keeps a in a register (an OSR-compiled long loop spilled it to the stack). */
    static float chain(float a, float b, float c, int n) {
        for (int i = 0; i < n; i++) {
            a = Math.fma(a, b, c);
        }
        return a;
    }
}
