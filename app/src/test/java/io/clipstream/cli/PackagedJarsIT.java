package io.clipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The packaged artifacts, as a user gets them (run by failsafe after {@code package}): the library jar carries
 * only the library and names its module and version; the main job's jar prints its version with {@code -V}.
 */
class PackagedJarsIT {

    private static final String VERSION = System.getProperty("clipstream.version");
    private static final Path APP_JAR = Path.of(System.getProperty("clipstream.appJar", "target/clipstream.jar"));
    private static final Path LIBRARY_JAR = Path.of(System.getProperty("clipstream.libraryJar", "missing"));

    @Test
    void theLibraryJarHoldsOnlyTheLibrary() throws IOException {
        assertTrue(Files.isRegularFile(LIBRARY_JAR), "library jar not built: " + LIBRARY_JAR);
        try (JarFile jar = new JarFile(LIBRARY_JAR.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("io.clipstream", main.getValue("Automatic-Module-Name"));
            assertEquals(VERSION, main.getValue("Implementation-Version"));
            List<String> foreign = new ArrayList<>();
            jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).forEach(n -> {
                boolean library = n.startsWith("io/clipstream/") && (n.indexOf('/', "io/clipstream/".length()) < 0
                        || n.startsWith("io/clipstream/detect/") || n.startsWith("io/clipstream/ingest/")
                        || n.startsWith("io/clipstream/internal/"));
                if (!library) {
                    foreign.add(n);
                }
            });
            assertEquals(List.of(), foreign, "classes in the library jar that are not the library's");
            assertNotNull(jar.getEntry("io/clipstream/MeanEstimator.class"));
        }
    }

    private static ProcessBuilder clipstream(String... args) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-jar", APP_JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    @Test
    void writingToAFullDeviceFails() throws Exception {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.exists(full), "no /dev/full on this system");
        Process p = clipstream("demo", "--samples", "20000", "--dim", "8", "--no-report", "--no-progress")
                .redirectOutput(full.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("clipstream: error: cannot write the output: No space left on device"), err);
    }

    @Test
    void aClosedPipeStopsTheRun() throws Exception {
        // an endless input: only the closed pipe on stdout can end the run
        Process p = clipstream("score").start();
        Thread feeder = Thread.ofPlatform().daemon().start(() -> {
            byte[] rows = "1,2,3\n4,5,6\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            try (var in = p.getOutputStream()) {
                while (true) {
                    in.write(rows);
                }
            } catch (IOException e) {
                // the process stopped reading: expected
            }
        });
        var stdout = p.getInputStream();
        byte[] some = stdout.readNBytes(200);
        assertEquals(200, some.length);
        stdout.close(); // what `| head` does
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run went on after its reader had gone");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(141, p.exitValue(), err);
        assertTrue(!err.contains("clipstream: error"), "silent: " + err);
        feeder.join(10_000);
    }

    @Test
    void theMainJobPrintsItsVersion() throws Exception {
        assertTrue(Files.isRegularFile(APP_JAR), "main job jar not built: " + APP_JAR);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-jar",
                APP_JAR.toString(), "-V").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "clipstream -V did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("clipstream " + VERSION), "version line missing: " + out);
    }

    private static String finish(Process p) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish");
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** {@code score -o in.csv < in.csv} once replaced the input with the scores (exit 0). */
    @Test
    void anOutputThatIsTheRedirectedStandardInputIsRefused(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n3,4\n");
        Process p = clipstream("score", "-o", in.toString()).redirectInput(in.toFile()).start();
        String err = finish(p);
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.contains("is the input standard input"), err);
        assertEquals("1,2\n3,4\n", Files.readString(in), "the input is untouched");
    }

    /**
     * {@code -o /dev/stdout} writes through to whatever stdout is: a pipe (it once failed, "no such file") or a
     * file opened for appending (it once replaced the file by a rename, losing its earlier lines).
     */
    @Test
    void devStdoutIsWrittenThrough(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/stdout")), "no /dev/stdout on this system");
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,2\n3,4\n");
        Process piped = clipstream("score", "-o", "/dev/stdout", in.toString()).start();
        String out = new String(piped.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = finish(piped);
        assertEquals(0, piped.exitValue(), err);
        assertEquals(3, out.lines().count(), out);
        Path log = dir.resolve("log.txt");
        Files.writeString(log, "PRE\n");
        Process appended = clipstream("score", "-o", "/dev/stdout", in.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        err = finish(appended);
        assertEquals(0, appended.exitValue(), err);
        List<String> lines = Files.readAllLines(log);
        assertEquals("PRE", lines.get(0), "earlier lines kept");
        assertEquals(4, lines.size(), lines.toString());
    }

    /** A run stopped by SIGTERM half-way leaves no temporary file beside its output. */
    @Test
    void aTerminatedRunLeavesNoTemporaryFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.csv");
        Process p = clipstream("score", "-o", out.toString()).start(); // stdin stays open: the run waits for rows
        p.getOutputStream().write("1,2\n3,4\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (listed(dir).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, listed(dir).size(), "the temporary file exists while the run is going: " + listed(dir));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not stop");
        assertEquals(List.of(), listed(dir), "nothing left behind");
    }

    private static List<String> listed(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(q -> q.getFileName().toString()).toList();
        }
    }
}
