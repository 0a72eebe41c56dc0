package io.clipstream.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.clipstream.ClipPolicy;
import io.clipstream.StepSize;
import io.clipstream.internal.kernel.ScalarKernels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden keyed-store snapshot files, written before {@link KeyedStore} was split into its index and its per-key
 * model (issue 11, item 5) and committed under {@code src/test/resources/golden/}: each restores and writes itself
 * back byte for byte, and the seeded recipe that produced it (scalar kernels: the same bits on every machine) still
 * produces exactly those bytes, so neither the file format, nor the per-key arithmetic, nor the index's order of
 * keys (records are written in index order) can drift unnoticed.
 *
 * <p>The files under {@code golden/threshold-v2/} are the same recipes written before the threshold state moved to
 * version 3 (plain instead of Deflate-compressed histograms): they must still restore, and a store restored from
 * them writes exactly the current golden bytes (same state, current encoding).
 *
 * <p>To rewrite them (only for a deliberate format change): {@code java -cp ...
 * io.clipstream.ingest.KeyedGoldenSnapshotTest src/test/resources/golden}.
 */
class KeyedGoldenSnapshotTest {

    static final long NOW = 1_000_000_000_000L;

    record Golden(String name, int dimension, int keys, KeyedStore.Builder config) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Golden> goldens() {
        ScalarKernels scalar = new ScalarKernels(true);
        return List.of(
                new Golden("keyed-default", 3, 40, KeyedStore.builder(3).maxKeys(64).warmup(2).kernels(scalar)),
                // a full store: capacity evictions, idle evictions, a fixed clip and L2
                new Golden("keyed-evicting-fixed-l2", 5, 90, KeyedStore.builder(5).maxKeys(32)
                        .stepSize(StepSize.constant(0.2)).clip(ClipPolicy.fixed(3)).l2(0.01)
                        .evictIdleAfter(java.time.Duration.ofNanos(5_000)).kernels(scalar)));
    }

    /** A seeded stream over the keys: 1,500 samples, every 37th bad, the clock advancing by 10 ns a sample. */
    static KeyedStore produceStore(Golden g) {
        KeyedStore store = g.config().build();
        SplittableRandom r = new SplittableRandom(g.name().hashCode());
        long now = NOW - 15_000;
        for (int i = 0; i < 1_500; i++, now += 10) {
            long key = r.nextInt(g.keys()) * 7919L - 100;
            float[] x = new float[g.dimension()];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (key % 5 + (r.nextInt(50) == 0 ? 40 : 1) * r.nextGaussian());
            }
            if (i % 37 == 36) {
                x[r.nextInt(x.length)] = Float.NaN;
            }
            try {
                store.process(key, x, now);
            } catch (IllegalArgumentException expected) {
                // counted in rejected()
            }
            if (i % 100 == 99) {
                store.evictIdle(now, 16);
            }
        }
        return store;
    }

    static byte[] write(KeyedStore store) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        KeyedSnapshot.write(store, store.rejected(), 0, 1, 7, NOW, Channels.newChannel(out));
        return out.toByteArray();
    }

    /** Restores a file into a store of the recipe's configuration as {@code IngestPipeline.restore} does. */
    static KeyedStore restore(Golden g, byte[] bytes) throws IOException {
        KeyedStore store = g.config().build();
        KeyedSnapshot.Contents c = KeyedSnapshot.read(Channels.newChannel(new ByteArrayInputStream(bytes)),
                g.name(), KeyedSnapshot.Header.of(store, 0, 1, 7), (key, samples, age, tracker, anomalies, params,
                        off) -> store.putRecord(key, samples, NOW - age, tracker, anomalies, params, off));
        store.threshold.restoreState(c.threshold());
        long[] k = c.counters();
        store.restoreCounters(k[0], k[1], k[2], k[3], k[4], k[5]);
        return store;
    }

    static byte[] golden(String name) throws IOException {
        try (InputStream in = KeyedGoldenSnapshotTest.class.getResourceAsStream("/golden/" + name + ".snapshot")) {
            assertNotNull(in, "missing golden snapshot " + name);
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void goldenFilesRestoreAndWriteBackTheSameBytes(Golden g) throws IOException {
        byte[] bytes = golden(g.name());
        try (KeyedStore back = restore(g, bytes)) {
            assertArrayEquals(bytes, write(back), g + ": restored and written back");
        }
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void theRecipeStillProducesTheGoldenBytes(Golden g) throws IOException {
        try (KeyedStore store = produceStore(g)) {
            assertArrayEquals(golden(g.name()), write(store), g + ": the same samples now give other bytes");
        }
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void filesWithVersionTwoThresholdStateRestoreToTheSameState(Golden g) throws IOException {
        byte[] old = golden("threshold-v2/" + g.name());
        assertFalse(Arrays.equals(old, golden(g.name())), "the legacy file is in the old encoding");
        try (KeyedStore back = restore(g, old)) {
            assertArrayEquals(golden(g.name()), write(back), g + ": a version-2 file restored and written back");
        }
    }

    /** Writes the golden files into the directory given as the first argument. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Golden g : goldens()) {
            try (KeyedStore store = produceStore(g)) {
                Files.write(dir.resolve(g.name() + ".snapshot"), write(store));
            }
        }
    }
}
