package io.github.nifirouting.model;

/**
 * Network nodes reachable from one site within a time limit, as flat arrays: the primitive that
 * isochrone building works on before any geometry exists.
 */
public record ReachableNodes(double[] latitudes, double[] longitudes, double[] travelSeconds, int size) {

    public ReachableNodes {
        if (size < 0 || latitudes.length < size || longitudes.length < size || travelSeconds.length < size) {
            throw new IllegalArgumentException("arrays shorter than size " + size);
        }
    }
}
