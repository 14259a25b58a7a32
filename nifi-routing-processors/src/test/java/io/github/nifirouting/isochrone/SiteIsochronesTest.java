package io.github.nifirouting.isochrone;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.testsupport.GridNetwork;
import io.github.nifirouting.testsupport.GridNetworkTestEngine;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.operation.valid.IsValidOp;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both strategies on the synthetic grid network, where the truth is known: streets every 400 m, a lake east of the origin. */
class SiteIsochronesTest {

    private static final double[] THRESHOLDS = {300, 600, 900};
    private static final Point LAKE_CENTRE = new GeometryFactory().createPoint(new Coordinate(
            GridNetwork.longitude(GridNetwork.LAKE_COLUMN * GridNetwork.BLOCK_METERS), GridNetwork.latitude(0)));

    private static List<IsochronePolygons.Result> compute(final GridNetworkTestEngine engine, final double lat, final double lon,
                                                          final boolean sampled, final double simplify) throws RoutingException {
        final List<IsochronePolygons.Result> results = new ArrayList<>();
        final boolean onNetwork = SiteIsochrones.compute(engine, lat, lon,
                new SiteIsochrones.Settings(THRESHOLDS, sampled, 200, 90 / 3.6, simplify, 300), new CallStats(), results::add);
        assertEquals(onNetwork, !results.isEmpty());
        return results;
    }

    private static void assertValidAndNested(final List<IsochronePolygons.Result> results, final String what, final boolean exact) {
        assertEquals(THRESHOLDS.length, results.size(), what);
        for (int t = 0; t < results.size(); t++) {
            final Geometry polygon = results.get(t).geometry();
            assertTrue(polygon.isValid(), what + " " + THRESHOLDS[t] + " s: " + new IsValidOp(polygon).getValidationError());
            assertTrue(results.get(t).areaSquareKilometers() > 0, what + " " + THRESHOLDS[t] + " s has an area");
            if (t > 0) {
                final Geometry inner = results.get(t - 1).geometry();
                if (exact) {
                    assertTrue(polygon.covers(inner), what + ": " + THRESHOLDS[t] + " s contains " + THRESHOLDS[t - 1] + " s");
                } else {
                    assertTrue(inner.difference(polygon).getArea() <= 1e-12 * inner.getArea(), what + ": nested up to rounding");
                }
                assertTrue(results.get(t).areaSquareKilometers() > results.get(t - 1).areaSquareKilometers());
                assertTrue(results.get(t).reachedPoints() >= results.get(t - 1).reachedPoints());
            }
        }
    }

    private static double intersectionOverUnion(final Geometry a, final Geometry b) {
        return a.intersection(b).getArea() / a.union(b).getArea();
    }

    @Test
    void bothStrategiesAgreeAreValidNestedAndKeepTheLakeAsAHole() throws Exception {
        final GridNetworkTestEngine engine = new GridNetworkTestEngine().limits(new MatrixLimits(1, 2000, 2000, 2001));
        final double lat = GridNetwork.latitude(120);
        final double lon = GridNetwork.longitude(-50);
        final List<IsochronePolygons.Result> nativePolygons = compute(engine, lat, lon, false, 0);
        final List<IsochronePolygons.Result> sampledPolygons = compute(engine, lat, lon, true, 0);
        assertValidAndNested(nativePolygons, "engine native", true);
        assertValidAndNested(sampledPolygons, "matrix sampled", true);
        for (int t = 0; t < THRESHOLDS.length; t++) {
            final double iou = intersectionOverUnion(nativePolygons.get(t).geometry(), sampledPolygons.get(t).geometry());
            System.out.printf("grid network, %.0f s: engine-native %.2f km2 (%d cells), matrix-sampled %.2f km2 (%d cells), IoU %.3f%n",
                    THRESHOLDS[t], nativePolygons.get(t).areaSquareKilometers(), nativePolygons.get(t).reachedPoints(),
                    sampledPolygons.get(t).areaSquareKilometers(), sampledPolygons.get(t).reachedPoints(), iou);
            // Both describe the same set (cells whose centre is within 300 m of a street reached in time); they differ only where
            // a cell's nearest street is reached later than another street within 300 m, and by the quarter-cell walking step.
            assertTrue(iou > 0.95, THRESHOLDS[t] + " s: IoU " + iou);
        }
        // 10 and 15 minutes reach all around the lake: its middle, more than 300 m from any street, is a hole.
        for (final List<IsochronePolygons.Result> results : List.of(nativePolygons, sampledPolygons)) {
            for (int t = 1; t < THRESHOLDS.length; t++) {
                final Geometry polygon = results.get(t).geometry();
                assertFalse(polygon.covers(LAKE_CENTRE), THRESHOLDS[t] + " s leaves the lake out");
                boolean holeAroundLake = false;
                for (int p = 0; p < polygon.getNumGeometries(); p++) {
                    final Polygon part = (Polygon) polygon.getGeometryN(p);
                    for (int h = 0; h < part.getNumInteriorRing(); h++) {
                        holeAroundLake |= polygon.getFactory().createPolygon(part.getInteriorRingN(h).getCoordinates()).covers(LAKE_CENTRE);
                    }
                }
                assertTrue(holeAroundLake, THRESHOLDS[t] + " s has the lake as a hole");
            }
        }
    }

    @Test
    void areaFollowsTheNetwork() throws Exception {
        // From a junction on two arterials, in 300 s at 80 km/h: 6.7 km along each arterial, less on the streets. The cells within
        // 300 m of streets reached in time must at least cover the arterial cross (4 arms x 6.7 km x 600 m wide) and stay inside
        // the diamond the arterial speed bounds.
        final GridNetworkTestEngine engine = new GridNetworkTestEngine();
        final List<IsochronePolygons.Result> results = compute(engine, GridNetwork.latitude(0), GridNetwork.longitude(-2000), false, 0);
        final double arm = 300 * GridNetwork.ARTERIAL_SPEED / 1000;
        final double cross = 4 * arm * 0.6;
        final double diamond = 2 * (arm + 0.3) * (arm + 0.3);
        final double area = results.get(0).areaSquareKilometers();
        System.out.printf("grid network, 300 s from an arterial junction: %.2f km2 (cross %.2f, diamond %.2f)%n", area, cross, diamond);
        assertTrue(area > cross && area < diamond, "area " + area);
    }

    @Test
    void simplifiedPolygonsStayValidAndNested() throws Exception {
        final GridNetworkTestEngine engine = new GridNetworkTestEngine();
        for (final boolean sampled : new boolean[]{false, true}) {
            final List<IsochronePolygons.Result> full = compute(engine, GridNetwork.latitude(130), GridNetwork.longitude(30), sampled, 0);
            final List<IsochronePolygons.Result> simplified = compute(engine, GridNetwork.latitude(130), GridNetwork.longitude(30), sampled, 150);
            assertValidAndNested(simplified, "simplified " + sampled, false);
            for (int t = 0; t < THRESHOLDS.length; t++) {
                assertTrue(simplified.get(t).geometry().getNumPoints() < full.get(t).geometry().getNumPoints());
                assertEquals(full.get(t).areaSquareKilometers(), simplified.get(t).areaSquareKilometers(), full.get(t).areaSquareKilometers() * 0.05);
            }
        }
    }

    @Test
    void aSiteOffTheNetworkGetsNothing() throws Exception {
        final GridNetworkTestEngine engine = new GridNetworkTestEngine();
        // 100 km north of the grid: beyond the engine's snapping distance.
        assertTrue(compute(engine, GridNetwork.latitude(100_000), GridNetwork.longitude(0), false, 0).isEmpty());
        assertTrue(compute(engine, GridNetwork.latitude(100_000), GridNetwork.longitude(0), true, 0).isEmpty());
    }

    @Test
    void engineFailuresPropagate() {
        final GridNetworkTestEngine engine = new GridNetworkTestEngine();
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503"));
        assertThrows(RoutingException.class, () -> compute(engine, GridNetwork.latitude(0), GridNetwork.longitude(0), false, 0));
        engine.failNext(new RoutingException(RoutingException.Kind.RATE_LIMITED, "429"));
        assertThrows(RoutingException.class, () -> compute(engine, GridNetwork.latitude(0), GridNetwork.longitude(0), true, 0));
    }

    @Test
    void hugeLatticesAreRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> SiteIsochrones.check(
                new SiteIsochrones.Settings(new double[]{7200}, true, 10, 120 / 3.6, 0, 300)));
        SiteIsochrones.check(new SiteIsochrones.Settings(new double[]{900}, true, 250, 90 / 3.6, 0, 300));
    }
}
