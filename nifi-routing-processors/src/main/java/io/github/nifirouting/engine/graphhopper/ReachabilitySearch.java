package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.routing.util.EdgeFilter;
import com.graphhopper.routing.weighting.Weighting;
import com.graphhopper.storage.index.Snap;
import com.graphhopper.util.DistanceCalcEarth;
import com.graphhopper.util.EdgeExplorer;
import com.graphhopper.util.EdgeIterator;
import com.graphhopper.util.FetchMode;
import com.graphhopper.util.PointList;
import io.github.nifirouting.model.ReachableNodes;

import java.util.Arrays;

/**
 * The roads reachable from a point within a cutoff, for BuildIsochrones: a plain (not contracted) {@link BoundedDijkstra}
 * that settles every node reached within the limit, then every road edge leaving a settled node with its full geometry
 * (tower and pillar points) and the travel time at each vertex, interpolated along the edge by distance. An edge between
 * two settled nodes takes, at each vertex, the earlier of the arrivals from either end it can be driven from; an edge
 * leaving the reached area keeps the times it has from its settled end, which pass the limit towards its far end. Empty
 * if the point is off the network. Working memory is the thread's {@link SearchSpace} (what the search visits) plus the
 * roads returned.
 */
final class ReachabilitySearch {

    private ReachabilitySearch() {
    }

    static ReachableNodes compute(final RoadGraph roads, final double latitude, final double longitude, final Cutoff cutoff) {
        final Snap snap = roads.snap(latitude, longitude);
        if (!roads.withinSnapLimit(snap)) {
            return new ReachableNodes(new double[0], new double[0], new double[0], 0, new int[]{0}, 0);
        }
        final QueryGraph queryGraph = QueryGraph.create(roads.baseGraph(), snap);
        final Weighting queryWeighting = queryGraph.wrapWeighting(roads.weighting());
        final SearchSpace space = roads.searchSpace();
        final BoundedDijkstra search = new BoundedDijkstra(queryGraph, queryWeighting, space);
        search.run(snap.getClosestNode(), node -> false, 0, cutoff);
        final RoadBuffer buffer = new RoadBuffer(space.settledNodeCount() * 4);
        final EdgeExplorer explorer = queryGraph.createEdgeExplorer(EdgeFilter.ALL_EDGES);
        for (int i = 0; i < space.settledNodeCount(); i++) {
            final int node = space.settledNode(i);
            final double nodeSeconds = space.millis[space.arrival(node)] / 1000.0;
            final EdgeIterator edge = explorer.setBaseNode(node);
            while (edge.next()) {
                final int adjacent = edge.getAdjNode();
                final int adjacentArrival = space.arrival(adjacent);
                final boolean adjacentSettled = adjacentArrival >= 0;
                if (adjacentSettled && adjacent <= node) {
                    continue; // an edge between two settled nodes is written once, from its lower node id
                }
                final double forward = Double.isInfinite(queryWeighting.calcEdgeWeight(edge, false)) ? Double.NaN
                        : queryWeighting.calcEdgeMillis(edge, false) / 1000.0;
                final double backward = !adjacentSettled || Double.isInfinite(queryWeighting.calcEdgeWeight(edge, true)) ? Double.NaN
                        : queryWeighting.calcEdgeMillis(edge, true) / 1000.0;
                if (Double.isNaN(forward) && Double.isNaN(backward)) {
                    continue;
                }
                buffer.addEdge(edge.fetchWayGeometry(FetchMode.ALL), nodeSeconds, forward,
                        adjacentSettled ? space.millis[adjacentArrival] / 1000.0 : Double.NaN, backward);
            }
        }
        space.trim();
        return buffer.build();
    }

    /** Road polylines with per-vertex travel times, grown in flat arrays. */
    private static final class RoadBuffer {
        private double[] lat;
        private double[] lon;
        private double[] seconds;
        private int[] lineStarts = new int[64];
        private int size;
        private int lines;
        private double[] cumulative = new double[16];

        RoadBuffer(final int capacity) {
            lat = new double[Math.max(16, capacity)];
            lon = new double[lat.length];
            seconds = new double[lat.length];
        }

        /**
         * One edge from {@code startSeconds} at its first vertex; {@code forwardSeconds} to drive it start to end (NaN if
         * not allowed), {@code endSeconds} and {@code backwardSeconds} the same from its last vertex (NaN if not reached).
         */
        void addEdge(final PointList points, final double startSeconds, final double forwardSeconds, final double endSeconds,
                     final double backwardSeconds) {
            final int count = points.size();
            if (count < 2) {
                return;
            }
            if (cumulative.length < count) {
                cumulative = new double[Math.max(count, cumulative.length * 2)];
            }
            cumulative[0] = 0;
            for (int p = 1; p < count; p++) {
                cumulative[p] = cumulative[p - 1] + DistanceCalcEarth.DIST_EARTH.calcDist(points.getLat(p - 1), points.getLon(p - 1),
                        points.getLat(p), points.getLon(p));
            }
            final double length = cumulative[count - 1];
            ensure(count);
            for (int p = 0; p < count; p++) {
                final double fraction = length > 0 ? cumulative[p] / length : (p == 0 ? 0 : 1);
                double time = Double.POSITIVE_INFINITY;
                if (!Double.isNaN(forwardSeconds)) {
                    time = startSeconds + fraction * forwardSeconds;
                }
                if (!Double.isNaN(endSeconds) && !Double.isNaN(backwardSeconds)) {
                    time = Math.min(time, endSeconds + (1 - fraction) * backwardSeconds);
                }
                lat[size] = points.getLat(p);
                lon[size] = points.getLon(p);
                seconds[size] = time;
                size++;
            }
            lines++;
            if (lines + 1 > lineStarts.length) {
                lineStarts = Arrays.copyOf(lineStarts, lineStarts.length * 2);
            }
            lineStarts[lines] = size;
        }

        private void ensure(final int more) {
            if (size + more > lat.length) {
                final int capacity = Math.max(size + more, lat.length * 2);
                lat = Arrays.copyOf(lat, capacity);
                lon = Arrays.copyOf(lon, capacity);
                seconds = Arrays.copyOf(seconds, capacity);
            }
        }

        ReachableNodes build() {
            return new ReachableNodes(lat, lon, seconds, size, Arrays.copyOf(lineStarts, lines + 1), lines);
        }
    }
}
