/**
 * Internal: arithmetic kernels. Not API; may change without notice.
 *
 * <h2>Structure</h2>
 * {@link io.clipstream.internal.kernel.Kernels} is the contract, {@link io.clipstream.internal.kernel.ScalarKernels}
 * the readable reference and fallback, {@link io.clipstream.internal.kernel.SimdKernels} the Vector API
 * implementation, and {@link io.clipstream.internal.kernel.KernelProvider} picks one at start-up.
 * {@link io.clipstream.internal.kernel.StepMath} holds the per-sample scalar arithmetic both share.
 *
 * <h2>How equality with the reference is tested</h2>
 * The property suites run every kernel over species {128, 256, 512} x {heap, native} segments x element offsets x
 * every length 0..4L+3 and random lengths up to several thousand, including special values (0, -0, subnormals,
 * values near {@code Float.MAX_VALUE}). Tolerance classes:
 * <ul>
 *   <li><b>E, exact</b>: element-wise kernels (axpy, scale) and the update half of every step, given
 *       the same step coefficients, are bit-identical to the reference (NaN canonicalised).</li>
 *   <li><b>R, reduction</b>: dot, sums of squares, distances and the norms the steps return are checked, on both
 *       paths, against a double-precision oracle: {@code |r - oracle| <= gamma(n+1) sum|t_i| + n Float.MIN_VALUE},
 *       {@code gamma(k) = k u / (1 - k u)}, {@code u = 2^-24}.</li>
 *   <li><b>D, determinism</b>: element-wise kernels give the same bits at every offset and on heap and native
 *       memory.</li>
 *   <li><b>N, non-finite</b>: NaN in gives NaN out.</li>
 * </ul>
 *
 * <h2>Overflow</h2>
 * Float sums that reach 2^100 (or are not finite) are recomputed in double ({@code Kernels.WIDE_THRESHOLD}); below
 * that bound every element of a difference or parameter vector is below 2^50 in magnitude, and update
 * coefficients are kept below 2^64, so no float operation in an update can overflow. The wide path saturates the
 * state at {@code +-Float.MAX_VALUE}.
 */
package io.clipstream.internal.kernel;
