package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.internal.kernel.KernelProvider.Decision;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KernelProviderTest {

    @Test
    void thisJvmGetsSimdWithThePreferredSpecies() {
        Kernels kernels = KernelProvider.kernels();
        assertInstanceOf(SimdKernels.class, kernels);
        assertEquals(FloatVector.SPECIES_PREFERRED.vectorBitSize(), kernels.vectorBitSize());
        assertEquals("simd-" + FloatVector.SPECIES_PREFERRED.vectorBitSize(), kernels.name());
        assertEquals(KernelProvider.useFma(), kernels.fma());
        assertEquals(KernelProvider.useFma(), KernelProvider.scalar().fma());
        assertInstanceOf(ScalarKernels.class, KernelProvider.scalar());
        assertEquals(32, KernelProvider.scalar().vectorBitSize());
    }

    @Test
    void useFmaMirrorsTheHotSpotFlag() {
        var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        assertEquals(Boolean.parseBoolean(bean.getVMOption("UseFMA").getValue()), KernelProvider.useFma());
    }

    @Test
    void simdFactoryCoversEveryWidthAndRejectsOthers() {
        for (int bits : List.of(128, 256, 512)) {
            Kernels k = KernelProvider.simd(bits);
            assertEquals(bits, k.vectorBitSize());
            assertEquals("simd-" + bits + (k.fma() ? "" : "-nofma"), k.name());
        }
        Kernels noFma = SimdKernels.create(FloatVector.SPECIES_256, false);
        assertEquals("simd-256-nofma", noFma.name());
        assertEquals("simd-256-nofma", noFma.toString());
        assertFalse(noFma.fma());
        assertTrue(SimdKernels.create(FloatVector.SPECIES_128, true).fma());
        assertEquals("scalar-nofma", new ScalarKernels(false).name());
        assertEquals("scalar", new ScalarKernels(true).name());
        assertEquals("scalar", new ScalarKernels(true).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimdKernels.create(FloatVector.SPECIES_64, true));
        assertTrue(e.getMessage().contains("64"), e.getMessage());
        @SuppressWarnings("unchecked")
        VectorSpecies<Float> ints = (VectorSpecies<Float>) (VectorSpecies<?>) jdk.incubator.vector.IntVector.SPECIES_256;
        assertThrows(IllegalArgumentException.class, () -> SimdKernels.create(ints, true));
    }

    @Test
    void decisionSimdWhenEverythingIsThere() {
        Decision d = KernelProvider.decide(null, true, "mixed mode, sharing", Optional.of(4), 512);
        assertTrue(d.simd());
        assertNull(d.message());
        assertTrue(KernelProvider.decide("AUTO ", true, "mixed mode", Optional.empty(), 128).simd());
    }

    @Test
    void decisionScalarWithoutTheModuleSaysHowToEnable() {
        Decision d = KernelProvider.decide(null, false, "mixed mode", Optional.of(4), 0);
        assertFalse(d.simd());
        assertTrue(d.message().contains("--add-modules jdk.incubator.vector"), d.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreted mode, sharing", "mixed mode, emulated-client, sharing"})
    void decisionScalarWithoutC2(String vmInfo) {
        Decision d = KernelProvider.decide(null, true, vmInfo, Optional.of(4), 512);
        assertFalse(d.simd());
        assertTrue(d.message().contains("C2"), d.message());
    }

    @Test
    void decisionScalarWhenTieredCompilationStopsBeforeC2() {
        assertFalse(KernelProvider.decide(null, true, "mixed mode", Optional.of(3), 512).simd());
        assertTrue(KernelProvider.decide(null, true, "mixed mode", Optional.of(4), 512).simd());
    }

    @Test
    void decisionScalarBelow128Bits() {
        Decision d = KernelProvider.decide(null, true, "mixed mode", Optional.of(4), 64);
        assertFalse(d.simd());
        assertTrue(d.message().contains("64 bits"), d.message());
        assertTrue(KernelProvider.decide(null, true, "mixed mode", Optional.of(4), 128).simd());
    }

    @Test
    void decisionForcedScalarAndUnknownValues() {
        Decision forced = KernelProvider.decide("scalar", true, "mixed mode", Optional.of(4), 512);
        assertFalse(forced.simd());
        assertTrue(forced.message().contains("forced"), forced.message());
        Decision unknown = KernelProvider.decide("fast", true, "mixed mode", Optional.of(4), 512);
        assertTrue(unknown.simd());
        assertTrue(unknown.message().contains("ignoring unknown -Dclipstream.kernels=fast"), unknown.message());
    }

    // ------------------------------------------------------------------ end to end, in child JVMs

    @Test
    void childJvmWithoutTheModuleFallsBackWithOneLogLine() throws Exception {
        Result r = probe(List.of());
        assertEquals("kernels=scalar", r.stdout.strip());
        assertEquals(1, r.clipstreamLines(), r.stderr);
        assertTrue(r.stderr.contains("--add-modules jdk.incubator.vector"), r.stderr);
    }

    @Test
    void childJvmInterpretedFallsBack() throws Exception {
        Result r = probe(List.of("--add-modules", "jdk.incubator.vector", "-Xint"));
        assertEquals("kernels=scalar", r.stdout.strip());
        assertEquals(1, r.clipstreamLines(), r.stderr);
    }

    @Test
    void childJvmWithC1OnlyFallsBack() throws Exception {
        Result r = probe(List.of("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1"));
        assertEquals("kernels=scalar", r.stdout.strip());
        assertTrue(r.stderr.contains("C2"), r.stderr);
    }

    @Test
    void childJvmWithProfilingC1OnlyFallsBack() throws Exception {
        // level 3 does not show up in java.vm.info; only the TieredStopAtLevel flag tells
        Result r = probe(List.of("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=3"));
        assertEquals("kernels=scalar", r.stdout.strip());
    }

    @Test
    void childJvmWithoutHardwareFmaUsesSeparateMultiplyAndAdd() throws Exception {
        Result r = probe(List.of("--add-modules", "jdk.incubator.vector", "-XX:-UseFMA", "-XX:MaxVectorSize=32"));
        assertEquals("kernels=simd-256-nofma", r.stdout.strip());
    }

    @Test
    void childJvmWithoutTheModuleRefusesExplicitSimd() throws Exception {
        Result r = probe(List.of("-Dprobe.simd=256"));
        assertTrue(r.stdout.contains("UnsupportedOperationException"), r.stdout);
        assertTrue(r.stdout.contains("--add-modules"), r.stdout);
    }

    @Test
    void childJvmForcedScalar() throws Exception {
        Result r = probe(List.of("--add-modules", "jdk.incubator.vector", "-Dclipstream.kernels=scalar"));
        assertEquals("kernels=scalar", r.stdout.strip());
    }

    @Test
    void childJvmWithTheModuleUsesSimdQuietly() throws Exception {
        Result r = probe(List.of("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32"));
        assertEquals("kernels=simd-256", r.stdout.strip());
        assertEquals(0, r.clipstreamLines(), r.stderr);
        Result explicit = probe(List.of("--add-modules", "jdk.incubator.vector", "-Dprobe.simd=128"));
        assertTrue(explicit.stdout.contains("explicit=simd-128"), explicit.stdout);
    }

    private record Result(String stdout, String stderr) {
        long clipstreamLines() {
            return stderr.lines().filter(l -> l.contains("clipstream:")).count();
        }
    }

    private static Result probe(List<String> jvmArgs) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProviderProbe.class.getName()));
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return new Result(out, err);
    }
}
