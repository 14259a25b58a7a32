package io.github.nifirouting.engine.graphhopper;

import com.carrotsearch.hppc.IntIntHashMap;

import java.util.Arrays;

/**
 * The working memory of one shortest-path search: one slot per search state the search has touched (a node, or a
 * directed edge when turns cost), found through a hash map, plus a binary heap of (slot, weight). Everything grows
 * with what a search visits, never with the graph, and is cleared (not freed) between searches, so a thread reuses
 * it for every origin and request. A space that grew past {@link #KEEP_SLOTS} for one huge search is freed after the
 * request, so a single continent-wide search does not pin its memory to the thread.
 */
final class SearchSpace {

    /** Slots kept between searches (about 60 bytes each with map and heap): a 30-minute urban search fits. */
    static final int KEEP_SLOTS = 1 << 20;

    private IntIntHashMap slotOfKey = new IntIntHashMap(1024);
    /** First settled slot per graph node: the node's least-weight arrival. */
    private IntIntHashMap arrivalOfNode = new IntIntHashMap(1024);
    double[] weight = new double[1024];
    double[] millis = new double[1024];
    double[] meters = new double[1024];
    int[] node = new int[1024];
    int[] edge = new int[1024];
    boolean[] settled = new boolean[1024];
    private int slots;
    private int[] settledNodes = new int[1024];
    private int settledNodeCount;

    private int[] heapSlots = new int[1024];
    private double[] heapKeys = new double[1024];
    private int heapSize;

    /** Empties the space for the next search. */
    void clear() {
        slotOfKey.clear();
        arrivalOfNode.clear();
        slots = 0;
        settledNodeCount = 0;
        heapSize = 0;
    }

    /** Empties the space after a request and frees it if one search grew it past {@link #KEEP_SLOTS}. */
    void trim() {
        if (weight.length > KEEP_SLOTS) {
            slotOfKey = new IntIntHashMap(1024);
            arrivalOfNode = new IntIntHashMap(1024);
            weight = new double[1024];
            millis = new double[1024];
            meters = new double[1024];
            node = new int[1024];
            edge = new int[1024];
            settled = new boolean[1024];
            settledNodes = new int[1024];
            heapSlots = new int[1024];
            heapKeys = new double[1024];
        }
        clear();
    }

    /** The slot of a state, or -1. */
    int slotOf(final int key) {
        return slotOfKey.getOrDefault(key, -1);
    }

    /** A new unsettled slot for {@code key} (which must not have one yet). */
    int newSlot(final int key) {
        if (slots == weight.length) {
            final int capacity = slots * 2;
            weight = Arrays.copyOf(weight, capacity);
            millis = Arrays.copyOf(millis, capacity);
            meters = Arrays.copyOf(meters, capacity);
            node = Arrays.copyOf(node, capacity);
            edge = Arrays.copyOf(edge, capacity);
            settled = Arrays.copyOf(settled, capacity);
        }
        final int slot = slots++;
        settled[slot] = false;
        slotOfKey.put(key, slot);
        return slot;
    }

    /** Marks a slot settled and, if it is the first arrival at its node, records the node. */
    void settle(final int slot) {
        settled[slot] = true;
        final int at = node[slot];
        if (!arrivalOfNode.containsKey(at)) {
            arrivalOfNode.put(at, slot);
            if (settledNodeCount == settledNodes.length) {
                settledNodes = Arrays.copyOf(settledNodes, settledNodeCount * 2);
            }
            settledNodes[settledNodeCount++] = at;
        }
    }

    /** The slot of the least-weight settled arrival at a node, or -1 if the search did not settle it. */
    int arrival(final int graphNode) {
        return arrivalOfNode.getOrDefault(graphNode, -1);
    }

    int settledNodeCount() {
        return settledNodeCount;
    }

    int settledNode(final int index) {
        return settledNodes[index];
    }

    int slotCount() {
        return slots;
    }

    boolean heapIsEmpty() {
        return heapSize == 0;
    }

    double heapTopKey() {
        return heapKeys[0];
    }

    void push(final int slot, final double key) {
        if (heapSize == heapSlots.length) {
            heapSlots = Arrays.copyOf(heapSlots, heapSize * 2);
            heapKeys = Arrays.copyOf(heapKeys, heapSize * 2);
        }
        int i = heapSize++;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (heapKeys[parent] <= key) {
                break;
            }
            heapSlots[i] = heapSlots[parent];
            heapKeys[i] = heapKeys[parent];
            i = parent;
        }
        heapSlots[i] = slot;
        heapKeys[i] = key;
    }

    /** Removes and returns the slot with the smallest key. */
    int pop() {
        final int top = heapSlots[0];
        final int lastSlot = heapSlots[--heapSize];
        final double lastKey = heapKeys[heapSize];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && heapKeys[child + 1] < heapKeys[child]) {
                child++;
            }
            if (heapKeys[child] >= lastKey) {
                break;
            }
            heapSlots[i] = heapSlots[child];
            heapKeys[i] = heapKeys[child];
            i = child;
        }
        heapSlots[i] = lastSlot;
        heapKeys[i] = lastKey;
        return top;
    }
}
