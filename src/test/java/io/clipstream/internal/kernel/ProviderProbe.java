package io.clipstream.internal.kernel;

/** Run in a child JVM by {@link KernelProviderTest}: prints the chosen kernels' name on stdout. */
public final class ProviderProbe {
    private ProviderProbe() {
    }

    public static void main(String[] args) {
        String simd = System.getProperty("probe.simd");
        if (simd != null) {
            try {
                System.out.println("explicit=" + KernelProvider.simd(Integer.parseInt(simd)).name());
            } catch (UnsupportedOperationException e) {
                System.out.println(e);
            }
            return;
        }
        System.out.println("kernels=" + KernelProvider.kernels().name());
    }
}
