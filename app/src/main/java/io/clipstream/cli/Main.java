package io.clipstream.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The main job, {@code app/target/clipstream.jar}: {@code java --add-modules jdk.incubator.vector -jar clipstream.jar
 * [command]}. With no command it runs the demo. Exit codes: 0 success, 1 a data or input error (one line on
 * stderr), 2 a usage error (one line and a hint to use {@code --help}).
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
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("clipstream: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String message = userMessage(ex);
            if (message == null) {
                throw ex;
            }
            err.println("clipstream: error: " + message);
            return 1;
        });
        return cl.execute(args);
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
