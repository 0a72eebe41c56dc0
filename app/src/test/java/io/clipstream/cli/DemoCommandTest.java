package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The demo's and mnist's options for scenarios, robustness checks and models, as a user meets them. */
class DemoCommandTest {

    @Test
    void robustnessCheckPrintsOneLinePerRun() {
        CliTest.Run r = CliTest.run("demo", "--samples", "20000", "--dims", "16", "--seeds", "1,2", "--no-progress");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(Arrays.stream(lines).anyMatch(l -> l.startsWith("seed") && l.contains("clipped") && l.contains("plain")),
                r.out());
        assertEquals(2, Arrays.stream(lines).filter(l -> l.matches("[12] +16 +200 .*")).count(), r.out());
        // the scenario paragraph names the per-line columns, not the single run's defaults (it said "dimension 256"
        // above lines of dimension 16)
        assertTrue(r.out().startsWith("20,000 samples of dimension the line's 'dim',"), r.out());
        assertTrue(!r.out().contains("dimension 256") && r.out().contains("the line's 'loud' distance"), r.out());
    }

    @Test
    void farOnlyScenarioDescribesItself() {
        CliTest.Run r = CliTest.run("demo", "--scenario", "far-only", "--samples", "20000", "--dim", "16",
                "--no-progress", "--no-report");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("5% anomalies 10 +- 50% noise radii away in one fixed direction"), r.out());
        assertTrue(r.out().contains("AUC") && r.out().contains("best F1"), r.out());
    }

    @Test
    void badScenarioOptionsAreUsageErrorsInOneLine() {
        assertUsage("clipstream: --scenario must be masking or far-only: nope", "demo", "--scenario", "nope",
                "--no-report");
        assertUsage("clipstream: demo: anomaly distance must be in (0, 1e30] noise radii (samples are floats; farther ones "
                + "overflow): -3.0", "demo", "--loud-distance", "-3",
                "--no-report");
        assertUsage("clipstream: mnist: --features must be random-relu or pixels: nope", "mnist", "--images",
                "pom.xml", "--labels", "pom.xml", "--features", "nope");
        assertUsage("clipstream: mnist: negatives per stream image must be in [1, 16]: 0", "mnist", "--images",
                "pom.xml", "--labels", "pom.xml", "--negatives", "0");
    }

    private static void assertUsage(String firstLine, String... args) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().replace("\r", "").split("\n");
        assertEquals(firstLine, lines[0]);
        assertTrue(lines[1].startsWith("Try 'clipstream " + args[0] + " --help'"), r.err());
    }
}
