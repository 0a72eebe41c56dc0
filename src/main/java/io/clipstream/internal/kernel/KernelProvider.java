package io.clipstream.internal.kernel;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the production {@link Kernels} once, at class initialisation, in the manner of Lucene's
 * vectorization provider:
 * <ul>
 *   <li>{@link SimdKernels} with the preferred species when the {@code jdk.incubator.vector} module is readable,
 *       the C2 compiler is running (not {@code -Xint}, not {@code -XX:TieredStopAtLevel<4}) and the preferred
 *       species is at least 128 bits wide;</li>
 *   <li>{@link ScalarKernels} otherwise, with one log line (System.Logger {@code io.clipstream}) saying why and how
 *       to enable SIMD.</li>
 * </ul>
 * Vector FMA is used only where the JVM's {@code UseFMA} flag is on (read once via the HotSpot diagnostic bean):
 * without hardware FMA, {@code FloatVector.fma} falls back to a scalar loop that is orders of magnitude slower.
 * The scalar kernels use the same flag so that both paths round identically.
 *
 * <p>The system property {@code clipstream.kernels} ({@code auto}, default, or {@code scalar}) forces the scalar
 * path, e.g. to compare the two in production.
 *
 * <p>Nothing here touches {@code jdk.incubator.vector} before the module check: the SIMD class is loaded by
 * name only after it passed.
 */
public final class KernelProvider {

    private static final System.Logger LOG = System.getLogger("io.clipstream");
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static final boolean USE_FMA = readUseFma();
    private static final Kernels KERNELS = select();
    private static final Kernels SCALAR = new ScalarKernels(USE_FMA);

    private KernelProvider() {
    }

    /** The production kernels; hold the result in a {@code static final} field so C2 sees a constant. */
    public static Kernels kernels() {
        return KERNELS;
    }

    /** The scalar reference configured like production (same FMA setting). */
    public static Kernels scalar() {
        return SCALAR;
    }

    /** Whether the JVM's {@code UseFMA} flag is on. */
    public static boolean useFma() {
        return USE_FMA;
    }

    /** Creates SIMD kernels for the given vector width in bits (128, 256 or 512), e.g. for tests. */
    public static Kernels simd(int bits) {
        if (!vectorModuleReadable()) {
            throw new UnsupportedOperationException(VECTOR_MODULE + " is not readable: pass --add-modules "
                    + VECTOR_MODULE);
        }
        return SimdFactory.create(bits, USE_FMA);
    }

    private static Kernels select() {
        Kernels scalar = new ScalarKernels(USE_FMA);
        boolean readable = vectorModuleReadable();
        Decision decision = decide(System.getProperty("clipstream.kernels"), readable,
                System.getProperty("java.vm.info", ""), tieredStopAtLevel(),
                readable ? SimdFactory.preferredBits() : 0);
        if (decision.message() != null) {
            LOG.log(decision.simd() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, decision.message());
        }
        if (decision.simd() && !USE_FMA) {
            LOG.log(System.Logger.Level.INFO, "clipstream: UseFMA is off on this JVM/CPU, kernels use separate "
                    + "multiply and add.");
        }
        return decision.simd() ? SimdFactory.createPreferred(USE_FMA) : scalar;
    }

    /**
     * The outcome of the start-up check.
     *
     * @param simd whether to use the SIMD kernels
     * @param message the one line to log, or null when there is nothing to say
     */
    record Decision(boolean simd, String message) {
    }

    /**
     * The start-up decision as a pure function of what the JVM reports (tested branch by branch).
     *
     * @param forced the {@code clipstream.kernels} property or null
     * @param moduleReadable whether {@code jdk.incubator.vector} is in the boot layer
     * @param vmInfo the {@code java.vm.info} property
     * @param tieredStopAtLevel the HotSpot flag, if readable
     * @param preferredBits the preferred float species width in bits (0 when the module is not readable)
     */
    static Decision decide(String forced, boolean moduleReadable, String vmInfo,
                           Optional<Integer> tieredStopAtLevel, int preferredBits) {
        String mode = forced == null ? "auto" : forced.trim().toLowerCase(Locale.ROOT);
        if (mode.equals("scalar")) {
            return new Decision(false, "clipstream: scalar kernels forced by -Dclipstream.kernels=scalar");
        }
        String prefix = mode.equals("auto") ? ""
                : "clipstream: ignoring unknown -Dclipstream.kernels=" + forced + " (expected auto or scalar). ";
        if (!moduleReadable) {
            return new Decision(false, prefix + "clipstream: the Java Vector API module is not readable, using "
                    + "scalar kernels; pass '--add-modules " + VECTOR_MODULE + "' to the JVM to enable SIMD.");
        }
        if (vmInfo.contains("interpreted mode") || vmInfo.contains("emulated-client")
                || tieredStopAtLevel.map(level -> level < 4).orElse(false)) {
            return new Decision(false, prefix + "clipstream: the C2 compiler is not running (" + vmInfo
                    + "), using scalar kernels; remove -Xint / -XX:TieredStopAtLevel to enable SIMD.");
        }
        if (preferredBits < 128) {
            return new Decision(false, prefix + "clipstream: the preferred vector size is " + preferredBits
                    + " bits (below 128), using scalar kernels; check -XX:MaxVectorSize / -XX:UseAVX.");
        }
        return new Decision(true, prefix.isEmpty() ? null : prefix.trim());
    }

    private static boolean vectorModuleReadable() {
        Optional<Module> module = ModuleLayer.boot().findModule(VECTOR_MODULE);
        if (module.isEmpty()) {
            return false;
        }
        KernelProvider.class.getModule().addReads(module.get());
        return true;
    }

    private static boolean readUseFma() {
        return hotSpotOption("UseFMA").map(Boolean::parseBoolean).orElse(false);
    }

    static Optional<Integer> tieredStopAtLevel() {
        try {
            return hotSpotOption("TieredStopAtLevel").map(Integer::parseInt);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> hotSpotOption(String name) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? Optional.empty() : Optional.of(bean.getVMOption(name).getValue());
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    /** Loaded only after the module check, so that {@code jdk.incubator.vector} classes resolve. */
    private static final class SimdFactory {
        static int preferredBits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }

        static Kernels createPreferred(boolean fma) {
            return SimdKernels.create(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, fma);
        }

        static Kernels create(int bits, boolean fma) {
            return SimdKernels.create(jdk.incubator.vector.VectorSpecies.of(float.class,
                    jdk.incubator.vector.VectorShape.forBitSize(bits)), fma);
        }
    }
}
