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
    /** {@link #STATUS_OK} or {@link #STATUS_UNROUTABLE}. */
    public static final String STATUS = "status";

    public static final String STATUS_OK = "OK";
    public static final String STATUS_UNROUTABLE = "UNROUTABLE";

    private MatrixRowFields() {
    }
}
