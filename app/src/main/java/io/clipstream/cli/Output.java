package io.clipstream.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Standard output that does not hide failures. {@link java.io.PrintStream} and {@link java.io.PrintWriter} swallow
 * {@link IOException}s (they only set an error flag), so {@code clipstream score big.csv > /dev/full} would exit 0
 * and {@code clipstream score big.csv | head} would read the whole input after {@code head} has gone. Wrapped in
 * this stream, a failed write throws {@link Failure} (unchecked, so it passes through the print classes) and the
 * command stops: {@link Main} reports a full disk or other write error in one line with status 1, and stops
 * silently with status 141 ({@code 128 + SIGPIPE}, what a Unix filter killed by a closed pipe returns) when the
 * reader of a pipe has gone.
 */
final class Output extends OutputStream {

    /** The status of a run stopped by a closed pipe. */
    static final int CLOSED_PIPE = 141;

    private final OutputStream out;

    Output(OutputStream out) {
        this.out = out;
    }

    /** The process's standard output, failing fast. */
    static Output stdout() {
        return new Output(new FileOutputStream(FileDescriptor.out));
    }

    @Override
    public void write(int b) {
        try {
            out.write(b);
        } catch (IOException e) {
            throw new Failure(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new Failure(e);
        }
    }

    @Override
    public void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new Failure(e);
        }
    }

    /** Standard output could not be written. */
    static final class Failure extends UncheckedIOException {
        Failure(IOException cause) {
            super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
        }

        /** Whether the reader of a pipe has gone (EPIPE), rather than a real write error. */
        boolean closedPipe() {
            String m = getCause().getMessage();
            return m != null && (m.contains("Broken pipe") || m.contains("EPIPE"));
        }
    }
}
