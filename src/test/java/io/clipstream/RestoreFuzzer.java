package io.clipstream;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A bounded, seeded fuzzer for any restore path: a function from bytes to a restored object, the exception types
 * its documentation allows, a usability check for whatever restores, and (optionally) the field layout and a way
 * to recompute the checksums, for edits that the checksum cannot catch.
 *
 * <p>From each seed snapshot it derives mutations of five kinds: bit flips (1-3 bits, checksum left stale), a
 * truncation, an extension (random bytes appended), and CRC-valid edits, the checksums recomputed after either an
 * interesting value written into a declared field (0, -1, extremes, NaN, infinities, subnormals, neighbours of the
 * current value) or random bytes written over one. The contract it checks for every mutation: the restore either
 * throws one of the documented exception types, or returns an object that passes the usability check (typically:
 * it accepts a good sample, stays finite, and its own snapshot restores). Anything else (another exception type
 * escaping, a usability failure) is collected with the mutation that caused it and reported together.
 *
 * <p>Written generically so that other restore paths (detectors, thresholds) plug in with their own function,
 * layout and check:
 * <pre>{@code
 * RestoreFuzzer.Report r = new RestoreFuzzer<>("threshold", bytes -> AdaptiveThreshold.restore(bytes),
 *         t -> { t.observe(1.0); AdaptiveThreshold.restore(t.state()); }, IllegalArgumentException.class)
 *     .fields(List.of(new RestoreFuzzer.Field("count", 8, RestoreFuzzer.Kind.LONG)))
 *     .reseal(MyFormat::recomputeCrc)
 *     .run(seeds, 42, 5_000);
 * r.assertClean();
 * }</pre>
 *
 * @param <T> what a restore returns
 */
public final class RestoreFuzzer<T> {

    /** Bytes to a restored object; may throw the documented exceptions. */
    @FunctionalInterface
    public interface Restore<T> {
        /** Restores {@code bytes}. */
        T restore(byte[] bytes) throws Exception;
    }

    /** Throws (an {@link AssertionError} or any exception) if a restored object is not usable. */
    @FunctionalInterface
    public interface Usability<T> {
        /** Checks {@code restored}. */
        void check(T restored) throws Exception;
    }

    /** Recomputes every checksum of an edited snapshot, in place, and returns it. */
    @FunctionalInterface
    public interface Reseal {
        /** Reseals {@code bytes}. */
        byte[] reseal(byte[] bytes);
    }

    /** How a field is encoded (little-endian). */
    public enum Kind {
        /** One byte. */
        BYTE(1),
        /** A 32-bit integer. */
        INT(4),
        /** A 64-bit integer. */
        LONG(8),
        /** A float. */
        FLOAT(4),
        /** A double. */
        DOUBLE(8);

        final int bytes;

        Kind(int bytes) {
            this.bytes = bytes;
        }
    }

    /**
     * A field of the layout at a fixed offset (negative offsets count from the end of the snapshot).
     *
     * @param name for reports
     * @param offset the byte offset, or {@code -k} for {@code k} bytes before the end
     * @param kind the encoding
     */
    public record Field(String name, int offset, Kind kind) {
    }

    /** A mutation that broke the contract, and how. */
    public record Failure(String mutation, String problem) {
    }

    /**
     * The outcome of a run.
     *
     * @param mutations mutations tried
     * @param restored of which restored (and passed the usability check)
     * @param refused of which were refused with a documented exception
     * @param failures contract violations (at most 20 kept), and their total number
     * @param failureCount all violations
     */
    public record Report(String name, int mutations, int restored, int refused, List<Failure> failures,
                         int failureCount) {
        /** Fails with every kept violation unless there were none. */
        public void assertClean() {
            if (failureCount > 0) {
                StringBuilder b = new StringBuilder(name + ": " + failureCount + " of " + mutations
                        + " mutations broke the contract:");
                for (Failure f : failures) {
                    b.append("\n  ").append(f.mutation()).append(": ").append(f.problem());
                }
                throw new AssertionError(b.toString());
            }
        }

        @Override
        public String toString() {
            return name + ": " + mutations + " mutations, " + restored + " restored and usable, " + refused
                    + " refused, " + failureCount + " violations";
        }
    }

    private final String name;
    private final Restore<T> restore;
    private final Usability<T> usability;
    private final List<Class<? extends Throwable>> documented;
    private List<Field> fields = List.of();
    private Reseal reseal;
    private boolean anywhere = true;

    /**
     * @param name names the restore path in reports
     * @param restore the restore path
     * @param usability the check every restored object must pass
     * @param documented the exception types the restore path may throw
     */
    @SafeVarargs
    public RestoreFuzzer(String name, Restore<T> restore, Usability<T> usability,
                         Class<? extends Throwable>... documented) {
        this.name = name;
        this.restore = Objects.requireNonNull(restore);
        this.usability = Objects.requireNonNull(usability);
        this.documented = List.of(documented);
    }

    /** The fields that CRC-valid edits target. */
    public RestoreFuzzer<T> fields(List<Field> layout) {
        this.fields = List.copyOf(layout);
        return this;
    }

    /**
     * Whether CRC-valid random-byte edits may land anywhere (the default) or only in the declared fields (for a
     * format with a region whose validation is tested elsewhere).
     */
    public RestoreFuzzer<T> randomEditsAnywhere(boolean yes) {
        this.anywhere = yes;
        return this;
    }

    /** How to recompute the checksums after an edit (without it, no CRC-valid edits are made). */
    public RestoreFuzzer<T> reseal(Reseal r) {
        this.reseal = r;
        return this;
    }

    /**
     * Runs {@code mutations} mutations, spread over the seed snapshots, from the random seed {@code seed}.
     * Each seed snapshot is first checked to restore and be usable as it is.
     */
    public Report run(List<byte[]> seeds, long seed, int mutations) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Failure> failures = new ArrayList<>();
        int failureCount = 0;
        int restored = 0;
        int refused = 0;
        for (int i = 0; i < seeds.size(); i++) {
            String problem = attempt(seeds.get(i), false);
            if (problem != null) {
                failures.add(new Failure("unmutated seed " + i, problem));
                failureCount++;
            }
        }
        for (int m = 0; m < mutations; m++) {
            int which = r.nextInt(seeds.size());
            byte[] original = seeds.get(which);
            StringBuilder description = new StringBuilder("seed " + which + " (" + original.length + " bytes): ");
            byte[] bytes = mutate(original, r, description);
            String problem = attempt(bytes, true);
            if (problem == null) {
                restored++;
            } else if (problem.isEmpty()) {
                refused++;
            } else {
                failureCount++;
                if (failures.size() < 20) {
                    failures.add(new Failure(description.toString(), problem));
                }
            }
        }
        return new Report(name, mutations, restored, refused, failures, failureCount);
    }

    /** null: restored and usable; "": refused as documented; otherwise the violation. */
    private String attempt(byte[] bytes, boolean mayRefuse) {
        T t;
        try {
            t = restore.restore(bytes);
        } catch (Throwable e) {
            for (Class<? extends Throwable> c : documented) {
                if (c.isInstance(e)) {
                    return mayRefuse ? "" : "refused: " + e;
                }
            }
            return "undocumented " + describe(e);
        }
        if (t == null) {
            return "restore returned null";
        }
        try {
            usability.check(t);
            return null;
        } catch (Throwable e) {
            return "restored but unusable: " + describe(e);
        }
    }

    private static String describe(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        return e + (st.length > 0 ? " at " + st[0] : "");
    }

    private byte[] mutate(byte[] original, SplittableRandom r, StringBuilder d) {
        int kind = r.nextInt(reseal != null ? 5 : 3);
        switch (kind) {
            case 0 -> {
                byte[] b = original.clone();
                int flips = 1 + r.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    int bit = r.nextInt(b.length * 8);
                    b[bit >>> 3] ^= (byte) (1 << (bit & 7));
                    d.append("flip bit ").append(bit).append(' ');
                }
                return b;
            }
            case 1 -> {
                int length = r.nextInt(original.length);
                d.append("truncate to ").append(length);
                return Arrays.copyOf(original, length);
            }
            case 2 -> {
                int extra = 1 + r.nextInt(16);
                byte[] b = Arrays.copyOf(original, original.length + extra);
                for (int i = original.length; i < b.length; i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                d.append("extend by ").append(extra);
                return b;
            }
            case 3 -> {
                if (fields.isEmpty()) {
                    return mutate(original, r, d);
                }
                Field f = fields.get(r.nextInt(fields.size()));
                byte[] b = original.clone();
                int at = f.offset() >= 0 ? f.offset() : b.length + f.offset();
                if (at < 0 || at + f.kind().bytes > b.length) {
                    return mutate(original, r, d.append(f.name()).append(" out of range; instead "));
                }
                d.append("CRC-valid edit of ").append(f.name()).append(" (byte ").append(at).append(") to ");
                writeInteresting(b, at, f.kind(), r, d);
                return reseal.reseal(b);
            }
            default -> {
                byte[] b = original.clone();
                int at;
                int length;
                if (!fields.isEmpty() && (!anywhere || r.nextBoolean())) {
                    Field f = fields.get(r.nextInt(fields.size()));
                    at = f.offset() >= 0 ? f.offset() : b.length + f.offset();
                    length = f.kind().bytes;
                    d.append("CRC-valid random bytes in ").append(f.name());
                } else {
                    length = 1 + r.nextInt(8);
                    at = r.nextInt(Math.max(1, b.length - length));
                    d.append("CRC-valid random bytes");
                }
                if (at < 0 || at + length > b.length) {
                    return mutate(original, r, d.append(" (out of range; instead) "));
                }
                d.append(" at ").append(at).append('+').append(length);
                for (int i = 0; i < length; i++) {
                    b[at + i] = (byte) r.nextInt(256);
                }
                return reseal.reseal(b);
            }
        }
    }

    private static final long[] LONGS = {0, 1, -1, 2, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
        Integer.MAX_VALUE, 1L << 62, 1L << 32};
    private static final double[] DOUBLES = {0, -0.0, 1, -1, 0.5, 2, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL, Float.MAX_VALUE,
        Float.MIN_VALUE, 1e300, 1e-300, 1e-45, 1e39, 1e-60, 3.5e38, Math.nextUp((double) Float.MAX_VALUE)};

    private static void writeInteresting(byte[] b, int at, Kind kind, SplittableRandom r, StringBuilder d) {
        ByteBuffer l = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int choice = r.nextInt(4);
        switch (kind) {
            case BYTE -> {
                int v = choice == 0 ? l.get(at) + (r.nextBoolean() ? 1 : -1) : r.nextInt(256);
                l.put(at, (byte) v);
                d.append(v);
            }
            case INT -> {
                int old = l.getInt(at);
                int v = switch (choice) {
                    case 0 -> old + (r.nextBoolean() ? 1 : -1);
                    case 1 -> (int) LONGS[r.nextInt(LONGS.length)];
                    case 2 -> old * 2;
                    default -> r.nextInt();
                };
                l.putInt(at, v);
                d.append(v);
            }
            case LONG -> {
                long old = l.getLong(at);
                long v = switch (choice) {
                    case 0 -> old + (r.nextBoolean() ? 1 : -1);
                    case 1 -> LONGS[r.nextInt(LONGS.length)];
                    case 2 -> old * 2;
                    default -> r.nextLong();
                };
                l.putLong(at, v);
                d.append(v);
            }
            case FLOAT -> {
                float old = l.getFloat(at);
                float v = switch (choice) {
                    case 0 -> old * (float) Math.scalb(1.0, r.nextInt(-40, 41));
                    case 1 -> (float) DOUBLES[r.nextInt(DOUBLES.length)];
                    case 2 -> -old;
                    default -> Float.intBitsToFloat(r.nextInt());
                };
                l.putFloat(at, v);
                d.append(v);
            }
            case DOUBLE -> {
                double old = l.getDouble(at);
                double v = switch (choice) {
                    case 0 -> old * Math.scalb(1.0, r.nextInt(-200, 201));
                    case 1 -> DOUBLES[r.nextInt(DOUBLES.length)];
                    case 2 -> r.nextBoolean() ? Math.nextUp(old) : -old;
                    default -> Double.longBitsToDouble(r.nextLong());
                };
                l.putDouble(at, v);
                d.append(v);
            }
        }
    }
}
