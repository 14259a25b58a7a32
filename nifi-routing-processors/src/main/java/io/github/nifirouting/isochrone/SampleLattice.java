package io.github.nifirouting.isochrone;

import io.github.nifirouting.model.CoordinateBlock;

/**
 * Sample points on a square lattice around a site, out to a radius, for engines without an isochrone API: travel times
 * from the site to every sample come from the matrix API, and reached samples become the polygon's cells. Spacing is the
 * resolution: halving it quadruples the samples (and the engine cost) and halves the boundary error.
 */
public final class SampleLattice {

    private SampleLattice() {
    }

    /** The lattice points within {@code radiusMeters} of the site, spaced {@code spacingMeters} apart, with ids {@code s0, s1, ...}. */
    public static CoordinateBlock around(final double latitude, final double longitude, final double radiusMeters, final double spacingMeters) {
        final LocalProjection projection = new LocalProjection(latitude, longitude);
        final int steps = (int) Math.ceil(radiusMeters / spacingMeters);
        final CoordinateBlock.Builder samples = new CoordinateBlock.Builder((int) Math.min(1 << 20, 4L * steps * steps));
        int index = 0;
        for (int row = -steps; row <= steps; row++) {
            for (int column = -steps; column <= steps; column++) {
                final double x = column * spacingMeters;
                final double y = row * spacingMeters;
                if (x * x + y * y <= radiusMeters * radiusMeters) {
                    samples.add("s" + index++, projection.latitude(y), projection.longitude(x));
                }
            }
        }
        return samples.build();
    }
}
