package io.clipstream.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SIMD kernels return the same bits in the interpreter, C1 and C2, so an estimator restored from a snapshot in
 * a fresh JVM (running interpreted at first) continues exactly like the one that wrote it. Regression test for
 * {@code reduceLanes(ADD)}, whose order differs between the tiers at 128 bits.
 */
class KernelDeterminismTest {

    @Test
    void sameBitsInEveryCompilationTier() throws Exception {
        String tiered = probe(List.of(), 100);
        String interpreted = probe(List.of("-Xint"), 1);
        for (String line : tiered.strip().split("\n")) {
            String[] runs = line.split(" ");
            for (int i = 2; i < runs.length; i++) {
                assertEquals(runs[1], runs[i], runs[0] + "-bit: run " + i + " differs from run 1 (interpreted)");
            }
        }
        for (int bits = 0; bits < 3; bits++) {
            String[] a = tiered.strip().split("\n")[bits].split(" ");
            String[] b = interpreted.strip().split("\n")[bits].split(" ");
            assertEquals(a[1], b[1], a[0] + "-bit: -Xint vs tiered");
        }
    }

    private static String probe(List<String> flags, int reps) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(flags);
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                DeterminismProbe.class.getName(), Integer.toString(reps)));
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return out;
    }
}
