package io.github.nifirouting.engine.graphhopper;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotHeapTest {

    @Test
    void popsSlotsInOrderOfKeyWhileGrowingPastItsInitialCapacity() {
        final Random random = new Random(7);
        final SlotHeap heap = new SlotHeap(4);
        final double[] keyOfSlot = new double[1000];
        for (int slot = 0; slot < keyOfSlot.length; slot++) {
            keyOfSlot[slot] = random.nextInt(200); // many equal keys
            heap.push(slot, keyOfSlot[slot]);
        }
        final double[] popped = new double[keyOfSlot.length];
        final boolean[] seen = new boolean[keyOfSlot.length];
        for (int i = 0; i < popped.length; i++) {
            final double top = heap.topKey();
            final int slot = heap.pop();
            assertEquals(keyOfSlot[slot], top, "topKey is the key of the slot pop returns");
            popped[i] = keyOfSlot[slot];
            seen[slot] = true;
        }
        assertTrue(heap.isEmpty());
        final double[] sorted = keyOfSlot.clone();
        Arrays.sort(sorted);
        assertArrayEquals(sorted, popped);
        for (final boolean slotSeen : seen) {
            assertTrue(slotSeen, "every slot popped once");
        }
    }

    @Test
    void renumberKeepsTheOrderAndShrinkGivesTheGrownArraysBack() {
        final SlotHeap heap = new SlotHeap(2);
        heap.push(0, 3.0);
        heap.push(1, 1.0);
        heap.push(2, 2.0);
        heap.renumber(new int[] {30, 10, 20});
        assertEquals(10, heap.pop());
        assertEquals(20, heap.pop());
        assertEquals(30, heap.pop());
        final long grown = heap.bytesHeld();
        heap.clearAndShrink(2);
        assertTrue(heap.isEmpty());
        assertEquals(24, heap.bytesHeld(), "back to 2 entries of 12 bytes (was " + grown + ")");
    }
}
