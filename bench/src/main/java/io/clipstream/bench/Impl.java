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

    /**
     * The kernels behind this implementation, or null for {@link #BLAS}.
     *
     * @throws IllegalStateException for {@link #SIMD} when the production kernels are the scalar fallback (the
     *     fork lacks {@code --add-modules jdk.incubator.vector}, e.g. because {@code -jvmArgsAppend} on the command
     *     line replaced the {@code @Fork} flags): the run would report scalar times as SIMD
     */
    Kernels kernels() {
        return switch (this) {
            case SCALAR -> KernelProvider.scalar();
            case SIMD -> {
                Kernels k = KernelProvider.kernels();
                if (!k.name().startsWith("simd")) {
                    throw new IllegalStateException("SIMD benchmark on kernels " + k.name() + ": is --add-modules "
                            + "jdk.incubator.vector missing from the fork (-jvmArgsAppend replaces the @Fork flags; "
                            + "repeat it there), or C2 off?");
                }
                yield k;
            }
            case BLAS -> null;
        };
    }
}
