package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, outputs. */
class CliTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpEverywhere() {
        for (String command : List.of("", "demo", "score", "sweep", "mnist", "nab", "skab")) {
            Run r = command.isEmpty() ? run("--help") : run(command, "--help");
            assertEquals(0, r.code(), command);
            assertTrue(r.out().contains("Usage: clipstream"), r.out());
        }
        assertTrue(run("--help").out().contains("score"));
    }

    @Test
    void usageErrorsAreOneLineWithAHint() {
        Run r = run("score", "--nope");
        assertEquals(2, r.code());
        assertEquals("clipstream: Unknown option: '--nope'\nTry 'clipstream score --help' for usage.\n",
                r.err().replace("\r", ""));
        Run bad = run("demo", "--samples", "many");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("clipstream: Invalid value for option '--samples'"), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace");
    }

    @Test
    void demoRunsOnASmallScenario(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.html");
        Run r = run("demo", "--samples", "20000", "--dim", "16", "--no-progress", "--report", report.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("clipped (default)") && r.out().contains("plain SGD") && r.out().contains("1/t"),
                r.out());
        assertTrue(r.out().contains("Report: "), r.out());
        String html = Files.readString(report);
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<svg") && html.contains("Tracking error"));
        Run bad = run("demo", "--quantile", "1.5", "--no-report");
        assertEquals(2, bad.code(), "a bad option value is a usage error");
        assertEquals("clipstream: --quantile must be in [0.75, 1) (the detectors use peaks over threshold, an "
                + "upper-tail model): 1.5\nTry 'clipstream demo --help' for usage.\n",
                bad.err().replace("\r", ""));
    }

    @Test
    void scoreWritesOneLinePerRow(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.csv");
        StringBuilder csv = new StringBuilder("a,b,c\n");
        for (int i = 0; i < 500; i++) {
            csv.append(i % 7).append(',').append(i % 5).append(',').append(i % 3).append('\n');
        }
        csv.append('\n');
        Files.writeString(in, csv);
        Path out = dir.resolve("out.csv");
        Run r = run("score", "--input", in.toString(), "--output", out.toString(), "--header");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("score,lower,upper,decision", lines.get(0));
        assertEquals(501, lines.size());
        assertTrue(lines.get(1).matches("[0-9.Ee+-]+,-?Infinity,Infinity,ABSTAIN"), lines.get(1));
        assertTrue(r.err().contains("500 rows scored"), r.err());
    }

    @Test
    void aBadRowStopsWithItsLineNumberUnlessSkipped(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n3,4\n5,x\n7,8\n9\n");
        Run r = run("score", "--input", in.toString(), "--output", dir.resolve("o.csv").toString());
        assertEquals(1, r.code());
        assertEquals("clipstream: error: line 3, column 2: not a number: 'x'\n", r.err().replace("\r", ""));
        Run skipped = run("score", "--input", in.toString(), "--output", dir.resolve("o.csv").toString(),
                "--skip-bad");
        assertEquals(0, skipped.code(), skipped.err());
        List<String> lines = Files.readAllLines(dir.resolve("o.csv"));
        assertEquals(6, lines.size());
        assertEquals("NaN,NaN,NaN,SKIPPED", lines.get(3));
        assertEquals("NaN,NaN,NaN,SKIPPED", lines.get(5));
        assertTrue(skipped.err().contains("3 rows scored, 2 bad rows skipped"), skipped.err());
        assertTrue(skipped.err().contains("line 5: expected 2 columns but found 1"), skipped.err());
        Path nan = dir.resolve("nan.csv");
        Files.writeString(nan, "1,NaN\n");
        assertEquals("clipstream: error: line 1, column 2: value is NaN (values must be finite)\n",
                run("score", "-i", nan.toString(), "-o", dir.resolve("p.csv").toString()).err().replace("\r", ""));
        Path header = dir.resolve("header.csv");
        Files.writeString(header, "a,b\n1,2\n");
        assertTrue(run("score", "-i", header.toString(), "-o", dir.resolve("q.csv").toString()).err()
                .contains("(use --header if the first line is a header)"));
    }

    @Test
    void scoreRegressionAndClassificationTasks(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.csv");
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            double x1 = Math.sin(i);
            double x2 = Math.cos(i);
            csv.append(x1).append(',').append(x2).append(',').append(x1 > 0 ? 1 : 0).append('\n');
        }
        Files.writeString(in, csv);
        for (String task : List.of("linear", "logistic")) {
            Path out = dir.resolve(task + ".csv");
            Run r = run("score", "-i", in.toString(), "-o", out.toString(), "--task", task, "--label-column", "3",
                    "--columns", "1-2");
            assertEquals(0, r.code(), task + ": " + r.err());
            assertEquals(301, Files.readAllLines(out).size());
        }
        Run noLabel = run("score", "-i", in.toString(), "--task", "linear");
        assertEquals(2, noLabel.code());
        assertTrue(noLabel.err().startsWith("clipstream: --task linear needs --label-column\n"), noLabel.err());
        Run overlap = run("score", "-i", in.toString(), "-o", dir.resolve("z.csv").toString(), "--task", "linear",
                "--label-column", "3", "--columns", "1-3");
        assertEquals(2, overlap.code());
        assertTrue(overlap.err().startsWith("clipstream: --columns includes the label column 3\n"), overlap.err());
        Path labels = dir.resolve("labels.csv");
        Files.writeString(labels, "1,2,1\n1,2,2\n");
        assertEquals("clipstream: error: line 2, column 3: label must be 0 or 1: 2\n", run("score", "-i",
                labels.toString(), "-o", dir.resolve("l.csv").toString(), "--task", "logistic", "--label-column", "3")
                .err().replace("\r", ""));
    }

    @Test
    void scoreWritesToTheCommandsStdout(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n3,4\n");
        Run r = run("score", "-i", in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3, r.out().lines().count(), r.out());
        assertTrue(r.out().startsWith("score,lower,upper,decision"));
    }

    @Test
    void missingFilesAreOneLine(@TempDir Path dir) {
        Run r = run("score", "--input", dir.resolve("absent.csv").toString());
        assertEquals(1, r.code());
        assertEquals("clipstream: error: no such file: " + dir.resolve("absent.csv") + "\n", r.err().replace("\r", ""));
    }

    @Test
    void mnistNamesAMissingFileInOneLine() {
        Run r = run("mnist", "--images", "no-such-images", "--labels", "no-such-labels");
        assertEquals(1, r.code());
        assertEquals("clipstream: error: mnist: no such file: no-such-images\n", r.err().replace("\r", ""));
        Run bad = run("mnist", "--images", "pom.xml", "--labels", "pom.xml");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("clipstream: error: mnist: pom.xml: not an IDX image file"), bad.err());
        Run settings = run("mnist", "--images", "pom.xml", "--labels", "pom.xml", "--glitches", "0.7");
        assertEquals(2, settings.code(), "a bad option value is a usage error");
        assertTrue(settings.err().startsWith("clipstream: mnist: glitch fraction must be in [0, 0.5): 0.7\n"),
                settings.err());
    }

    @Test
    void skabWritesFlagsAndNamesBadInputInOneLine(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/valve1"));
        StringBuilder csv = new StringBuilder("datetime;a;b;anomaly;changepoint\n");
        for (int i = 0; i < 500; i++) {
            csv.append(String.format("2020-03-09 10:%02d:%02d;%d;%d;0;0%n", i / 60, i % 60, i % 7, (i * 3) % 5));
        }
        Files.writeString(data.resolve("0.csv"), csv.toString());
        Run ok = run("skab", "--data", dir.resolve("data").toString(), "--out", dir.resolve("out").toString(),
                "--no-progress");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("1 files, 500 rows in "), ok.out());
        assertEquals(501, Files.readAllLines(dir.resolve("out/valve1/0.csv")).size());

        Files.writeString(data.resolve("1.csv"), "datetime;a;b\n2020-03-09 10:00:00;1;2\n2020-03-09 10:00:01;1;two\n");
        Run bad = run("skab", "--data", dir.resolve("data").toString(), "--out", dir.resolve("out2").toString(),
                "--no-progress");
        assertEquals(1, bad.code());
        assertEquals("clipstream: error: skab: valve1" + java.io.File.separator
                + "1.csv: line 3: column 'b': not a number: 'two'\n", bad.err().replace("\r", ""));
        assertFalse(Files.exists(dir.resolve("out2")), "nothing written");

        Run missing = run("skab", "--data", dir.resolve("absent").toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, missing.code());
        assertEquals("clipstream: error: skab: no such file: " + dir.resolve("absent") + "\n",
                missing.err().replace("\r", ""));

        Run settings = run("skab", "--data", dir.resolve("data").toString(), "--out", dir.resolve("o").toString(),
                "--risk", "0.7");
        assertEquals(2, settings.code(), "a bad option value is a usage error");
        assertTrue(settings.err().startsWith("clipstream: skab: risk must be in (0, 0.5): 0.7\n"), settings.err());

        Run usage = run("skab", "--data", dir.toString());
        assertEquals(2, usage.code());
        assertTrue(usage.err().startsWith("clipstream: Missing required option: '--out=DIR'"), usage.err());
    }

    @Test
    void nabOptionValuesAreUsageErrors(@TempDir Path dir) {
        Run r = run("nab", "--data", dir.toString(), "--out", dir.resolve("o").toString(), "--history", "-1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("clipstream: nab: ") && r.err().contains("-1"), r.err());
        Run memories = run("nab", "--data", dir.toString(), "--out", dir.resolve("o").toString(), "--memories", "0");
        assertEquals(2, memories.code(), memories.err());
        assertTrue(memories.err().startsWith("clipstream: nab: memories must be in [1, 8]"), memories.err());
        Run burnIn = run("nab", "--data", dir.toString(), "--out", dir.resolve("o").toString(), "--burn-in", "-1");
        assertEquals(2, burnIn.code(), burnIn.err());
        assertTrue(burnIn.err().startsWith("clipstream: nab: burn-in must be in [0, 1000000] rows: -1"), burnIn.err());
        Run priorBurnIn = run("nab", "--data", dir.toString(), "--out", dir.resolve("o").toString(), "--prior",
                "--burn-in", "128");
        assertEquals(2, priorBurnIn.code(), priorBurnIn.err());
        assertTrue(priorBurnIn.err().startsWith("clipstream: nab: --prior fixes every setting: --burn-in"),
                priorBurnIn.err());
        Run both = run("nab", "--data", dir.toString(), "--out", dir.resolve("o").toString(), "--prior", "--prior2");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().startsWith("clipstream: nab: --prior and --prior2 are alternatives"), both.err());
    }

    /** {@code --alarm 0} gives graded scores: the defaults' alarm-only hold-off (one day, episodes) drops out. */
    @Test
    void nabGradedScoresNeedNoOtherOption(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data/cat");
        Files.createDirectories(data);
        StringBuilder csv = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < 300; i++) {
            csv.append(String.format(java.util.Locale.ROOT, "2014-04-01 %02d:%02d:00,%d%n", i / 60 % 24, i % 60,
                    i % 7));
        }
        Files.writeString(data.resolve("a.csv"), csv);
        Run r = run("nab", "--data", dir.resolve("data").toString(), "--out", dir.resolve("o").toString(), "--alarm",
                "0", "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertEquals(301, Files.readAllLines(dir.resolve("o/cat/a.csv")).size());
        Run days = run("nab", "--data", dir.resolve("data").toString(), "--out", dir.resolve("o").toString(),
                "--alarm", "0", "--suppress-days", "1");
        assertEquals(2, days.code(), days.err());
        assertTrue(days.err().startsWith("clipstream: nab: suppress days apply to alarms only"), days.err());
    }

    /** A repeated timestamp is scored and named on standard error, one line per file; the run succeeds. */
    @Test
    void nabNamesTimestampsOutOfOrder(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/cat"));
        StringBuilder csv = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < 300; i++) {
            csv.append(String.format(java.util.Locale.ROOT, "2014-04-01 %02d:%02d:00,%d%n", i / 60 % 24,
                    i == 100 ? 39 : i % 60, i % 7));
        }
        Files.writeString(data.resolve("a.csv"), csv);
        Run r = run("nab", "--data", dir.resolve("data").toString(), "--out", dir.resolve("o").toString(),
                "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("clipstream: warning: nab: cat" + java.io.File.separator + "a.csv: 1 row repeats "
                + "the previous row's timestamp (first: line 102, 2014-04-01 01:39:00); scored in file order\n"),
                r.err());
        assertEquals(301, Files.readAllLines(dir.resolve("o/cat/a.csv")).size());
    }

    /** Review findings (stop 20) on demo, sweep and mnist: each ran differently before. */
    @Test
    void sizesAndFilesAreCheckedBeforeTheWork(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("out/sweep.csv"));
        Run sweep = run("sweep", "--samples", "2000", "--seeds", "1", "--out", dir.resolve("out").toString());
        assertEquals(1, sweep.code());
        assertTrue(sweep.err().contains("sweep.csv: is a directory") && !sweep.err().contains("runs"), sweep.err());
        Run far = run("demo", "--no-report", "--samples", "2000", "--dim", "8", "--loud-distance", "1e39");
        assertEquals(2, far.code(), "a usage error before any run: " + far.err());
        Path labels = dir.resolve("lab.idx");
        Path images = dir.resolve("img.idx");
        Path shortFile = dir.resolve("short.idx");
        var b = java.nio.ByteBuffer.allocate(108).putInt(0x801).putInt(2_000_000_000);
        java.nio.file.Files.write(labels, b.array());
        java.nio.file.Files.write(images, java.nio.ByteBuffer.allocate(116).putInt(0x803).putInt(2_000_000_000)
                .putInt(28).putInt(28).array());
        java.nio.file.Files.write(shortFile, new byte[] {0, 0, 8, 3, 0, 0, 0, 10, 0, 0});
        Run huge = run("mnist", "--images", images.toString(), "--labels", labels.toString(), "--no-report");
        assertEquals(1, huge.code());
        assertTrue(huge.err().contains("header says 2000000000 images but a file of 116 bytes"), huge.err());
        Run truncated = run("mnist", "--images", shortFile.toString(), "--labels", labels.toString(), "--no-report");
        assertTrue(truncated.err().contains("short.idx: truncated in its header"), truncated.err());
        Run directory = run("mnist", "--images", dir.toString(), "--labels", labels.toString(), "--no-report");
        assertTrue(directory.err().contains(": is a directory (expected an IDX file)"), directory.err());
    }
}
