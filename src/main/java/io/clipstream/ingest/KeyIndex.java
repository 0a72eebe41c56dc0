package io.clipstream.ingest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The index half of a {@link KeyedStore}: which key owns which slot of a dense, fixed array of slots, and which keys
 * leave. It knows nothing of what a slot holds beyond its first fields, the key and the time it was last seen (what
 * eviction needs); the rest of a slot belongs to the per-key model ({@link KeyModel}).
 *
 * <h2>Layout (all off-heap, fixed at construction)</h2>
 * An open-addressing table of {@value #ENTRY}-byte entries (key, slot + 1 with 0 = empty, 4 spare bytes), linear
 * probing from a strong 64-bit mix of the key, capacity the power of two at or above {@code 2 maxKeys} (load factor
 * at most 1/2); deletion by backward shift, so probe chains stay intact without tombstones. Slots are handed out
 * from a free list (an {@code int[]} of {@code maxKeys}).
 *
 * <h2>Leaving</h2>
 * <ul>
 *   <li>capacity: inserting a new key when every slot is taken first evicts the least recently seen of
 *       {@value #EVICTION_SAMPLES} slots sampled at random (approximate LRU, as Redis does);</li>
 *   <li>idle: {@link #evictIdle} sweeps the table incrementally from where it stopped and removes keys not seen for
 *       longer than the idle time.</li>
 * </ul>
 * Both are counted ({@link #evictions()}, {@link #idleEvictions()}). Not thread-safe: the store's thread owns it.
 */
final class KeyIndex {

    /** Slot field: the key (long). */
    static final long KEY = 0;
    /** Slot field: the time the key was last seen, in the caller's nanoseconds (long). */
    static final long LAST_SEEN = 16;
    /** Bytes at the start of every slot that {@link #insert} zeroes before the model initialises its fields. */
    static final int SLOT_HEADER = 64;
    /** Index entry: key (8 bytes), slot + 1 (4 bytes; 0 = empty), spare (4 bytes). */
    static final int ENTRY = 16;
    /** Keys sampled for capacity eviction. */
    static final int EVICTION_SAMPLES = 8;

    final MemorySegment slots;
    final int maxKeys;
    final int slotBytes;
    private final MemorySegment index;
    private final long mask;
    private final int[] free;
    private int freeTop;
    private int size;
    private long sweepCursor;
    private long random = 0x9E3779B97F4A7C15L;
    private long evictions;
    private long idleEvictions;

    /**
     * @param slots {@code maxKeys * slotBytes} bytes
     * @param index {@link #capacity capacity(maxKeys)} entries of {@value #ENTRY} bytes, zeroed
     */
    KeyIndex(MemorySegment slots, MemorySegment index, int maxKeys, int slotBytes) {
        if (slots.byteSize() < (long) maxKeys * slotBytes || index.byteSize() < capacity(maxKeys) * ENTRY
                || slotBytes < SLOT_HEADER) {
            throw new IllegalArgumentException("segments too small for " + maxKeys + " slots of " + slotBytes
                    + " bytes: " + slots.byteSize() + " and " + index.byteSize() + " bytes");
        }
        this.slots = slots;
        this.index = index;
        this.maxKeys = maxKeys;
        this.slotBytes = slotBytes;
        this.mask = capacity(maxKeys) - 1;
        this.free = new int[maxKeys];
        for (int i = 0; i < maxKeys; i++) {
            free[i] = maxKeys - 1 - i;
        }
        this.freeTop = maxKeys;
    }

    /** Entries of the table for {@code maxKeys} keys: the power of two at or above {@code 2 maxKeys}. */
    static long capacity(int maxKeys) {
        return Long.highestOneBit(Math.max(2, 2L * maxKeys - 1)) << 1;
    }

    /** Bytes of the table and the free list for {@code maxKeys} keys. */
    static long memoryBytes(int maxKeys) {
        return capacity(maxKeys) * ENTRY + 4L * maxKeys;
    }

    /** A strong 64-bit mix (Stafford's variant 13 of the MurmurHash3 finalizer): sequential keys spread out. */
    static long mix(long key) {
        long z = key;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long entry(long position) {
        return position * ENTRY;
    }

    private int ref(long position) {
        return index.get(ValueLayout.JAVA_INT, entry(position) + 8);
    }

    private long keyAt(long position) {
        return index.get(ValueLayout.JAVA_LONG, entry(position));
    }

    /** The table position holding {@code key}, or {@code -(insertion position) - 1} if absent. */
    long find(long key) {
        long p = mix(key) & mask;
        while (true) {
            int r = ref(p);
            if (r == 0) {
                return -p - 1;
            }
            if (keyAt(p) == key) {
                return p;
            }
            p = (p + 1) & mask;
        }
    }

    /** The byte offset in {@link #slots} of the slot of the key at table position {@code position}. */
    long slotAt(long position) {
        return slotBase(ref(position) - 1);
    }

    private long slotBase(int slot) {
        return (long) slot * slotBytes;
    }

    /** Keys held. */
    int size() {
        return size;
    }

    /** Whether every slot is taken. */
    boolean full() {
        return freeTop == 0;
    }

    /** The last-seen time of the slot at {@code base}. */
    long lastSeen(long base) {
        return slots.get(ValueLayout.JAVA_LONG, base + LAST_SEEN);
    }

    /** Records that the key of the slot at {@code base} was seen at {@code now}. */
    void touch(long base, long now) {
        slots.set(ValueLayout.JAVA_LONG, base + LAST_SEEN, now);
    }

    /**
     * Adds {@code key} (absent: {@code found} is what {@link #find} returned for it), evicting by capacity if every
     * slot is taken. The new slot's first {@value #SLOT_HEADER} bytes are zero but for the key and {@code now}.
     *
     * @return the new slot's byte offset in {@link #slots}
     */
    long insert(long key, long found, long now) {
        long p = -found - 1;
        if (freeTop == 0) {
            evictOne();
            p = -find(key) - 1; // the deletion may have shifted entries
        }
        int slot = free[--freeTop];
        index.set(ValueLayout.JAVA_LONG, entry(p), key);
        index.set(ValueLayout.JAVA_INT, entry(p) + 8, slot + 1);
        long base = slotBase(slot);
        for (long off = 0; off < SLOT_HEADER; off += 8) {
            slots.set(ValueLayout.JAVA_LONG, base + off, 0);
        }
        slots.set(ValueLayout.JAVA_LONG, base + KEY, key);
        slots.set(ValueLayout.JAVA_LONG, base + LAST_SEEN, now);
        size++;
        return base;
    }

    /** Capacity eviction: the least recently seen of {@link #EVICTION_SAMPLES} random slots (all are taken). */
    private void evictOne() {
        int victim = -1;
        long oldest = Long.MAX_VALUE;
        for (int s = 0; s < EVICTION_SAMPLES; s++) {
            random ^= random << 13;
            random ^= random >>> 7;
            random ^= random << 17;
            int slot = (int) Long.remainderUnsigned(random, maxKeys);
            long seen = slots.get(ValueLayout.JAVA_LONG, slotBase(slot) + LAST_SEEN);
            if (seen - oldest < 0 || victim < 0) {
                oldest = seen;
                victim = slot;
            }
        }
        deleteAt(find(slots.get(ValueLayout.JAVA_LONG, slotBase(victim) + KEY)));
        evictions = saturatingAdd(evictions, 1);
    }

    /** Removes the entry at table position {@code p} (backward-shift deletion keeps every probe chain intact). */
    private void deleteAt(long p) {
        int slot = ref(p) - 1;
        long i = p;
        long j = (i + 1) & mask;
        while (ref(j) != 0) {
            long home = mix(keyAt(j)) & mask;
            // move j back to i unless its home lies cyclically in (i, j]
            if (((j - home) & mask) >= ((j - i) & mask)) {
                MemorySegment.copy(index, entry(j), index, entry(i), ENTRY);
                i = j;
            }
            j = (j + 1) & mask;
        }
        index.set(ValueLayout.JAVA_LONG, entry(i), 0);
        index.set(ValueLayout.JAVA_INT, entry(i) + 8, 0);
        free[freeTop++] = slot;
        size--;
    }

    /** Removes {@code key}; returns whether it was present (not an eviction). */
    boolean remove(long key) {
        long p = find(key);
        if (p < 0) {
            return false;
        }
        deleteAt(p);
        return true;
    }

    /**
     * Examines up to {@code maxExamined} table entries from where the last sweep stopped and evicts the keys not
     * seen since {@code now - idleNanos}.
     *
     * @return the number of keys evicted
     */
    int evictIdle(long now, long idleNanos, int maxExamined) {
        if (size == 0) {
            return 0;
        }
        int evicted = 0;
        // one full turn of the table (plus a second look at each position a deletion shifted an entry into) covers
        // every key: more would circle a small table, up to 2^31 times for evictIdle(now, Integer.MAX_VALUE)
        long examine = Math.min(maxExamined, mask + 1 + size);
        for (long k = 0; k < examine && size > 0; k++) {
            long p = sweepCursor;
            int r = ref(p);
            if (r != 0 && now - slots.get(ValueLayout.JAVA_LONG, slotBase(r - 1) + LAST_SEEN) > idleNanos) {
                deleteAt(p);
                evicted++;
                // an entry may have shifted into p: look at it again
                continue;
            }
            sweepCursor = (p + 1) & mask;
        }
        evictions = saturatingAdd(evictions, evicted);
        idleEvictions = saturatingAdd(idleEvictions, evicted);
        return evicted;
    }

    /** Keys evicted (idle and capacity). */
    long evictions() {
        return evictions;
    }

    /** Keys evicted for being idle. */
    long idleEvictions() {
        return idleEvictions;
    }

    /** Sets the eviction counters (a restore). */
    void restoreCounters(long evictions, long idleEvictions) {
        this.evictions = evictions;
        this.idleEvictions = idleEvictions;
    }

    /**
     * Loads the home entries of {@code keys[from .. from + n)}, then the slots they point to, so that their cache
     * misses overlap; returns a value derived from the loaded bytes.
     */
    long prefetch(long[] keys, int from, int n) {
        long t = 0;
        for (int i = from; i < from + n; i++) {
            t += index.get(ValueLayout.JAVA_LONG, entry(mix(keys[i]) & mask));
        }
        for (int i = from; i < from + n; i++) {
            long p = find(keys[i]);
            if (p >= 0) {
                long base = slotAt(p);
                for (long off = 0; off < slotBytes; off += 64) {
                    t += slots.get(ValueLayout.JAVA_INT, base + off);
                }
            }
        }
        return t;
    }

    /** Visits every key's slot byte offset, in table order (for snapshots). */
    interface SlotVisitor {
        void visit(long slotBase);
    }

    void forEachSlot(SlotVisitor visitor) {
        for (long p = 0; p <= mask; p++) {
            int r = ref(p);
            if (r != 0) {
                visitor.visit(slotBase(r - 1));
            }
        }
    }

    static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }
}
