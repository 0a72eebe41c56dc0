package io.clipstream.bench;

import io.clipstream.internal.kernel.KernelProvider;
import io.clipstream.internal.kernel.Kernels;

/** Which implementation a benchmark measures. */
public enum Impl {
    /** {@link KernelProvider#scalar()}: the scalar reference, configured like production (same FMA setting). */
    SCALAR,
    /**
     * {@link KernelProvider#kernels()}: the production path exactly as production builds it (preferred species;
     * 256-bit under {@code -XX:MaxVectorSize=32}).
     */
    SIMD,
    /** The same operation composed from netlib BLAS level-1 calls on {@code float[]}: the peer a user would pick. */
    BLAS;

    /** The kernels behind this implementation, or null for {@link #BLAS}. */
    Kernels kernels() {
        return switch (this) {
            case SCALAR -> KernelProvider.scalar();
            case SIMD -> KernelProvider.kernels();
            case BLAS -> null;
        };
    }
}
