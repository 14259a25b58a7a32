package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.routing.util.EdgeFilter;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.util.EdgeExplorer;
import com.graphhopper.util.EdgeIterator;

/**
 * A one-to-many Dijkstra over a query graph that minimises the profile's weight and tracks time and distance along the
 * chosen paths, as GraphHopper's router does. With turn costs (a profile with OSM turn restrictions) the search is
 * edge-based: a state is a directed edge, and moving on from it adds the turn's weight, so forbidden turns are never
 * taken and U-turns cost what GraphHopper charges; otherwise a state is a node. States whose time or distance passes
 * the cutoff are neither settled nor expanded, so the search ends at the cutoff. Memory is the caller's
 * {@link SearchSpace}, told the search's key space so it can move a search that touches much of the graph to dense arrays.
 */
final class BoundedDijkstra {

    private final QueryGraph graph;
    private final Weighting weighting;
    private final EdgeExplorer explorer;
    private final boolean edgeBased;
    private final SearchSpace space;
    private boolean cut;

    /** @param weighting the profile's weighting wrapped by the query graph */
    BoundedDijkstra(final QueryGraph graph, final Weighting weighting, final SearchSpace space) {
        this.graph = graph;
        this.weighting = weighting;
        this.explorer = graph.createEdgeExplorer(EdgeFilter.ALL_EDGES);
        this.edgeBased = weighting.hasTurnCosts();
        this.space = space;
    }

    /**
     * Searches from {@code origin} until {@code targetCount} distinct nodes with {@code isTarget} are settled (0: until the
     * cutoff or the network is exhausted). Results stay in the search space until the next run.
     */
    void run(final int origin, final java.util.function.IntPredicate isTarget, final int targetCount, final Cutoff cutoff) {
        // Keys: directed edge keys (2 per edge) when edge-based, else nodes; the query graph's counts include its virtual ones.
        space.clear(graph.getNodes(), edgeBased ? 2 * graph.getEdges() : graph.getNodes());
        cut = false;
        final int start = space.newSlot(edgeBased ? -1 - origin : origin);
        space.weight[start] = 0;
        space.millis[start] = 0;
        space.meters[start] = 0;
        space.node[start] = origin;
        space.edge[start] = EdgeIterator.NO_EDGE;
        space.push(start, 0);
        final double maxMillis = cutoff.maxSeconds() * 1000;
        final double maxMeters = cutoff.maxMeters();
        int remaining = targetCount;
        while (!space.heapIsEmpty()) {
            final double key = space.heapTopKey();
            final int slot = space.pop();
            if (space.settled[slot] || key > space.weight[slot]) {
                continue; // a stale heap entry
            }
            if (space.millis[slot] > maxMillis || space.meters[slot] > maxMeters) {
                // The heap is ordered by weight, not time or distance: a state popped later may still be within the cutoff,
                // so skip this one (and everything only reachable through it) rather than stop.
                cut = true;
                continue;
            }
            final int node = space.node[slot];
            final boolean firstArrival = space.arrival(node) < 0;
            space.settle(slot);
            if (firstArrival && targetCount > 0 && isTarget.test(node) && --remaining == 0) {
                break;
            }
            expand(slot, node);
        }
    }

    private void expand(final int slot, final int node) {
        final int inEdge = space.edge[slot];
        final double baseWeight = space.weight[slot];
        final double baseMillis = space.millis[slot];
        final double baseMeters = space.meters[slot];
        final EdgeIterator edge = explorer.setBaseNode(node);
        while (edge.next()) {
            double stepWeight = weighting.calcEdgeWeight(edge, false);
            if (Double.isInfinite(stepWeight)) {
                continue;
            }
            long stepMillis = weighting.calcEdgeMillis(edge, false);
            final int key;
            if (edgeBased) {
                if (inEdge != EdgeIterator.NO_EDGE) {
                    final double turnWeight = weighting.calcTurnWeight(inEdge, node, edge.getEdge());
                    if (Double.isInfinite(turnWeight)) {
                        continue; // a turn restriction
                    }
                    stepWeight += turnWeight;
                    stepMillis += weighting.calcTurnMillis(inEdge, node, edge.getEdge());
                }
                key = edge.getEdgeKey();
            } else {
                key = edge.getAdjNode();
            }
            final double candidate = baseWeight + stepWeight;
            int next = space.slotOf(key);
            if (next >= 0 && (space.settled[next] || space.weight[next] <= candidate)) {
                continue;
            }
            if (next < 0) {
                next = space.newSlot(key);
            }
            space.weight[next] = candidate;
            space.millis[next] = baseMillis + stepMillis;
            space.meters[next] = baseMeters + edge.getDistance();
            space.node[next] = edge.getAdjNode();
            space.edge[next] = edge.getEdge();
            space.push(next, candidate);
        }
    }

    /** Whether the last run skipped anything because of the cutoff. */
    boolean wasCut() {
        return cut;
    }

    QueryGraph graph() {
        return graph;
    }
}
