package io.clipstream.internal.kernel;

/** Run in a child JVM by {@link KernelProviderTest}: prints the chosen kernels' name on stdout. */
public final class ProviderProbe {
    private ProviderProbe() {
    }

    public static void main(String[] args) {
        System.out.println("kernels=" + KernelProvider.kernels().name());
    }
}
