package io.github.nifirouting.engine.graphhopper;

import com.carrotsearch.hppc.IntIntHashMap;
import com.carrotsearch.hppc.cursors.IntIntCursor;

import java.util.Arrays;

/**
 * The working memory of one shortest-path search: one slot per search state the search has touched (a node, or a
 * directed edge when turns cost), plus a binary heap of (slot, weight). It is cleared (not freed) between searches, so
 * a thread reuses it for every origin of a request.
 * <p>
 * Two layouts, so the memory follows the work and stays bounded by arrays of the graph's size (plus the heap, and about
 * one sparse array while a search switches):
 * <ul>
 * <li><b>sparse</b> (every search starts here): slots in growable arrays found through an hppc hash map, 60-75 bytes
 * per state touched (measured on the country), whatever the size of the graph;</li>
 * <li><b>dense</b>: once a search has touched {@link #DENSE_FRACTION} of the search's key space (told by
 * {@link #clear(int, int)}), the space moves it to arrays indexed by the state key itself (slot = key; 33 bytes per
 * key of the graph plus 4 per node, no map), and the sparse arrays it outgrew are dropped. Past that point a hash map
 * would cost more than the dense arrays (a search touching every state costs twice as much sparse), and before it the dense arrays would cost more than the states touched.</li>
 * </ul>
 * Both layouts run the same heap operations in the same order, so a search gives identical results in either. The dense
 * arrays are kept for the thread's later searches of the same request and freed by {@link #trim()}, like sparse
 * arrays that grew past {@link #KEEP_SLOTS}, so a single country-wide request does not pin its memory to the thread.
 */
final class SearchSpace {

    /** Sparse slots kept between requests (about 60 bytes each with map and heap): a 30-minute urban search fits. */
    static final int KEEP_SLOTS = 1 << 20;

    /**
     * Share of the key space a search touches before it moves to the dense layout. At 1/8 the sparse layout holds at most
     * about 75/8 = 9.4 bytes per key of the graph, under a third of the dense layout's 33.
     */
    static final double DENSE_FRACTION = 1.0 / 8;

    private static final int INITIAL = 1024;

    /** Bytes per slot of the slot arrays: weight, millis, meters (double), node, edge (int), settled (boolean). */
    static final int BYTES_PER_SLOT = 8 + 8 + 8 + 4 + 4 + 1;

    private final double denseFraction;
    private final int keepSlots;

    // The active layout's slot arrays: the sparse ones, or the dense ones indexed by key.
    double[] weight;
    double[] millis;
    double[] meters;
    int[] node;
    int[] edge;
    boolean[] settled;
    private int slots;
    private int[] settledNodes = new int[INITIAL];
    private int settledNodeCount;

    // Sparse layout.
    private IntIntHashMap slotOfKey = new IntIntHashMap(INITIAL);
    /** First settled slot per graph node: the node's least-weight arrival. */
    private IntIntHashMap arrivalOfNode = new IntIntHashMap(INITIAL);
    private double[] sparseWeight;
    private double[] sparseMillis;
    private double[] sparseMeters;
    private int[] sparseNode;
    private int[] sparseEdge;
    private boolean[] sparseSettled;

    // Dense layout: slot = key (a negative key, the start of an edge-based search, takes slot keyCount); a slot is in use
    // when its node is not -1. Allocated on the first switch of a request, reused until trim().
    private boolean dense;
    private int keyCount;
    private int nodeCount;
    private double[] denseWeight;
    private double[] denseMillis;
    private double[] denseMeters;
    private int[] denseNode;
    private int[] denseEdge;
    private boolean[] denseSettled;
    private int[] denseArrival;
    private int switches;
    private long peakBytes;

    private final SlotHeap heap = new SlotHeap(INITIAL);

    SearchSpace() {
        this(DENSE_FRACTION);
    }

    /**
     * @param denseFraction share of the key space touched before a search moves to the dense layout: 0 makes every search
     *                      dense from its first state, {@code Double.POSITIVE_INFINITY} keeps every search sparse (tests
     *                      compare the two)
     */
    SearchSpace(final double denseFraction) {
        this(denseFraction, KEEP_SLOTS);
    }

    /** @param keepSlots sparse slots kept between requests and through a switch ({@link #KEEP_SLOTS}; tests use less) */
    SearchSpace(final double denseFraction, final int keepSlots) {
        if (!(denseFraction >= 0)) {
            throw new IllegalArgumentException("dense fraction must be >= 0: " + denseFraction);
        }
        this.denseFraction = denseFraction;
        this.keepSlots = keepSlots;
        newSparseArrays();
        useSparse();
    }

    /** Empties the space for the next search, which stays sparse (its key space is unknown). */
    void clear() {
        clear(0, 0);
    }

    /**
     * Empties the space for the next search, whose states have keys in {@code [0, keyCount)} (except the start state's
     * key, which may be negative: at most one negative key per search) and whose nodes are in {@code [0, nodeCount)}.
     * The search starts sparse and moves to the dense layout if it touches enough of the key space.
     */
    void clear(final int nodeCount, final int keyCount) {
        slotOfKey.clear();
        arrivalOfNode.clear();
        slots = 0;
        settledNodeCount = 0;
        heap.clear();
        this.nodeCount = nodeCount;
        this.keyCount = keyCount;
        if (dense) {
            dense = false;
            useSparse();
        }
    }

    /** Empties the space after a request and frees the dense arrays and any sparse arrays grown past {@link #KEEP_SLOTS}. */
    void trim() {
        peakBytes = Math.max(peakBytes, bytesHeld());
        if (sparseWeight.length > keepSlots || slotOfKey.keys.length > 2 * keepSlots) {
            dropSparse();
        }
        heap.clearAndShrink(keepSlots);
        if (settledNodes.length > keepSlots) {
            settledNodes = new int[INITIAL];
        }
        clear();
        releaseDense();
    }

    /** Whether the current search runs in the dense layout. */
    boolean isDense() {
        return dense;
    }

    /** How many searches moved to the dense layout since this space was made. */
    int denseSwitches() {
        return switches;
    }

    /** The most {@link #bytesHeld()} was at the end of a request (before {@link #trim()} freed anything). */
    long peakBytes() {
        return peakBytes;
    }

    /** Bytes of the arrays this space holds now (both layouts, map buffers and heap), for benchmarks and tests. */
    long bytesHeld() {
        long bytes = (long) sparseWeight.length * BYTES_PER_SLOT + 4L * (slotOfKey.keys.length + slotOfKey.values.length)
                + 4L * (arrivalOfNode.keys.length + arrivalOfNode.values.length) + 4L * settledNodes.length + heap.bytesHeld();
        if (denseWeight != null) {
            bytes += (long) denseWeight.length * BYTES_PER_SLOT + 4L * denseArrival.length;
        }
        return bytes;
    }

    /** The slot of a state, or -1. */
    int slotOf(final int key) {
        if (dense) {
            final int slot = denseIndex(key);
            return node[slot] == -1 ? -1 : slot;
        }
        return slotOfKey.getOrDefault(key, -1);
    }

    /** A new unsettled slot for {@code key} (which must not have one yet). */
    int newSlot(final int key) {
        if (!dense && keyCount > 0 && slots >= denseFraction * keyCount) {
            switchToDense();
        }
        final int slot;
        if (dense) {
            slot = denseIndex(key);
            node[slot] = Integer.MAX_VALUE; // in use until the caller sets the node
        } else {
            if (slots == weight.length) {
                growSparse(slots * 2);
            }
            slot = slots;
            slotOfKey.put(key, slot);
        }
        slots++;
        settled[slot] = false;
        return slot;
    }

    /** Marks a slot settled and, if it is the first arrival at its node, records the node. */
    void settle(final int slot) {
        settled[slot] = true;
        final int at = node[slot];
        if (dense) {
            if (denseArrival[at] >= 0) {
                return;
            }
            denseArrival[at] = slot;
        } else {
            if (arrivalOfNode.containsKey(at)) {
                return;
            }
            arrivalOfNode.put(at, slot);
        }
        if (settledNodeCount == settledNodes.length) {
            settledNodes = Arrays.copyOf(settledNodes, settledNodeCount * 2);
        }
        settledNodes[settledNodeCount++] = at;
    }

    /** The slot of the least-weight settled arrival at a node, or -1 if the search did not settle it. */
    int arrival(final int graphNode) {
        if (dense) {
            return graphNode >= 0 && graphNode < nodeCount ? denseArrival[graphNode] : -1;
        }
        return arrivalOfNode.getOrDefault(graphNode, -1);
    }

    int settledNodeCount() {
        return settledNodeCount;
    }

    int settledNode(final int index) {
        return settledNodes[index];
    }

    /** States the current search has touched. */
    int slotCount() {
        return slots;
    }

    private int denseIndex(final int key) {
        return key < 0 ? keyCount : key;
    }

    /**
     * Moves the current search to the dense layout: copies every slot to the index of its key, renumbers the heap and the
     * arrivals (the heap's order of keys is untouched, so the search goes on exactly as it would have). Sparse arrays grown
     * past {@link #KEEP_SLOTS} are let go one by one as soon as they are copied, so the two layouts overlap by about one
     * array rather than all of them.
     */
    private void switchToDense() {
        final boolean reuse = denseWeight != null && denseWeight.length >= keyCount + 1 && denseArrival.length >= nodeCount;
        if (!reuse) {
            releaseDense(); // a smaller set from an earlier search goes before allocating
        }
        final boolean dropSparse = sparseWeight.length > keepSlots || slotOfKey.keys.length > 2 * keepSlots;
        final int[] indexOfSlot = new int[slots];
        for (final IntIntCursor entry : slotOfKey) {
            indexOfSlot[entry.value] = denseIndex(entry.key);
        }
        heap.renumber(indexOfSlot);
        if (!reuse) {
            denseArrival = new int[nodeCount];
        }
        Arrays.fill(denseArrival, 0, nodeCount, -1);
        for (final IntIntCursor entry : arrivalOfNode) {
            denseArrival[entry.key] = indexOfSlot[entry.value];
        }
        slotOfKey.clear();
        arrivalOfNode.clear();
        if (dropSparse) {
            slotOfKey = new IntIntHashMap(INITIAL);
            arrivalOfNode = new IntIntHashMap(INITIAL);
        }
        final int size = keyCount + 1;
        weight = reuse ? denseWeight : new double[size];
        denseWeight = scatter(sparseWeight, weight, indexOfSlot);
        millis = reuse ? denseMillis : new double[size];
        denseMillis = scatter(sparseMillis, millis, indexOfSlot);
        meters = reuse ? denseMeters : new double[size];
        denseMeters = scatter(sparseMeters, meters, indexOfSlot);
        node = reuse ? denseNode : new int[size];
        Arrays.fill(node, 0, size, -1);
        denseNode = scatter(sparseNode, node, indexOfSlot);
        edge = reuse ? denseEdge : new int[size];
        denseEdge = scatter(sparseEdge, edge, indexOfSlot);
        settled = reuse ? denseSettled : new boolean[size];
        denseSettled = scatter(sparseSettled, settled, indexOfSlot);
        if (dropSparse) {
            newSparseArrays();
        }
        dense = true;
        switches++;
    }

    /** Copies sparse slots to their dense indices and, if the sparse arrays are to go, lets this one go now. */
    private double[] scatter(final double[] from, final double[] to, final int[] indexOfSlot) {
        for (int s = 0; s < indexOfSlot.length; s++) {
            to[indexOfSlot[s]] = from[s];
        }
        if (from.length > keepSlots) {
            dropSparseArray(from);
        }
        return to;
    }

    private int[] scatter(final int[] from, final int[] to, final int[] indexOfSlot) {
        for (int s = 0; s < indexOfSlot.length; s++) {
            to[indexOfSlot[s]] = from[s];
        }
        if (from.length > keepSlots) {
            dropSparseArray(from);
        }
        return to;
    }

    private boolean[] scatter(final boolean[] from, final boolean[] to, final int[] indexOfSlot) {
        for (int s = 0; s < indexOfSlot.length; s++) {
            to[indexOfSlot[s]] = from[s];
        }
        if (from.length > keepSlots) {
            dropSparseArray(from);
        }
        return to;
    }

    /** Clears the one field that still holds a grown sparse array, so the collector can take it during the switch. */
    private void dropSparseArray(final Object array) {
        if (array == sparseWeight) {
            sparseWeight = null;
        } else if (array == sparseMillis) {
            sparseMillis = null;
        } else if (array == sparseMeters) {
            sparseMeters = null;
        } else if (array == sparseNode) {
            sparseNode = null;
        } else if (array == sparseEdge) {
            sparseEdge = null;
        } else if (array == sparseSettled) {
            sparseSettled = null;
        }
    }

    private void releaseDense() {
        denseWeight = null;
        denseMillis = null;
        denseMeters = null;
        denseNode = null;
        denseEdge = null;
        denseSettled = null;
        denseArrival = null;
    }

    private void newSparseArrays() {
        sparseWeight = new double[INITIAL];
        sparseMillis = new double[INITIAL];
        sparseMeters = new double[INITIAL];
        sparseNode = new int[INITIAL];
        sparseEdge = new int[INITIAL];
        sparseSettled = new boolean[INITIAL];
    }

    private void dropSparse() {
        slotOfKey = new IntIntHashMap(INITIAL);
        arrivalOfNode = new IntIntHashMap(INITIAL);
        newSparseArrays();
        if (!dense) {
            useSparse();
        }
    }

    private void growSparse(final int capacity) {
        sparseWeight = Arrays.copyOf(sparseWeight, capacity);
        sparseMillis = Arrays.copyOf(sparseMillis, capacity);
        sparseMeters = Arrays.copyOf(sparseMeters, capacity);
        sparseNode = Arrays.copyOf(sparseNode, capacity);
        sparseEdge = Arrays.copyOf(sparseEdge, capacity);
        sparseSettled = Arrays.copyOf(sparseSettled, capacity);
        useSparse();
    }

    private void useSparse() {
        weight = sparseWeight;
        millis = sparseMillis;
        meters = sparseMeters;
        node = sparseNode;
        edge = sparseEdge;
        settled = sparseSettled;
    }

    boolean heapIsEmpty() {
        return heap.isEmpty();
    }

    double heapTopKey() {
        return heap.topKey();
    }

    void push(final int slot, final double key) {
        heap.push(slot, key);
    }

    /** Removes and returns the slot with the smallest key. */
    int pop() {
        return heap.pop();
    }
}
