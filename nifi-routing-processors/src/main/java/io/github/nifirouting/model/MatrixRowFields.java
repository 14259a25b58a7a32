package io.github.nifirouting.model;

/**
 * Field names of the flat matrix rows InvokeRoutingMatrix writes and ScoreAccessibility reads: one row per
 * origin-destination pair.
 */
public final class MatrixRowFields {

    public static final String ORIGIN_ID = "origin_id";
    public static final String DESTINATION_ID = "destination_id";
    /** Travel time in seconds (double), null when unroutable. */
    public static final String DURATION_S = "duration_s";
    /** Network distance in meters (double), null when unroutable or not reported. */
    public static final String DISTANCE_M = "distance_m";
    /** One of the STATUS_ values. */
    public static final String STATUS = "status";
    /** Meters between the origin and where the engine matched it to the network (null when unknown). */
    public static final String ORIGIN_SNAP_M = "origin_snap_m";
    /** Meters between the destination and where the engine matched it to the network (null when unknown). */
    public static final String DESTINATION_SNAP_M = "destination_snap_m";

    /** The engine found a route. */
    public static final String STATUS_OK = "OK";
    /** The engine found no route (e.g. disconnected networks); duration and distance are null. */
    public static final String STATUS_UNROUTABLE = "UNROUTABLE";
    /** The engine stopped at its cutoff (e.g. Max Travel Time) before reaching the destination; values are null. */
    public static final String STATUS_BEYOND_CUTOFF = "BEYOND_CUTOFF";
    /** A route exists but an end snapped to the network farther than the configured maximum; values are null. */
    public static final String STATUS_SNAPPED_TOO_FAR = "SNAPPED_TOO_FAR";
    /**
     * The engine could not place the origin or the destination on its network (OSRM NoSegment, e.g. beyond the
     * service's Snap Radius; Valhalla 171; OpenRouteService 6010; GraphHopper "Cannot find point"); values are null.
     * The other pairs of the tile are routed.
     */
    public static final String STATUS_NO_ROAD = "NO_ROAD";
    /**
     * The engine found no route and estimated the pair instead (OSRM fallback_speed: straight-line distance at the
     * fallback speed); duration and distance are the estimate.
     */
    public static final String STATUS_ESTIMATED = "ESTIMATED";
    /** The origin or destination record has no valid point; nothing was asked of the engine for this pair. */
    public static final String STATUS_INVALID_COORDINATE = "INVALID_COORDINATE";

    private MatrixRowFields() {
    }
}
