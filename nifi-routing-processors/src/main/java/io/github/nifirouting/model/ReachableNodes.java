package io.github.nifirouting.model;

/**
 * What one site reaches within a time limit, as flat arrays: the primitive that isochrone building works on before any
 * geometry exists. Two shapes:
 * <ul>
 *   <li>nodes only ({@code lineStarts == null}): network nodes with their travel times;</li>
 *   <li>roads ({@code lineStarts != null}): the points are the vertices of {@code lineCount} polylines, pieces of road
 *       reached from the site, polyline {@code k} being points {@code lineStarts[k]} (inclusive) to
 *       {@code lineStarts[k + 1]} (exclusive). Each vertex carries its travel time; between vertices travel time is
 *       interpolated linearly. A road leaving the reached area ends at a vertex whose time exceeds the limit.</li>
 * </ul>
 */
public record ReachableNodes(double[] latitudes, double[] longitudes, double[] travelSeconds, int size, int[] lineStarts, int lineCount) {

    public ReachableNodes {
        if (size < 0 || latitudes.length < size || longitudes.length < size || travelSeconds.length < size) {
            throw new IllegalArgumentException("arrays shorter than size " + size);
        }
        if (lineStarts != null && (lineCount < 0 || lineStarts.length < lineCount + 1 || lineStarts[lineCount] != size)) {
            throw new IllegalArgumentException("line starts must hold " + (lineCount + 1) + " offsets ending at size " + size);
        }
    }

    /** Network nodes only, without the roads between them. */
    public ReachableNodes(final double[] latitudes, final double[] longitudes, final double[] travelSeconds, final int size) {
        this(latitudes, longitudes, travelSeconds, size, null, 0);
    }

    /** Whether the points are vertices of road polylines rather than isolated nodes. */
    public boolean hasRoads() {
        return lineStarts != null;
    }
}
