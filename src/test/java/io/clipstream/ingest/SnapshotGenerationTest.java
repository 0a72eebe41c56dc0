package io.clipstream.ingest;

import static io.clipstream.ingest.IngestPipelineTest.D;
import static io.clipstream.ingest.IngestPipelineTest.sampleFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot generations (issue 12, item 6): every snapshot into a directory is a new generation, written completely
 * before older ones are removed; restore reads the newest complete generation and never combines generations.
 */
class SnapshotGenerationTest {

    private static List<String> snapshotFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static IngestPipeline withKeys(int shards, int keys, long seq) {
        return withKeys(KeyedStore.builder(D).maxKeys(1000), shards, keys, seq, seq + 1);
    }

    /** A started pipeline of {@code config} that has processed one sample per key for each seq in [from, to). */
    private static IngestPipeline withKeys(KeyedStore.Builder config, int shards, int keys, long from, long to) {
        IngestPipeline p = IngestPipeline.builder(config).shards(shards).start();
        for (long seq = from; seq < to; seq++) {
            for (long key = 0; key < keys; key++) {
                assertTrue(p.offer(key, seq, sampleFor(key, seq)));
            }
        }
        assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
        return p;
    }

    /**
     * A snapshot into a directory that held another one (of another shard count) left a mix that restore refused
     * or, with the same count, silently combined. Now each snapshot is a generation: written completely, and only
     * then are older generations removed; restore reads the newest complete generation.
     */
    @Test
    void aNewGenerationReplacesTheOldOnlyWhenComplete(@TempDir Path dir) throws Exception {
        try (IngestPipeline three = withKeys(3, 30, 0)) {
            assertEquals(3, three.snapshot(dir).get(10, TimeUnit.SECONDS).size());
        }
        List<String> first = snapshotFiles(dir);
        assertEquals(3, first.size(), first.toString());
        try (IngestPipeline two = withKeys(2, 50, 1)) {
            List<Path> written = two.snapshot(dir).get(10, TimeUnit.SECONDS);
            assertEquals(2, written.size());
            List<String> now = snapshotFiles(dir);
            assertEquals(written.stream().map(f -> f.getFileName().toString()).sorted().toList(), now,
                    "only the new generation remains");
        }
        try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D).maxKeys(1000))
                .shards(2), dir)) {
            assertEquals(50, q.metrics().keys());
        }
    }

    /**
     * A snapshot that fails part-way (here one shard cannot create its file) leaves the previous generation
     * complete and untouched and removes what it wrote; restore still reads the previous generation.
     */
    @Test
    void aFailedSnapshotKeepsThePreviousGeneration(@TempDir Path dir) throws Exception {
        try (IngestPipeline two = withKeys(2, 20, 0)) {
            two.snapshot(dir).get(10, TimeUnit.SECONDS);
            List<String> before = snapshotFiles(dir);
            // the next generation's temporary file for shard 1 cannot be created: a directory is in the way
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("gen-(\\d+)-(shard-\\d+-of-\\d+\\.ckeys)")
                    .matcher(before.get(0));
            assertTrue(m.matches(), before.get(0));
            String next = "gen-" + (Long.parseLong(m.group(1)) + 1) + "-" + m.group(2).replace("shard-000", "shard-001")
                    + ".tmp";
            Files.createDirectories(dir.resolve(next).resolve("in-the-way"));
            for (long key = 0; key < 40; key++) {
                two.offer(key, 1, sampleFor(key, 1));
            }
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> two.snapshot(dir).get(10, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof IOException, failed.toString());
            Files.delete(dir.resolve(next).resolve("in-the-way"));
            Files.delete(dir.resolve(next));
            assertEquals(before, snapshotFiles(dir), "the previous generation, and nothing of the failed one");
        }
        try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D).maxKeys(1000))
                .shards(2), dir)) {
            assertEquals(20, q.metrics().keys());
        }
    }

    /**
     * Restore never combines generations: with a newer incomplete generation beside a complete one it reads the
     * complete one; files that claim one generation but hold another, or one generation with two shard counts,
     * are refused with a message that says so.
     */
    @Test
    void restoreReadsOneCompleteGenerationAndRefusesMixes(@TempDir Path dir) throws Exception {
        Path old = Files.createDirectory(dir.resolve("old"));
        Path fresh = Files.createDirectory(dir.resolve("new"));
        try (IngestPipeline p = withKeys(2, 20, 0)) {
            p.snapshot(old).get(10, TimeUnit.SECONDS);
            for (long key = 20; key < 30; key++) {
                p.offer(key, 0, sampleFor(key, 0));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            p.snapshot(old).get(10, TimeUnit.SECONDS); // generation 2 in "old"
            p.snapshot(fresh).get(10, TimeUnit.SECONDS); // generation 1 in "new"
        }
        List<String> gen2 = snapshotFiles(old);
        // a complete generation 1 beside an incomplete generation 2: generation 1 is read
        Path mixed = Files.createDirectory(dir.resolve("mixed"));
        for (String f : snapshotFiles(fresh)) {
            Files.copy(fresh.resolve(f), mixed.resolve(f));
        }
        Files.copy(old.resolve(gen2.get(0)), mixed.resolve(gen2.get(0)));
        KeyedStore.Builder config = KeyedStore.builder(D).maxKeys(1000);
        try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(config).shards(2), mixed)) {
            assertEquals(30, q.metrics().keys());
        }
        // a file renamed into another generation
        Path renamed = Files.createDirectory(dir.resolve("renamed"));
        Files.copy(old.resolve(gen2.get(0)), renamed.resolve(gen2.get(0)));
        Files.copy(fresh.resolve(snapshotFiles(fresh).get(1)), renamed.resolve(gen2.get(1)));
        IOException e = assertThrows(IOException.class,
                () -> IngestPipeline.restore(IngestPipeline.builder(config).shards(2), renamed));
        assertTrue(e.getMessage().contains("holds generation 1, but its name says generation 2"), e.getMessage());
        // one generation with files for two shard counts
        Path counts = Files.createDirectory(dir.resolve("counts"));
        Files.copy(old.resolve(gen2.get(0)), counts.resolve(gen2.get(0)));
        Files.copy(old.resolve(gen2.get(1)), counts.resolve(gen2.get(1).replace("-of-002", "-of-003")));
        e = assertThrows(IOException.class, () -> IngestPipeline.restore(IngestPipeline.builder(config), counts));
        assertTrue(e.getMessage().contains("generation 2 has files for 2 and 3 shards"), e.getMessage());
        // nothing complete at all
        Path partial = Files.createDirectory(dir.resolve("partial"));
        Files.copy(old.resolve(gen2.get(0)), partial.resolve(gen2.get(0)));
        e = assertThrows(IOException.class, () -> IngestPipeline.restore(IngestPipeline.builder(config), partial));
        assertTrue(e.getMessage().contains("no complete snapshot generation"), e.getMessage());
    }

    /** Files written before generations (version 1, named {@code shard-<i>-of-<n>.ckeys}) restore as generation 0. */
    @Test
    void filesFromBeforeGenerationsStillRestore(@TempDir Path dir) throws Exception {
        Path written = Files.createDirectory(dir.resolve("written"));
        try (IngestPipeline p = withKeys(1, 25, 0)) {
            p.snapshot(written).get(10, TimeUnit.SECONDS);
        }
        byte[] bytes = Files.readAllBytes(written.resolve("gen-1-shard-000-of-001.ckeys"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(8, 1).putLong(112, 0); // version 1 had no generation
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, 124);
        b.putInt(124, (int) crc.getValue());
        Path legacy = Files.createDirectory(dir.resolve("legacy"));
        Files.write(legacy.resolve("shard-000-of-001.ckeys"), bytes);
        try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D).maxKeys(1000)),
                legacy)) {
            assertEquals(25, q.metrics().keys());
            q.snapshot(legacy).get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("gen-1-shard-000-of-001.ckeys"), snapshotFiles(legacy), "the next generation replaced it");
    }

    /**
     * Snapshots written while the keyed store's threshold was a confidence sequence (before peaks over threshold
     * became the default) restore into a default store: the keys and their models are kept, the threshold starts
     * afresh (it failed with "method mismatch" before).
     */
    @Test
    void snapshotsWithAConfidenceSequenceThresholdStillRestore(@TempDir Path dir) throws Exception {
        Path written = Files.createDirectory(dir.resolve("written"));
        try (IngestPipeline p = withKeys(1, 25, 0)) {
            p.snapshot(written).get(10, TimeUnit.SECONDS);
        }
        Path file = written.resolve("gen-1-shard-000-of-001.ckeys");
        byte[] bytes = Files.readAllBytes(file);
        int trailer = KeyedSnapshotBytes.trailer(bytes);
        java.nio.ByteBuffer b = KeyedSnapshotBytes.le(bytes);
        int oldLength = b.getInt(trailer + KeyedSnapshotBytes.THRESHOLD_LENGTH);
        io.clipstream.detect.AdaptiveThreshold cs = io.clipstream.detect.AdaptiveThreshold.builder()
                .method(io.clipstream.detect.AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE).build();
        for (int i = 0; i < 100; i++) {
            cs.observe(i % 10);
        }
        byte[] state = cs.state();
        int start = trailer + KeyedSnapshotBytes.THRESHOLD_LENGTH + 4;
        byte[] edited = new byte[bytes.length - oldLength + state.length];
        System.arraycopy(bytes, 0, edited, 0, start);
        System.arraycopy(state, 0, edited, start, state.length);
        System.arraycopy(bytes, start + oldLength, edited, start + state.length, bytes.length - start - oldLength);
        KeyedSnapshotBytes.le(edited).putInt(trailer + KeyedSnapshotBytes.THRESHOLD_LENGTH, state.length);
        KeyedSnapshotBytes.reseal(edited);
        Files.write(file, edited);
        Path again = Files.createDirectory(dir.resolve("again"));
        try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(KeyedStore.builder(D).maxKeys(1000)),
                written)) {
            assertEquals(25, q.metrics().keys());
            q.snapshot(again).get(10, TimeUnit.SECONDS);
        }
        io.clipstream.detect.AdaptiveThreshold restored = thresholdIn(again);
        assertEquals(io.clipstream.detect.AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD, restored.method());
        assertEquals(0, restored.scoresSinceReset(), "the threshold started afresh");
    }

    /**
     * A store built with the confidence sequence snapshots and restores it: into a store of the same method the
     * threshold continues where it was; into a default store (peaks over threshold) the keys are kept and the
     * threshold starts afresh.
     */
    @Test
    void aConfidenceSequenceStoreKeepsItsThresholdAcrossRestore(@TempDir Path dir) throws Exception {
        var cs = io.clipstream.detect.AdaptiveThreshold.Method.CONFIDENCE_SEQUENCE;
        KeyedStore.Builder config = KeyedStore.builder(D).maxKeys(1000).thresholdMethod(cs);
        Path written = Files.createDirectory(dir.resolve("written"));
        try (IngestPipeline p = withKeys(config, 1, 20, 0, 40)) {
            p.snapshot(written).get(10, TimeUnit.SECONDS);
        }
        io.clipstream.detect.AdaptiveThreshold before = thresholdIn(written);
        assertEquals(cs, before.method());
        assertEquals(20 * (40 - 16), before.scoresSinceReset(), "levels after each key's warm-up");
        for (boolean same : new boolean[] {true, false}) {
            Path again = Files.createDirectory(dir.resolve("again-" + same));
            KeyedStore.Builder into = same ? config : KeyedStore.builder(D).maxKeys(1000);
            try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(into), written)) {
                assertEquals(20, q.metrics().keys());
                q.snapshot(again).get(10, TimeUnit.SECONDS);
            }
            io.clipstream.detect.AdaptiveThreshold after = thresholdIn(again);
            assertEquals(same ? cs : io.clipstream.detect.AdaptiveThreshold.Method.PEAKS_OVER_THRESHOLD,
                    after.method());
            assertEquals(same ? before.scoresSinceReset() : 0, after.scoresSinceReset());
        }
    }

    /** The threshold in the trailer of a directory's first-generation one-shard snapshot. */
    private static io.clipstream.detect.AdaptiveThreshold thresholdIn(Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve("gen-1-shard-000-of-001.ckeys"));
        int start = KeyedSnapshotBytes.trailer(bytes) + KeyedSnapshotBytes.THRESHOLD_LENGTH;
        int length = KeyedSnapshotBytes.le(bytes).getInt(start);
        return io.clipstream.detect.AdaptiveThreshold.restore(
                java.util.Arrays.copyOfRange(bytes, start + 4, start + 4 + length));
    }
}
