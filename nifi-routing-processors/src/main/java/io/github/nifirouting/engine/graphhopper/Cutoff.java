package io.github.nifirouting.engine.graphhopper;

/**
 * How far a search goes: places whose travel time (along the least-weight path) passes {@code maxSeconds}, or whose
 * distance passes {@code maxMeters}, are neither settled nor expanded, so the search stops at the cutoff.
 */
public record Cutoff(double maxSeconds, double maxMeters) {

    public static final Cutoff NONE = new Cutoff(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

    public Cutoff {
        if (!(maxSeconds > 0) || !(maxMeters > 0)) {
            throw new IllegalArgumentException("cutoff must be positive: " + maxSeconds + " s, " + maxMeters + " m");
        }
    }

    public boolean isLimited() {
        return maxSeconds != Double.POSITIVE_INFINITY || maxMeters != Double.POSITIVE_INFINITY;
    }

    /** The tighter of this cutoff and a time limit. */
    public Cutoff withMaxSeconds(final double seconds) {
        return new Cutoff(Math.min(maxSeconds, seconds), maxMeters);
    }
}
