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
 * Computes one site's isochrones: network traversal first (travel times in flat arrays), then one polygon per
 * threshold handed to {@code sink} and released before the next is built.
 */
public final class SiteIsochrones {

    /** Settings shared by all sites of a run. */
    public record Settings(double[] thresholdsSeconds, boolean sampled, double resolutionMeters, double maxSpeedMetersPerSecond,
                           double simplifyMeters) {
    }

    /** One threshold's outcome for a site. */
    public record Polygon(double thresholdSeconds, IsochronePolygons.Result result) {
    }

    private SiteIsochrones() {
    }

    /**
     * @return false when the site is off the network (nothing reachable), in which case {@code sink} got nothing
     * @throws RoutingException from the engine; the caller decides retry / yield / failure
     */
    public static boolean compute(final RoutingEngineService engine, final double latitude, final double longitude, final Settings settings,
                                  final CallStats stats, final Consumer<Polygon> sink) throws RoutingException {
        final double[] thresholds = settings.thresholdsSeconds();
        final double largest = thresholds[thresholds.length - 1];
        if (!settings.sampled() && engine.supportsIsochrones()) {
            stats.recordRequest();
            final IsochroneRings rings = engine.computeIsochrones(latitude, longitude, thresholds);
            boolean any = false;
            for (int t = 0; t < thresholds.length; t++) {
                final IsochronePolygons.Result result = IsochronePolygons.fromRings(latitude, longitude, rings, t);
                any |= !result.geometry().isEmpty();
                sink.accept(new Polygon(thresholds[t], result));
            }
            return any;
        }
        if (!settings.sampled()) {
            if (!engine.supportsReachability()) {
                throw new RoutingException(RoutingException.Kind.REJECTED, engine.getEngineName()
                        + " has neither an isochrone API nor reachability: use the matrix-sampled strategy");
            }
            stats.recordRequest();
            final ReachableNodes nodes = engine.computeReachable(latitude, longitude, largest);
            if (nodes.size() == 0) {
                return false;
            }
            for (final double threshold : thresholds) {
                sink.accept(new Polygon(threshold, IsochronePolygons.fromNodes(latitude, longitude, nodes, threshold,
                        settings.resolutionMeters(), settings.simplifyMeters())));
            }
            return true;
        }
        final CoordinateBlock site = CoordinateBlock.of(new String[]{"site"}, new double[]{latitude}, new double[]{longitude});
        final CoordinateBlock samples = SampleLattice.around(latitude, longitude, largest * settings.maxSpeedMetersPerSecond(),
                settings.resolutionMeters());
        final MatrixResult times = TileMatrixRouter.route(engine, site, samples, stats);
        boolean reachesAnything = false;
        for (int i = 0; i < samples.size() && !reachesAnything; i++) {
            reachesAnything = times.isRoutable(0, i);
        }
        if (!reachesAnything) {
            return false; // the site is off the network
        }
        final double[] lat = new double[samples.size()];
        final double[] lon = new double[samples.size()];
        final double[] seconds = new double[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            lat[i] = samples.latitude(i);
            lon[i] = samples.longitude(i);
            seconds[i] = times.isRoutable(0, i) ? times.durationSeconds(0, i) : Double.POSITIVE_INFINITY;
        }
        for (final double threshold : thresholds) {
            sink.accept(new Polygon(threshold, IsochronePolygons.fromSamples(latitude, longitude, lat, lon, seconds, threshold,
                    settings.resolutionMeters(), settings.simplifyMeters())));
        }
        return true;
    }
}
