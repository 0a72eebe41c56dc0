package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code score} with its defaults flags a clear anomaly soon after its documented warm-up (500 rows), where the
 * confidence sequence it used before still abstains (its upper end needs ~315,571 rows at p = 0.99).
 */
class ScoreWarmupTest {

    private static Path stream(Path dir, int rows, int anomalyAt) throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            double shift = i == anomalyAt ? 12 : 0;
            sb.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%.5f%n", r.nextGaussian() + shift,
                    r.nextGaussian() + shift, r.nextGaussian() + shift, r.nextGaussian() + shift));
        }
        Path in = dir.resolve("in.csv");
        Files.writeString(in, sb.toString(), StandardCharsets.UTF_8);
        return in;
    }

    @Test
    void defaultsFlagAClearAnomalyAfterTheWarmup(@TempDir Path dir) throws Exception {
        Path in = stream(dir, 1200, 1000);
        Path out = dir.resolve("out.csv");
        CliTest.Run r = CliTest.run("score", "-i", in.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        // line 0 is the header; row i is line i + 1
        assertTrue(lines.get(500).endsWith(",ABSTAIN"), "row 499 is still warming up: " + lines.get(500));
        assertTrue(lines.get(501).matches(".*,(BENIGN|ANOMALY)"), "row 500 is decided: " + lines.get(501));
        assertTrue(lines.get(1001).endsWith(",ANOMALY"), "row 1000 (12 sigma per coordinate): " + lines.get(1001));
        long flagged = lines.stream().skip(1).filter(l -> l.endsWith(",ANOMALY")).count();
        assertTrue(flagged <= 30, flagged + " rows flagged of 700 decided (p = 0.99: about 7 expected)");
        String[] f = lines.get(1001).split(",");
        assertTrue(Double.parseDouble(f[0]) > Double.parseDouble(f[2]), "score above the threshold: " + lines.get(1001));
    }

    @Test
    void theConfidenceSequenceIsStillAvailableAndStillAbstains(@TempDir Path dir) throws Exception {
        Path in = stream(dir, 1200, 1000);
        Path out = dir.resolve("out.csv");
        assertEquals(0, CliTest.run("score", "-i", in.toString(), "-o", out.toString(), "--threshold", "cs").code());
        assertTrue(Files.readAllLines(out).get(1001).endsWith(",ABSTAIN"));
        Path short1 = dir.resolve("w.csv");
        assertEquals(0, CliTest.run("score", "-i", in.toString(), "-o", short1.toString(), "--warmup", "100").code());
        assertTrue(Files.readAllLines(short1).get(102).matches(".*,(BENIGN|ANOMALY)"));
        CliTest.Run bad = CliTest.run("score", "-i", in.toString(), "--warmup", "5");
        assertEquals(2, bad.code(), "a bad option value is a usage error");
        assertTrue(bad.err().startsWith("clipstream: --warmup must be in [32, 1048576]: 5\n"), bad.err());
    }
}
