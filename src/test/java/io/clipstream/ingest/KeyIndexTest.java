package io.clipstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The store's index on its own (no model, no kernels): keys to slots against a {@link HashMap}, under inserts,
 * removals, capacity evictions and idle sweeps; every slot owned by one key, the free list exact.
 */
class KeyIndexTest {

    static final int SLOT = 64;

    static KeyIndex index(Arena arena, int maxKeys) {
        return new KeyIndex(arena.allocate((long) maxKeys * SLOT, 64),
                arena.allocate(KeyIndex.capacity(maxKeys) * KeyIndex.ENTRY, 64), maxKeys, SLOT);
    }

    /** Each key's slot holds the key and its last-seen time; no two keys share a slot. */
    static void checkConsistent(KeyIndex index, Map<Long, Long> lastSeen) {
        assertEquals(lastSeen.size(), index.size());
        Set<Long> slots = new HashSet<>();
        for (Map.Entry<Long, Long> e : lastSeen.entrySet()) {
            long p = index.find(e.getKey());
            assertTrue(p >= 0, "key " + e.getKey() + " lost");
            long base = index.slotAt(p);
            assertTrue(slots.add(base), "slot " + base + " shared");
            assertEquals(e.getKey(), index.slots.get(ValueLayout.JAVA_LONG, base + KeyIndex.KEY));
            assertEquals(e.getValue(), index.lastSeen(base));
        }
        List<Long> visited = new ArrayList<>();
        index.forEachSlot(visited::add);
        assertEquals(slots, new HashSet<>(visited), "forEachSlot visits exactly the keys' slots");
    }

    @Property(tries = 100)
    void keysToSlotsUnderChurnMatchAMap(@ForAll @IntRange(min = 1, max = 64) int maxKeys,
                                         @ForAll @IntRange(min = 1, max = 2000) int operations, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<Long, Long> lastSeen = new HashMap<>();
        long evictions = 0;
        try (Arena arena = Arena.ofConfined()) {
            KeyIndex index = index(arena, maxKeys);
            for (long now = 0; now < operations; now++) {
                long key = r.nextInt(3 * maxKeys) - maxKeys; // negative keys and 0 too
                long p = index.find(key);
                assertEquals(lastSeen.containsKey(key), p >= 0, "find " + key);
                switch (r.nextInt(4)) {
                    case 0 -> {
                        assertEquals(p >= 0, index.remove(key));
                        lastSeen.remove(key);
                    }
                    default -> {
                        if (p >= 0) {
                            index.touch(index.slotAt(p), now);
                        } else {
                            if (index.full()) {
                                evictions++;
                            }
                            index.insert(key, p, now);
                            if (lastSeen.size() == maxKeys) {
                                // the victim is whichever key the index no longer finds
                                lastSeen.keySet().removeIf(k -> index.find(k) < 0);
                            }
                        }
                        lastSeen.put(key, now);
                    }
                }
                assertTrue(index.size() <= maxKeys);
            }
            checkConsistent(index, lastSeen);
            assertEquals(evictions, index.evictions());
            assertEquals(0, index.idleEvictions());
        }
    }

    /** Capacity eviction takes the least recently seen of the sampled slots (8 samples of 2 slots, seeded: both seen). */
    @Test
    void capacityEvictionTakesTheLeastRecentlySeenOfItsSample() {
        try (Arena arena = Arena.ofConfined()) {
            KeyIndex index = index(arena, 2);
            index.insert(10, index.find(10), 100);
            index.insert(20, index.find(20), 50);
            index.insert(30, index.find(30), 200); // full: 8 samples of 2 slots find the key seen at 50
            assertFalse(index.find(20) >= 0);
            assertTrue(index.find(10) >= 0 && index.find(30) >= 0);
            assertEquals(1, index.evictions());
        }
    }

    @Test
    void idleSweepsRemoveExactlyTheKeysNotSeenForLongerThanTheIdleTime() {
        try (Arena arena = Arena.ofConfined()) {
            KeyIndex index = index(arena, 100);
            Map<Long, Long> lastSeen = new HashMap<>();
            for (long key = 0; key < 100; key++) {
                index.insert(key, index.find(key), key * 10);
                lastSeen.put(key, key * 10);
            }
            int evicted = 0;
            for (int sweep = 0; sweep < 100; sweep++) {
                evicted += index.evictIdle(1000, 500, 7); // not seen since 500: keys 0..49
            }
            assertEquals(50, evicted);
            lastSeen.keySet().removeIf(k -> k < 50);
            checkConsistent(index, lastSeen);
            assertEquals(50, index.evictions());
            assertEquals(50, index.idleEvictions());
        }
    }

    @Test
    void aNewSlotsHeaderIsZeroButForKeyAndTime() {
        try (Arena arena = Arena.ofConfined()) {
            KeyIndex index = index(arena, 1);
            index.slots.fill((byte) 0x55);
            long base = index.insert(7, index.find(7), 3);
            for (long off = 0; off < KeyIndex.SLOT_HEADER; off += 8) {
                long expected = off == KeyIndex.KEY ? 7 : off == KeyIndex.LAST_SEEN ? 3 : 0;
                assertEquals(expected, index.slots.get(ValueLayout.JAVA_LONG, base + off), "offset " + off);
            }
        }
    }
}
