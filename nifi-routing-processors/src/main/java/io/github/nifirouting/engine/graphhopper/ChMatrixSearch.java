package io.github.nifirouting.engine.graphhopper;

import com.carrotsearch.hppc.IntIntHashMap;
import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.routing.querygraph.QueryRoutingCHGraph;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.storage.RoutingCHGraph;
import com.graphhopper.storage.index.Snap;
import com.graphhopper.util.EdgeIterator;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A travel-time matrix on the contraction hierarchy of a {@link RoadGraph} with the bucket algorithm (many-to-many):
 * one backward upward search per distinct destination leaves (destination, weight, time, distance) entries in a bucket
 * at every node it settles; then one forward upward search per distinct origin scans the buckets of the nodes it
 * settles, and the lightest forward + turn + backward combination per destination is the least-weight route. Upward
 * search spaces are small (they only climb the hierarchy), so the cost per origin hardly grows with the graph, unlike a
 * Dijkstra that explores everything closer than the farthest destination.
 * <p>
 * Points are snapped as in {@link MatrixSearch} and inserted as virtual nodes into one query graph per request. With a
 * cutoff, a pair is {@link MatrixResult#BEYOND_CUTOFF} when its least-weight route takes longer or is longer than the
 * cutoff, as with the Dijkstra; the searches skip states whose edge weight already exceeds what any route within the
 * cutoff can weigh ({@link CutoffWeight}), so no route within it is lost. A pair no search connects has no route,
 * unless a search was cut, then it is beyond the cutoff.
 * <p>
 * Memory per request: the buckets (36 bytes per entry, twice that while they are sorted by node, one entry per state a backward search settles) and the searches'
 * working memory, both growing with the upward search spaces, not with the graph.
 */
final class ChMatrixSearch {

    private ChMatrixSearch() {
    }

    /**
     * Bucket entries of all backward searches: appended per search, then sorted by node (counting sort) so a forward
     * search scans one node's entries as one contiguous run.
     */
    private static final class Buckets {
        private IntIntHashMap runOfNode;
        private int[] runStart;
        int[] node = new int[4096];
        int[] target = new int[4096];
        int[] edge = new int[4096];
        double[] weight = new double[4096];
        double[] millis = new double[4096];
        double[] meters = new double[4096];
        int size;

        void add(final int at, final int targetIndex, final int firstEdge, final double w, final double ms, final double m) {
            if (size == node.length) {
                final int capacity = size * 2;
                node = Arrays.copyOf(node, capacity);
                target = Arrays.copyOf(target, capacity);
                edge = Arrays.copyOf(edge, capacity);
                weight = Arrays.copyOf(weight, capacity);
                millis = Arrays.copyOf(millis, capacity);
                meters = Arrays.copyOf(meters, capacity);
            }
            node[size] = at;
            target[size] = targetIndex;
            edge[size] = firstEdge;
            weight[size] = w;
            millis[size] = ms;
            meters[size] = m;
            size++;
        }

        /** Groups the entries by node; call once, after the last {@link #add}. */
        void sortByNode() {
            runOfNode = new IntIntHashMap(size / 4 + 16);
            int runs = 0;
            int[] counts = new int[1024];
            final int[] runOfEntry = new int[size];
            for (int e = 0; e < size; e++) {
                int run = runOfNode.getOrDefault(node[e], -1);
                if (run < 0) {
                    run = runs++;
                    runOfNode.put(node[e], run);
                    if (run == counts.length) {
                        counts = Arrays.copyOf(counts, run * 2);
                    }
                }
                counts[run]++;
                runOfEntry[e] = run;
            }
            runStart = new int[runs + 1];
            for (int r = 0; r < runs; r++) {
                runStart[r + 1] = runStart[r] + counts[r];
            }
            final int[] fill = Arrays.copyOf(runStart, runs);
            final int[] sortedTarget = new int[size];
            final int[] sortedEdge = new int[size];
            final double[] sortedWeight = new double[size];
            final double[] sortedMillis = new double[size];
            final double[] sortedMeters = new double[size];
            for (int e = 0; e < size; e++) {
                final int to = fill[runOfEntry[e]]++;
                sortedTarget[to] = target[e];
                sortedEdge[to] = edge[e];
                sortedWeight[to] = weight[e];
                sortedMillis[to] = millis[e];
                sortedMeters[to] = meters[e];
            }
            node = null;
            target = sortedTarget;
            edge = sortedEdge;
            weight = sortedWeight;
            millis = sortedMillis;
            meters = sortedMeters;
        }

        /** The first entry of a node's run, or -1; the run ends at {@link #end}. */
        int start(final int at) {
            final int run = runOfNode.getOrDefault(at, -1);
            return run < 0 ? -1 : runStart[run];
        }

        int end(final int at) {
            return runStart[runOfNode.get(at) + 1];
        }
    }

    static MatrixResult compute(final RoadGraph roads, final CoordinateBlock sources, final CoordinateBlock destinations, final Cutoff cutoff) {
        final int rows = sources.size();
        final int columns = destinations.size();
        final SnappedRequest snapped = SnappedRequest.of(roads, sources, destinations);
        final Snap[] sourceSnaps = snapped.sourceSnaps();
        final Snap[] destinationSnaps = snapped.destinationSnaps();
        final double[] sourceSnapMeters = snapped.sourceSnapMeters();
        final double[] destinationSnapMeters = snapped.destinationSnapMeters();
        final QueryGraph queryGraph = snapped.queryGraph();
        final RoutingCHGraph graph = new QueryRoutingCHGraph(roads.chGraph(), queryGraph);
        final Weighting weighting = queryGraph.wrapWeighting(roads.weighting());
        final int baseNodes = roads.baseGraph().getNodes();
        final double maxWeight = roads.cutoffWeight().maxEdgeWeight(cutoff);
        final double maxMillis = cutoff.maxSeconds() * 1000;
        final double maxMeters = cutoff.maxMeters();

        // Distinct destination nodes: one backward search each.
        final IntIntHashMap targetOfNode = new IntIntHashMap(columns);
        final int[] targetOfColumn = new int[columns];
        final List<Integer> targetNodes = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            if (destinationSnaps[c] == null) {
                targetOfColumn[c] = -1;
                continue;
            }
            final int node = destinationSnaps[c].getClosestNode();
            int target = targetOfNode.getOrDefault(node, -1);
            if (target < 0) {
                target = targetNodes.size();
                targetNodes.add(node);
                targetOfNode.put(node, target);
            }
            targetOfColumn[c] = target;
        }
        final int targets = targetNodes.size();
        final boolean[] targetCut = new boolean[targets];
        final Buckets buckets = new Buckets();
        final UpwardSearch backward = new UpwardSearch(graph, queryGraph, weighting, roads.shortcutCosts(), baseNodes, true);
        for (int t = 0; t < targets; t++) {
            final int target = t;
            backward.run(targetNodes.get(t), maxWeight, (node, edge, w, ms, m) -> buckets.add(node, target, edge, w, ms, m));
            targetCut[t] = backward.wasPruned();
        }
        buckets.sortByNode();

        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final double[] bestWeight = new double[targets];
        final double[] bestMillis = new double[targets];
        final double[] bestMeters = new double[targets];
        final boolean edgeBased = graph.isEdgeBased();
        final UpwardSearch forward = new UpwardSearch(graph, queryGraph, weighting, roads.shortcutCosts(), baseNodes, false);
        final IntIntHashMap rowOfNode = new IntIntHashMap(rows);
        for (int r = 0; r < rows; r++) {
            if (sourceSnaps[r] == null) {
                continue;
            }
            final int origin = sourceSnaps[r].getClosestNode();
            final int sameAs = rowOfNode.getOrDefault(origin, -1);
            if (sameAs >= 0) {
                System.arraycopy(durations, sameAs * columns, durations, r * columns, columns);
                System.arraycopy(distances, sameAs * columns, distances, r * columns, columns);
                continue;
            }
            rowOfNode.put(origin, r);
            Arrays.fill(bestWeight, Double.POSITIVE_INFINITY);
            forward.run(origin, maxWeight, (node, inEdge, w, ms, m) -> {
                final int first = buckets.start(node);
                if (first < 0) {
                    return;
                }
                final int end = buckets.end(node);
                for (int entry = first; entry < end; entry++) {
                    final int target = buckets.target[entry];
                    double total = w + buckets.weight[entry];
                    if (total >= bestWeight[target]) {
                        continue; // turn weights are never negative
                    }
                    long turnMillis = 0;
                    final int outEdge = buckets.edge[entry];
                    if (edgeBased && inEdge != EdgeIterator.NO_EDGE && outEdge != EdgeIterator.NO_EDGE) {
                        total += graph.getTurnWeight(inEdge, node, outEdge);
                        if (!(total < bestWeight[target])) {
                            continue; // heavier, or a turn restriction (infinite)
                        }
                        turnMillis = weighting.calcTurnMillis(inEdge, node, outEdge);
                    }
                    bestWeight[target] = total;
                    bestMillis[target] = ms + buckets.millis[entry] + turnMillis;
                    bestMeters[target] = m + buckets.meters[entry];
                }
            });
            final boolean originCut = forward.wasPruned();
            for (int c = 0; c < columns; c++) {
                final int target = targetOfColumn[c];
                if (target < 0) {
                    continue;
                }
                if (bestWeight[target] == Double.POSITIVE_INFINITY) {
                    if (originCut || targetCut[target]) {
                        durations[r * columns + c] = MatrixResult.BEYOND_CUTOFF;
                    }
                } else if (bestMillis[target] > maxMillis || bestMeters[target] > maxMeters) {
                    durations[r * columns + c] = MatrixResult.BEYOND_CUTOFF;
                } else {
                    durations[r * columns + c] = bestMillis[target] / 1000.0;
                    distances[r * columns + c] = bestMeters[target];
                }
            }
        }
        return new MatrixResult(rows, columns, durations, distances, sourceSnapMeters, destinationSnapMeters);
    }
}
