package io.clipstream.cli;

import io.clipstream.experiments.OutputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks of output paths made before any computing or writing: an output must not be an input (it would be
 * truncated, or read back by the next run), and must be something that can be written (a file where a file is
 * expected, a directory where a directory is), so that a long run does not end in an error it could have
 * reported at once.
 */
final class OutputCheck {
    private OutputCheck() {
    }

    /**
     * An output file: not empty, not a directory, below a directory (its nearest existing ancestor is one).
     * Syntax problems are usage errors; what the file system holds, data or I/O errors.
     */
    static void file(CommandSpec spec, String option, Path file) {
        if (file.toString().isEmpty()) {
            throw Main.usage(spec, option + " must name a file, not ''");
        }
        if (Files.isDirectory(file)) {
            throw new Main.UserException(option + " " + file + ": is a directory (expected a file)");
        }
        Path parent = file.toAbsolutePath().getParent();
        checkAncestor(option, file, parent);
    }

    /** An output directory: not empty, and a directory if it exists (else below a directory). */
    static void directory(CommandSpec spec, String option, Path dir) {
        if (dir.toString().isEmpty()) {
            throw Main.usage(spec, option + " must name a directory, not ''");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Main.UserException(option + " " + dir + ": not a directory (expected a directory to write "
                    + "into)");
        }
        checkAncestor(option, dir, dir.toAbsolutePath().getParent());
    }

    /**
     * Creates the output directory {@code dir} (and its parents), writes and deletes a probe file in it, and removes
     * again the directories it created, so that a directory that cannot be created or written (a read-only file
     * system, no permission, {@code /proc}) is reported before anything is computed, not after the first file's
     * run, and a run that later stops on bad input still leaves nothing behind. It works on the path the outputs are
     * written to (absolute, {@code ..} resolved by name as {@code OutputFiles} does), creates one level at a time and
     * removes only the levels whose creation it made itself (never a directory another process created meanwhile).
     * Called after the checks that keep outputs out of the inputs.
     */
    static void writable(String option, Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        List<Path> created = new ArrayList<>();
        try {
            try {
                OutputFiles.createDirectories(absolute, created);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                throw new Main.UserException(option + " " + dir + ": cannot create this directory (" + reason(e)
                        + ")");
            }
            try {
                Files.delete(Files.createTempFile(absolute, ".clipstream-", ".probe"));
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                throw new Main.UserException(option + " " + dir + ": cannot write a file in this directory ("
                        + reason(e) + ")");
            }
        } finally {
            OutputFiles.removeCreated(created);
        }
    }

    /**
     * Why the file system refused, without the path (the option and directory are named already; the probe's
     * random name means nothing to the user).
     */
    private static String reason(Exception e) {
        return switch (e) {
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.NotDirectoryException n -> n.getFile() + " is not a directory";
            case java.nio.file.FileSystemException f -> f.getReason() != null ? f.getReason()
                    : "the file system refused it";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }

    private static void checkAncestor(String option, Path path, Path parent) {
        Path p = parent;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p != null && !Files.isDirectory(p)) {
            throw new Main.UserException(option + " " + path + ": " + p + " is not a directory");
        }
    }

    /** Refuses an output file that is the input file (the same file by any name, link or symbolic link). */
    static void notTheInput(CommandSpec spec, String outputOption, Path output, Path input) {
        notTheInput(spec, outputOption, output, input, input.toString());
    }

    /** As {@link #notTheInput(CommandSpec, String, Path, Path)}, naming the input {@code inputName}. */
    static void notTheInput(CommandSpec spec, String outputOption, Path output, Path input, String inputName) {
        try {
            if (Files.exists(output) && Files.exists(input) && Files.isRegularFile(output)
                    && Files.isSameFile(output, input)) {
                throw Main.usage(spec, outputOption + " " + output + " is the input " + inputName
                        + ": writing it would destroy the input (write to another file)");
            }
        } catch (IOException e) {
            // cannot tell: the read or the write reports the problem itself
        }
    }

    /**
     * Refuses an output directory equal to or inside the data directory (the outputs would overwrite the inputs,
     * or be read as inputs by the next run), and any output file that is one of the inputs (by a symbolic link).
     *
     * @param inputs the input files, relative to {@code data}; each is written to {@code out/<relative>}
     */
    static void outsideData(CommandSpec spec, Path data, Path out, List<Path> inputs) throws IOException {
        Path realData = data.toRealPath();
        Path realOut = real(out);
        if (realOut.startsWith(realData)) {
            throw Main.usage(spec, "--out " + out + (realOut.equals(realData) ? " is" : " is inside") + " --data "
                    + data + ": the outputs would overwrite the inputs or be read as inputs (write elsewhere)");
        }
        Set<Object> keys = new HashSet<>();
        for (Path p : inputs) {
            keys.add(key(data.resolve(p)));
        }
        for (Path p : inputs) {
            Path target = out.resolve(p);
            if (Files.exists(target) && keys.contains(key(target))) {
                throw Main.usage(spec, "--out " + out + ": " + target + " is an input file under --data " + data
                        + " (write elsewhere)");
            }
        }
    }

    private static Object key(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.fileKey() != null ? a.fileKey() : p.toRealPath();
    }

    /** The real path of {@code p}, which need not exist: its nearest existing ancestor's, plus the rest. */
    static Path real(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        OutputFiles.refuseDanglingLink(existing);
        return existing.toRealPath().resolve(existing.relativize(abs));
    }
}
