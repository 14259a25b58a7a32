package io.github.nifirouting.engine.graphhopperapi;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.model.ReachableNodes;
import io.github.nifirouting.testsupport.GraphHopperServer;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.operation.valid.IsValidOp;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GraphHopper API service against the real open-source GraphHopper server (graphhopper-web, same version as the
 * embedded engine) on Andorra: its isochrone protocol on the real {@code GET /isochrone}, its errors as the server writes
 * them, and what its matrix protocol meets there (the open-source server has no {@code /matrix}).
 */
@ExtendWith(GraphHopperServer.OnAndorra.class)
class GraphHopperServerProtocolTest {

    /** Andorra la Vella, on the CG-1 in the main valley. */
    private static final double CENTRE_LAT = 42.5078;
    private static final double CENTRE_LON = 1.5211;
    /** Inside the extract's bounds but on a mountainside about 2 km from any road the car profile may use. */
    private static final double OFF_ROAD_LAT = 42.47;
    private static final double OFF_ROAD_LON = 1.60;
    private static final double[] THRESHOLDS = {300, 600, 900};
    /** Metres per degree at Andorra's latitude, for areas in a local equirectangular projection. */
    private static final double M_PER_DEG_LAT = 111_132;
    private static final double M_PER_DEG_LON = 111_320 * Math.cos(Math.toRadians(42.5));
    private static final GeometryFactory GEOMETRY = new GeometryFactory();

    private static GraphHopperServer server;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start(final GraphHopperServer andorra) {
        server = andorra;
        System.out.printf("GraphHopper server (pid %d) on %s ready after %,d ms%n", server.pid(), server.baseUrl(), server.startMillis());
    }

    private static GraphHopperApiRoutingEngine engine(final String profile) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final GraphHopperApiRoutingEngine engine = new GraphHopperApiRoutingEngine();
        runner.addControllerService("graphhopper", engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl().toString());
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        runner.setProperty(engine, GraphHopperApiRoutingEngine.PROFILE, profile);
        runner.enableControllerService(engine);
        return engine;
    }

    @Test
    void isochronesOfTheRealServerAreValidNestedAndOfSaneSize() throws Exception {
        final GraphHopperApiRoutingEngine engine = engine("car");
        final CallStats stats = new CallStats();
        final IsochroneRings rings = engine.computeIsochrones(CENTRE_LAT, CENTRE_LON, THRESHOLDS, stats);
        assertEquals(THRESHOLDS.length, stats.requests(), "one GET /isochrone per threshold");
        Geometry previous = null;
        for (int t = 0; t < THRESHOLDS.length; t++) {
            final List<List<double[]>> polygons = rings.polygons().get(t);
            assertFalse(polygons.isEmpty(), "polygons for " + THRESHOLDS[t] + " s");
            final Geometry area = GEOMETRY.buildGeometry(polygons.stream().map(GraphHopperServerProtocolTest::projected).toList());
            assertTrue(area.isValid(), THRESHOLDS[t] + " s: " + new IsValidOp(area).getValidationError());
            assertTrue(area.contains(GEOMETRY.createPoint(project(CENTRE_LON, CENTRE_LAT))), THRESHOLDS[t] + " s contains its centre");
            final double km2 = area.getArea() / 1e6;
            System.out.printf("isochrone %4.0f s: %d polygon(s), %,d vertices, %.1f km2%n", THRESHOLDS[t], polygons.size(), area.getNumPoints(), km2);
            // Andorra's extract covers about 26 km x 23 km; a car reaches a few km in 5 minutes on its valley roads.
            assertTrue(km2 > 1 && km2 < 600, THRESHOLDS[t] + " s: " + km2 + " km2");
            if (previous != null) {
                assertTrue(area.getArea() > previous.getArea(), "a longer time reaches farther");
                // Each isochrone is a contour of its own triangulation of the nodes its search reached; a longer limit
                // reaches more nodes and re-draws triangles across valley sides, so the contours are nested only up to
                // a band along the border: outside a 250 m band the shorter one lies inside the longer one.
                final double inside = previous.intersection(area).getArea() / previous.getArea();
                final double insideBand = previous.intersection(area.buffer(250)).getArea() / previous.getArea();
                double farthest = 0;
                for (final Coordinate vertex : previous.getCoordinates()) {
                    farthest = Math.max(farthest, area.distance(GEOMETRY.createPoint(vertex)));
                }
                System.out.printf("  the %.0f s isochrone lies %.2f%% inside the %.0f s one, %.3f%% within 250 m of it; its farthest vertex "
                        + "outside it: %.0f m%n", THRESHOLDS[t - 1], 100 * inside, THRESHOLDS[t], 100 * insideBand, farthest);
                assertTrue(inside > 0.95, "the shorter isochrone lies inside the longer one: " + inside);
                assertTrue(insideBand > 0.99, "the shorter isochrone lies within 250 m of the longer one: " + insideBand);
            }
            previous = area;
        }
    }

    /**
     * The server's polygons against the embedded engine's reachable roads on the same graph: road vertices the embedded
     * engine reaches well within the limit lie inside the server's isochrone, and vertices it reaches well after lie
     * outside. GraphHopper's contours are drawn through a triangulation of the reached nodes, so points near the limit
     * can fall either side.
     */
    @Test
    void embeddedReachableRoadsAgreeWithTheServersIsochrone() throws Exception {
        final IsochroneRings rings = engine("car").computeIsochrones(CENTRE_LAT, CENTRE_LON, new double[]{600}, new CallStats());
        final Geometry isochrone = GEOMETRY.buildGeometry(rings.polygons().get(0).stream().map(GraphHopperServerProtocolTest::projected).toList());
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final EmbeddedGraphHopperEngine embedded = new EmbeddedGraphHopperEngine();
        runner.addControllerService("embedded", embedded);
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, dir.resolve("graphs").toString());
        runner.enableControllerService(embedded);
        try {
            final ReachableNodes roads = embedded.computeReachable(CENTRE_LAT, CENTRE_LON, 900);
            int early = 0;
            int earlyInside = 0;
            int late = 0;
            int lateOutside = 0;
            for (int i = 0; i < roads.size(); i++) {
                final boolean inside = isochrone.contains(GEOMETRY.createPoint(project(roads.longitudes()[i], roads.latitudes()[i])));
                if (roads.travelSeconds()[i] <= 480) {
                    early++;
                    earlyInside += inside ? 1 : 0;
                } else if (roads.travelSeconds()[i] >= 720) {
                    late++;
                    lateOutside += inside ? 0 : 1;
                }
            }
            System.out.printf("600 s isochrone: %,d of %,d embedded road vertices reached within 480 s inside, %,d of %,d reached after 720 s "
                    + "outside%n", earlyInside, early, lateOutside, late);
            assertTrue(early > 100 && late > 100, early + " early, " + late + " late");
            assertTrue(earlyInside >= 0.97 * early, earlyInside + " of " + early);
            assertTrue(lateOutside >= 0.90 * late, lateOutside + " of " + late);
        } finally {
            runner.disableControllerService(embedded);
        }
    }

    @Test
    void aPointTheServerCannotSnapIsOffTheNetworkNotAFailure() throws Exception {
        final GraphHopperApiRoutingEngine engine = engine("car");
        // the real server answers 400 {"message":"Point not found:42.47,1.6","hints":[{..."details":"java.lang.IllegalArgumentException"}]}
        final IsochroneRings offRoad = engine.computeIsochrones(OFF_ROAD_LAT, OFF_ROAD_LON, THRESHOLDS, new CallStats());
        assertTrue(offRoad.polygons().stream().allMatch(List::isEmpty), "no polygons for a point off the network");
        final IsochroneRings outside = engine.computeIsochrones(41.9, 1.0, THRESHOLDS, new CallStats());
        assertTrue(outside.polygons().stream().allMatch(List::isEmpty), "no polygons for a point outside the extract");
    }

    @Test
    void anUnknownProfileIsRejectedWithTheServersMessage() throws Exception {
        final RoutingException rejected = assertThrows(RoutingException.class,
                () -> engine("bike").computeIsochrones(CENTRE_LAT, CENTRE_LON, THRESHOLDS, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, rejected.kind());
        assertTrue(rejected.getMessage().contains("'bike' does not exist"), rejected.getMessage());
    }

    /** The open-source server has no matrix endpoint: the request is refused with a message saying so, not retried. */
    @Test
    void theMatrixProtocolIsToldTheOpenSourceServerHasNoMatrix() throws Exception {
        final GraphHopperApiRoutingEngine engine = engine("car");
        final CoordinateBlock points = new CoordinateBlock.Builder(2).add("a", CENTRE_LAT, CENTRE_LON).add("b", 42.5462, 1.5148).build();
        final CallStats stats = new CallStats();
        final RoutingException rejected = assertThrows(RoutingException.class, () -> engine.computeMatrix(points, points, stats));
        assertEquals(RoutingException.Kind.REJECTED, rejected.kind());
        assertEquals(1, stats.requests(), "a 404 is not retried");
        assertTrue(rejected.getMessage().contains("404") && rejected.getMessage().contains("no /matrix"), rejected.getMessage());
    }

    /** A processor for NiFi's test runner to hold the services. */
    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static Coordinate project(final double lon, final double lat) {
        return new Coordinate(lon * M_PER_DEG_LON, lat * M_PER_DEG_LAT);
    }

    private static Polygon projected(final List<double[]> rings) {
        final LinearRing[] projected = new LinearRing[rings.size()];
        for (int r = 0; r < rings.size(); r++) {
            final double[] flat = rings.get(r);
            final Coordinate[] coordinates = new Coordinate[flat.length / 2];
            for (int i = 0; i < coordinates.length; i++) {
                coordinates[i] = project(flat[2 * i], flat[2 * i + 1]);
            }
            projected[r] = GEOMETRY.createLinearRing(coordinates);
        }
        return GEOMETRY.createPolygon(projected[0], Arrays.copyOfRange(projected, 1, projected.length));
    }
}
