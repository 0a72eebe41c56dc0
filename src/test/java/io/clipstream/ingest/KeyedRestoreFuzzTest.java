package io.clipstream.ingest;

import static io.clipstream.ingest.IngestPipelineTest.sampleFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipstream.ClipPolicy;
import io.clipstream.RestoreFuzzer;
import io.clipstream.RestoreFuzzer.Field;
import io.clipstream.RestoreFuzzer.Kind;
import io.clipstream.StepSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keyed snapshot restore path ({@link IngestPipeline#restore}) against bit flips, truncations, extensions and
 * CRC-valid edits of header, record and trailer fields, for three store configurations (issue 12, item 7): only
 * {@link IOException} escapes, and whatever restores processes new samples (for a restored key and a new one),
 * snapshots again, and that snapshot restores. Seeded and bounded.
 *
 * <p>CRC-valid edits hit the declared fields and, since the threshold's state is validated by its own restore
 * (issue 12, item 4), random positions anywhere, the threshold's state in the trailer included.
 */
class KeyedRestoreFuzzTest {

    private static final AtomicLong CASES = new AtomicLong();

    static List<KeyedStore.Builder> configs() {
        return List.of(KeyedStore.builder(4).maxKeys(64),
                KeyedStore.builder(3).maxKeys(64).clip(ClipPolicy.fixed(2)).stepSize(StepSize.constant(0.2)).l2(0.01),
                KeyedStore.builder(5).maxKeys(64).clip(ClipPolicy.none()).stepSize(StepSize.halfLife(20)).warmup(3));
    }

    /** A one-shard snapshot of 12 keys with up to 40 samples each (some keys past warm-up, so with decisions). */
    static byte[] snapshot(KeyedStore.Builder config, Path dir) throws Exception {
        Path d = Files.createDirectories(dir.resolve("seed-" + CASES.incrementAndGet()));
        try (IngestPipeline p = IngestPipeline.builder(config).start()) {
            int dim = p.dimension();
            for (int seq = 0; seq < 40; seq++) {
                for (long key = 0; key < 12; key++) {
                    if (seq < 3 + key * 3) {
                        assertTrue(p.offer(key, seq, sample(key, seq, dim)));
                    }
                }
            }
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)));
            p.snapshot(d).get(10, TimeUnit.SECONDS);
        }
        return Files.readAllBytes(d.resolve(KeyedSnapshotValidationTest.FILE));
    }

    static float[] sample(long key, long seq, int dim) {
        return java.util.Arrays.copyOf(sampleFor(key, seq), dim);
    }

    static List<Field> layout(byte[] s) {
        List<Field> f = new ArrayList<>(List.of(
                new Field("version", KeyedSnapshotBytes.VERSION, Kind.INT),
                new Field("dimension", KeyedSnapshotBytes.DIMENSION, Kind.INT),
                new Field("shard", KeyedSnapshotBytes.SHARD, Kind.INT),
                new Field("shards", KeyedSnapshotBytes.SHARDS, Kind.INT),
                new Field("keys", KeyedSnapshotBytes.KEYS, Kind.LONG),
                new Field("step kind", KeyedSnapshotBytes.STEP_KIND, Kind.INT),
                new Field("step padding", KeyedSnapshotBytes.STEP_PADDING, Kind.INT),
                new Field("step value", KeyedSnapshotBytes.STEP_VALUE, Kind.DOUBLE),
                new Field("clip kind", KeyedSnapshotBytes.CLIP_KIND, Kind.INT),
                new Field("clip value", KeyedSnapshotBytes.CLIP_VALUE, Kind.DOUBLE),
                new Field("tracker quantile", KeyedSnapshotBytes.TRACKER_QUANTILE, Kind.DOUBLE),
                new Field("tracker rate", KeyedSnapshotBytes.TRACKER_RATE, Kind.DOUBLE),
                new Field("l2", KeyedSnapshotBytes.L2, Kind.DOUBLE),
                new Field("quantile", KeyedSnapshotBytes.QUANTILE, Kind.DOUBLE),
                new Field("confidence", KeyedSnapshotBytes.CONFIDENCE, Kind.DOUBLE),
                new Field("warmup", KeyedSnapshotBytes.WARMUP, Kind.INT),
                new Field("maxKeys", KeyedSnapshotBytes.MAX_KEYS, Kind.INT),
                new Field("generation", KeyedSnapshotBytes.GENERATION, Kind.LONG),
                new Field("reserved", KeyedSnapshotBytes.RESERVED, Kind.INT),
                new Field("chunk count", KeyedSnapshotBytes.HEADER, Kind.INT)));
        int[] records = KeyedSnapshotBytes.records(s);
        for (int i : new int[] {0, 1, records.length - 1}) {
            int r = records[i];
            f.add(new Field("record " + i + " key", r + KeyedSnapshotBytes.KEY, Kind.LONG));
            f.add(new Field("record " + i + " samples", r + KeyedSnapshotBytes.SAMPLES, Kind.LONG));
            f.add(new Field("record " + i + " age", r + KeyedSnapshotBytes.AGE, Kind.LONG));
            f.add(new Field("record " + i + " tracker", r + KeyedSnapshotBytes.TRACKER, Kind.DOUBLE));
            f.add(new Field("record " + i + " anomalies", r + KeyedSnapshotBytes.ANOMALIES, Kind.LONG));
            f.add(new Field("record " + i + " estimate[0]", r + KeyedSnapshotBytes.PARAMS, Kind.FLOAT));
        }
        int t = KeyedSnapshotBytes.trailer(s);
        f.add(new Field("trailer written", t + KeyedSnapshotBytes.WRITTEN, Kind.LONG));
        String[] counters = {"samples", "rejected", "anomalies", "clipped", "evictions", "idle evictions"};
        for (int i = 0; i < counters.length; i++) {
            f.add(new Field("trailer " + counters[i], t + KeyedSnapshotBytes.COUNTERS + 8 * i, Kind.LONG));
        }
        return f;
    }

    @Test
    void mutatedKeyedSnapshotsAreRefusedOrUsable(@TempDir Path dir) throws Exception {
        int config = 0;
        for (KeyedStore.Builder c : configs()) {
            byte[] seed = snapshot(c, dir);
            RestoreFuzzer.Report report = new RestoreFuzzer<IngestPipeline>("keyed snapshots, config " + config,
                    bytes -> restore(c, dir, bytes), p -> usable(c, dir, p), IOException.class)
                    .fields(layout(seed)).reseal(KeyedSnapshotBytes::reseal).randomEditsAnywhere(true)
                    .run(List.of(seed), 11 + config, 100);
            System.out.println(report);
            report.assertClean();
            assertTrue(report.restored() > 5 && report.refused() > 40, report.toString());
            config++;
        }
    }

    private static IngestPipeline restore(KeyedStore.Builder config, Path dir, byte[] bytes) throws IOException {
        Path d = Files.createDirectories(dir.resolve("case-" + CASES.incrementAndGet()));
        Files.write(d.resolve(KeyedSnapshotValidationTest.FILE), bytes);
        return IngestPipeline.restore(IngestPipeline.builder(config), d);
    }

    /** Processes a sample for a restored key and a new one, snapshots, restores that; closes everything. */
    private static void usable(KeyedStore.Builder config, Path dir, IngestPipeline p) throws Exception {
        try (p) {
            long before = p.metrics().samples();
            long keys = p.metrics().keys();
            int dim = p.dimension();
            assertTrue(p.offer(0, 100, sample(0, 100, dim)));
            assertTrue(p.offer(1_000_000, 0, sample(7, 0, dim)));
            assertTrue(p.awaitProcessed(Duration.ofSeconds(10)), "processes new samples");
            assertEquals(before > Long.MAX_VALUE - 2 ? Long.MAX_VALUE : before + 2, p.metrics().samples(),
                    "both processed (the count saturates)");
            assertEquals(0, p.metrics().errors());
            Path again = Files.createDirectories(dir.resolve("again-" + CASES.incrementAndGet()));
            p.snapshot(again).get(10, TimeUnit.SECONDS);
            try (IngestPipeline q = IngestPipeline.restore(IngestPipeline.builder(config), again)) {
                assertEquals(p.metrics().keys(), q.metrics().keys(), "its own snapshot restores");
                assertTrue(q.metrics().keys() >= Math.min(keys, 1), "keys kept");
            }
        }
    }
}
