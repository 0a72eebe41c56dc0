package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output failures are errors, a closed pipe stops the run, progress and help read well. */
class OutputTest {

    /** A stdout that accepts {@code limit} bytes and then fails like the device or pipe behind it would. */
    private static final class Failing extends OutputStream {
        private final String message;
        private long limit;
        long attempts;

        Failing(long limit, String message) {
            this.limit = limit;
            this.message = message;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            attempts++;
            if (len > limit) {
                throw new IOException(message);
            }
            limit -= len;
        }
    }

    private static int runWith(OutputStream stdout, ByteArrayOutputStream err, String... args) {
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(new Output(stdout), 1 << 12), false,
                StandardCharsets.UTF_8);
        return Main.run(out, new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private static Path rows(Path dir, int n) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i % 7).append(',').append(i % 3).append('\n');
        }
        Path in = dir.resolve("rows.csv");
        Files.writeString(in, sb);
        return in;
    }

    @Test
    void aFullDeviceIsAnErrorInOneLine(@TempDir Path dir) throws IOException {
        Path in = rows(dir, 20_000);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = runWith(new Failing(10_000, "No space left on device"), err, "score", in.toString());
        assertEquals(1, code);
        assertEquals("clipstream: error: cannot write the output: No space left on device\n",
                err.toString(StandardCharsets.UTF_8).replace("\r", ""));
        ByteArrayOutputStream helpErr = new ByteArrayOutputStream();
        assertEquals(1, runWith(new Failing(0, "No space left on device"), helpErr, "--help"));
        assertTrue(helpErr.toString(StandardCharsets.UTF_8).startsWith("clipstream: error: cannot write the output"));
        assertTrue(!helpErr.toString(StandardCharsets.UTF_8).contains("\tat "), "no stack trace");
    }

    @Test
    void aClosedPipeStopsTheRunSilently(@TempDir Path dir) throws IOException {
        Path in = rows(dir, 200_000);
        Failing pipe = new Failing(8_192, "Broken pipe");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = runWith(pipe, err, "score", in.toString());
        assertEquals(Output.CLOSED_PIPE, code);
        assertEquals("", err.toString(StandardCharsets.UTF_8), "nothing on stderr");
        assertTrue(pipe.attempts < 10, "stopped at the first failed write, not after all rows: " + pipe.attempts);
    }

    @Test
    void progressRedrawsOnlyOnATerminal() {
        StringWriter log = new StringWriter();
        Progress p = new Progress(new PrintWriter(log), "x", 1000, true, false);
        for (int i = 0; i <= 1000; i++) {
            p.update(i);
        }
        assertTrue(!log.toString().contains("\r"), "no carriage returns in a log");
        assertEquals(11, log.toString().lines().count(), log.toString());
        StringWriter tty = new StringWriter();
        Progress q = new Progress(new PrintWriter(tty), "x", 1000, true, true);
        q.update(500);
        q.update(1000);
        assertTrue(tty.toString().startsWith("\rx ["), tty.toString());
        q.finish();
        assertTrue(tty.toString().endsWith("(1,000/1,000)\n"), "a finished bar is not ended twice: " + tty);
        // the row count was an estimate (blank lines counted): the bar stops short and finish() ends its line, so
        // that a warning printed next does not run on from it
        StringWriter shortTty = new StringWriter();
        Progress r = new Progress(new PrintWriter(shortTty), "x", 4, true, true);
        r.update(2);
        r.finish();
        assertTrue(shortTty.toString().endsWith("50% (2/4)\n"), shortTty.toString());
        StringWriter quiet = new StringWriter();
        new Progress(new PrintWriter(quiet), "x", 4, false, true).finish();
        assertEquals("", quiet.toString());
        assertTrue(Terminal.isTerminalDevice("/dev/pts/3") && Terminal.isTerminalDevice("/dev/tty1"));
        assertTrue(!Terminal.isTerminalDevice("pipe:[12345]") && !Terminal.isTerminalDevice("socket:[67890]")
                && !Terminal.isTerminalDevice("data/run.log")
                && !Terminal.isTerminalDevice("/dev/null"));
    }

    @Test
    void everyCommandSummaryIsAWholeSentence() {
        String help = CliTest.run("--help").out();
        String commands = help.substring(help.indexOf("Commands:"));
        // each summary runs until a line that starts the next command, and ends with a full stop
        Pattern entry = Pattern.compile("^  (\\w+)\\s+(.*?)(?=^  \\w|\\z)", Pattern.MULTILINE | Pattern.DOTALL);
        var m = entry.matcher(commands);
        int found = 0;
        while (m.find()) {
            found++;
            String summary = m.group(2).replaceAll("\\s+", " ").strip();
            assertTrue(summary.endsWith("."), m.group(1) + ": '" + summary + "'");
        }
        assertTrue(found >= 5, commands);
    }
}
