package io.clipstream.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.clipstream.ClipPolicy;
import io.clipstream.StepSize;
import io.clipstream.detect.AdaptiveThreshold;
import io.clipstream.detect.Decision;
import io.clipstream.internal.kernel.KernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The store's per-key model on its own (no index): one slot in a plain segment follows the reference of
 * {@link KeyedStoreTest} (warm start, clipped mean, score-scale tracker, levels), and a non-finite sample changes
 * nothing.
 */
class KeyModelTest {

    static KeyModel model(int d, int warmup) {
        return new KeyModel(d, StepSize.halfLife(300), ClipPolicy.adaptive(), 0, warmup, KernelProvider.scalar(),
                AdaptiveThreshold.builder().build());
    }

    static float[] theta(MemorySegment slot, int d) {
        float[] t = new float[d];
        MemorySegment.copy(slot, ValueLayout.JAVA_FLOAT, KeyModel.THETA, t, 0, d);
        return t;
    }

    @Property(tries = 60)
    void aSlotFollowsTheReference(@ForAll @IntRange(min = 1, max = 40) int d,
                                  @ForAll @IntRange(min = 1, max = 500) int n, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KeyModel model = model(d, 16);
        KeyedStoreTest.Reference ref = new KeyedStoreTest.Reference(d, StepSize.halfLife(300).eta(0), 1.0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(KeyModel.slotBytes(d), 64);
            MemorySegment x = arena.allocate(4L * d, 64);
            for (int i = 0; i < n; i++) {
                float[] sample = KeyedStoreTest.sample(r, d, 3);
                MemorySegment.copy(sample, 0, x, ValueLayout.JAVA_FLOAT, 0, d);
                Decision decision = i == 0 ? model.first(slot, 0, x, 0) : model.step(slot, 0, x, 0);
                ref.process(1, sample);
                assertEquals(ref.lastScore, model.lastScore(), 0.0, "score " + i);
                assertEquals(ref.lastLevel, model.lastLevel(), 0.0, "level " + i);
                if (i < 16) {
                    assertEquals(Decision.ABSTAIN, decision, "warm-up sample " + i);
                }
            }
            assertArrayEquals(ref.theta.get(1L), theta(slot, d));
            assertEquals(n, slot.get(ValueLayout.JAVA_LONG, KeyModel.SAMPLES));
            assertEquals(ref.tracker.get(1L), slot.get(ValueLayout.JAVA_DOUBLE, KeyModel.TRACKER), 0.0);
            assertEquals(n, model.samples());
        }
    }

    @Test
    void aNonFiniteSampleChangesNothing() {
        int d = 5;
        KeyModel model = model(d, 2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(KeyModel.slotBytes(d), 64);
            MemorySegment x = arena.allocate(4L * d, 64);
            x.setAtIndex(ValueLayout.JAVA_FLOAT, 1, 2f);
            model.first(slot, 0, x, 0);
            model.step(slot, 0, x, 0);
            byte[] before = slot.toArray(ValueLayout.JAVA_BYTE);
            x.setAtIndex(ValueLayout.JAVA_FLOAT, 3, Float.NaN);
            assertNull(model.step(slot, 0, x, 0));
            assertArrayEquals(before, slot.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(2, model.samples());
        }
    }
}
