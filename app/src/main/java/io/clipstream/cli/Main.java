package io.clipstream.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The main job, {@code app/target/clipstream.jar}: {@code java --add-modules jdk.incubator.vector -jar clipstream.jar
 * [command]}. With no command it runs the demo. Exit codes: 0 success; 1 a data, input or output error (one line
 * on stderr: a bad row, a missing file, a full disk); 2 a usage error (a wrong option or option value, one line
 * naming it and a hint to use {@code --help}); 141 the reader of standard output went away ({@code | head}),
 * after which the run stops silently, as a Unix filter would.
 */
@Command(name = "clipstream", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Robust online estimation (clipped SGD) and adaptive anomaly thresholds for streams.",
            "With no command, runs the demo."},
        subcommands = {DemoCommand.class, ScoreCommand.class, MnistCommand.class, NabCommand.class, SkabCommand.class,
            SweepCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return spec.commandLine().getSubcommands().get("demo").execute();
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(Output.stdout(), 1 << 16), false,
                StandardCharsets.UTF_8);
        System.exit(run(out, System.err, args));
    }

    /**
     * Runs the command line with the given streams; returns the exit code. Output written through an
     * {@link Output} stream that fails is reported (status 1), or ends the run silently when the reader of a pipe
     * has gone (status 141).
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        // help and version output fail outside the commands: catch them before picocli prints a stack trace
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        boolean[] outputFailed = {false}; // reported once; the buffer that failed is not flushed again
        cl.setExecutionStrategy(parsed -> {
            try {
                return runLast.execute(parsed);
            } catch (Output.Failure failure) {
                outputFailed[0] = true;
                return outputFailed(failure, err);
            } catch (OutOfMemoryError oom) {
                // sizes from options (--samples, --dim, --seeds) or from a file's header: one line, not a trace
                err.println("clipstream: error: not enough memory for this run (" + oom.getMessage() + "; the JVM's "
                        + "limit is " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB): use smaller sizes, or "
                        + "a larger -Xmx");
                return 1;
            }
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("clipstream: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof Output.Failure failure) {
                outputFailed[0] = true;
                return outputFailed(failure, err);
            }
            String message = userMessage(ex);
            if (message == null) {
                throw ex;
            }
            err.println("clipstream: error: " + message);
            return 1;
        });
        try {
            int code = cl.execute(args);
            if (!outputFailed[0]) {
                out.flush();
            }
            return code;
        } catch (Output.Failure failure) {
            return outputFailed(failure, err);
        }
    }

    private static int outputFailed(Output.Failure failure, PrintStream err) {
        if (failure.closedPipe()) {
            return Output.CLOSED_PIPE;
        }
        err.println("clipstream: error: cannot write the output: " + failure.getMessage());
        return 1;
    }

    /** Prints a command's warnings on standard error, one line each: {@code clipstream: warning: <command>: ...}. */
    static void warn(CommandSpec spec, String command, java.util.List<String> warnings) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        for (String warning : warnings) {
            err.println("clipstream: warning: " + command + ": " + warning);
        }
        err.flush();
    }

    /**
     * A usage error found after parsing (an option value out of range, options that do not go together): reported
     * like picocli's own, in one line with a hint, status 2.
     */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * Refuses comma-separated list options with an empty item ({@code --seeds 1,,2}, {@code --seeds ,}): picocli
     * drops empty items, which would silently run fewer values, or none, or the default.
     */
    static void checkListItems(CommandSpec spec, String... options) {
        var parsed = spec.commandLine().getParseResult();
        for (String option : options) {
            var matched = parsed.matchedOption(option);
            if (matched == null) {
                continue;
            }
            for (String raw : matched.originalStringValues()) {
                for (String item : raw.split(",", -1)) {
                    if (item.isBlank()) {
                        throw usage(spec, option + " '" + raw + "' has an empty item (expected values separated by "
                                + "single commas)");
                    }
                }
            }
        }
    }

    /**
     * The "Commands:" list with each command's first sentence, whole: picocli's default shows the first line of a
     * multi-line description, which cuts most of ours mid-sentence.
     */
    static String commandList(Help help) {
        Map<CommandLine, String> names = new LinkedHashMap<>(); // CommandLine has identity equality
        for (Map.Entry<String, CommandLine> e : help.commandSpec().subcommands().entrySet()) {
            names.putIfAbsent(e.getValue(), e.getKey());
        }
        if (names.isEmpty()) {
            return "";
        }
        int nameWidth = names.values().stream().mapToInt(String::length).max().orElse(0) + 2;
        int width = help.commandSpec().usageMessage().width();
        TextTable table = TextTable.forColumns(help.colorScheme(), new Column(nameWidth + 2, 2, Column.Overflow.SPAN),
                new Column(Math.max(20, width - nameWidth - 2), 1, Column.Overflow.WRAP));
        for (Map.Entry<CommandLine, String> e : names.entrySet()) {
            table.addRowValues(e.getValue(), summary(e.getKey().getCommandSpec()));
        }
        return table.toString();
    }

    /** A command's header if it has one, else the first sentence of its description. */
    static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        String text = String.join(" ", header.length > 0 ? header : spec.usageMessage().description()).strip()
                .replace("%%", "%");
        int end = text.indexOf(". ");
        return end < 0 ? text : text.substring(0, end + 1);
    }

    /** A one-line message for the errors a user causes; null for bugs (which keep their stack trace). */
    static String userMessage(Exception ex) {
        Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        return switch (e) {
            case NoSuchFileException n -> "no such file: " + n.getFile();
            case AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.file.NotDirectoryException n -> "not a directory: " + n.getFile();
            case IOException io -> io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
            case IllegalArgumentException ia -> ia.getMessage();
            case UserException u -> u.getMessage();
            default -> null;
        };
    }

    /** An error in the user's input, reported as one line. */
    static final class UserException extends RuntimeException {
        UserException(String message) {
            super(message);
        }
    }

    /** Version from the jar manifest, or "development". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"clipstream " + (v == null ? "(development build)" : v), "Java " + Runtime.version()};
        }
    }
}
