package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.cli.CliTest.Run;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `score` reads: files named either way, UTF-8 with or without a BOM, RFC 4180 quoting, bad bytes and rows. */
class ScoreInputTest {

    private static Run run(String... args) {
        return CliTest.run(args);
    }

    private static List<String> decisions(Path out) throws IOException {
        return Files.readAllLines(out).stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).toList();
    }

    @Test
    void theInputMayBeAPositionalFileOrAnOptionButNotBoth(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n3,4\n");
        Run positional = run("score", in.toString());
        assertEquals(0, positional.code(), positional.err());
        assertEquals(3, positional.out().lines().count());
        assertEquals(positional.out(), run("score", "-i", in.toString()).out());
        Run both = run("score", "-i", in.toString(), in.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().startsWith("clipstream: give the input once: -i "), both.err());
        assertTrue(both.err().contains("Try 'clipstream score --help' for usage."), both.err());
    }

    @Test
    void badOptionValuesAreUsageErrorsThatNameTheValue(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n");
        for (String[] args : List.of(new String[] {"--quantile", "1.5"}, new String[] {"--confidence", "0"},
                new String[] {"--half-life", "0.5"}, new String[] {"--columns", "x-2"},
                new String[] {"--columns", "3-1"}, new String[] {"--task", "linear", "--label-column", "0"},
                new String[] {"--quantile", "abc"}, new String[] {"--threshold", "pot", "--quantile", "0.5"})) {
            String[] full = new String[args.length + 2];
            full[0] = "score";
            System.arraycopy(args, 0, full, 1, args.length);
            full[args.length + 1] = in.toString();
            Run r = run(full);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            String value = args[args.length - 1];
            assertTrue(r.err().contains(value), "the message names " + value + ": " + r.err());
            assertTrue(r.err().contains("--help"), r.err());
        }
        // a reversed range says so (it said "'3-1' is outside 1..the number of columns")
        Run reversed = run("score", "--columns", "3-1", in.toString());
        assertTrue(reversed.err().startsWith("clipstream: --columns '3-1': '3-1' runs backwards (write 1-3)\n"),
                reversed.err());
        // no hint that would itself be refused
        Run down = run("score", "--columns", "3-0", in.toString());
        assertTrue(down.err().startsWith("clipstream: --columns '3-0': '3-0' is outside 1..the number of columns\n"),
                down.err());
        Run zero = run("score", "--columns", "0-2", in.toString());
        assertTrue(zero.err().startsWith("clipstream: --columns '0-2': '0-2' is outside 1..the number of columns\n"),
                zero.err());
    }

    @Test
    void aByteOrderMarkAndQuotedFieldsAreRead(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        // BOM, a quoted header with the delimiter inside, quoted numbers, doubled quotes and a line break inside a
        // quoted field of an ignored label column
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String body = "\"x, first\",\"y\",note\n\"1.5\",2,\"plain\"\n3,\"4\",\"say \"\"hi\"\"\"\n5,6,\"two\nlines\"\n7,8,z\n";
        Files.write(in, concat(bom, body.getBytes(StandardCharsets.UTF_8)));
        Path out = dir.resolve("out.csv");
        Run r = run("score", "--header", "--columns", "1-2", "-o", out.toString(), in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(4, decisions(out).size(), Files.readString(out));
        assertTrue(r.err().contains("4 rows scored"), r.err());
        // without --header the BOM must not make the first field unreadable either
        Files.write(in, concat(bom, "1,2\n3,4\n".getBytes(StandardCharsets.UTF_8)));
        Run noHeader = run("score", "-o", out.toString(), in.toString());
        assertEquals(0, noHeader.code(), noHeader.err());
        assertEquals(2, decisions(out).size());
    }

    @Test
    void aRecordIsNamedByTheLineItStartsOn(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,\"a\nb\"\n2,x\n");
        Run r = run("score", "--columns", "1-2", in.toString());
        assertEquals(1, r.code());
        assertEquals("clipstream: error: line 1, column 2: not a number: 'a\\u000Ab' (use --header if the first line "
                + "is a "
                + "header)\n", r.err().replace("\r", ""));
        Files.writeString(in, "1,2\n3,\"4\n\"\n5,x\n");
        Run later = run("score", in.toString());
        assertEquals("clipstream: error: line 4, column 2: not a number: 'x'\n", later.err().replace("\r", ""));
    }

    @Test
    void aByteThatIsNotUtf8NamesItsLineAndCanBeSkipped(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.write(in, concat("1,2\n3,4\n5,".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xFF},
                "\n7,8\n".getBytes(StandardCharsets.US_ASCII)));
        Run r = run("score", in.toString());
        assertEquals(1, r.code());
        assertEquals("clipstream: error: line 3: byte 0xFF is not valid UTF-8 (the input must be UTF-8)\n",
                r.err().replace("\r", ""));
        Path out = dir.resolve("out.csv");
        Run skipped = run("score", "--skip-bad", "-o", out.toString(), in.toString());
        assertEquals(0, skipped.code(), skipped.err());
        assertEquals(List.of("ABSTAIN", "ABSTAIN", "SKIPPED", "ABSTAIN"), decisions(out));
    }

    @Test
    void withSkipBadABadFirstRowDoesNotFixTheColumnCount(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2,oops\n1,2\n3,4\n5,6,7\n");
        Path out = dir.resolve("out.csv");
        Run r = run("score", "--skip-bad", "-o", out.toString(), in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("SKIPPED", "ABSTAIN", "ABSTAIN", "SKIPPED"), decisions(out));
        assertTrue(r.err().contains("line 4: expected 2 columns but found 3"), r.err());
    }

    @Test
    void aLabelBeyondFloatNamesItsLineAndCanBeSkipped(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2,3\n2,3,1e39\n3,4,5\n");
        Run r = run("score", "--task", "linear", "--label-column", "3", in.toString());
        assertEquals(1, r.code());
        assertEquals("clipstream: error: line 2, column 3: label '1e39' is outside the float range (labels must be "
                + "finite)\n", r.err().replace("\r", ""));
        Path out = dir.resolve("out.csv");
        Run skipped = run("score", "--task", "linear", "--label-column", "3", "--skip-bad", "-o", out.toString(),
                in.toString());
        assertEquals(0, skipped.code(), skipped.err());
        assertEquals("SKIPPED", decisions(out).get(1));
        Files.writeString(in, "1,4e38\n");
        assertTrue(run("score", in.toString()).err().contains("line 1, column 2: value '4e38' is outside the float"
                + " range"));
    }

    @Test
    void utf8InputCountsLinesAsTheCsvReaderDoes() throws IOException {
        byte[] text = concat("a\r\nb\rc\n".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xC3},
                "\nd".getBytes(StandardCharsets.US_ASCII));
        Utf8Input in = new Utf8Input(new ByteArrayInputStream(text));
        String decoded = read(in);
        assertEquals("a\r\nb\rc\n\uFFFD\nd", decoded);
        assertEquals(null, in.invalidIn(1, 3));
        assertEquals("line 4: byte 0xC3 is not valid UTF-8 (the input must be UTF-8)", in.invalidIn(4, 4));
        assertEquals(null, in.invalidIn(4, 5), "reported once");
        // a multi-byte character split across the internal buffer is not an error
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            big.append("é€😀\n");
        }
        Utf8Input wide = new Utf8Input(new ByteArrayInputStream(big.toString().getBytes(StandardCharsets.UTF_8)));
        assertEquals(big.toString(), read(wide));
        assertEquals(null, wide.invalidIn(1, 10_000));
    }

    private static String read(Reader r) throws IOException {
        StringBuilder sb = new StringBuilder();
        char[] buf = new char[7];
        int n;
        while ((n = r.read(buf, 0, buf.length)) >= 0) {
            sb.append(buf, 0, n);
        }
        return sb.toString();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Review findings (stop 20): each of these ran differently before. */
    @Test
    void malformedRecordsAreReportedAtTheirOwnLineAfterBlankLines(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n\n\n\n\"3\"x,4\n");
        Run r = run("score", in.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 5: malformed CSV: Unexpected character after closing quote"), r.err());
        Files.writeString(in, "\n\n\"3\"x,4\n");
        assertTrue(run("score", in.toString()).err().contains("line 3: malformed CSV"), "was line 1");
        // the parser cannot read past such a record: --skip-bad says so instead of skipping
        Files.writeString(in, "1,2\n\"3\"x,4\n5,6\n");
        Run skip = run("score", "--skip-bad", in.toString());
        assertEquals(1, skip.code());
        assertTrue(skip.err().contains("line 2: malformed CSV") && skip.err().contains("--skip-bad cannot skip"),
                skip.err());
        // rows after blank lines still carry their own line numbers
        Files.writeString(in, "1,2\n\n\nx,4\n");
        assertTrue(run("score", in.toString()).err().contains("line 4, column 1: not a number: 'x'"));
    }

    @Test
    void aHeaderWithBadBytesUnderSkipBadAddsNoOutputRow(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.write(in, concat("temp".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xB0},
                "C,b\n1,2\n3,4\n".getBytes(StandardCharsets.US_ASCII)));
        Path out = dir.resolve("out.csv");
        Run r = run("score", "--header", "--skip-bad", "-o", out.toString(), in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("ABSTAIN", "ABSTAIN"), decisions(out), "one output row per data row");
        assertTrue(r.err().contains("2 rows scored") && !r.err().contains("bad rows skipped"), r.err());
        assertTrue(r.err().contains("in the header"), r.err());
        assertEquals(1, run("score", "--header", "-o", out.toString(), in.toString()).code(), "stops without it");
    }

    @Test
    void controlCharactersAroundAFieldAreNotTrimmedAway(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        for (String row : List.of("1\u0000,2\n", "\u001b3,4\n", "3,4\u0001\n")) {
            Files.writeString(in, row);
            Run r = run("score", in.toString());
            assertEquals(1, r.code(), row);
            assertTrue(r.err().contains("not a number: '"), r.err());
            assertTrue(r.err().contains("\\u00"), "shown escaped: " + r.err());
        }
        Files.writeString(in, " 1 ,\t2\t\n");
        assertEquals(0, run("score", in.toString()).code(), "spaces and tabs are still trimmed");
    }

    @Test
    void fieldsInMessagesAreOneLineAndShort(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "\"1\n2\",3\n");
        Run r = run("score", in.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("'1\\u000A2'"), r.err());
        Files.writeString(in, "1," + "a".repeat(1_000_000) + "\n");
        r = run("score", in.toString());
        assertTrue(r.err().length() < 300, r.err().length() + " characters");
        assertTrue(r.err().contains("(1,000,000 characters)"), r.err());
    }

    @Test
    void outputsWithLongNamesAndDanglingLinksAreWritten(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n3,4\n");
        Path longName = dir.resolve("o".repeat(240));
        Run r = run("score", "-o", longName.toString(), in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3, Files.readAllLines(longName).size());
        Path target = dir.resolve("new.csv");
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), target);
        r = run("score", "-o", link.toString(), in.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals(3, Files.readAllLines(target).size());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count());
        }
    }

    @Test
    void reportAndNoReportDoNotGoTogether(@TempDir Path dir) {
        for (String command : List.of("demo", "mnist")) {
            Run r = command.equals("demo") ? run(command, "--report", dir.resolve("r.html").toString(), "--no-report")
                    : run(command, "--images", "i", "--labels", "l", "--report", dir.resolve("r.html").toString(),
                    "--no-report");
            assertEquals(2, r.code(), command + ": " + r.err());
            assertTrue(r.err().contains("--report and --no-report do not go together"), r.err());
        }
    }

    @Test
    void benchmarkDirectoriesAreFollowedThroughSymbolicLinks(@TempDir Path dir) throws IOException {
        Path real = Files.createDirectories(dir.resolve("real/c"));
        Files.writeString(real.resolve("x.csv"), "timestamp,value\n");
        Path data = Files.createDirectories(dir.resolve("data/c1"));
        Files.writeString(data.resolve("y.csv"), "timestamp,value\n");
        Files.createSymbolicLink(dir.resolve("data/c2"), real);
        Path linkedData = Files.createSymbolicLink(dir.resolve("linked"), dir.resolve("data"));
        List<Path> expected = List.of(Path.of("c1/y.csv"), Path.of("c2/x.csv"));
        assertEquals(expected, io.clipstream.experiments.Nab.find(dir.resolve("data")));
        assertEquals(expected, io.clipstream.experiments.Nab.find(linkedData));
        assertEquals(expected, io.clipstream.experiments.Skab.find(linkedData));
    }

    @Test
    void readerSanity() throws IOException {
        assertEquals("x", read(new StringReader("x")));
    }
}
