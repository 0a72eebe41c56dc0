package io.clipstream.ingest;

import io.clipstream.ClipPolicy;
import io.clipstream.StepSize;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The streamed snapshot format of a {@link KeyedStore} (one file per shard), little-endian:
 * <pre>
 * header   128 bytes: magic "CLSKEYS1", version 2, dimension, shard, shards, keys, step kind and value,
 *          clip kind and value, tracker quantile and rate, l2, p, a, warmup, maxKeys, generation (long; version
 *          1 files have none: generation 0), 4 zero bytes; CRC32C of bytes 0..123
 * chunks   int n (records, 1..), n records, CRC32C of the chunk (n and records); a record is
 *          key, samples, age in ns (now - last seen), tracker, anomalies (8 bytes each), then d floats
 * trailer  int 0, long records written, six counters (samples, rejected, anomalies, clipped, evictions,
 *          idle evictions), int length and the threshold's state, CRC32C of the trailer
 * </pre>
 * The file is written in chunks of about 1 MiB, so a store of any size streams through a small buffer; every
 * chunk is checked before its records are used, and the reader fails on the first bad byte with a message that
 * says where. Ages instead of timestamps let a restore in another process keep idle times.
 */
final class KeyedSnapshot {

    static final byte[] MAGIC_BYTES = {'C', 'L', 'S', 'K', 'E', 'Y', 'S', '1'};
    /** Written: 2 (adds the generation). Read: 1 and 2. */
    static final int VERSION = 2;
    static final int HEADER_BYTES = 128;
    static final int CHUNK_BYTES = 1 << 20;

    private KeyedSnapshot() {
    }

    /** The parameters a snapshot records and a restore checks. */
    record Header(int dimension, int shard, int shards, long keys, int stepKind, double stepValue, int clipKind,
                  double clipValue, double trackerQuantile, double trackerRate, double l2, double quantile,
                  double confidence, int warmup, int maxKeys, long generation) {

        static Header of(KeyedStore s, int shard, int shards, long generation) {
            return of(s.dimension, s.stepSize, s.clip, s.l2, s.quantile, s.confidence, s.warmup, s.maxKeys, s.size(),
                    shard, shards, generation);
        }

        /** The configuration a restore expects, before any store is allocated (no keys, shard 0 of 1). */
        static Header of(KeyedStore.Builder b, long generation) {
            return of(b.dimension, b.stepSize, b.clip, b.l2, b.quantile, b.confidence, b.warmup, b.maxKeys, 0, 0, 1,
                    generation);
        }

        private static Header of(int dimension, StepSize step, ClipPolicy clip, double l2, double quantile,
                                 double confidence, int warmup, int maxKeys, long keys, int shard, int shards,
                                 long generation) {
            int stepKind = step instanceof StepSize.HalfLife ? 1 : 0;
            double stepValue = step instanceof StepSize.HalfLife h ? h.samples() : ((StepSize.Constant) step).value();
            int clipKind;
            double clipValue;
            double q = ClipPolicy.DEFAULT_QUANTILE;
            double r = ClipPolicy.DEFAULT_RATE;
            switch (clip) {
                case ClipPolicy.Adaptive a -> {
                    clipKind = 2;
                    clipValue = a.multiplier();
                    q = a.quantile();
                    r = a.rate();
                }
                case ClipPolicy.Fixed f -> {
                    clipKind = 1;
                    clipValue = f.level();
                }
                default -> {
                    clipKind = 0;
                    clipValue = Double.POSITIVE_INFINITY;
                }
            }
            return new Header(dimension, shard, shards, keys, stepKind, stepValue, clipKind, clipValue, q, r, l2,
                    quantile, confidence, warmup, maxKeys, generation);
        }

        /** Differences in the estimator parameters (not dimension-independent things like maxKeys or shards). */
        List<String> differences(Header o) {
            List<String> d = new ArrayList<>();
            check(d, "dimension", dimension, o.dimension);
            check(d, "step", describeStep(stepKind, stepValue), describeStep(o.stepKind, o.stepValue));
            check(d, "clip", describeClip(clipKind, clipValue, trackerQuantile, trackerRate),
                    describeClip(o.clipKind, o.clipValue, o.trackerQuantile, o.trackerRate));
            check(d, "l2", l2, o.l2);
            check(d, "quantile", quantile, o.quantile);
            check(d, "confidence", confidence, o.confidence);
            check(d, "warmup", warmup, o.warmup);
            return d;
        }

        private static void check(List<String> d, String name, Object a, Object b) {
            if (!a.equals(b)) {
                d.add(name + " " + a + " (snapshot) vs " + b + " (configured)");
            }
        }

        private static String describeStep(int kind, double v) {
            return kind == 1 ? "halfLife(" + v + ")" : "constant(" + v + ")";
        }

        private static String describeClip(int kind, double v, double q, double r) {
            return switch (kind) {
                case 2 -> String.format(Locale.ROOT, "adaptive(%s, %s, %s)", v, q, r);
                case 1 -> "fixed(" + v + ")";
                default -> "none";
            };
        }
    }

    static int recordBytes(int d) {
        return 40 + 4 * d;
    }

    /**
     * Writes the whole store; the caller owns the store's thread. {@code rejected} is the count written as the
     * store's rejected samples: the pipeline's, which also counts the samples refused before they reach the store.
     */
    static void write(KeyedStore store, long rejected, int shard, int shards, long generation, long now,
                      WritableByteChannel out) throws IOException {
        Header h = Header.of(store, shard, shards, generation);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC_BYTES).putInt(VERSION).putInt(h.dimension()).putInt(shard).putInt(shards).putLong(h.keys())
                .putInt(h.stepKind()).putInt(0).putDouble(h.stepValue()).putInt(h.clipKind()).putInt(0)
                .putDouble(h.clipValue()).putDouble(h.trackerQuantile()).putDouble(h.trackerRate()).putDouble(h.l2())
                .putDouble(h.quantile()).putDouble(h.confidence()).putInt(h.warmup()).putInt(h.maxKeys())
                .putLong(generation);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        header.putInt(HEADER_BYTES - 4, (int) crc.getValue());
        header.position(HEADER_BYTES).flip();
        writeFully(out, header);

        int d = store.dimension;
        int record = recordBytes(d);
        int perChunk = Math.max(1, (CHUNK_BYTES - 8) / record);
        ByteBuffer chunk = ByteBuffer.allocateDirect(8 + perChunk * record).order(ByteOrder.LITTLE_ENDIAN);
        MemorySegment chunkSegment = MemorySegment.ofBuffer(chunk);
        long[] written = {0};
        int[] inChunk = {0};
        IOException[] failure = {null};
        chunk.putInt(0);
        store.index.forEachSlot(base -> {
            if (failure[0] != null) {
                return;
            }
            MemorySegment s = store.index.slots;
            chunk.putLong(s.get(ValueLayout.JAVA_LONG, base + KeyIndex.KEY))
                    .putLong(s.get(ValueLayout.JAVA_LONG, base + KeyModel.SAMPLES))
                    .putLong(Math.max(0, now - s.get(ValueLayout.JAVA_LONG, base + KeyIndex.LAST_SEEN)))
                    .putDouble(s.get(ValueLayout.JAVA_DOUBLE, base + KeyModel.TRACKER))
                    .putLong(s.get(ValueLayout.JAVA_LONG, base + KeyModel.ANOMALIES));
            for (int i = 0; i < d; i++) {
                chunk.putFloat(s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + KeyModel.THETA + 4L * i));
            }
            written[0]++;
            if (++inChunk[0] == perChunk) {
                try {
                    flushChunk(chunk, chunkSegment, inChunk[0], out);
                } catch (IOException e) {
                    failure[0] = e;
                }
                inChunk[0] = 0;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        if (inChunk[0] > 0) {
            flushChunk(chunk, chunkSegment, inChunk[0], out);
        }
        byte[] threshold = store.threshold.state();
        ByteBuffer trailer = ByteBuffer.allocate(4 + 8 + 6 * 8 + 4 + threshold.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        trailer.putInt(0).putLong(written[0]).putLong(store.samples()).putLong(rejected)
                .putLong(store.anomalies()).putLong(store.clipped()).putLong(store.evictions())
                .putLong(store.idleEvictions()).putInt(threshold.length).put(threshold);
        crc.reset();
        crc.update(trailer.array(), 0, trailer.position());
        trailer.putInt((int) crc.getValue()).flip();
        writeFully(out, trailer);
    }

    private static void flushChunk(ByteBuffer chunk, MemorySegment chunkSegment, int n, WritableByteChannel out)
            throws IOException {
        chunk.putInt(0, n);
        CRC32C crc = new CRC32C();
        int end = chunk.position();
        crc.update(chunk.duplicate().position(0).limit(end));
        chunk.putInt((int) crc.getValue());
        chunk.flip();
        writeFully(out, chunk);
        chunk.clear();
        chunk.putInt(0);
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** Receives the records of a snapshot as they are verified. */
    interface RecordSink {
        void record(long key, long samples, long age, double tracker, long anomalies, MemorySegment params,
                    long paramsOffset);
    }

    /** What a snapshot held besides its records. */
    record Contents(Header header, long records, long[] counters, byte[] threshold) {
    }

    /** As {@link #read(ReadableByteChannel, String, Header, RecordSink)} without a configuration to match. */
    static Contents read(ReadableByteChannel in, String name, RecordSink sink) throws IOException {
        return read(in, name, null, sink);
    }

    /**
     * Reads a snapshot, handing each verified record to {@code sink}. Every field is checked before it is used:
     * the header by the store builder's rules (and against {@code expected}'s configuration, before any record is
     * read), each record (samples >= 1, age >= 0, tracker NaN or finite >= 0, anomalies within samples, finite
     * parameters) and the trailer's counters (non-negative and consistent), each chunk after its checksum.
     *
     * @param name names the source in error messages
     * @param expected the configuration the records are for (dimension, step, clip, l2, p, a, warmup), or null
     * @throws IOException if the bytes are not a complete, intact, valid snapshot (the message says where)
     */
    static Contents read(ReadableByteChannel in, String name, Header expected, RecordSink sink) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, header, name, "header");
        byte[] magic = new byte[8];
        header.get(0, magic);
        if (!java.util.Arrays.equals(magic, MAGIC_BYTES)) {
            throw new IOException(name + ": not a clipstream keyed-store snapshot (bad magic)");
        }
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        if (header.getInt(HEADER_BYTES - 4) != (int) crc.getValue()) {
            throw new IOException(name + ": header checksum mismatch");
        }
        header.position(8);
        int version = header.getInt();
        if (version != 1 && version != VERSION) {
            throw new IOException(name + ": snapshot version " + version + ", this build reads 1 and " + VERSION);
        }
        int dimension = header.getInt();
        int shard = header.getInt();
        int shards = header.getInt();
        long keys = header.getLong();
        int stepKind = header.getInt();
        header.getInt();
        double stepValue = header.getDouble();
        int clipKind = header.getInt();
        header.getInt();
        Header h = new Header(dimension, shard, shards, keys, stepKind, stepValue, clipKind, header.getDouble(),
                header.getDouble(), header.getDouble(), header.getDouble(), header.getDouble(), header.getDouble(),
                header.getInt(), header.getInt(), version == 1 ? 0 : header.getLong(112));
        String problem = headerProblem(h, version, header);
        if (problem != null) {
            throw new IOException(name + ": invalid header: " + problem);
        }
        if (expected != null) {
            List<String> diff = h.differences(expected);
            if (!diff.isEmpty()) {
                throw new IOException(name + ": the snapshot's configuration differs: " + String.join("; ", diff));
            }
        }
        int record = recordBytes(dimension);
        ByteBuffer count = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer chunk = null;
        MemorySegment chunkSegment = null;
        long records = 0;
        while (true) {
            count.clear();
            readFully(in, count, name, "chunk header after " + records + " records");
            int n = count.getInt(0);
            if (n == 0) {
                break;
            }
            if (n < 0 || (n > 1 && (long) n * record > CHUNK_BYTES * 2L) || records + n > keys) {
                throw new IOException(name + ": implausible chunk of " + n + " records after " + records);
            }
            int bytes = n * record;
            if (chunk == null || chunk.capacity() < bytes + 4) {
                chunk = ByteBuffer.allocateDirect(Math.max(bytes + 4, CHUNK_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
                chunkSegment = MemorySegment.ofBuffer(chunk);
            }
            chunk.clear().limit(bytes + 4);
            readFully(in, chunk, name, "chunk after " + records + " records");
            crc.reset();
            crc.update(count.array(), 0, 4);
            crc.update(chunk.duplicate().position(0).limit(bytes));
            if (chunk.getInt(bytes) != (int) crc.getValue()) {
                throw new IOException(name + ": checksum mismatch in the chunk after " + records + " records");
            }
            for (int i = 0; i < n; i++) {
                int o = i * record;
                long key = chunk.getLong(o);
                long samples = chunk.getLong(o + 8);
                long age = chunk.getLong(o + 16);
                double tracker = chunk.getDouble(o + 24);
                long anomalies = chunk.getLong(o + 32);
                String bad = recordProblem(samples, age, tracker, anomalies, chunk, o + 40, dimension);
                if (bad != null) {
                    throw new IOException(name + ": record " + (records + i) + " (key " + key + "): " + bad);
                }
                sink.record(key, samples, age, tracker, anomalies, chunkSegment, o + 40);
            }
            records += n;
        }
        ByteBuffer fixed = ByteBuffer.allocate(8 + 6 * 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, fixed, name, "trailer");
        long written = fixed.getLong(0);
        long[] counters = new long[6];
        for (int i = 0; i < 6; i++) {
            counters[i] = fixed.getLong(8 + 8 * i);
        }
        int thresholdLength = fixed.getInt(56);
        if (thresholdLength < 0 || thresholdLength > 64 << 20) {
            throw new IOException(name + ": implausible threshold state of " + thresholdLength + " bytes");
        }
        ByteBuffer rest = ByteBuffer.allocate(thresholdLength + 4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, rest, name, "threshold state");
        crc.reset();
        crc.update(count.array(), 0, 4);
        crc.update(fixed.array(), 0, fixed.capacity());
        crc.update(rest.array(), 0, thresholdLength);
        if (rest.getInt(thresholdLength) != (int) crc.getValue()) {
            throw new IOException(name + ": trailer checksum mismatch");
        }
        if (written != records || records != keys) {
            throw new IOException(name + ": " + records + " records read, header says " + keys + ", trailer says "
                    + written);
        }
        String bad = countersProblem(counters);
        if (bad != null) {
            throw new IOException(name + ": invalid trailer counters: " + bad);
        }
        ByteBuffer extra = ByteBuffer.allocate(1);
        if (in.read(extra) > 0) {
            throw new IOException(name + ": trailing bytes after the snapshot");
        }
        byte[] threshold = new byte[thresholdLength];
        rest.get(0, threshold);
        return new Contents(h, records, counters, threshold);
    }

    /** Header fields by the store builder's rules (the same setters validate them), plus the layout's own. */
    private static String headerProblem(Header h, int version, ByteBuffer header) {
        if (h.shards() < 1 || h.shards() > 256 || h.shard() < 0 || h.shard() >= h.shards()) {
            return "shard " + h.shard() + " of " + h.shards();
        }
        if (h.keys() < 0 || h.keys() > h.maxKeys()) {
            return "keys " + h.keys() + " for maxKeys " + h.maxKeys();
        }
        if (h.generation() < 0) {
            return "generation " + h.generation();
        }
        if (header.getInt(36) != 0 || header.getInt(52) != 0 || header.getInt(120) != 0
                || version == 1 && header.getLong(112) != 0) {
            return "padding must be 0";
        }
        if (h.clipKind() != 2 && !(h.trackerQuantile() == ClipPolicy.DEFAULT_QUANTILE
                && h.trackerRate() == ClipPolicy.DEFAULT_RATE && (h.clipKind() == 1
                || h.clipValue() == Double.POSITIVE_INFINITY))) {
            return "clip kind " + h.clipKind() + " with value " + h.clipValue() + ", quantile " + h.trackerQuantile()
                    + ", rate " + h.trackerRate();
        }
        if (h.dimension() < 1 || h.dimension() > KeyedStore.MAX_DIMENSION) {
            return "dimension " + h.dimension();
        }
        try {
            KeyedStore.builder(h.dimension()).maxKeys(h.maxKeys())
                    .stepSize(switch (h.stepKind()) {
                        case 0 -> StepSize.constant(h.stepValue());
                        case 1 -> StepSize.halfLife(h.stepValue());
                        default -> throw new IllegalArgumentException("unknown step kind " + h.stepKind());
                    })
                    .clip(switch (h.clipKind()) {
                        case 0 -> ClipPolicy.none();
                        case 1 -> ClipPolicy.fixed(h.clipValue());
                        case 2 -> ClipPolicy.adaptive(h.clipValue(), h.trackerQuantile(), h.trackerRate());
                        default -> throw new IllegalArgumentException("unknown clip kind " + h.clipKind());
                    })
                    .l2(h.l2()).quantile(h.quantile()).confidence(h.confidence()).warmup(h.warmup());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    /** A record's fields as a store keeps them. */
    private static String recordProblem(long samples, long age, double tracker, long anomalies, ByteBuffer chunk,
                                        int paramsAt, int d) {
        if (samples < 1) {
            return "samples must be >= 1: " + samples;
        }
        if (age < 0) {
            return "age must be >= 0: " + age;
        }
        if (!(tracker != tracker || tracker >= 0 && tracker < Double.POSITIVE_INFINITY)) {
            return "score tracker must be NaN or finite and >= 0: " + tracker;
        }
        if (anomalies < 0 || anomalies > samples) {
            return "anomalies must be in [0, samples = " + samples + "]: " + anomalies;
        }
        for (int i = 0; i < d; i++) {
            float v = chunk.getFloat(paramsAt + 4 * i);
            if (!Float.isFinite(v)) {
                return "estimate[" + i + "] is " + v;
            }
        }
        return null;
    }

    /** samples, rejected, anomalies, clipped, evictions, idle evictions: non-negative and consistent. */
    private static String countersProblem(long[] c) {
        for (long v : c) {
            if (v < 0) {
                return "negative count in " + java.util.Arrays.toString(c);
            }
        }
        if (c[2] > c[0] || c[3] > c[0] || c[5] > c[4]) {
            return "anomalies and clipped must not exceed samples, idle evictions not evictions: "
                    + java.util.Arrays.toString(c);
        }
        return null;
    }

    private static void readFully(ReadableByteChannel in, ByteBuffer b, String name, String what) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw new EOFException(name + ": truncated in the " + what);
            }
        }
    }
}
