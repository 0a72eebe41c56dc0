package io.clipstream.internal.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Arithmetic kernels over float32 data in {@link MemorySegment}s (heap-backed or native, any element index).
 *
 * <p>{@link ScalarKernels} is the specification: plain sequential loops whose javadoc is the contract.
 * {@link SimdKernels} computes the same functions with the Vector API, equal to the scalar reference
 * bit for bit for element-wise operations and "up to reassociation" for reductions (see
 * {@code package-info.java} for the tolerance classes the property tests enforce).
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Arguments are {@code (segment, elementIndex)} pairs plus an element {@code count}; element indices are
 *       turned into byte offsets in one place per implementation. Values are read in native byte order
 *       (the layout of {@link java.lang.foreign.ValueLayout#JAVA_FLOAT}), without alignment requirements.</li>
 *   <li>Kernels do not validate beyond {@code assert}: the facade validates once at its entry points.
 *       An out-of-range access still fails with the segment's {@link IndexOutOfBoundsException}; every
 *       kernel reads all its inputs before it writes, so such a failure leaves the outputs untouched.</li>
 *   <li>Reductions return {@code double}. The fast path accumulates in float; when the float sum could
 *       overflow (see {@link #WIDE_THRESHOLD}) the kernel redoes the reduction in double, so norms, distances and
 *       dot products of finite inputs never overflow, even for values near {@link Float#MAX_VALUE}.</li>
 *   <li>Output buffers must not overlap inputs unless they are the identical range (in-place).</li>
 *   <li>FMA: an implementation created with {@code fma = true} uses fused multiply-add at exactly the steps
 *       the scalar reference documents; with {@code fma = false} it uses a separate multiply and add there.
 *       {@link KernelProvider} turns FMA on only where the JVM's {@code UseFMA} flag is on.</li>
 * </ul>
 *
 * <h2>Clipped steps</h2>
 * All step kernels implement {@code theta <- theta - eta * clip(g, lambda)} with
 * {@code clip(g, lambda) = g * min(1, lambda / ||g||)}, where {@code g} includes the optional L2 term
 * {@code mu * theta}. They return the pre-clip gradient norm {@code ||g||}. The clip factor is computed in
 * double by {@link StepMath#clipFactor}; {@code lambda = +Infinity} disables clipping (plain SGD).
 *
 * <p>Parameters: {@code eta} finite and {@code > 0} (a float for the mean steps; a double up to {@code 2^600} for
 * the model steps, whose normalised step {@code eta / ||x||^2} exceeds the float range for tiny features),
 * {@code lambda} a float in {@code [Float.MIN_VALUE, Float.MAX_VALUE]} or {@code +Infinity}, {@code mu} a finite
 * float {@code >= 0}. The facade guarantees them (builders and snapshot readers refuse anything else); kernels
 * only {@code assert} them. Under them, a step over finite {@code x}, state and label never produces a
 * non-finite state: the float path keeps every intermediate below {@code 2^115}, and the wide path's double
 * intermediates stay below {@code 2^1000} (a margin is at most {@code 2^28 * 2^256}, a coefficient at most
 * {@code eta 2^285}, a value at most {@code 2^128}) before the result saturates at the float range.
 *
 * <p>Steps are transactional for non-finite input: when {@code x} (or the state, or the label) holds a NaN or an
 * infinity, a step returns NaN and writes nothing. This costs nothing on the fast path: with a finite state, a
 * pass-1 sum below {@link #WIDE_THRESHOLD} already proves every input finite, and only a sum at or above it runs
 * the check (in double, on the wide path). The facade relies on this instead of scanning every sample first.
 */
public interface Kernels {

    /**
     * Float accumulations whose magnitude reaches this value (2^100) or that are not finite are recomputed
     * on the wide (double precision) path. Below it, no float intermediate of any kernel can overflow.
     */
    double WIDE_THRESHOLD = 0x1p100;

    /** A short name for logs and benchmark tables, e.g. {@code "simd-512"} or {@code "scalar"}. */
    String name();

    /** Width of the vectors this implementation uses, in bits; 32 for the scalar reference. */
    int vectorBitSize();

    /** Whether this implementation uses fused multiply-add. */
    boolean fma();

    // ---------------------------------------------------------------- reductions

    /** {@code sum_i a[i] * b[i]}. */
    double dot(MemorySegment a, long aIndex, MemorySegment b, long bIndex, int count);

    /** {@code sum_i a[i]^2}. */
    double sumSquares(MemorySegment a, long aIndex, int count);

    // ---------------------------------------------------------------- element-wise

    /** {@code y[i] += alpha * x[i]} (one fused operation when FMA is on). */
    void axpy(float alpha, MemorySegment x, long xIndex, MemorySegment y, long yIndex, int count);

    /** {@code x[i] *= alpha}. */
    void scale(float alpha, MemorySegment x, long xIndex, int count);

    // ---------------------------------------------------------------- fused clipped-SGD steps

    /**
     * Clipped mean (location) step for {@code l = 1/2 ||x - theta||^2 + mu/2 ||theta||^2}:
     * {@code g = (1 + mu) theta - x}, {@code theta <- theta - eta * clip(g, lambda)}.
     *
     * @return the pre-clip gradient norm {@code ||g||}
     */
    double clippedMeanStep(MemorySegment theta, long thetaIndex, MemorySegment x, long xIndex, int count,
                           float eta, float lambda, float mu);

    /**
     * Clipped linear-regression step for {@code l = 1/2 (y - w.x)^2 + mu/2 ||w||^2}: with the residual
     * {@code r = y - w.x}, {@code g = -r x + mu w} and {@code ||g||} is obtained from {@code w.x}, {@code ||x||^2}
     * and {@code ||w||^2} without materialising {@code g}. ({@code ||w||^2} is accumulated even when
     * {@code mu = 0}: it bounds every {@code |w_i|}, which is what makes the float update provably overflow-free.)
     *
     * @param result receives the margin {@code w.x} before the step, the norm and the clip decision
     * @return the pre-clip gradient norm {@code ||g||}
     */
    double clippedLinearStep(MemorySegment w, long wIndex, MemorySegment x, long xIndex, int count,
                             float y, double eta, float lambda, float mu, StepResult result);

    /**
     * Clipped binary logistic-regression step for {@code l = log(1 + exp(-y w.x)) + mu/2 ||w||^2} with
     * {@code y} in {-1, +1}: {@code g = -y sigmoid(-y w.x) x + mu w}.
     *
     * @param result receives the margin {@code w.x} before the step, the norm and the clip decision
     * @return the pre-clip gradient norm {@code ||g||}
     */
    double clippedLogisticStep(MemorySegment w, long wIndex, MemorySegment x, long xIndex, int count,
                               float y, double eta, float lambda, float mu, StepResult result);

    /**
     * The index of the first non-finite value (NaN or an infinity) among {@code a[0..count)}, or -1 if all are
     * finite. Used to reject a whole batch before any row is applied, and to name the first bad value.
     */
    long firstNonFinite(MemorySegment a, long aIndex, long count);

    // ---------------------------------------------------------------- batch scoring

    /**
     * Distances of {@code n} rows from a scaled parameter vector: {@code out[i] = ||k theta - x_i||} as doubles
     * ({@code k = 1 + mu} makes this the mean task's pre-clip gradient norm).
     */
    void distances(float k, MemorySegment theta, long thetaIndex, MemorySegment xs, long xsIndex, long stride,
                   int n, int count, MemorySegment out, long outIndex);

}
