package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The property suites create all three widths in one JVM, so the species is never a constant to C2 and (measured
 * with -XX:+PrintCompilation) no kernel loop is ever C2-compiled there: they check the Vector API's interpreter/C1
 * fallback, whatever -XX:MaxVectorSize the fork has. This runs the production path itself, C2-compiled, at each
 * width in a fresh JVM, against the scalar reference, and checks that C2 really compiled the kernels it checked.
 */
class ProductionPathTest {

    private static final Pattern C2 = Pattern.compile("\\s(?:%\\s+)?4\\s+io\\.clipstream\\.internal\\.kernel\\.SimdKernels::(\\w+)");

    @ParameterizedTest
    @ValueSource(ints = {16, 32, 64})
    void productionKernelsMatchTheScalarReferenceWhenC2Compiled(int maxVectorBytes) throws Exception {
        int machineBits = FloatVector.SPECIES_MAX.vectorBitSize();
        org.junit.jupiter.api.Assumptions.assumeTrue(maxVectorBytes * 8 <= machineBits,
                "this CPU has no " + maxVectorBytes * 8 + "-bit vectors (widest " + machineBits + " bits)");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-ea", "-XX:MaxVectorSize=" + maxVectorBytes,
                "-Xbatch", "-XX:+PrintCompilation", "-cp", System.getProperty("java.class.path"),
                ProductionPathProbe.class.getName(), "100"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        String summary = out.lines().filter(l -> l.startsWith("kernels=") || l.startsWith("FAIL") || l.equals("ok"))
                .reduce("", (x, y) -> x + y + "\n");
        assertEquals(0, exit, summary);
        assertTrue(summary.contains("kernels=simd-" + maxVectorBytes * 8), summary);
        List<String> compiled = new ArrayList<>();
        assertTrue(out.contains("\nverify\n"), summary);
        Matcher m = C2.matcher(out.substring(0, out.indexOf("\nverify\n")));
        while (m.find()) {
            compiled.add(m.group(1));
        }
        for (String kernel : List.of("dotFloat", "sumSquares", "axpyOffsets", "scale", "modelPass1", "modelUpdate",
                "scaledSquaredDistance", "meanUpdate")) {
            assertTrue(compiled.contains(kernel), kernel + " never reached C2; compiled: " + compiled);
        }
    }
}
