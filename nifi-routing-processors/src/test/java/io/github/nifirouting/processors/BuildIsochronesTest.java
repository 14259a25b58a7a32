package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.parquet.ParquetRecordSetWriter;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKTReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildIsochronesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Three sites in Andorra's valleys, one far off the network, one without a valid point. */
    private static final String SITES = """
            id,latitude,longitude
            andorra-la-vella,42.5078,1.5211
            encamp,42.5352,1.5800
            la-massana,42.5450,1.5150
            sea,43.5,3.5
            broken,95,1.5
            """;

    @TempDir
    static Path graphs;

    private TestRunner runner(final String strategy, final String format) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(BuildIsochrones.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        final EmbeddedGraphHopperEngine engine = new EmbeddedGraphHopperEngine();
        runner.addControllerService("graphhopper", engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(engine, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, graphs.toString());
        runner.enableControllerService(engine);
        runner.setProperty(BuildIsochrones.ROUTING_ENGINE, "graphhopper");
        runner.setProperty(BuildIsochrones.RECORD_READER, "csv");
        runner.setProperty(BuildIsochrones.RECORD_WRITER, "json");
        runner.setProperty(BuildIsochrones.THRESHOLDS, "5 min, 10 min");
        runner.setProperty(BuildIsochrones.STRATEGY, strategy);
        runner.setProperty(BuildIsochrones.GEOMETRY_FORMAT, format);
        runner.setProperty(BuildIsochrones.RESOLUTION, "250");
        return runner;
    }

    private static Map<String, Geometry> polygons(final MockFlowFile output, final Map<String, String> statuses) throws Exception {
        final Map<String, Geometry> byKey = new HashMap<>();
        for (final JsonNode record : JSON.readTree(output.getContent())) {
            final String key = record.get("site_id").asText() + "@" + (int) record.get("threshold_s").asDouble();
            statuses.put(key, record.get("status").asText());
            if (!record.get("geometry").isNull()) {
                byKey.put(key, new WKTReader().read(record.get("geometry").asText()));
            }
        }
        return byKey;
    }

    @Test
    void bothStrategiesGiveValidNestedOverlappingPolygonsAndAccountForEverySite() throws Exception {
        final Map<String, Map<String, Geometry>> byStrategy = new HashMap<>();
        for (final String strategy : new String[]{"engine-native", "matrix-sampled"}) {
            final TestRunner runner = runner(strategy, "WKT");
            runner.enqueue(SITES);
            runner.run();
            runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 1);
            final MockFlowFile output = runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0);
            output.assertAttributeEquals("record.count", "10");
            output.assertAttributeEquals("isochrone.sites.off.network", "1");
            output.assertAttributeEquals("isochrone.sites.invalid", "1");
            final Map<String, String> statuses = new HashMap<>();
            final Map<String, Geometry> polygons = polygons(output, statuses);
            assertEquals("OFF_NETWORK", statuses.get("sea@300"));
            assertEquals("INVALID_COORDINATE", statuses.get("broken@600"));
            for (final String site : new String[]{"andorra-la-vella", "encamp", "la-massana"}) {
                final Geometry five = polygons.get(site + "@300");
                final Geometry ten = polygons.get(site + "@600");
                assertTrue(five.isValid() && ten.isValid(), site + " polygons are valid");
                assertTrue(five.getArea() > 0 && ten.getArea() > five.getArea(), site + " grows with the threshold");
                assertTrue(ten.buffer(1e-7).covers(five), site + ": the 10 min polygon contains the 5 min one");
            }
            byStrategy.put(strategy, polygons);
        }
        // Intersection over union of the two constructions, per threshold. They measure different things (a 250 m corridor
        // along roads reached vs 250 m cells whose centre snaps to a reached road within 1 km), so they agree on where
        // the catchment is but not on its fill: the bound is that they overlap clearly more than disjoint shapes would.
        for (final int threshold : new int[]{300, 600}) {
            double sum = 0;
            for (final String site : new String[]{"andorra-la-vella", "encamp", "la-massana"}) {
                final Geometry a = byStrategy.get("engine-native").get(site + "@" + threshold);
                final Geometry b = byStrategy.get("matrix-sampled").get(site + "@" + threshold);
                final double iou = a.intersection(b).getArea() / a.union(b).getArea();
                System.out.printf("IoU engine-native vs matrix-sampled, %s, %d s: %.2f%n", site, threshold, iou);
                assertTrue(iou > 0.2, site + " " + threshold + " s: IoU " + iou);
                sum += iou;
            }
            System.out.printf("mean IoU at %d s: %.2f%n", threshold, sum / 3);
        }
    }

    @Test
    void noSitesGiveAnEmptyResult() throws Exception {
        final TestRunner runner = runner("engine-native", "WKB");
        runner.enqueue("id,latitude,longitude\n");
        runner.run();
        runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).assertAttributeEquals("record.count", "0");
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 1);
    }

    @Test
    void geoParquetOutputOpensInDuckDbWithMatchingAreas(@TempDir final Path dir) throws Exception {
        final TestRunner runner = runner("engine-native", "WKB");
        final ParquetRecordSetWriter parquet = new ParquetRecordSetWriter();
        runner.addControllerService("parquet", parquet);
        runner.setProperty(parquet, ParquetRecordSetWriter.GEOMETRY_FIELDS, "geometry");
        runner.enableControllerService(parquet);
        runner.setProperty(BuildIsochrones.RECORD_WRITER, "parquet");
        runner.enqueue(SITES);
        runner.run();
        final Path file = Files.write(dir.resolve("catchments.parquet"), runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).toByteArray());
        int compared = 0;
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT site_id, geometry, area_km2 FROM read_parquet('" + file + "') WHERE status = 'OK'")) {
            while (rows.next()) {
                final Geometry polygon = new WKBReader().read(rows.getBytes(2));
                assertTrue(polygon.isValid());
                final double centreLat = polygon.getCentroid().getY();
                final double km2 = polygon.getArea() * 111.32 * Math.cos(Math.toRadians(centreLat)) * 110.574;
                assertEquals(rows.getDouble(3), km2, rows.getDouble(3) * 0.02, rows.getString(1) + " area");
                compared++;
            }
        }
        assertEquals(6, compared);
    }

    @Test
    void matrixSampledAgainstAnOsrmStubApproximatesTheReachableDisc() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(3)) {
            final TestRunner runner = TestRunners.newTestRunner(BuildIsochrones.class);
            final CSVReader csv = new CSVReader();
            runner.addControllerService("csv", csv);
            runner.enableControllerService(csv);
            final JsonRecordSetWriter json = new JsonRecordSetWriter();
            runner.addControllerService("json", json);
            runner.enableControllerService(json);
            final OsrmRoutingEngine osrm = new OsrmRoutingEngine();
            runner.addControllerService("osrm", osrm);
            runner.setProperty(osrm, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.enableControllerService(osrm);
            runner.setProperty(BuildIsochrones.ROUTING_ENGINE, "osrm");
            runner.setProperty(BuildIsochrones.RECORD_READER, "csv");
            runner.setProperty(BuildIsochrones.RECORD_WRITER, "json");
            runner.setProperty(BuildIsochrones.THRESHOLDS, "300");
            runner.setProperty(BuildIsochrones.STRATEGY, "matrix-sampled");
            runner.setProperty(BuildIsochrones.MAX_SPEED, "50");
            runner.setProperty(BuildIsochrones.RESOLUTION, "200");
            runner.setProperty(BuildIsochrones.GEOMETRY_FORMAT, "WKT");
            runner.enqueue("id,latitude,longitude\nsite,47.0,8.0\n");
            runner.run();
            final JsonNode record = JSON.readTree(runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).getContent()).get(0);
            // The stub drives at 40 km/h on routes 1.3 x the straight line: reachable straight-line radius 300 s x 11.1 m/s / 1.3.
            final double radiusKm = 300 * FakeOsrmServer.SPEED_METERS_PER_SECOND / FakeOsrmServer.DETOUR_FACTOR / 1000;
            final double disc = Math.PI * radiusKm * radiusKm;
            final double area = record.get("area_km2").asDouble();
            System.out.printf("matrix-sampled vs OSRM stub: %.2f km2 for a disc of %.2f km2, %d requests%n", area, disc,
                    Long.parseLong(runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0).getAttribute("routing.requests")));
            assertEquals(disc, area, disc * 0.1, "cells of 200 m approximate the disc within 10%");
            final Geometry polygon = new WKTReader().read(record.get("geometry").asText());
            assertTrue(polygon.isValid(), new org.locationtech.jts.operation.valid.IsValidOp(polygon).getValidationError() + "");
        }
    }

    @Test
    void engineFailuresFollowTheNiFiWay() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(BuildIsochrones.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        final HaversineTestEngine engine = new HaversineTestEngine();
        runner.addControllerService("engine", engine);
        runner.enableControllerService(engine);
        runner.setProperty(BuildIsochrones.ROUTING_ENGINE, "engine");
        runner.setProperty(BuildIsochrones.RECORD_READER, "csv");
        runner.setProperty(BuildIsochrones.RECORD_WRITER, "json");
        runner.enqueue("id,latitude,longitude\nsite,47.0,8.0\n");
        runner.run();
        runner.assertAllFlowFilesTransferred(BuildIsochrones.REL_FAILURE, 1);
        assertTrue(runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE).get(0).getAttribute("routing.error").contains("matrix-sampled"));

        runner.clearTransferState();
        runner.setProperty(BuildIsochrones.STRATEGY, "matrix-sampled");
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503"));
        runner.enqueue("id,latitude,longitude\nsite,47.0,8.0\n");
        runner.run();
        runner.assertAllFlowFilesTransferred(BuildIsochrones.REL_RETRY, 1);
        assertTrue(runner.getFlowFilesForRelationship(BuildIsochrones.REL_RETRY).get(0).isPenalized());
    }
}
