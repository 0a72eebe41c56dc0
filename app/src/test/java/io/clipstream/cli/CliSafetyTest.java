package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.cli.CliTest.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line must never do: destroy its input, run long and then fail on something it could have
 * checked at once, ignore options, leave half-written files, or report an error without saying where.
 */
class CliSafetyTest {

    private static Run run(String... args) {
        return CliTest.run(args);
    }

    private static String err(Run r) {
        return r.err().replace("\r", "");
    }

    private static Path nabData(Path dir, String category, String name, int rows, java.util.function.IntFunction<String> value)
            throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve(category));
        StringBuilder csv = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < rows; i++) {
            csv.append(String.format(Locale.ROOT, "2014-04-%02d %02d:%02d:00,%s%n", 1 + i / 288, i / 12 % 24,
                    i % 12 * 5, value.apply(i)));
        }
        Files.writeString(data.resolve(category).resolve(name), csv);
        return data;
    }

    private static Path skabData(Path dir, int rows, java.util.function.IntFunction<String> a) throws IOException {
        Path data = dir.resolve("skab");
        Files.createDirectories(data.resolve("valve1"));
        StringBuilder csv = new StringBuilder("datetime;a;b;anomaly;changepoint\n");
        for (int i = 0; i < rows; i++) {
            csv.append(String.format(Locale.ROOT, "2020-03-09 %02d:%02d:%02d;%s;%d;0;0%n", i / 3600, i / 60 % 60,
                    i % 60, a.apply(i), (i * 3) % 5));
        }
        Files.writeString(data.resolve("valve1/0.csv"), csv);
        return data;
    }

    // ------------------------------------------------------------------ 1: the output is never the input

    @Test
    void scoreRefusesToWriteOverItsInput(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("good.csv");
        String content = "1,2,3\n4,5,6\n";
        Files.writeString(in, content);
        Path link = dir.resolve("link.csv");
        Files.createSymbolicLink(link, in);
        for (String[] args : List.of(new String[] {"score", in.toString(), "-o", in.toString()},
                new String[] {"score", "-i", in.toString(), "-o", dir.resolve(".").resolve("good.csv").toString()},
                new String[] {"score", link.toString(), "-o", in.toString()},
                new String[] {"score", in.toString(), "-o", link.toString()})) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(err(r).startsWith("clipstream: -o ") && r.err().contains(" is the input "), r.err());
            assertEquals(content, Files.readString(in), "the input is untouched");
        }
    }

    @Test
    void nabAndSkabRefuseAnOutputDirectoryInsideTheirData(@TempDir Path dir) throws IOException {
        Path nab = nabData(dir, "cat", "a.csv", 300, i -> Integer.toString(i % 7));
        String before = Files.readString(nab.resolve("cat/a.csv"));
        for (String out : List.of(nab.toString(), nab.resolve("out").toString(), nab.resolve(".").toString())) {
            Run r = run("nab", "--data", nab.toString(), "--out", out, "--no-progress");
            assertEquals(2, r.code(), out + ": " + r.err());
            assertTrue(err(r).startsWith("clipstream: --out " + out + " is") && r.err().contains("--data " + nab),
                    r.err());
        }
        assertEquals(before, Files.readString(nab.resolve("cat/a.csv")));
        assertFalse(Files.exists(nab.resolve("out")));

        Path skab = skabData(dir, 500, i -> Integer.toString(i % 7));
        Run r = run("skab", "--data", skab.toString(), "--out", skab.resolve("out").toString(), "--no-progress");
        assertEquals(2, r.code(), r.err());
        assertTrue(err(r).contains("is inside --data " + skab), r.err());
        assertFalse(Files.exists(skab.resolve("out")));
        Run same = run("skab", "--data", skab.toString(), "--out", skab.toString(), "--no-progress");
        assertEquals(2, same.code(), same.err());
    }

    // ------------------------------------------------------------------ 2, 3: nab and skab data

    @Test
    void nabAndSkabNameTheFileAndLineOfABadByte(@TempDir Path dir) throws IOException {
        Path nab = nabData(dir, "cat", "a.csv", 20, i -> Integer.toString(i));
        byte[] bytes = Files.readAllBytes(nab.resolve("cat/a.csv"));
        byte[] bad = java.util.Arrays.copyOf(bytes, bytes.length + 25);
        byte[] row = "2014-04-02 00:00:00,1\u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(row, 0, bad, bytes.length, row.length);
        Files.write(nab.resolve("cat/a.csv"), java.util.Arrays.copyOf(bad, bytes.length + row.length));
        Run r = run("nab", "--data", nab.toString(), "--out", dir.resolve("o").toString(), "--no-progress");
        assertEquals(1, r.code(), r.err());
        assertEquals("clipstream: error: nab: cat" + java.io.File.separator + "a.csv: line 22: byte 0xFF is not valid "
                + "UTF-8 (the file must be UTF-8)\n", err(r));

        Path skab = skabData(dir, 30, i -> i == 9 ? "\u00e9" : "1");
        Files.write(skab.resolve("valve1/0.csv"), Files.readString(skab.resolve("valve1/0.csv"))
                .getBytes(StandardCharsets.ISO_8859_1));
        Run s = run("skab", "--data", skab.toString(), "--out", dir.resolve("s").toString(), "--no-progress");
        assertEquals(1, s.code(), s.err());
        assertEquals("clipstream: error: skab: valve1" + java.io.File.separator + "0.csv: line 11: byte 0xE9 is not "
                + "valid UTF-8 (the file must be UTF-8)\n", err(s));
    }

    @Test
    void aLargeFiniteValueIsAnAnomalyNotAnInternalOverflow(@TempDir Path dir) throws IOException {
        Path nab = nabData(dir, "cat", "a.csv", 800, i -> i == 400 ? "1e30" : "0");
        Run r = run("nab", "--data", nab.toString(), "--out", dir.resolve("n").toString(), "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readAllLines(dir.resolve("n/cat/a.csv")).get(401).startsWith("2014-04-02 09:20:00,1e30,1.0,"));
        Path swing = nabData(dir.resolve("swing"), "cat", "a.csv", 800, i -> i < 10 ? "-3.4e38" : i > 500 ? "3.4e38"
                : "0");
        Run extreme = run("nab", "--data", swing.toString(), "--out", dir.resolve("n2").toString(), "--no-progress");
        assertEquals(0, extreme.code(), extreme.err());
        Path beyond = nabData(dir.resolve("beyond"), "cat", "a.csv", 20, i -> i == 5 ? "1e39" : "0");
        Run far = run("nab", "--data", beyond.toString(), "--out", dir.resolve("n3").toString(), "--no-progress");
        assertEquals(1, far.code(), far.err());
        assertEquals("clipstream: error: nab: cat" + java.io.File.separator + "a.csv: line 7: column 'value': '1e39' "
                + "is outside the float range (values must be finite floats)\n", err(far));

        Path skab = skabData(dir, 800, i -> i >= 450 ? "1e30" : "1");
        Run s = run("skab", "--data", skab.toString(), "--out", dir.resolve("s").toString(), "--no-progress");
        assertEquals(0, s.code(), s.err());
        assertEquals("1", Files.readAllLines(dir.resolve("s/valve1/0.csv")).get(452).split(";")[1]);
    }

    // ------------------------------------------------------------------ 4, 10: checked before computing

    @Test
    void anOutputDirectoryThatCannotBeWrittenIsReportedBeforeAnyRun(@TempDir Path dir) throws IOException {
        // /proc refuses new directories even to root (a chmod'ed directory would not stop root, who runs CI here)
        Path proc = Path.of("/proc/self");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc), "needs Linux's /proc");
        Path out = Path.of("/proc/clipstream-cannot-write");
        Path nab = nabData(dir, "cat", "a.csv", 300, i -> Integer.toString(i % 7));
        Path skab = skabData(dir, 800, i -> "1");
        for (String[] args : List.of(
                new String[] {"nab", "--data", nab.toString(), "--out", out.toString(), "--no-progress"},
                new String[] {"skab", "--data", skab.toString(), "--out", out.toString(), "--no-progress"},
                new String[] {"sweep", "--out", out.toString(), "--samples", "100", "--seeds", "1"})) {
            Run r = run(args);
            assertEquals(1, r.code(), String.join(" ", args) + ": " + r.err());
            // before: nab and skab scored a file and then said "no such file: /proc/.../cat/a.csv"
            assertTrue(err(r).startsWith("clipstream: error: --out " + out + ": cannot create this directory ("), r.err());
            assertEquals("", r.out(), "nothing run");
            assertFalse(r.err().contains("runs"), r.err());
        }
    }

    /**
     * The probe works on the path the outputs are written to ({@code ..} resolved by name), and removes what it
     * created when the run then stops on bad input (review of the probe: {@code new/../o} was refused, and
     * {@code link/../made} left a directory behind the link).
     */
    @Test
    void theProbeFollowsTheOutputsPathAndLeavesNothingOnBadInput(@TempDir Path dir) throws IOException {
        Path nab = nabData(dir.resolve("good"), "cat", "a.csv", 300, i -> Integer.toString(i % 7));
        Run dots = run("nab", "--data", nab.toString(), "--out", dir.resolve("absent/../o").toString(), "--no-progress");
        assertEquals(0, dots.code(), dots.err());
        assertTrue(Files.exists(dir.resolve("o/cat/a.csv")));
        assertFalse(Files.exists(dir.resolve("absent")));

        Path bad = nabData(dir.resolve("bad"), "cat", "a.csv", 20, i -> i == 5 ? "x" : "1");
        Files.createDirectories(dir.resolve("deep/inner"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("deep/inner"));
        Run r = run("nab", "--data", bad.toString(), "--out", dir.resolve("link/../made/sub").toString(),
                "--no-progress");
        assertEquals(1, r.code(), r.err());
        assertTrue(err(r).contains("not a number: 'x'"), r.err());
        assertFalse(Files.exists(dir.resolve("made")), "nothing left where the outputs would have gone");
        assertFalse(Files.exists(dir.resolve("deep/made")), "nor behind the link");

        // a link to nowhere is named as such (it said "no such file" of the link, which is there)
        Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        Run nab2 = run("nab", "--data", nab.toString(), "--out", dir.resolve("dangling/sub").toString(), "--no-progress");
        assertEquals(1, nab2.code(), nab2.err());
        assertEquals("clipstream: error: nab: " + dir.resolve("dangling") + " is a symbolic link to "
                + dir.resolve("nowhere") + ", which does not exist\n", err(nab2));
        Run sweep = run("sweep", "--out", dir.resolve("dangling").toString(), "--samples", "100", "--seeds", "1");
        assertEquals(1, sweep.code(), sweep.err());
        assertEquals("clipstream: error: --out " + dir.resolve("dangling") + ": cannot create this directory ("
                + dir.resolve("dangling") + " is a symbolic link to " + dir.resolve("nowhere") + ", which does not "
                + "exist)\n", err(sweep));
    }

    @Test
    void outputsAndListValuesAreCheckedBeforeAnyRun(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("good.csv"), "1\n");
        long t0 = System.nanoTime();
        Run sweep = run("sweep", "--out", file.toString());
        assertEquals(1, sweep.code(), sweep.err());
        assertEquals("clipstream: error: --out " + file + ": not a directory (expected a directory to write into)\n",
                err(sweep));
        Run demo = run("demo", "--report", dir.toString(), "--no-progress");
        assertEquals(1, demo.code(), demo.err());
        assertEquals("clipstream: error: --report " + dir + ": is a directory (expected a file)\n", err(demo));
        assertEquals("", demo.out(), "nothing run");
        Run mnist = run("mnist", "--images", file.toString(), "--labels", file.toString(), "--report", dir.toString());
        assertEquals(1, mnist.code(), mnist.err());
        assertTrue(err(mnist).startsWith("clipstream: error: --report " + dir + ": is a directory"), mnist.err());
        Run empty = run("demo", "--report", "");
        assertEquals(2, empty.code(), empty.err());
        assertTrue(err(empty).startsWith("clipstream: --report must name a file, not ''\n"), empty.err());
        Run dims = run("demo", "--seeds", "1", "--dims", "16,0");
        assertEquals(2, dims.code(), dims.err());
        assertEquals("", dims.out(), "no run before the bad value");
        assertTrue(err(dims).startsWith("clipstream: demo: dimension must be >= 1: 0\n"), dims.err());
        for (String[] args : List.of(new String[] {"demo", "--seeds", ",,"}, new String[] {"demo", "--dims", ","},
                new String[] {"mnist", "--images", "x", "--labels", "y", "--seeds", ","})) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(err(r).contains("' has an empty item"), r.err());
            assertEquals("", r.out());
        }
        assertTrue(System.nanoTime() - t0 < 20e9, "nothing was computed");
    }

    // ------------------------------------------------------------------ 5: options that do not go together

    @Test
    void optionsThatDoNotGoTogetherAreUsageErrors(@TempDir Path dir) throws IOException {
        Path in = Files.writeString(dir.resolve("in.csv"), "1,2,0\n3,4,1\n");
        for (String[] args : List.of(
                new String[] {"score", "--task", "linear", "--label-column", "3", "--half-life", "10", "--half-life",
                    "--task linear"},
                new String[] {"score", "--task", "logistic", "--label-column", "3", "--half-life", "10", "--half-life",
                    "--task logistic"},
                new String[] {"score", "--step", "0.1", "--step", "--task mean"},
                new String[] {"score", "--threshold", "cs", "--warmup", "100", "--warmup", "--threshold cs"},
                new String[] {"demo", "--seed", "1", "--seeds", "2", "--seed", "--seeds"},
                new String[] {"demo", "--dim", "8", "--dims", "16", "--dim", "--dims"},
                new String[] {"demo", "--report", "r.html", "--seeds", "2", "--report", "--seeds"},
                new String[] {"mnist", "--images", "x", "--labels", "y", "--report", "r.html", "--seeds", "2",
                    "--report", "--seeds"},
                new String[] {"nab", "--data", dir.toString(), "--out", "o", "--prior", "--alarm", "5", "--prior",
                    "--alarm"},
                new String[] {"skab", "--data", dir.toString(), "--out", "o", "--prior", "--risk", "0.01", "--prior",
                    "--risk"})) {
            String[] command = java.util.Arrays.copyOf(args, args.length - 2);
            if (command[0].equals("score")) {
                command = Stream.concat(Stream.of(command), Stream.of(in.toString())).toArray(String[]::new);
            }
            Run r = run(command);
            String joined = String.join(" ", command);
            assertEquals(2, r.code(), joined + ": " + r.err());
            assertTrue(r.err().contains(args[args.length - 2]) && r.err().contains(args[args.length - 1]),
                    joined + ": the message names both: " + r.err());
            assertTrue(r.err().contains("--help"), r.err());
        }
    }

    // ------------------------------------------------------------------ 6: progress in logs

    @Test
    void progressInALogPrintsEveryTenPercentStepCrossed() {
        StringWriter log = new StringWriter();
        Progress p = new Progress(new PrintWriter(log), "nab", 1000, true, false);
        for (long done : new long[] {33, 87, 153, 291, 404, 555, 623, 777, 801, 999, 1000}) {
            p.update(done);
        }
        List<String> lines = log.toString().lines().toList();
        // 3%, then the first update past each step: 15%, 29%, 40%, 55%, 62%, 77%, 80%, 99%, 100% (not 8%)
        assertEquals(10, lines.size(), log.toString());
        assertTrue(lines.get(0).contains("  3%") && lines.get(1).contains(" 15%") && lines.get(8).contains(" 99%")
                && lines.get(9).contains("100%"), log.toString());
    }

    // ------------------------------------------------------------------ 7, 8: messages and numbers

    @Test
    void errorsNameThePathAndTheProblem(@TempDir Path dir) throws IOException {
        Path in = Files.writeString(dir.resolve("in.csv"), "1,2\n3,4\n");
        Run directory = run("score", dir.toString());
        assertEquals(1, directory.code(), directory.err());
        assertEquals("clipstream: error: " + dir + ": is a directory (expected a CSV file)\n", err(directory));
        if (Files.exists(Path.of("/dev/full"))) {
            Run full = run("score", "-o", "/dev/full", in.toString());
            assertEquals(1, full.code(), full.err());
            assertEquals("clipstream: error: cannot write /dev/full: No space left on device\n", err(full));
        }
        Run delimiter = run("score", "--delimiter", "", in.toString());
        assertEquals(2, delimiter.code(), delimiter.err());
        assertTrue(err(delimiter).startsWith("clipstream: --delimiter must be exactly one character: ''\n"),
                delimiter.err());
        Path wide = Files.writeString(dir.resolve("wide.csv"), "1,2\n" + "1,".repeat(20_000) + "1\n");
        Run w = run("score", wide.toString());
        assertEquals(1, w.code());
        assertEquals("clipstream: error: line 2: more than 16384 columns (the most a row may have)\n", err(w));
        for (String content : List.of("1,2\n3,4\n\"5,6\n7,8\n", "1,2\n3,4\n5,\"6\n")) {
            Path open = Files.writeString(dir.resolve("open.csv"), content);
            Run q = run("score", open.toString());
            assertEquals(1, q.code(), q.err());
            assertTrue(err(q).startsWith("clipstream: error: line 3: unclosed quote"), q.err());
        }
        Path fine = Files.writeString(dir.resolve("fine.csv"), "1,\"2\"\n\"3\",\"4\"\"\"\n");
        assertTrue(err(run("score", fine.toString())).contains("column 2: not a number: '4\"'"), "a closed quote");
    }

    @Test
    void onlyPlainDecimalNumbersAreData(@TempDir Path dir) throws IOException {
        for (String v : List.of("1d", "1f", "0x1p3", "0x10", "1e", ".", "+", "--1", "1..2", "-NaN")) {
            Path in = Files.writeString(dir.resolve("in.csv"), "1,2\n3," + v + "\n");
            Run r = run("score", in.toString());
            assertEquals(1, r.code(), v + ": " + r.err());
            assertEquals("clipstream: error: line 2, column 2: not a number: '" + v + "'\n", err(r));
        }
        Path ok = Files.writeString(dir.resolve("ok.csv"), "1.5,-2\n.5,3e-7\n+4,5E+2\n6.,-0\n");
        Run r = run("score", ok.toString());
        assertEquals(0, r.code(), r.err());
        Path nab = nabData(dir, "cat", "a.csv", 5, i -> i == 3 ? "0x1p3" : "1");
        Run n = run("nab", "--data", nab.toString(), "--out", dir.resolve("o").toString(), "--no-progress");
        assertEquals(1, n.code());
        assertTrue(err(n).endsWith("a.csv: line 5: not a number: '0x1p3'\n"), n.err());
        Path skab = skabData(dir, 5, i -> i == 2 ? "2d" : "1");
        Run s = run("skab", "--data", skab.toString(), "--out", dir.resolve("s").toString(), "--no-progress");
        assertEquals(1, s.code());
        assertTrue(err(s).endsWith("0.csv: line 4: column 'a': not a number: '2d'\n"), s.err());
    }

    // ------------------------------------------------------------------ 9: options against the file: status 1

    @Test
    void optionsThatDoNotFitTheFileAreDataErrorsWithOrWithoutAHeader(@TempDir Path dir) throws IOException {
        Path in = Files.writeString(dir.resolve("in.csv"), "a,b,c\n1,2,3\n");
        for (String[] options : List.of(new String[] {"--columns", "5"},
                new String[] {"--task", "linear", "--label-column", "9"})) {
            for (boolean header : new boolean[] {false, true}) {
                List<String> args = new java.util.ArrayList<>(List.of("score"));
                args.addAll(List.of(options));
                if (header) {
                    args.add("--header");
                }
                args.add(in.toString());
                Run r = run(args.toArray(String[]::new));
                assertEquals(1, r.code(), args + ": " + r.err());
                assertTrue(err(r).startsWith("clipstream: error: line "), r.err());
            }
        }
    }

    // ------------------------------------------------------------------ 11: whole files or none

    @Test
    void aFailedRunLeavesNoPartialOutput(@TempDir Path dir) throws IOException {
        Path in = Files.writeString(dir.resolve("in.csv"), "1,2\n3,4\n5,x\n");
        Path out = dir.resolve("out.csv");
        Run fresh = run("score", "-o", out.toString(), in.toString());
        assertEquals(1, fresh.code());
        assertFalse(Files.exists(out), "no partial file");
        Files.writeString(out, "earlier\n");
        Run again = run("score", "-o", out.toString(), in.toString());
        assertEquals(1, again.code());
        assertEquals("earlier\n", Files.readString(out), "the earlier output is kept");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("in.csv", "out.csv"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left");
        }

        Path nab = nabData(dir, "a", "x.csv", 300, i -> Integer.toString(i % 7));
        nabData(dir, "b", "y.csv", 300, i -> Integer.toString(i % 5));
        Path o = dir.resolve("o");
        Files.createDirectories(o);
        Files.writeString(o.resolve("b"), "a file where the category folder goes");
        Run n = run("nab", "--data", nab.toString(), "--out", o.toString(), "--no-progress");
        assertEquals(1, n.code(), n.err());
        assertFalse(Files.exists(o.resolve("a")), "nothing of this run is left");
        try (Stream<Path> files = Files.list(o)) {
            assertEquals(List.of("b"), files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
