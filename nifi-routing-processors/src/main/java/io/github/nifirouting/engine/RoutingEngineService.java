package io.github.nifirouting.engine;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.controller.ControllerService;

/**
 * The one seam between processors and routing engines. Processors see only this interface: they size
 * tiles from {@link #getMatrixLimits()}, ask for matrices and react to {@link RoutingException#kind()}.
 * Implementations own their protocol, retries, circuit breaking and rate limiting, shared by every
 * processor and concurrent task that uses the same service instance.
 */
@Tags({"routing", "matrix", "drive time", "isochrone"})
@CapabilityDescription("A routing engine that computes travel-time and distance matrices between points.")
public interface RoutingEngineService extends ControllerService {

    /** Short engine name written to output records, e.g. {@code osrm} or {@code graphhopper-embedded}. */
    String getEngineName();

    /** The travel profile or costing the service is configured for, e.g. {@code car}. */
    String getProfile();

    /**
     * What else decides this service's answers beyond its name, profile and identifier (for example a travel cutoff or the
     * road data it routes on), so a result cache never serves pairs computed under other settings; empty when nothing does.
     */
    default String getResultScope() {
        return "";
    }

    /** What a single matrix request may contain. */
    MatrixLimits getMatrixLimits();

    /**
     * What a single matrix request sent with {@code options} may contain; the same as {@link #getMatrixLimits()} unless
     * the options take room in the request (OSRM sends a radius per point in its URL).
     */
    default MatrixLimits getMatrixLimits(final MatrixOptions options) {
        return getMatrixLimits();
    }

    /**
     * Travel times and distances from every source to every destination. The caller guarantees that the
     * request fits {@link #getMatrixLimits()}.
     *
     * @throws RoutingException when the engine cannot answer; its kind says whether to retry, yield or fail
     */
    MatrixResult computeMatrix(CoordinateBlock sources, CoordinateBlock destinations) throws RoutingException;

    /**
     * {@link #computeMatrix(CoordinateBlock, CoordinateBlock)}, recording requests, retries and elapsed time into
     * {@code stats}. Engines that retry internally override this to report every attempt.
     */
    default MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final CallStats stats)
            throws RoutingException {
        final long start = System.nanoTime();
        stats.recordRequest();
        try {
            return computeMatrix(sources, destinations);
        } finally {
            stats.addNanos(System.nanoTime() - start);
        }
    }

    /**
     * {@link #computeMatrix(CoordinateBlock, CoordinateBlock, CallStats)} with a processor's per-request options; the
     * caller guarantees that the request fits {@link #getMatrixLimits(MatrixOptions)}. Engines whose API bounds snapping
     * send {@link MatrixOptions#maxSnapMeters()} with the request, so a point without a road that near comes back
     * off-network (NO_ROAD) while the rest is routed; the others (this default) ignore the options, and the processor
     * classifies their answers by the snap distances they report.
     */
    default MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixOptions options,
                                       final CallStats stats) throws RoutingException {
        return computeMatrix(sources, destinations, stats);
    }

    /** Whether {@link #computeReachable} is supported (a shortest-path tree from one point). */
    default boolean supportsReachability() {
        return false;
    }

    /**
     * What is reachable from a point within {@code maxSeconds}, with travel times: network nodes, or better the road
     * polylines around them (see {@link ReachableNodes}), which is what lets isochrones follow roads between junctions.
     *
     * @throws RoutingException when the engine cannot answer
     */
    default ReachableNodes computeReachable(final double latitude, final double longitude, final double maxSeconds) throws RoutingException {
        throw new UnsupportedOperationException(getEngineName() + " does not compute reachable nodes");
    }

    /** Whether the engine has its own isochrone API ({@link #computeIsochrones}), e.g. Valhalla, OpenRouteService, GraphHopper. */
    default boolean supportsIsochrones() {
        return false;
    }

    /**
     * The engine's own isochrone polygons around a point, one set per threshold (ascending seconds); no polygons at all
     * when the engine cannot place the point on its network.
     *
     * @throws RoutingException when the engine cannot answer
     */
    default IsochroneRings computeIsochrones(final double latitude, final double longitude, final double[] thresholdsSeconds) throws RoutingException {
        throw new UnsupportedOperationException(getEngineName() + " has no isochrone API");
    }

    /**
     * {@link #computeIsochrones(double, double, double[])}, recording requests, retries and elapsed time into {@code stats}.
     * Engines that retry internally override this to report every attempt.
     */
    default IsochroneRings computeIsochrones(final double latitude, final double longitude, final double[] thresholdsSeconds, final CallStats stats)
            throws RoutingException {
        final long start = System.nanoTime();
        stats.recordRequest();
        try {
            return computeIsochrones(latitude, longitude, thresholdsSeconds);
        } finally {
            stats.addNanos(System.nanoTime() - start);
        }
    }
}
