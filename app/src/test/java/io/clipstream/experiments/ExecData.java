package io.clipstream.experiments;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The data directory of an {@code exec:exec@...} entry point: when it is absent, one line saying where it looked and
 * how to point elsewhere, status 1, instead of a stack trace from the first file operation.
 */
final class ExecData {
    private ExecData() {
    }

    /**
     * {@code dir} if it is a directory; else prints the message and exits with status 1.
     *
     * @param what the data set, for the message ("SKAB")
     * @param how how to point elsewhere ("-Dclipstream.data=DIR (DIR/skab)")
     */
    static Path require(Path dir, String what, String how) {
        if (!Files.isDirectory(dir)) {
            System.err.println("clipstream: " + what + " data not found: looked in " + dir.toAbsolutePath().normalize()
                    + "; point to it with " + how);
            System.exit(1);
        }
        return dir;
    }
}
