package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.engine.valhalla.ValhallaRoutingEngine;
import io.github.nifirouting.isochrone.EllipsoidalArea;
import io.github.nifirouting.parquet.ParquetRecordSetWriter;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import io.github.nifirouting.testsupport.GridNetwork;
import io.github.nifirouting.testsupport.GridNetworkTestEngine;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.testsupport.OsrmGridServer;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.Point;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKTReader;
import org.locationtech.jts.io.geojson.GeoJsonReader;
import org.locationtech.jts.operation.valid.IsValidOp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildIsochronesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] GRID_THRESHOLDS = {300, 600, 900};
    private static final Point LAKE_CENTRE = new GeometryFactory().createPoint(new Coordinate(
            GridNetwork.longitude(GridNetwork.LAKE_COLUMN * GridNetwork.BLOCK_METERS), GridNetwork.latitude(0)));
    /** On the synthetic grid: two sites on streets, one 100 km away, one without a valid point. */
    private static final String GRID_SITES = String.format(Locale.ROOT, """
            id,latitude,longitude
            centre,%.6f,%.6f
            north,%.6f,%.6f
            far,%.6f,%.6f
            broken,95,8.0
            """, GridNetwork.latitude(120), GridNetwork.longitude(-50), GridNetwork.latitude(5000), GridNetwork.longitude(2100),
            GridNetwork.latitude(100_000), GridNetwork.longitude(0));
    /** Three sites in Andorra's valleys, one far off the network, one without a valid point. */
    private static final String ANDORRA_SITES = """
            id,latitude,longitude
            andorra-la-vella,42.5078,1.5211
            encamp,42.5352,1.5800
            la-massana,42.5450,1.5150
            sea,43.5,3.5
            broken,95,1.5
            """;

    @TempDir
    static Path graphs;

    private static TestRunner runner(final ControllerService engine, final String strategy, final String format) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(BuildIsochrones.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        runner.addControllerService("engine", engine);
        runner.setProperty(BuildIsochrones.ROUTING_ENGINE, "engine");
        runner.setProperty(BuildIsochrones.RECORD_READER, "csv");
        runner.setProperty(BuildIsochrones.RECORD_WRITER, "json");
        runner.setProperty(BuildIsochrones.THRESHOLDS, "5 min, 10 min, 15 min");
        runner.setProperty(BuildIsochrones.STRATEGY, strategy);
        runner.setProperty(BuildIsochrones.GEOMETRY_FORMAT, format);
        runner.setProperty(BuildIsochrones.RESOLUTION, "200");
        return runner;
    }

    private static TestRunner gridRunner(final GridNetworkTestEngine engine, final String strategy, final String format) throws Exception {
        final TestRunner runner = runner(engine, strategy, format);
        runner.enableControllerService(engine);
        return runner;
    }

    private static TestRunner andorraRunner(final String strategy, final String format) throws Exception {
        final EmbeddedGraphHopperEngine engine = new EmbeddedGraphHopperEngine();
        final TestRunner runner = runner(engine, strategy, format);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(engine, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, graphs.toString());
        runner.enableControllerService(engine);
        runner.setProperty(BuildIsochrones.THRESHOLDS, "5 min, 10 min");
        runner.setProperty(BuildIsochrones.RESOLUTION, "250");
        return runner;
    }

    /** Polygons by {@code site@threshold}, statuses likewise, from the JSON output with geometry in {@code format}. */
    private static Map<String, Geometry> polygons(final MockFlowFile output, final String format, final Map<String, String> statuses) throws Exception {
        final Map<String, Geometry> byKey = new HashMap<>();
        for (final JsonNode record : JSON.readTree(output.getContent())) {
            final String key = record.get("site_id").asText() + "@" + (int) record.get("threshold_s").asDouble();
            statuses.put(key, record.get("status").asText());
            final JsonNode geometry = record.get("geometry");
            if (!geometry.isNull()) {
                byKey.put(key, switch (format) {
                    case "WKT" -> new WKTReader().read(geometry.asText());
                    case "GeoJSON" -> new GeoJsonReader().read(geometry.asText());
                    default -> {
                        final byte[] bytes = new byte[geometry.size()];
                        for (int i = 0; i < bytes.length; i++) {
                            bytes[i] = (byte) geometry.get(i).asInt();
                        }
                        yield new WKBReader().read(bytes);
                    }
                });
                // GeoJSON text keeps 8 decimals (about a millimetre): the area matches to a millionth.
                final double area = record.get("area_km2").asDouble();
                assertEquals(area, EllipsoidalArea.squareMeters(byKey.get(key)) / 1e6, area * 1e-6, key + " area");
            } else {
                assertEquals(0, record.get("area_km2").asDouble(), key);
            }
        }
        return byKey;
    }

    private static void assertValidAndNested(final Map<String, Geometry> polygons, final String site, final int[] thresholds) {
        for (int t = 0; t < thresholds.length; t++) {
            final Geometry polygon = polygons.get(site + "@" + thresholds[t]);
            assertNotNull(polygon, site + "@" + thresholds[t]);
            assertTrue(polygon.isValid(), site + "@" + thresholds[t] + ": " + new IsValidOp(polygon).getValidationError());
            assertTrue(polygon.getArea() > 0, site + "@" + thresholds[t] + " is not empty");
            if (t > 0) {
                final Geometry inner = polygons.get(site + "@" + thresholds[t - 1]);
                assertTrue(polygon.covers(inner), site + ": " + thresholds[t] + " s contains " + thresholds[t - 1] + " s");
                assertTrue(polygon.getArea() > inner.getArea(), site + " grows with the threshold");
            }
        }
    }

    private static double intersectionOverUnion(final Geometry a, final Geometry b) {
        return a.intersection(b).getArea() / a.union(b).getArea();
    }

    private static Map<String, Geometry> run(final TestRunner runner, final String sites, final String format, final Map<String, String> statuses)
            throws Exception {
        runner.enqueue(sites);
        runner.run();
        runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 1);
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 1);
        return polygons(runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0), format, statuses);
    }

    @Test
    void bothStrategiesOnTheGridNetworkAreValidNestedKeepHolesAndAgree() throws Exception {
        final Map<String, Map<String, Geometry>> byStrategy = new HashMap<>();
        for (final String strategy : new String[]{"engine-native", "matrix-sampled"}) {
            final TestRunner runner = gridRunner(new GridNetworkTestEngine(), strategy, "WKT");
            final Map<String, String> statuses = new HashMap<>();
            final Map<String, Geometry> polygons = run(runner, GRID_SITES, "WKT", statuses);
            final MockFlowFile output = runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0);
            output.assertAttributeEquals("record.count", "12");
            output.assertAttributeEquals("isochrone.sites", "4");
            output.assertAttributeEquals("isochrone.sites.off.network", "1");
            output.assertAttributeEquals("isochrone.sites.invalid", "1");
            output.assertAttributeEquals("routing.engine", "grid-test");
            for (final int threshold : GRID_THRESHOLDS) {
                assertEquals("OK", statuses.get("centre@" + threshold));
                assertEquals("OFF_NETWORK", statuses.get("far@" + threshold));
                assertEquals("INVALID_COORDINATE", statuses.get("broken@" + threshold));
            }
            assertValidAndNested(polygons, "centre", GRID_THRESHOLDS);
            assertValidAndNested(polygons, "north", GRID_THRESHOLDS);
            for (final int threshold : new int[]{600, 900}) {
                final Geometry polygon = polygons.get("centre@" + threshold);
                assertFalse(polygon.covers(LAKE_CENTRE), strategy + " " + threshold + " s leaves the lake out");
                assertTrue(polygon.getEnvelope().covers(LAKE_CENTRE), strategy + " " + threshold + " s goes around the lake (a hole)");
            }
            byStrategy.put(strategy, polygons);
        }
        // Both strategies describe the same cells (nearest street within 300 m reached in time), one from the network's side and
        // one through the matrix: on a network where both see the same streets they must agree up to the walking step.
        for (final String site : new String[]{"centre", "north"}) {
            for (final int threshold : GRID_THRESHOLDS) {
                final double iou = intersectionOverUnion(byStrategy.get("engine-native").get(site + "@" + threshold),
                        byStrategy.get("matrix-sampled").get(site + "@" + threshold));
                System.out.printf("grid network, %s, %d s: IoU engine-native vs matrix-sampled %.3f%n", site, threshold, iou);
                assertTrue(iou > 0.95, site + "@" + threshold + ": IoU " + iou);
            }
        }
    }

    @Test
    void everyGeometryFormatCarriesTheSamePolygons() throws Exception {
        final Map<String, Geometry> reference = run(gridRunner(new GridNetworkTestEngine(), "engine-native", "WKT"), GRID_SITES, "WKT", new HashMap<>());
        for (final String format : new String[]{"WKB", "GeoJSON"}) {
            final Map<String, Geometry> polygons = run(gridRunner(new GridNetworkTestEngine(), "engine-native", format), GRID_SITES, format, new HashMap<>());
            assertEquals(reference.keySet(), polygons.keySet());
            for (final Map.Entry<String, Geometry> polygon : polygons.entrySet()) {
                // Same vertices in the same order (output is canonical), up to GeoJSON's 8 decimals; shells counter-clockwise.
                assertTrue(polygon.getValue().equalsExact(reference.get(polygon.getKey()), 1e-7), format + " " + polygon.getKey());
                final org.locationtech.jts.geom.Polygon first = (org.locationtech.jts.geom.Polygon) polygon.getValue().getGeometryN(0);
                assertTrue(org.locationtech.jts.algorithm.Orientation.isCCW(first.getExteriorRing().getCoordinateSequence()), "RFC 7946 orientation");
            }
        }
    }

    @Test
    void noSitesGiveAnEmptyResult() throws Exception {
        final TestRunner runner = gridRunner(new GridNetworkTestEngine(), "engine-native", "WKB");
        runner.enqueue("id,latitude,longitude\n");
        runner.run();
        runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).assertAttributeEquals("record.count", "0");
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 1);
    }

    @Test
    void engineFailuresAreRoutedLikeInvokeRoutingMatrix() throws Exception {
        final GridNetworkTestEngine engine = new GridNetworkTestEngine();
        final TestRunner runner = gridRunner(engine, "matrix-sampled", "WKB");
        runner.setProperty(BuildIsochrones.MAX_RETRIES, "2");
        runner.setProperty(BuildIsochrones.THRESHOLDS, "5 min");

        // Transient and rate-limited failures: retry, penalized, counting.
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503 Service Unavailable"));
        runner.enqueue(GRID_SITES);
        runner.run();
        runner.assertAllFlowFilesTransferred(BuildIsochrones.REL_RETRY, 1);
        MockFlowFile retried = runner.getFlowFilesForRelationship(BuildIsochrones.REL_RETRY).get(0);
        assertTrue(retried.isPenalized());
        retried.assertAttributeEquals("routing.retry.count", "1");
        retried.assertAttributeEquals("routing.error.kind", "TRANSIENT");
        runner.clearTransferState();
        engine.failNext(new RoutingException(RoutingException.Kind.RATE_LIMITED, "429 Too Many Requests"));
        runner.enqueue(retried);
        runner.run();
        retried = runner.getFlowFilesForRelationship(BuildIsochrones.REL_RETRY).get(0);
        retried.assertAttributeEquals("routing.retry.count", "2");
        retried.assertAttributeEquals("routing.error.kind", "RATE_LIMITED");
        // Past Max Retries: failure.
        runner.clearTransferState();
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503 again"));
        runner.enqueue(retried);
        runner.run();
        runner.assertAllFlowFilesTransferred(BuildIsochrones.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE).get(0).assertAttributeEquals("routing.error.kind", "RETRIES_EXHAUSTED");

        // An open circuit: nothing is transferred, the input stays queued and the processor yields.
        runner.clearTransferState();
        engine.failNext(new RoutingException(RoutingException.Kind.UNAVAILABLE, "circuit open"));
        runner.enqueue(GRID_SITES);
        runner.run();
        runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 0);
        runner.assertTransferCount(BuildIsochrones.REL_RETRY, 0);
        runner.assertTransferCount(BuildIsochrones.REL_FAILURE, 0);
        runner.assertQueueNotEmpty();
        assertTrue(((org.apache.nifi.util.MockProcessContext) runner.getProcessContext()).isYieldCalled(), "yielded");
        // Once the engine answers, the same input succeeds.
        runner.run();
        runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 1);
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 1);

        // A rejected request: that site goes to failure on its own with the reason, the other sites are written.
        runner.clearTransferState();
        engine.failNext(new RoutingException(RoutingException.Kind.REJECTED, "InvalidQuery"));
        runner.enqueue(GRID_SITES);
        runner.run();
        runner.assertTransferCount(BuildIsochrones.REL_FAILURE, 1);
        runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 1);
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 1);
        final MockFlowFile failedSite = runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE).get(0);
        failedSite.assertAttributeEquals("routing.error.kind", "REJECTED");
        failedSite.assertAttributeEquals("routing.error", "InvalidQuery");
        failedSite.assertAttributeEquals(BuildIsochrones.SITE_INDEX, "0");
        failedSite.assertAttributeEquals(BuildIsochrones.SITE_ID, "centre");
        assertTrue(failedSite.getContent().contains("centre") && !failedSite.getContent().contains("north"), failedSite.getContent());
        runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).assertAttributeEquals("isochrone.sites", "3");
    }

    @Test
    void impossibleRequestsFailWithTheirReason() throws Exception {
        // Engine native with an engine that has neither an isochrone API nor reachability.
        final HaversineTestEngine matrixOnly = new HaversineTestEngine();
        TestRunner runner = runner(matrixOnly, "engine-native", "WKT");
        runner.enableControllerService(matrixOnly);
        runner.enqueue(GRID_SITES);
        runner.run();
        runner.assertAllFlowFilesTransferred(BuildIsochrones.REL_FAILURE, 1);
        assertTrue(runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE).get(0).getAttribute("routing.error").contains("matrix-sampled"));

        // A lattice of millions of samples per site, and thresholds from an attribute that do not parse.
        runner = gridRunner(new GridNetworkTestEngine(), "matrix-sampled", "WKT");
        runner.setProperty(BuildIsochrones.THRESHOLDS, "${thresholds}");
        runner.setProperty(BuildIsochrones.RESOLUTION, "10");
        runner.setProperty(BuildIsochrones.ROAD_DISTANCE, "10");
        runner.enqueue(GRID_SITES, Map.of("thresholds", "2 h"));
        runner.enqueue(GRID_SITES, Map.of("thresholds", "soon"));
        runner.run(2);
        runner.assertAllFlowFilesTransferred(BuildIsochrones.REL_FAILURE, 2);
        for (final MockFlowFile failed : runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE)) {
            failed.assertAttributeEquals("routing.error.kind", "INVALID_CONFIGURATION");
        }
        assertTrue(runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE).get(0).getAttribute("routing.error").contains("samples"));

        // A road distance too short for the cells is refused at configuration time.
        runner.setProperty(BuildIsochrones.RESOLUTION, "400");
        runner.setProperty(BuildIsochrones.ROAD_DISTANCE, "250");
        runner.assertNotValid();
    }

    @Test
    void matrixSampledThroughOsrmMatchesTheInProcessEngine() throws Exception {
        final String sites = GRID_SITES.replace("far,", "sea,"); // osrm-routed snaps anything: the far site must still come out off the network
        final Map<String, Geometry> inProcess = run(gridRunner(new GridNetworkTestEngine(), "matrix-sampled", "WKT"), sites, "WKT", new HashMap<>());
        try (OsrmGridServer server = new OsrmGridServer()) {
            final OsrmRoutingEngine osrm = new OsrmRoutingEngine();
            final TestRunner runner = runner(osrm, "matrix-sampled", "WKT");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.enableControllerService(osrm);
            final Map<String, String> statuses = new HashMap<>();
            final Map<String, Geometry> throughOsrm = run(runner, sites, "WKT", statuses);
            final MockFlowFile output = runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0);
            output.assertAttributeEquals("isochrone.sites.off.network", "1");
            assertEquals("OFF_NETWORK", statuses.get("sea@900"));
            assertValidAndNested(throughOsrm, "centre", GRID_THRESHOLDS);
            for (final int threshold : GRID_THRESHOLDS) {
                final double iou = intersectionOverUnion(throughOsrm.get("centre@" + threshold), inProcess.get("centre@" + threshold));
                System.out.printf("OSRM stub vs in-process engine, %d s: IoU %.4f%n", threshold, iou);
                // Only coordinates rounded to 6 decimals in the URL and durations to 0.1 s in the answer differ.
                assertTrue(iou > 0.99, threshold + " s: IoU " + iou);
            }
            System.out.printf("matrix-sampled through OSRM: %s requests for 3 sites (%d at the server), all under the 8,000-character URL limit%n",
                    output.getAttribute("routing.requests"), server.requests());
            assertEquals(String.valueOf(server.requests()), output.getAttribute("routing.requests"));
        }
    }

    @Test
    void engineNativeUsesAnIsochroneApiRepairsNestsAndMarksSitesItCannotPlace() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer()) {
            // 10 min first, as Valhalla sorts contours; the 5 min ring is a bow-tie (self-intersecting), as generalization can
            // leave it, and it pokes out of the 10 min polygon.
            server.then(200, """
                    {"features":[
                     {"properties":{"contour":10.0,"metric":"time","color":"#bf4040"},"type":"Feature",
                      "geometry":{"type":"Polygon","coordinates":[[[7.985,46.985],[8.02,46.985],[8.02,47.02],[7.985,47.02],[7.985,46.985]]]}},
                     {"properties":{"contour":5.0,"metric":"time","color":"#bfbf40"},"type":"Feature",
                      "geometry":{"type":"Polygon","coordinates":[[[7.98,46.98],[8.01,47.01],[8.01,46.98],[7.98,47.01],[7.98,46.98]]]}}],
                     "type":"FeatureCollection"}""");
            server.then(400, "{\"error_code\":171,\"error\":\"No suitable edges near location\",\"status_code\":400,\"status\":\"Bad Request\"}");
            final ValhallaRoutingEngine valhalla = new ValhallaRoutingEngine();
            final TestRunner runner = runner(valhalla, "engine-native", "WKT");
            runner.setProperty(valhalla, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.enableControllerService(valhalla);
            runner.setProperty(BuildIsochrones.THRESHOLDS, "5 min, 10 min");
            final Map<String, String> statuses = new HashMap<>();
            final Map<String, Geometry> polygons = run(runner, "id,latitude,longitude\ncentre,47.0,8.0\nsea,43.5,3.5\n", "WKT", statuses);
            assertEquals(2, server.requestCount(), "one isochrone request per site");
            assertEquals("OFF_NETWORK", statuses.get("sea@300"));
            assertEquals("OFF_NETWORK", statuses.get("sea@600"));
            final Geometry five = polygons.get("centre@300");
            final Geometry ten = polygons.get("centre@600");
            assertTrue(five.isValid() && ten.isValid(), "the bow-tie is repaired");
            assertEquals(2, five.getNumGeometries(), "a bow-tie is two triangles");
            // The engine's 10 min polygon is grown by the part of the 5 min one outside it; nested up to the rounding of crossing points.
            assertTrue(five.difference(ten).getArea() < 1e-12 * five.getArea(), "10 min contains 5 min");
            assertTrue(ten.getArea() > 0.035 * 0.035, "grown beyond the engine's square");
            runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).assertAttributeEquals("routing.engine", "valhalla");
        }
    }

    @Test
    void matrixSampledAgainstAnOsrmStubApproximatesTheReachableDisc() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(3)) {
            final OsrmRoutingEngine osrm = new OsrmRoutingEngine();
            final TestRunner runner = runner(osrm, "matrix-sampled", "WKT");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.enableControllerService(osrm);
            runner.setProperty(BuildIsochrones.THRESHOLDS, "300");
            runner.setProperty(BuildIsochrones.MAX_SPEED, "50");
            runner.enqueue("id,latitude,longitude\nsite,47.0,8.0\n");
            runner.run();
            final JsonNode record = JSON.readTree(runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).getContent()).get(0);
            // The stub drives at 40 km/h on routes 1.3 x the straight line: reachable straight-line radius 300 s x 11.1 m/s / 1.3.
            final double radiusKm = 300 * FakeOsrmServer.SPEED_METERS_PER_SECOND / FakeOsrmServer.DETOUR_FACTOR / 1000;
            final double disc = Math.PI * radiusKm * radiusKm;
            final double area = record.get("area_km2").asDouble();
            System.out.printf("matrix-sampled vs haversine OSRM stub: %.2f km2 for a disc of %.2f km2, %s requests%n", area, disc,
                    runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).getAttribute("routing.requests"));
            assertEquals(disc, area, disc * 0.05, "cells of 200 m approximate the disc within 5%");
            final Geometry polygon = new WKTReader().read(record.get("geometry").asText());
            assertTrue(polygon.isValid(), new IsValidOp(polygon).getValidationError() + "");
        }
    }

    @Test
    void bothStrategiesOnAndorraAreValidNestedAndOverlap() throws Exception {
        final int[] thresholds = {300, 600};
        final Map<String, Map<String, Geometry>> byStrategy = new HashMap<>();
        for (final String strategy : new String[]{"engine-native", "matrix-sampled"}) {
            final TestRunner runner = andorraRunner(strategy, "WKT");
            final Map<String, String> statuses = new HashMap<>();
            final Map<String, Geometry> polygons = run(runner, ANDORRA_SITES, "WKT", statuses);
            final MockFlowFile output = runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0);
            output.assertAttributeEquals("record.count", "10");
            output.assertAttributeEquals("isochrone.sites.off.network", "1");
            output.assertAttributeEquals("isochrone.sites.invalid", "1");
            assertEquals("OFF_NETWORK", statuses.get("sea@300"));
            assertEquals("INVALID_COORDINATE", statuses.get("broken@600"));
            for (final String site : new String[]{"andorra-la-vella", "encamp", "la-massana"}) {
                assertValidAndNested(polygons, site, thresholds);
            }
            byStrategy.put(strategy, polygons);
        }
        // Both strategies give each 250 m cell the time of the road nearest its centre (within 300 m): engine native from the
        // roads the search reached, matrix sampled by snapping the centre. They can differ only on cells of the outer edge, whose
        // nearest road the search did not reach at all (engine native then judges them by a farther road), and where snapping
        // and the quarter-cell walk pick different roads nearly equally near. That is a fraction of the edge cells, not of
        // the area, so the overlap stays high: the bound leaves room for a valley's worth of edge cells of the 10 minute ones.
        for (final int threshold : thresholds) {
            double sum = 0;
            for (final String site : new String[]{"andorra-la-vella", "encamp", "la-massana"}) {
                final double iou = intersectionOverUnion(byStrategy.get("engine-native").get(site + "@" + threshold),
                        byStrategy.get("matrix-sampled").get(site + "@" + threshold));
                System.out.printf("andorra, %s, %d s: IoU engine-native vs matrix-sampled %.3f%n", site, threshold, iou);
                assertTrue(iou > 0.85, site + " " + threshold + " s: IoU " + iou);
                sum += iou;
            }
            System.out.printf("andorra, mean IoU at %d s: %.3f%n", threshold, sum / 3);
        }
    }

    @Test
    void geoParquetOutputOpensInDuckDbWithMatchingAreas(@TempDir final Path dir) throws Exception {
        final TestRunner runner = andorraRunner("engine-native", "WKB");
        final ParquetRecordSetWriter parquet = new ParquetRecordSetWriter();
        runner.addControllerService("parquet", parquet);
        runner.setProperty(parquet, ParquetRecordSetWriter.GEOMETRY_FIELDS, "geometry");
        runner.enableControllerService(parquet);
        runner.setProperty(BuildIsochrones.RECORD_WRITER, "parquet");
        runner.enqueue(ANDORRA_SITES);
        runner.run();
        final Path file = Files.write(dir.resolve("catchments.parquet"), runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).toByteArray());
        int compared = 0;
        int empty = 0;
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT site_id, threshold_s, geometry, area_km2, status FROM read_parquet('" + file + "') ORDER BY site_id, threshold_s")) {
            while (rows.next()) {
                if (!"OK".equals(rows.getString(5))) {
                    assertEquals(null, rows.getBytes(3), rows.getString(1) + " has no geometry");
                    empty++;
                    continue;
                }
                final Geometry polygon = new WKBReader().read(rows.getBytes(3));
                assertTrue(polygon.isValid());
                // Independently of the writer's ellipsoidal area: the local equirectangular scale at the polygon's centre.
                final double centreLat = Math.toRadians(polygon.getCentroid().getY());
                final double metersPerDegreeLat = 111_132.954 - 559.822 * Math.cos(2 * centreLat) + 1.175 * Math.cos(4 * centreLat);
                final double metersPerDegreeLon = 111_412.84 * Math.cos(centreLat) - 93.5 * Math.cos(3 * centreLat);
                final double km2 = polygon.getArea() * metersPerDegreeLat * metersPerDegreeLon / 1e6;
                System.out.printf("GeoParquet via DuckDB: %s %.0f s: %.3f km2 written, %.3f km2 from the WKB%n", rows.getString(1), rows.getDouble(2),
                        rows.getDouble(4), km2);
                assertEquals(rows.getDouble(4), km2, rows.getDouble(4) * 0.002, rows.getString(1) + " area");
                compared++;
            }
        }
        assertEquals(6, compared);
        assertEquals(4, empty);
    }
}
