package io.clipstream.ingest;

import static io.clipstream.ingest.IngestPipelineTest.D;
import static io.clipstream.ingest.IngestPipelineTest.sampleFor;
import static io.clipstream.ingest.KeyedSnapshotBytes.withDouble;
import static io.clipstream.ingest.KeyedSnapshotBytes.withFloat;
import static io.clipstream.ingest.KeyedSnapshotBytes.withInt;
import static io.clipstream.ingest.KeyedSnapshotBytes.withLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keyed snapshot files are validated field by field (issue 12, items 3 and 7): a file whose checksums are valid but
 * whose header, records or trailer hold values a store never writes is refused with an {@link IOException} naming
 * the file, record and field, before a pipeline starts; and counters at {@code Long.MAX_VALUE} restore, saturate,
 * and snapshot again. Every case edits one field of a real file and recomputes its checksums.
 */
class KeyedSnapshotValidationTest {

    static final KeyedStore.Builder CONFIG = KeyedStore.builder(D).maxKeys(100);
    static final String FILE = "gen-1-shard-000-of-001.ckeys";

    /** A one-shard snapshot of 20 keys with a few samples each, as bytes. */
    static byte[] snapshot(Path dir) throws Exception {
        Path d = Files.createDirectories(dir.resolve("source"));
        try (IngestPipeline p = IngestPipeline.builder(CONFIG).start()) {
            for (int seq = 0; seq < 30; seq++) {
                for (long key = 0; key < 20; key++) {
                    assertTrue(p.offer(key, seq, sampleFor(key, seq)));
                }
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            p.snapshot(d).get(10, TimeUnit.SECONDS);
        }
        return Files.readAllBytes(d.resolve(FILE));
    }

    /** Restores {@code bytes} as the only file of a directory. */
    static IngestPipeline restore(Path dir, byte[] bytes, String name) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.write(d.resolve(FILE), bytes);
        return IngestPipeline.restore(IngestPipeline.builder(CONFIG), d);
    }

    private static void assertRefused(Path dir, byte[] bytes, String fragment) {
        IOException e = assertThrows(IOException.class, () -> restore(dir, bytes, "case-" + System.nanoTime()).close(),
                "expected a refusal mentioning: " + fragment);
        assertTrue(e.getMessage().contains(FILE + ": ") && e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void recordFieldsOutOfRangeAreRefused(@TempDir Path dir) throws Exception {
        byte[] s = snapshot(dir);
        int r = KeyedSnapshotBytes.records(s)[3];
        assertRefused(dir, withLong(s, r + KeyedSnapshotBytes.SAMPLES, 0), "record 3 (key ");
        assertRefused(dir, withLong(s, r + KeyedSnapshotBytes.SAMPLES, -7), "samples must be >= 1: -7");
        assertRefused(dir, withLong(s, r + KeyedSnapshotBytes.AGE, -1), "age must be >= 0: -1");
        assertRefused(dir, withDouble(s, r + KeyedSnapshotBytes.TRACKER, Double.POSITIVE_INFINITY),
                "score tracker must be NaN or finite and >= 0: Infinity");
        assertRefused(dir, withDouble(s, r + KeyedSnapshotBytes.TRACKER, -1), "score tracker");
        assertRefused(dir, withLong(s, r + KeyedSnapshotBytes.ANOMALIES, 31), "anomalies must be in [0, samples = 30]");
        assertRefused(dir, withFloat(s, r + KeyedSnapshotBytes.PARAMS + 8, Float.NaN), "estimate[2] is NaN");
        assertRefused(dir, withLong(s, KeyedSnapshotBytes.records(s)[4] + KeyedSnapshotBytes.KEY,
                KeyedSnapshotBytes.le(s).getLong(r + KeyedSnapshotBytes.KEY)), "appears twice");
    }

    @Test
    void headerFieldsOutOfRangeAreRefused(@TempDir Path dir) throws Exception {
        byte[] s = snapshot(dir);
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.MAX_KEYS, 0), "invalid header: keys 20 for maxKeys 0");
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.SHARD, 1), "invalid header: shard 1 of 1");
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.STEP_PADDING, 5), "invalid header: padding must be 0");
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.RESERVED, 5), "invalid header: padding must be 0");
        assertRefused(dir, withLong(s, KeyedSnapshotBytes.GENERATION, -3), "invalid header: generation -3");
        assertRefused(dir, withDouble(s, KeyedSnapshotBytes.STEP_VALUE, 0.5), "invalid header: half-life");
        assertRefused(dir, withDouble(s, KeyedSnapshotBytes.L2, 1e300), "invalid header: l2 must round");
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.CLIP_KIND, 7), "invalid header: clip kind 7 with value 1.0");
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.WARMUP, 1), "invalid header: warmup must be >= 2");
        assertRefused(dir, withInt(s, KeyedSnapshotBytes.DIMENSION, 1 << 30), "invalid header: dimension");
        // a valid header of another configuration is refused before any record is read
        assertRefused(dir, withDouble(s, KeyedSnapshotBytes.STEP_VALUE, 10), "the snapshot's configuration differs");
    }

    @Test
    void trailerCountersMustBeConsistent(@TempDir Path dir) throws Exception {
        byte[] s = snapshot(dir);
        int counters = KeyedSnapshotBytes.trailer(s) + KeyedSnapshotBytes.COUNTERS;
        assertRefused(dir, withLong(s, counters, -1), "invalid trailer counters: negative count");
        assertRefused(dir, withLong(s, counters + 24, 601), "anomalies and clipped must not exceed samples");
        assertRefused(dir, withLong(s, counters + 40, 1), "idle evictions not evictions");
    }

    /** Counters at Long.MAX_VALUE (the store's and a key's) restore, saturate instead of wrapping, and snapshot. */
    @Test
    void countersAtLongMaxValueRestoreAndStayUsable(@TempDir Path dir) throws Exception {
        byte[] s = snapshot(dir);
        int r = KeyedSnapshotBytes.records(s)[0];
        long key = KeyedSnapshotBytes.le(s).getLong(r);
        int counters = KeyedSnapshotBytes.trailer(s) + KeyedSnapshotBytes.COUNTERS;
        long max = Long.MAX_VALUE;
        byte[] edited = s.clone();
        KeyedSnapshotBytes.le(edited).putLong(r + KeyedSnapshotBytes.SAMPLES, max)
                .putLong(r + KeyedSnapshotBytes.ANOMALIES, max).putLong(r + KeyedSnapshotBytes.AGE, max)
                .putLong(counters, max).putLong(counters + 16, max).putLong(counters + 24, max);
        KeyedSnapshotBytes.reseal(edited);
        Path again = Files.createDirectory(dir.resolve("again"));
        try (IngestPipeline p = restore(dir, edited, "max")) {
            for (int seq = 0; seq < 50; seq++) {
                assertTrue(p.offer(key, seq, sampleFor(key, 30 + seq)));
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            assertEquals(max, p.metrics().samples());
            assertEquals(max, p.shardFor(key).store.samples(key));
            p.snapshot(again).get(10, TimeUnit.SECONDS);
        }
        try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(CONFIG), again)) {
            assertEquals(max, q.shardFor(key).store.samples(key));
            assertEquals(20, q.metrics().keys());
        }
    }
}
