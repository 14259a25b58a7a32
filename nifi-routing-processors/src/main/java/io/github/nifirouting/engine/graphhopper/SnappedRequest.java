package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.storage.index.Snap;
import io.github.nifirouting.model.CoordinateBlock;

import java.util.ArrayList;
import java.util.List;

/**
 * A matrix request's points snapped to the road graph, as both matrix algorithms start: per point its snap (null when
 * off the network or beyond the snap limit) and its snap distance (NaN when off the network), and one query graph with
 * every usable snap as a virtual node, so two points on the same edge get the right time.
 */
record SnappedRequest(Snap[] sourceSnaps, Snap[] destinationSnaps, double[] sourceSnapMeters, double[] destinationSnapMeters,
                      QueryGraph queryGraph) {

    static SnappedRequest of(final RoadGraph roads, final CoordinateBlock sources, final CoordinateBlock destinations) {
        final Snap[] sourceSnaps = new Snap[sources.size()];
        final Snap[] destinationSnaps = new Snap[destinations.size()];
        final double[] sourceSnapMeters = new double[sources.size()];
        final double[] destinationSnapMeters = new double[destinations.size()];
        final List<Snap> valid = new ArrayList<>(sources.size() + destinations.size());
        snapAll(roads, sources, sourceSnaps, sourceSnapMeters, valid);
        snapAll(roads, destinations, destinationSnaps, destinationSnapMeters, valid);
        return new SnappedRequest(sourceSnaps, destinationSnaps, sourceSnapMeters, destinationSnapMeters,
                QueryGraph.create(roads.baseGraph(), valid));
    }

    private static void snapAll(final RoadGraph roads, final CoordinateBlock points, final Snap[] snaps, final double[] snapMeters,
                                final List<Snap> valid) {
        for (int i = 0; i < points.size(); i++) {
            final Snap snap = roads.snap(points.latitude(i), points.longitude(i));
            if (!snap.isValid()) {
                snapMeters[i] = Double.NaN;
                continue;
            }
            snapMeters[i] = snap.getQueryDistance();
            if (roads.withinSnapLimit(snap)) {
                snaps[i] = snap;
                valid.add(snap);
            }
        }
    }
}
