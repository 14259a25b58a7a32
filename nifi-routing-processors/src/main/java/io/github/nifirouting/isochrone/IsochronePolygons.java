package io.github.nifirouting.isochrone;

import io.github.nifirouting.model.IsochroneRings;
import org.locationtech.jts.algorithm.InteriorPointArea;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.util.GeometryFixer;
import org.locationtech.jts.operation.overlayng.OverlayNGRobust;
import org.locationtech.jts.operation.overlayng.OverlayNG;
import org.locationtech.jts.operation.polygonize.Polygonizer;
import org.locationtech.jts.simplify.TopologyPreservingSimplifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds one site's catchment polygons in longitude/latitude, one threshold at a time, handing each to a sink before
 * building the next.
 * <p>
 * From cells ({@link CellGrid}): the polygon of threshold {@code T} is the region of the cells reached within {@code T}.
 * It is traced from the cell edges between reached and unreached cells (collinear edges merged), polygonized with JTS,
 * and the faces made of reached cells kept. All coordinates are the shared cell-edge longitudes and latitudes, so the
 * result is exactly valid (regions touching only at a corner become separate polygons or a hole touching its shell at
 * a point), holes are kept, and since a cell reached within {@code T} is reached within any larger threshold, the
 * polygons of increasing thresholds contain each other exactly.
 * <p>
 * From an engine's own isochrone polygons: repaired with {@link GeometryFixer} where the engine's rings are not valid,
 * then unioned with the polygon of the previous (smaller) threshold so that nesting holds whatever the engine returned.
 * <p>
 * Output is canonical: parts and rings in a fixed order, shells counter-clockwise and holes clockwise (RFC 7946).
 * <p>
 * Simplification (tolerance in meters, converted to degrees of latitude) is topology preserving; after it, each
 * polygon is unioned with the previous threshold's so nesting still holds (to floating-point rounding at the points
 * where boundaries cross).
 */
public final class IsochronePolygons {

    /** A polygon for one threshold, in longitude/latitude, with its area and the cells reached within the threshold. */
    public record Result(double thresholdSeconds, Geometry geometry, double areaSquareKilometers, int reachedPoints) {
    }

    private static final GeometryFactory FACTORY = new GeometryFactory();

    private IsochronePolygons() {
    }

    /** The polygons of {@code thresholds} (ascending) over the reached cells of {@code grid}. */
    static void fromCells(final CellGrid grid, final double[] thresholds, final double simplifyMeters, final Consumer<Result> sink) {
        final double[] edgeLon = grid.edgeLongitudes();
        final double[] edgeLat = grid.edgeLatitudes();
        final double toleranceDegrees = simplifyMeters / grid.projection().metersPerDegreeLatitude();
        Geometry previous = null;
        for (final double threshold : thresholds) {
            final boolean[] reached = new boolean[grid.columns() * grid.rows()];
            int count = 0;
            for (int i = 0; i < reached.length; i++) {
                if (grid.seconds(i) <= threshold) {
                    reached[i] = true;
                    count++;
                }
            }
            Geometry polygon = region(reached, grid.columns(), grid.rows(), edgeLon, edgeLat);
            if (toleranceDegrees > 0) {
                polygon = nest(simplify(polygon, toleranceDegrees), previous);
            }
            previous = polygon;
            polygon = canonical(polygon);
            sink.accept(new Result(threshold, polygon, EllipsoidalArea.squareMeters(polygon) / 1e6, count));
        }
    }

    /** The engine's own polygons, threshold by threshold, repaired where invalid and nested. */
    static void fromRings(final double siteLatitude, final double siteLongitude, final IsochroneRings rings, final double simplifyMeters,
                          final Consumer<Result> sink) {
        final double toleranceDegrees = simplifyMeters / new LocalProjection(siteLatitude, siteLongitude).metersPerDegreeLatitude();
        Geometry previous = null;
        for (int t = 0; t < rings.thresholdsSeconds().length; t++) {
            final List<Polygon> polygons = new ArrayList<>();
            for (final List<double[]> polygon : rings.polygons().get(t)) {
                if (polygon.isEmpty() || polygon.get(0).length < 8) {
                    continue; // fewer than 4 points cannot enclose anything
                }
                final LinearRing[] holes = polygon.subList(1, polygon.size()).stream().filter(ring -> ring.length >= 8)
                        .map(IsochronePolygons::ring).toArray(LinearRing[]::new);
                polygons.add(FACTORY.createPolygon(ring(polygon.get(0)), holes));
            }
            Geometry geometry = GeometryFixer.fix(FACTORY.buildGeometry(polygons));
            if (geometry.getDimension() < 2) {
                geometry = FACTORY.createPolygon();
            }
            if (toleranceDegrees > 0) {
                geometry = simplify(geometry, toleranceDegrees);
            }
            geometry = nest(geometry, previous);
            previous = geometry;
            geometry = canonical(geometry);
            sink.accept(new Result(rings.thresholdsSeconds()[t], geometry, EllipsoidalArea.squareMeters(geometry) / 1e6, 0));
        }
    }

    /**
     * The same geometry in a canonical form, so equal inputs give byte-identical output (the polygonizer's graph iterates
     * hash sets): parts and rings in JTS's normal order, then reversed to RFC 7946's orientation (shells counter-clockwise,
     * holes clockwise).
     */
    private static Geometry canonical(final Geometry geometry) {
        final Geometry normal = geometry.copy();
        normal.normalize();
        return normal.reverse();
    }

    /** Topology-preserving simplification, repaired in the rare case where touching parts end up invalid. */
    private static Geometry simplify(final Geometry polygon, final double toleranceDegrees) {
        final Geometry simplified = TopologyPreservingSimplifier.simplify(polygon, toleranceDegrees);
        return simplified.isValid() ? simplified : GeometryFixer.fix(simplified);
    }

    /** {@code polygon} grown to contain {@code inner} (if any). */
    private static Geometry nest(final Geometry polygon, final Geometry inner) {
        if (inner == null || inner.isEmpty()) {
            return polygon;
        }
        if (polygon.isEmpty()) {
            return inner;
        }
        return OverlayNGRobust.overlay(polygon, inner, OverlayNG.UNION);
    }

    /** A closed ring from flat {@code lon, lat} pairs, closing it if the engine did not. */
    private static LinearRing ring(final double[] lonLat) {
        final int points = lonLat.length / 2;
        final boolean closed = lonLat[0] == lonLat[2 * points - 2] && lonLat[1] == lonLat[2 * points - 1];
        final Coordinate[] coordinates = new Coordinate[closed ? points : points + 1];
        for (int i = 0; i < points; i++) {
            coordinates[i] = new Coordinate(lonLat[2 * i], lonLat[2 * i + 1]);
        }
        if (!closed) {
            coordinates[points] = coordinates[0].copy();
        }
        return FACTORY.createLinearRing(coordinates);
    }

    /**
     * The region of the {@code reached} cells (row-major, {@code columns} wide): the boundary between reached and
     * unreached cells as maximal straight runs of cell edges, polygonized, keeping the faces made of reached cells.
     */
    static Geometry region(final boolean[] reached, final int columns, final int rows, final double[] edgeLon, final double[] edgeLat) {
        final List<LineString> boundary = new ArrayList<>();
        // Horizontal edges on the line between row r - 1 (south) and row r (north); a run continues while the pair is the same.
        for (int r = 0; r <= rows; r++) {
            int c = 0;
            while (c < columns) {
                final boolean south = r > 0 && reached[(r - 1) * columns + c];
                final boolean north = r < rows && reached[r * columns + c];
                if (south == north) {
                    c++;
                    continue;
                }
                final int start = c;
                while (c < columns && (r > 0 && reached[(r - 1) * columns + c]) == south && (r < rows && reached[r * columns + c]) == north) {
                    c++;
                }
                boundary.add(segment(edgeLon[start], edgeLat[r], edgeLon[c], edgeLat[r]));
            }
        }
        // Vertical edges on the line between column c - 1 (west) and column c (east).
        for (int c = 0; c <= columns; c++) {
            int r = 0;
            while (r < rows) {
                final boolean west = c > 0 && reached[r * columns + c - 1];
                final boolean east = c < columns && reached[r * columns + c];
                if (west == east) {
                    r++;
                    continue;
                }
                final int start = r;
                while (r < rows && (c > 0 && reached[r * columns + c - 1]) == west && (c < columns && reached[r * columns + c]) == east) {
                    r++;
                }
                boundary.add(segment(edgeLon[c], edgeLat[start], edgeLon[c], edgeLat[r]));
            }
        }
        if (boundary.isEmpty()) {
            return FACTORY.createPolygon();
        }
        final Polygonizer polygonizer = new Polygonizer(false);
        polygonizer.add(boundary);
        @SuppressWarnings("unchecked")
        final Collection<Polygon> faces = polygonizer.getPolygons();
        final List<Polygon> kept = new ArrayList<>(faces.size());
        for (final Polygon face : faces) {
            final Coordinate inside = InteriorPointArea.getInteriorPoint(face);
            final int column = cellIndex(edgeLon, inside.x);
            final int row = cellIndex(edgeLat, inside.y);
            if (reached[row * columns + column]) {
                kept.add(face);
            }
        }
        return kept.size() == 1 ? kept.get(0) : FACTORY.createMultiPolygon(kept.toArray(Polygon[]::new));
    }

    private static LineString segment(final double x0, final double y0, final double x1, final double y1) {
        return FACTORY.createLineString(new Coordinate[]{new Coordinate(x0, y0), new Coordinate(x1, y1)});
    }

    /** The cell between {@code edges[i]} and {@code edges[i + 1]} holding {@code value} (an interior point: either side of an edge is the same face). */
    private static int cellIndex(final double[] edges, final double value) {
        final int found = Arrays.binarySearch(edges, value);
        final int index = found >= 0 ? found : -found - 2;
        return Math.max(0, Math.min(edges.length - 2, index));
    }
}
