package io.github.nifirouting.model;

/**
 * What a processor asks of every matrix request it sends, beyond the points: the one typed value that carries a
 * processor's settings through {@link io.github.nifirouting.engine.RoutingEngineService} to an engine's protocol.
 * Engines whose API can take a setting send it (OSRM {@code radiuses}, Valhalla {@code search_cutoff}); the others
 * ignore it and the processor applies it to their answers instead.
 *
 * @param maxSnapMeters farthest a point may lie from the road it is matched to; NaN: no limit asked (an engine
 *                      service's own default, if it has one, applies)
 */
public record MatrixOptions(double maxSnapMeters) {

    /** No per-request setting: each engine service routes with its own configuration. */
    public static final MatrixOptions NONE = new MatrixOptions(Double.NaN);

    public MatrixOptions {
        if (!Double.isNaN(maxSnapMeters) && !(maxSnapMeters >= 0 && maxSnapMeters < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("max snap distance must be a finite number of meters >= 0: " + maxSnapMeters);
        }
    }

    /** Options with a maximum snap distance in meters. */
    public static MatrixOptions maxSnap(final double meters) {
        return new MatrixOptions(meters);
    }

    public boolean hasMaxSnap() {
        return !Double.isNaN(maxSnapMeters);
    }
}
