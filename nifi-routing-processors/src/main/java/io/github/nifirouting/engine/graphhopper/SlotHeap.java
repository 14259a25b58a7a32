package io.github.nifirouting.engine.graphhopper;

import java.util.Arrays;

/**
 * The priority queue of the searches: a binary min-heap of (slot, key) pairs in two parallel arrays that grow by
 * doubling and are reused between searches. Entries are never updated or removed in place; a search pushes a slot again
 * with a lower key and skips the stale entry when it is popped (lazy deletion), which keeps the heap free of a
 * slot-to-position index.
 */
final class SlotHeap {

    private final int initialCapacity;
    private int[] slots;
    private double[] keys;
    private int size;

    SlotHeap(final int initialCapacity) {
        this.initialCapacity = initialCapacity;
        this.slots = new int[initialCapacity];
        this.keys = new double[initialCapacity];
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The smallest key; only when not empty. */
    double topKey() {
        return keys[0];
    }

    void clear() {
        size = 0;
    }

    /** Empties the heap and, if it grew past {@code keepCapacity}, gives its arrays back for new ones of the initial size. */
    void clearAndShrink(final int keepCapacity) {
        size = 0;
        if (slots.length > keepCapacity) {
            slots = new int[initialCapacity];
            keys = new double[initialCapacity];
        }
    }

    /** Bytes of the two arrays (4 per slot, 8 per key). */
    long bytesHeld() {
        return 12L * slots.length;
    }

    /** Replaces every slot {@code s} in the heap with {@code newSlotOf[s]}; the keys and their order are unchanged. */
    void renumber(final int[] newSlotOf) {
        for (int i = 0; i < size; i++) {
            slots[i] = newSlotOf[slots[i]];
        }
    }

    void push(final int slot, final double key) {
        if (size == slots.length) {
            slots = Arrays.copyOf(slots, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        int i = size++;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            slots[i] = slots[parent];
            keys[i] = keys[parent];
            i = parent;
        }
        slots[i] = slot;
        keys[i] = key;
    }

    /** Removes and returns the slot with the smallest key; only when not empty. */
    int pop() {
        final int top = slots[0];
        final int lastSlot = slots[--size];
        final double lastKey = keys[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] < keys[child]) {
                child++;
            }
            if (keys[child] >= lastKey) {
                break;
            }
            slots[i] = slots[child];
            keys[i] = keys[child];
            i = child;
        }
        slots[i] = lastSlot;
        keys[i] = lastKey;
        return top;
    }
}
