package io.github.nifirouting.model;

/**
 * What one matrix request to an engine may contain. Tiling sizes O-D tiles so that every request fits.
 *
 * @param maxSources            most origins in one request
 * @param maxDestinations       most destinations in one request
 * @param maxElements           most origin x destination cells in one request (OSRM: max-table-size squared)
 * @param maxCoordinates        most coordinates (origins + destinations) in one request, e.g. to bound GET URL length
 */
public record MatrixLimits(int maxSources, int maxDestinations, long maxElements, int maxCoordinates) {

    public static final MatrixLimits UNLIMITED = new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);

    public MatrixLimits {
        if (maxSources < 1 || maxDestinations < 1 || maxElements < 1 || maxCoordinates < 2) {
            throw new IllegalArgumentException("matrix limits must be positive (coordinates at least 2): " + maxSources + ", "
                    + maxDestinations + ", " + maxElements + ", " + maxCoordinates);
        }
    }

    /** Limits that bound only the number of cells, as OSRM's max-table-size does. */
    public static MatrixLimits ofElements(final long maxElements) {
        return new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, maxElements, Integer.MAX_VALUE);
    }

    /** The tighter of both limits, field by field. */
    public MatrixLimits intersect(final MatrixLimits other) {
        return new MatrixLimits(Math.min(maxSources, other.maxSources), Math.min(maxDestinations, other.maxDestinations),
                Math.min(maxElements, other.maxElements), Math.min(maxCoordinates, other.maxCoordinates));
    }

    public boolean fits(final int sources, final int destinations) {
        return sources <= maxSources && destinations <= maxDestinations
                && (long) sources * destinations <= maxElements && (long) sources + destinations <= maxCoordinates;
    }
}
