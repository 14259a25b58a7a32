package io.github.nifirouting.engine.graphhopper;

import com.carrotsearch.hppc.IntIntHashMap;
import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.routing.querygraph.VirtualEdgeIteratorState;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.storage.RoutingCHEdgeExplorer;
import com.graphhopper.storage.RoutingCHEdgeIterator;
import com.graphhopper.storage.RoutingCHGraph;
import com.graphhopper.util.EdgeIterator;
import com.graphhopper.util.EdgeIteratorState;
import com.graphhopper.util.GHUtility;

import java.util.Arrays;

/**
 * One upward search in a contraction hierarchy (over a query graph with the snapped points): from a node, only to nodes
 * of higher level, forward along out-edges or backward along in-edges, minimising the profile's weight and tracking the
 * time and distance of the chosen path. With turn costs the hierarchy is edge-based: a state is the original edge the
 * path ends (forward) or starts (backward) with at a node, and every step adds the turn weight onto its first original
 * edge. As GraphHopper's own edge-based CH searches do, the first step from the start takes every edge, not only upward
 * ones (a route that starts at a node has no incoming edge, so a shortcut built for every incoming edge may be missing).
 * A road with snapped points on it is a chain of virtual edges: a search enters it where the road itself leads up.
 * <p>
 * States whose weight passes {@code maxWeight} are neither settled nor expanded (the matrix sets it so that no route
 * within the user's cutoff is lost). Working memory (a hash map and arrays of what the search touched, and a binary
 * heap) is cleared between searches and reused, so it grows with the upward search space, never with the graph.
 */
final class UpwardSearch {

    /** Receives every settled state. */
    interface Visitor {
        void settled(int node, int edge, double weight, double millis, double meters);
    }

    private final RoutingCHGraph graph;
    private final QueryGraph queryGraph;
    private final Weighting weighting;
    private final ShortcutCosts shortcuts;
    private final RoutingCHEdgeExplorer explorer;
    private final boolean backward;
    private final boolean edgeBased;
    private final int baseNodes;
    private final ShortcutCosts.Cost cost = new ShortcutCosts.Cost();

    private final IntIntHashMap slotOfKey = new IntIntHashMap(1024);
    private double[] weight = new double[1024];
    private double[] turnWeight = new double[1024];
    private double[] millis = new double[1024];
    private double[] meters = new double[1024];
    private int[] node = new int[1024];
    private int[] edge = new int[1024];
    private boolean[] settled = new boolean[1024];
    private int slots;
    private final SlotHeap heap = new SlotHeap(1024);
    private boolean pruned;
    private int iterEdge;

    /**
     * @param graph      the query hierarchy
     * @param weighting  the profile's weighting wrapped by the query graph (for the time of virtual and original edges)
     * @param baseNodes  node count of the base graph: higher ids are virtual nodes
     */
    UpwardSearch(final RoutingCHGraph graph, final QueryGraph queryGraph, final Weighting weighting, final ShortcutCosts shortcuts,
                 final int baseNodes, final boolean backward) {
        this.graph = graph;
        this.queryGraph = queryGraph;
        this.weighting = weighting;
        this.shortcuts = shortcuts;
        this.explorer = backward ? graph.createInEdgeExplorer() : graph.createOutEdgeExplorer();
        this.backward = backward;
        this.edgeBased = graph.isEdgeBased();
        this.baseNodes = baseNodes;
    }

    /**
     * Settles every state reachable upward from {@code start} whose weight is at most {@code maxWeight}, in order of
     * weight; the pure edge weight (without turn weights) is what is compared with {@code maxWeight}, as only that is
     * bounded by a route's time and distance.
     */
    void run(final int start, final double maxWeight, final Visitor visitor) {
        slotOfKey.clear();
        slots = 0;
        heap.clear();
        pruned = false;
        final int first = newSlot(edgeBased ? -1 - start : start);
        weight[first] = 0;
        turnWeight[first] = 0;
        millis[first] = 0;
        meters[first] = 0;
        node[first] = start;
        edge[first] = EdgeIterator.NO_EDGE;
        heap.push(first, 0);
        while (!heap.isEmpty()) {
            final double key = heap.topKey();
            final int slot = heap.pop();
            if (settled[slot] || key > weight[slot]) {
                continue; // a stale heap entry
            }
            if (weight[slot] - turnWeight[slot] > maxWeight) {
                pruned = true;
                continue;
            }
            settled[slot] = true;
            visitor.settled(node[slot], edge[slot], weight[slot], millis[slot], meters[slot]);
            expand(slot, slot == first);
        }
    }

    /** Whether the last run left states out because of the weight limit. */
    boolean wasPruned() {
        return pruned;
    }

    private void expand(final int slot, final boolean atStart) {
        final int at = node[slot];
        final int atEdge = edge[slot];
        final RoutingCHEdgeIterator iter = explorer.setBaseNode(at);
        while (iter.next()) {
            final int adj = iter.getAdjNode();
            iterEdge = iter.getOrigEdge();
            if (!atStart && !upward(iter.isShortcut(), at, adj)) {
                continue;
            }
            final double edgeWeight = iter.getWeight(backward);
            if (Double.isInfinite(edgeWeight)) {
                continue;
            }
            double turn = 0;
            long turnMillis = 0;
            final int nextKey;
            final int nextEdge;
            if (edgeBased) {
                // Forward: the turn from the edge we arrived by onto this CH edge's first original edge; backward: from this CH
                // edge's last original edge onto the edge the path continues with.
                final int adjacentEdge = GHUtility.getEdgeFromEdgeKey(backward ? iter.getOrigEdgeKeyLast() : iter.getOrigEdgeKeyFirst());
                if (atEdge != EdgeIterator.NO_EDGE) {
                    turn = backward ? graph.getTurnWeight(adjacentEdge, at, atEdge) : graph.getTurnWeight(atEdge, at, adjacentEdge);
                    if (Double.isInfinite(turn)) {
                        continue; // a turn restriction
                    }
                    turnMillis = backward ? weighting.calcTurnMillis(adjacentEdge, at, atEdge) : weighting.calcTurnMillis(atEdge, at, adjacentEdge);
                }
                nextKey = backward ? iter.getOrigEdgeKeyFirst() : iter.getOrigEdgeKeyLast();
                nextEdge = GHUtility.getEdgeFromEdgeKey(nextKey);
            } else {
                nextKey = adj;
                nextEdge = iter.getOrigEdge();
            }
            final double candidate = weight[slot] + edgeWeight + turn;
            int next = slotOf(nextKey);
            if (next >= 0 && (settled[next] || weight[next] <= candidate)) {
                continue;
            }
            // Time and distance of the CH edge in travel direction (backward searches travel from adj to at).
            final int from = backward ? adj : at;
            final int to = backward ? at : adj;
            if (iter.isShortcut()) {
                shortcuts.cost(iter.getEdge(), from, to, cost);
            } else {
                final EdgeIteratorState original = queryGraph.getEdgeIteratorState(iter.getOrigEdge(), to);
                cost.millis = weighting.calcEdgeMillis(original, false);
                cost.meters = original.getDistance();
                cost.turnWeight = 0;
            }
            if (next < 0) {
                next = newSlot(nextKey);
            }
            weight[next] = candidate;
            turnWeight[next] = turnWeight[slot] + turn + cost.turnWeight;
            millis[next] = millis[slot] + cost.millis + turnMillis;
            meters[next] = meters[slot] + cost.meters;
            node[next] = adj;
            edge[next] = nextEdge;
            heap.push(next, candidate);
        }
    }

    private boolean upward(final boolean shortcut, final int at, final int adj) {
        // Shortcuts are stored at their lower end only, so they lead up.
        if (shortcut) {
            return true;
        }
        if (at < baseNodes && adj < baseNodes) {
            return graph.getLevel(at) <= graph.getLevel(adj);
        }
        if (at >= baseNodes) {
            return true; // passing through a snapped point: on along the road it lies on
        }
        // A real node entering a snapped point: only where the road it lies on leads up, as that road would without the
        // point (accepting every virtual edge lets a search with thousands of snapped points leak down the hierarchy).
        final VirtualEdgeIteratorState virtual = (VirtualEdgeIteratorState) queryGraph.getEdgeIteratorState(iterEdge, adj);
        final int road = GHUtility.getEdgeFromEdgeKey(virtual.getOriginalEdgeKey());
        return graph.getLevel(at) <= graph.getLevel(queryGraph.getBaseGraph().getOtherNode(road, at));
    }

    private int slotOf(final int key) {
        return slotOfKey.getOrDefault(key, -1);
    }

    private int newSlot(final int key) {
        if (slots == weight.length) {
            final int capacity = slots * 2;
            weight = Arrays.copyOf(weight, capacity);
            turnWeight = Arrays.copyOf(turnWeight, capacity);
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
}
