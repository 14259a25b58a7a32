package io.github.nifirouting.engine.graphhopper;

import com.carrotsearch.hppc.IntHashSet;
import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.storage.index.Snap;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;


/**
 * A travel-time matrix on a {@link RoadGraph}: every point is snapped to the nearest usable road and inserted as a
 * virtual node in one query graph per request (so two points on the same edge get the right time), then one
 * {@link BoundedDijkstra} runs per origin and stops once every destination is settled or the cutoff is reached. The
 * cost is one search per origin over the explored network, never one query per pair; the working memory is the
 * thread's {@link SearchSpace} plus arrays sized by the request.
 */
final class MatrixSearch {

    private MatrixSearch() {
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
        final int[] destinationNodes = new int[columns];
        final IntHashSet targets = new IntHashSet(columns);
        for (int c = 0; c < columns; c++) {
            destinationNodes[c] = destinationSnaps[c] == null ? -1 : destinationSnaps[c].getClosestNode();
            if (destinationNodes[c] >= 0) {
                targets.add(destinationNodes[c]);
            }
        }
        final double[] durations = MatrixResult.nanArray(Math.multiplyExact(rows, columns));
        final double[] distances = MatrixResult.nanArray(durations.length);
        final SearchSpace space = roads.searchSpace();
        final BoundedDijkstra search = new BoundedDijkstra(queryGraph, queryGraph.wrapWeighting(roads.weighting()), space);
        for (int r = 0; r < rows; r++) {
            if (sourceSnaps[r] == null) {
                continue;
            }
            search.run(sourceSnaps[r].getClosestNode(), targets::contains, targets.size(), cutoff);
            for (int c = 0; c < columns; c++) {
                if (destinationNodes[c] < 0) {
                    continue;
                }
                final int arrival = space.arrival(destinationNodes[c]);
                if (arrival >= 0) {
                    durations[r * columns + c] = space.millis[arrival] / 1000.0;
                    distances[r * columns + c] = space.meters[arrival];
                } else if (search.wasCut()) {
                    // Not reached before the cutoff: unknown whether a route exists beyond it.
                    durations[r * columns + c] = MatrixResult.BEYOND_CUTOFF;
                }
            }
        }
        space.trim();
        return new MatrixResult(rows, columns, durations, distances, sourceSnapMeters, destinationSnapMeters);
    }
}
