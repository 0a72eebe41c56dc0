package io.clipstream.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on stderr: redrawn in place when stderr is a terminal ({@link Terminal#stderr()}), one line per
 * 10% otherwise (logs, pipes, CI), so a log never fills with carriage returns.
 */
final class Progress {
    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean enabled;
    private final boolean terminal;
    private int lastPercent = -1;

    Progress(PrintWriter err, String label, long total, boolean enabled) {
        this(err, label, total, enabled, Terminal.stderr());
    }

    Progress(PrintWriter err, String label, long total, boolean enabled, boolean terminal) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
        this.enabled = enabled;
        this.terminal = terminal;
    }

    void update(long done) {
        if (!enabled) {
            return;
        }
        int percent = (int) Math.min(100, done * 100 / total);
        // in place on a terminal at every new percent; elsewhere one line per 10% step reached (a step is often
        // jumped past between two updates, a file of many rows at a time: it is printed at the first update after)
        if (percent == lastPercent || (!terminal && percent / 10 == lastPercent / 10 && lastPercent >= 0)) {
            return;
        }
        lastPercent = percent;
        int filled = percent / 5;
        String bar = String.format(Locale.ROOT, "%s [%s%s] %3d%% (%,d/%,d)", label, "#".repeat(filled),
                " ".repeat(20 - filled), percent, done, total);
        if (terminal) {
            err.print("\r" + bar + (percent == 100 ? "\n" : ""));
        } else {
            err.println(bar);
        }
        err.flush();
    }

    /**
     * Ends a bar left unfinished on a terminal (the row counts are estimates: blank lines count; a run that stops
     * early stops short), so that what is printed next starts on its own line.
     */
    void finish() {
        if (enabled && terminal && lastPercent >= 0 && lastPercent < 100) {
            err.println();
            err.flush();
            lastPercent = 100;
        }
    }
}
