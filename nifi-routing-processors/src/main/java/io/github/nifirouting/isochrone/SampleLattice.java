package io.github.nifirouting.isochrone;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

/**
 * Sample points on a square lattice around a site, out to a radius, for engines without an isochrone API: the centres of
 * the {@link CellGrid} cells within the radius. Travel times from the site to every sample come from the matrix API;
 * a sample the engine snaps to a road farther than the reach away is not reached (land away from roads: fields, lakes,
 * mountains). Spacing is the resolution: halving it quadruples the samples (and the engine cost) and halves the
 * boundary error.
 *
 * @param samples the sample points, ids {@code s0, s1, ...}
 * @param columns lattice column of each sample (east, in spacings from the site)
 * @param rows    lattice row of each sample (north, in spacings from the site)
 * @param steps   the lattice spans columns and rows {@code -steps..steps}
 */
record SampleLattice(CoordinateBlock samples, int[] columns, int[] rows, int steps, double spacing, LocalProjection projection) {

    /** More samples than this per site would need gigabytes for one matrix row: the configuration is wrong. */
    static final long MAX_SAMPLES = 1L << 22;

    /** The lattice points within {@code radiusMeters} of the site, spaced {@code spacingMeters} apart. */
    static SampleLattice around(final double latitude, final double longitude, final double radiusMeters, final double spacingMeters) {
        final LocalProjection projection = new LocalProjection(latitude, longitude);
        final int steps = (int) Math.ceil(radiusMeters / spacingMeters);
        final long capacity = checkSize(radiusMeters, spacingMeters);
        final CoordinateBlock.Builder samples = new CoordinateBlock.Builder((int) capacity);
        final int[] columns = new int[(int) capacity];
        final int[] rows = new int[(int) capacity];
        int index = 0;
        for (int row = -steps; row <= steps; row++) {
            for (int column = -steps; column <= steps; column++) {
                final double x = column * spacingMeters;
                final double y = row * spacingMeters;
                if (x * x + y * y <= radiusMeters * radiusMeters) {
                    samples.add("s" + index, projection.latitude(y), projection.longitude(x));
                    columns[index] = column;
                    rows[index] = row;
                    index++;
                }
            }
        }
        return new SampleLattice(samples.build(), columns, rows, steps, spacingMeters, projection);
    }

    /** @return an upper bound of the samples within the radius; @throws IllegalArgumentException if above {@link #MAX_SAMPLES} */
    static long checkSize(final double radiusMeters, final double spacingMeters) {
        final double steps = Math.ceil(radiusMeters / spacingMeters);
        final long capacity = (long) Math.ceil(Math.PI * (steps + 1) * (steps + 1));
        if (capacity > MAX_SAMPLES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "a lattice out to %.0f m every %.0f m has about %,d samples "
                    + "per site, more than %,d: increase Resolution or lower Max Speed or the thresholds", radiusMeters, spacingMeters, capacity,
                    MAX_SAMPLES));
        }
        return capacity;
    }

    int size() {
        return samples.size();
    }

    /**
     * The cells of the samples reached according to {@code times} (row 0: from the site): a sample counts if it is routable
     * and the engine snapped it no farther than {@code reach} meters (or did not say how far).
     */
    CellGrid cells(final MatrixResult times, final double reach) {
        final CellGrid grid = new CellGrid(projection, spacing, -steps, steps, -steps, steps);
        for (int i = 0; i < size(); i++) {
            final double snap = times.destinationSnapMeters(i);
            if (times.isRoutable(0, i) && !(snap > reach)) {
                grid.lower(columns[i], rows[i], times.durationSeconds(0, i));
            }
        }
        return grid;
    }
}
