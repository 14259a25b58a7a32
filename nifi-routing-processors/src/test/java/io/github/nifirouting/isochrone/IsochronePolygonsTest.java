package io.github.nifirouting.isochrone;

import io.github.nifirouting.model.IsochroneRings;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.io.WKTReader;
import org.locationtech.jts.operation.valid.IsValidOp;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IsochronePolygonsTest {

    private static double[] edges(final int count, final double origin, final double step) {
        final double[] edges = new double[count + 1];
        for (int i = 0; i <= count; i++) {
            edges[i] = origin + i * step;
        }
        return edges;
    }

    private static void assertValid(final Geometry geometry, final String what) {
        assertTrue(geometry.isValid(), what + ": " + new IsValidOp(geometry).getValidationError());
    }

    @Test
    void cellRegionsAreValidAndExactForAnyPattern() {
        // Noisy masks are the worst case: cells touching only at corners (saddles), one-cell holes, islands in holes.
        final Random random = new Random(11);
        for (int trial = 0; trial < 60; trial++) {
            final int columns = 5 + random.nextInt(40);
            final int rows = 5 + random.nextInt(40);
            final double density = 0.2 + random.nextDouble() * 0.75;
            final boolean[] reached = new boolean[columns * rows];
            int count = 0;
            for (int i = 0; i < reached.length; i++) {
                reached[i] = random.nextDouble() < density;
                count += reached[i] ? 1 : 0;
            }
            final double[] lon = edges(columns, 8.0, 0.003);
            final double[] lat = edges(rows, 47.0, 0.002);
            final Geometry region = IsochronePolygons.region(reached, columns, rows, lon, lat);
            assertValid(region, "trial " + trial);
            assertEquals(count * 0.003 * 0.002, region.getArea(), 1e-12, "trial " + trial + ": area is the reached cells'");
            final org.locationtech.jts.geom.prep.PreparedGeometry prepared = org.locationtech.jts.geom.prep.PreparedGeometryFactory.prepare(region);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    final Geometry centre = region.getFactory().createPoint(new org.locationtech.jts.geom.Coordinate(
                            (lon[c] + lon[c + 1]) / 2, (lat[r] + lat[r + 1]) / 2));
                    assertEquals(reached[r * columns + c], prepared.contains(centre), "trial " + trial + " cell " + c + "," + r);
                }
            }
        }
    }

    @Test
    void saddleAndRingOfCellsKeepTheirShape() throws Exception {
        // A ring of 8 cells around an unreached centre, plus a cell touching the ring only at a corner.
        final int columns = 4;
        final int rows = 4;
        final boolean[] reached = new boolean[16];
        for (final int[] cell : new int[][]{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {2, 1}, {0, 2}, {1, 2}, {2, 2}, {3, 3}}) {
            reached[cell[1] * columns + cell[0]] = true;
        }
        final Geometry region = IsochronePolygons.region(reached, columns, rows, edges(4, 0, 1), edges(4, 0, 1));
        assertValid(region, "ring and corner cell");
        assertEquals(9, region.getArea(), 1e-12);
        assertEquals(2, region.getNumGeometries(), "the corner cell is its own polygon");
        final Polygon ring = (Polygon) (region.getGeometryN(0).getArea() > 1 ? region.getGeometryN(0) : region.getGeometryN(1));
        assertEquals(1, ring.getNumInteriorRing(), "the unreached centre is a hole");
        assertTrue(ring.getInteriorRingN(0).getEnvelopeInternal().equals(new WKTReader().read("POLYGON((1 1,2 1,2 2,1 2,1 1))").getEnvelopeInternal()));
    }

    @Test
    void ellipsoidalAreaMatchesKnownValues() throws Exception {
        // One degree square at the equator on WGS84: 110.574 km (meridian) x 111.320 km (equator) near enough, 12,308.8 km2.
        final Geometry degree = new WKTReader().read("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))");
        assertEquals(12_308.8, EllipsoidalArea.squareMeters(degree) / 1e6, 1.0);
        // The whole northern hemisphere between two meridians 90 degrees apart: a quarter of half the ellipsoid's 510,065,622 km2.
        final Geometry quarter = new WKTReader().read("POLYGON((0 0, 90 0, 90 90, 0 90, 0 0))");
        assertEquals(510_065_622.0 / 8, EllipsoidalArea.squareMeters(quarter) / 1e6, 10.0);
        final Geometry withHole = new WKTReader().read("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0), (0.25 0.25, 0.75 0.25, 0.75 0.75, 0.25 0.75, 0.25 0.25))");
        assertEquals(12_308.8 * 0.75, EllipsoidalArea.squareMeters(withHole) / 1e6, 1.0);
    }

    @Test
    void enginePolygonsAreRepairedAndNested() {
        // Threshold 1: a bow-tie (self-intersecting) ring; threshold 2: a square that does not contain all of it.
        final double[] bowTie = {8.00, 47.00, 8.02, 47.02, 8.02, 47.00, 8.00, 47.02, 8.00, 47.00};
        final double[] square = {8.005, 46.995, 8.03, 46.995, 8.03, 47.03, 8.005, 47.03}; // not closed: the engine's habit varies
        final IsochroneRings rings = new IsochroneRings(new double[]{300, 600}, List.of(List.of(List.of(bowTie)), List.of(List.of(square))));
        final List<IsochronePolygons.Result> results = new ArrayList<>();
        IsochronePolygons.fromRings(47.0, 8.0, rings, 0, results::add);
        assertEquals(2, results.size());
        for (final IsochronePolygons.Result result : results) {
            assertValid(result.geometry(), result.thresholdSeconds() + " s");
            assertTrue(result.areaSquareKilometers() > 0);
        }
        // Nested up to the rounding of the points where the two boundaries cross.
        assertTrue(results.get(0).geometry().difference(results.get(1).geometry()).getArea() < 1e-12 * results.get(0).geometry().getArea(),
                "600 s contains 300 s");
        assertTrue(results.get(1).geometry().getArea() > new org.locationtech.jts.geom.GeometryFactory().createPolygon(new org.locationtech.jts.geom.Coordinate[]{
                new org.locationtech.jts.geom.Coordinate(8.005, 46.995), new org.locationtech.jts.geom.Coordinate(8.03, 46.995),
                new org.locationtech.jts.geom.Coordinate(8.03, 47.03), new org.locationtech.jts.geom.Coordinate(8.005, 47.03),
                new org.locationtech.jts.geom.Coordinate(8.005, 46.995)}).getArea(), "grown by the part of the bow-tie outside it");
    }

    @Test
    void emptyEngineAnswersGiveEmptyPolygons() {
        final IsochroneRings rings = new IsochroneRings(new double[]{300}, List.of(List.of()));
        final List<IsochronePolygons.Result> results = new ArrayList<>();
        IsochronePolygons.fromRings(47.0, 8.0, rings, 0, results::add);
        assertTrue(results.get(0).geometry().isEmpty());
        assertEquals(0, results.get(0).areaSquareKilometers());
        assertFalse(results.get(0).geometry().getGeometryType().isEmpty());
    }
}
