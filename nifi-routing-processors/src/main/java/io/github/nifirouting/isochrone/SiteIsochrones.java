package io.github.nifirouting.isochrone;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.matrix.TileMatrixRouter;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;

import java.util.function.Consumer;

/**
 * Computes one site's isochrones: network traversal first (travel times in flat arrays: reachable roads, or a matrix
 * row of lattice samples, spread onto a {@link CellGrid}), then one polygon per threshold handed to {@code sink}, built
 * when it is written and released before the next.
 */
public final class SiteIsochrones {

    /**
     * Settings shared by all sites of a run.
     *
     * @param thresholdsSeconds       ascending
     * @param sampled                 matrix-sampled rather than engine native
     * @param resolutionMeters        cell size and lattice spacing
     * @param maxSpeedMetersPerSecond how far the lattice reaches: largest threshold x this speed
     * @param simplifyMeters          topology-preserving simplification tolerance, 0 for none
     * @param roadDistanceMeters      land within this distance of a reached road counts as reached
     */
    public record Settings(double[] thresholdsSeconds, boolean sampled, double resolutionMeters, double maxSpeedMetersPerSecond,
                           double simplifyMeters, double roadDistanceMeters) {
    }

    private SiteIsochrones() {
    }

    /** @throws IllegalArgumentException when sampling with these settings would need an unreasonable number of samples per site */
    public static void check(final Settings settings) {
        if (settings.sampled()) {
            final double[] thresholds = settings.thresholdsSeconds();
            SampleLattice.checkSize(thresholds[thresholds.length - 1] * settings.maxSpeedMetersPerSecond() + settings.roadDistanceMeters(),
                    settings.resolutionMeters());
        }
    }

    /**
     * @return false when the site is off the network (the engine cannot route from it, or nothing it reaches is within the
     *         Max Road Distance of a cell), in which case {@code sink} got nothing
     * @throws RoutingException         from the engine; the caller decides retry / yield / failure
     * @throws IllegalArgumentException when the settings would need an unreasonable number of samples
     */
    public static boolean compute(final RoutingEngineService engine, final double latitude, final double longitude, final Settings settings,
                                  final CallStats stats, final Consumer<IsochronePolygons.Result> sink) throws RoutingException {
        final double[] thresholds = settings.thresholdsSeconds();
        final double largest = thresholds[thresholds.length - 1];
        if (!settings.sampled() && engine.supportsIsochrones()) {
            final IsochroneRings rings = engine.computeIsochrones(latitude, longitude, thresholds, stats);
            if (rings.polygons().stream().allMatch(java.util.List::isEmpty)) {
                return false;
            }
            IsochronePolygons.fromRings(latitude, longitude, rings, settings.simplifyMeters(), sink);
            return true;
        }
        final CellGrid cells;
        if (!settings.sampled()) {
            if (!engine.supportsReachability()) {
                throw new RoutingException(RoutingException.Kind.REJECTED, engine.getEngineName()
                        + " has neither an isochrone API nor reachability: use the matrix-sampled strategy");
            }
            final long start = System.nanoTime();
            stats.recordRequest();
            final ReachableNodes reachable;
            try {
                reachable = engine.computeReachable(latitude, longitude, largest);
            } finally {
                stats.addNanos(System.nanoTime() - start);
            }
            if (reachable.size() == 0) {
                return false;
            }
            cells = CellGrid.fromReachable(latitude, longitude, reachable, settings.resolutionMeters(), settings.roadDistanceMeters(), largest);
        } else {
            final SampleLattice lattice = SampleLattice.around(latitude, longitude,
                    largest * settings.maxSpeedMetersPerSecond() + settings.roadDistanceMeters(), settings.resolutionMeters());
            final CoordinateBlock site = CoordinateBlock.of(new String[]{"site"}, new double[]{latitude}, new double[]{longitude});
            final MatrixResult times = TileMatrixRouter.route(engine, site, lattice.samples(), stats);
            boolean routable = false;
            for (int i = 0; i < lattice.size() && !routable; i++) {
                routable = times.isRoutable(0, i);
            }
            if (!routable) {
                return false;
            }
            cells = lattice.cells(times, settings.roadDistanceMeters());
        }
        if (!cells.anyWithin(largest)) {
            return false; // routable, but no road the site reaches in time is within Max Road Distance of any cell: e.g. far at sea
        }
        IsochronePolygons.fromCells(cells, thresholds, settings.simplifyMeters(), sink);
        return true;
    }
}
