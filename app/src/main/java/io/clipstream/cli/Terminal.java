package io.clipstream.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether standard error is a terminal, which decides how progress is drawn. {@link System#console()} is no
 * answer: it describes standard input and output (and on JDK 22+ may exist even when they are redirected), so
 * {@code clipstream demo > out.txt} lost its progress bar while {@code clipstream demo 2> log} filled the log with
 * carriage returns. On Linux the file descriptor itself is read ({@code /proc/self/fd/2} points to a tty or pty
 * device); elsewhere the console is the best evidence available.
 */
final class Terminal {

    private static final Boolean STDERR = detect();

    private Terminal() {
    }

    /** Whether standard error is a terminal. */
    static boolean stderr() {
        return STDERR;
    }

    private static boolean detect() {
        Path fd = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd)) {
                return isTerminalDevice(Files.readSymbolicLink(fd).toString());
            }
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // not Linux, or /proc is hidden: fall back to the console below
        }
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Whether a device path names a terminal: {@code /dev/pts/N}, {@code /dev/ttyN}, {@code /dev/console}. */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }
}
