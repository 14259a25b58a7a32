package io.github.nifirouting.coordinates;

/**
 * The outcome of reading one record as a point: either a valid id/latitude/longitude or a reason with a
 * detail message. Mutable and reused for every record so that streaming creates no per-record objects
 * beyond the id string.
 */
public final class PointReading {

    private String id;
    private double latitude;
    private double longitude;
    private InvalidReason reason;
    private String detail;

    void reset() {
        id = null;
        latitude = Double.NaN;
        longitude = Double.NaN;
        reason = null;
        detail = null;
    }

    void setId(final String id) {
        this.id = id;
    }

    void setCoordinates(final double latitude, final double longitude) {
        this.latitude = latitude;
        this.longitude = longitude;
    }

    /** Marks the point invalid; the first reason found wins. */
    public void reject(final InvalidReason invalidReason, final String message) {
        if (reason == null) {
            reason = invalidReason;
            detail = message;
        }
    }

    public boolean isValid() {
        return reason == null;
    }

    public String id() {
        return id;
    }

    public double latitude() {
        return latitude;
    }

    public double longitude() {
        return longitude;
    }

    public InvalidReason reason() {
        return reason;
    }

    /** The user-facing message: the reason code and what was wrong, e.g. {@code coordinate out of range: latitude 123.0 not in [-90, 90]}. */
    public String message() {
        return reason == null ? null : reason.code() + ": " + detail;
    }
}
