package io.github.nifirouting.model;

import java.util.List;

/**
 * Isochrone polygons as an engine returns them, before any geometry library is involved: for each requested
 * threshold, polygons whose rings are flat {@code [lon0, lat0, lon1, lat1, ...]} arrays (first ring the shell,
 * the others holes). Processors build JTS geometries from these only when they write them.
 *
 * @param thresholdsSeconds the thresholds, ascending
 * @param polygons          per threshold (same order), the polygons; each polygon is its list of rings
 */
public record IsochroneRings(double[] thresholdsSeconds, List<List<List<double[]>>> polygons) {

    public IsochroneRings {
        if (polygons.size() != thresholdsSeconds.length) {
            throw new IllegalArgumentException(thresholdsSeconds.length + " thresholds but polygons for " + polygons.size());
        }
    }
}
