package io.clipstream.experiments;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Output files written whole or not at all. Each file is written to a temporary file beside it
 * ({@code .<name>.<random>.tmp}, created as a new file, so with the usual permissions) and moved into place
 * (an atomic rename, replacing an earlier version) only when every file of the batch has been written: an error
 * half-way leaves the earlier files as they were, removes the temporary files and the directories the batch
 * created, and so never leaves a half-written file or a mix of old and new files. A file that exists and is not a
 * regular file (a device such as {@code /dev/null}, a named pipe) is written directly; a symbolic link is followed,
 * so its target is replaced. A write error names the file.
 */
public final class OutputFiles implements AutoCloseable {

    /** What to write into one file. */
    @FunctionalInterface
    public interface Content {
        /** Writes the file's text; the writer is closed afterwards. */
        void writeTo(Writer out) throws IOException;
    }

    private final List<Path[]> pending = new ArrayList<>(); // {temporary, target}
    private final List<Path> createdDirectories = new ArrayList<>();
    private boolean committed;

    /** Writes one file whole or not at all (a batch of one). */
    public static void write(Path file, Content content) throws IOException {
        try (OutputFiles batch = new OutputFiles()) {
            batch.add(file, content);
            batch.commit();
        }
    }

    /**
     * Writes {@code file}'s content to its temporary file, creating the directories above it; it replaces
     * {@code file} at {@link #commit()}.
     */
    public void add(Path file, Content content) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (absolute.startsWith("/dev") || absolute.startsWith("/proc")) {
            // /dev/stdout, /dev/null, /proc/self/fd/N: written through as they are, appended to (a shell's
            // '>>' file behind /dev/stdout keeps its earlier lines; a pipe behind it has no real path)
            try (Writer out = writer(Files.newOutputStream(absolute, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND))) {
                content.writeTo(out);
            } catch (IOException e) {
                throw named(file, e);
            }
            return;
        }
        Path target = linkTarget(absolute);
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            if (Files.isDirectory(target)) {
                throw new IOException(file + ": is a directory");
            }
            try (Writer out = writer(Files.newOutputStream(target))) { // a device or a pipe: no rename possible
                content.writeTo(out);
            } catch (IOException e) {
                throw named(file, e);
            }
            return;
        }
        createDirectories(target.getParent(), createdDirectories);
        String name = target.getFileName().toString();
        Path temporary = target.resolveSibling("." + (name.length() > MAX_TEMPORARY_STEM
                ? name.substring(0, MAX_TEMPORARY_STEM) : name) + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
        pending.add(new Path[] {temporary, target});
        UNFINISHED.add(temporary);
        ensureCleanupAtExit();
        try (Writer out = writer(Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE))) {
            content.writeTo(out);
        } catch (IOException e) {
            throw named(file, temporary, e);
        }
    }

    /**
     * Characters of the file's name kept in its temporary file's name ({@code .<name>.<16 hex>.tmp} must stay under
     * the usual 255-byte limit for a name that is itself near it).
     */
    private static final int MAX_TEMPORARY_STEM = 200;

    /** Temporary files not yet moved into place or removed: removed at exit (SIGTERM, Ctrl-C) too. */
    private static final java.util.Set<Path> UNFINISHED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.concurrent.atomic.AtomicBoolean HOOKED = new java.util.concurrent.atomic.AtomicBoolean();

    private static void ensureCleanupAtExit() {
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (Path p : UNFINISHED) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // best effort at exit
                    }
                }
            }, "clipstream-output-cleanup"));
        }
    }

    /**
     * Where writing {@code path} ends up: symbolic links followed, also one that points to a file not there yet (a
     * dangling link is written through, creating its target, as a shell's redirection would).
     */
    private static Path linkTarget(Path path) throws IOException {
        Path p = path;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) {
                throw new java.nio.file.FileSystemException(path.toString(), null, "too many levels of symbolic "
                        + "links");
            }
            Path parent = p.getParent();
            Path link = Files.readSymbolicLink(p);
            p = (parent == null ? link : parent.resolve(link)).toAbsolutePath().normalize();
        }
        Path parent = p.getParent();
        return parent != null && Files.isDirectory(parent) ? parent.toRealPath().resolve(p.getFileName()) : p;
    }

    /** Moves every written file into place (keeping the permissions of a file it replaces). */
    public void commit() throws IOException {
        for (Path[] p : pending) {
            if (Files.isRegularFile(p[1])) {
                PosixFileAttributeView view = Files.getFileAttributeView(p[1], PosixFileAttributeView.class);
                if (view != null) {
                    try {
                        Files.setPosixFilePermissions(p[0], Files.getPosixFilePermissions(p[1]));
                    } catch (IOException | UnsupportedOperationException e) {
                        // keep the new file's own permissions
                    }
                }
            }
            Files.move(p[0], p[1], StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            UNFINISHED.remove(p[0]);
        }
        committed = true;
    }

    /** Unless committed: removes the temporary files and the directories this batch created (if left empty). */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        for (Path[] p : pending) {
            try {
                Files.deleteIfExists(p[0]);
                UNFINISHED.remove(p[0]);
            } catch (IOException e) {
                // best effort: the next error message matters more (the exit hook tries again)
            }
        }
        removeCreated(createdDirectories);
    }

    /**
     * Creates {@code dir}'s missing levels, top down, adding to {@code created} each level this call created itself
     * (a level another process creates meanwhile is used but not added: it is not ours to remove). A file, or a
     * symbolic link to nothing, in the way is refused by name.
     */
    public static void createDirectories(Path dir, List<Path> created) throws IOException {
        if (dir == null || Files.isDirectory(dir)) {
            return;
        }
        refuseDanglingLink(dir);
        if (Files.exists(dir)) {
            throw new java.nio.file.NotDirectoryException(dir.toString());
        }
        createDirectories(dir.getParent(), created);
        try {
            Files.createDirectory(dir);
            created.add(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                refuseDanglingLink(dir);
                throw new java.nio.file.NotDirectoryException(dir.toString());
            }
        }
    }

    /** Removes the directories {@link #createDirectories(Path, List)} created, deepest first, if left empty. */
    public static void removeCreated(List<Path> created) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(created.get(i));
            } catch (IOException | SecurityException e) {
                // not empty (written into meanwhile): not ours to remove
            }
        }
    }

    /**
     * Refuses a symbolic link whose target does not exist, naming both (not "no such file" for a link that is
     * there).
     */
    public static void refuseDanglingLink(Path p) throws IOException {
        if (Files.isSymbolicLink(p) && !Files.exists(p)) {
            throw new IOException(p + " is a symbolic link to " + Files.readSymbolicLink(p) + ", which does not exist");
        }
    }

    private static Writer writer(java.io.OutputStream out) {
        return new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    }

    /**
     * A write error of {@code file}'s temporary file, by {@code file}'s name (the user never named the temporary
     * file: "permission denied: out.csv", not ".out.csv.1f2e....tmp").
     */
    private static IOException named(Path file, Path temporary, IOException e) {
        if (e instanceof FileSystemException f && temporary.toString().equals(f.getFile())) {
            if (e instanceof java.nio.file.AccessDeniedException) {
                return new java.nio.file.AccessDeniedException(file.toString());
            }
            if (e instanceof java.nio.file.NoSuchFileException) {
                return new java.nio.file.NoSuchFileException(file.toString());
            }
            return new FileSystemException(file.toString(), null, f.getReason());
        }
        return named(file, e);
    }

    /** A write error with the file's name (file-system errors already name it). */
    private static IOException named(Path file, IOException e) {
        if (e instanceof FileSystemException) {
            return e;
        }
        return new IOException("cannot write " + file + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage()), e);
    }
}
