package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.graphhopperapi.GraphHopperApiRoutingEngine;
import io.github.nifirouting.engine.ors.OpenRouteServiceRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.engine.valhalla.ValhallaRoutingEngine;
import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import io.github.nifirouting.testsupport.ScriptedHttpServer.Answer;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each HTTP engine's isochrone API against a server replaying answers in the engine's own format: requests, polygons, errors. */
class HttpIsochronesTest {

    private static final double[] THRESHOLDS = {300, 600};

    private ScriptedHttpServer server;
    private TestRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(HttpEnginesTest.NoopProcessor.class);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private <T extends AbstractHttpRoutingEngine> T enable(final T engine, final Map<String, String> extra) throws Exception {
        runner.addControllerService("engine", engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        runner.setProperty(engine, AbstractHttpRoutingEngine.INITIAL_BACKOFF, "5 ms");
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_BACKOFF, "20 ms");
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "1");
        extra.forEach((name, value) -> runner.setProperty(engine, name, value));
        runner.enableControllerService(engine);
        return engine;
    }

    /** As Valhalla's isochrone_serializer writes it: largest contour first, properties with colours, a MultiPolygon with a hole. */
    static final String VALHALLA_ANSWER = """
            {"features":[
             {"properties":{"fill-opacity":0.33,"fillColor":"#bf4040","opacity":0.33,"fill":"#bf4040","fillOpacity":0.33,
               "color":"#bf4040","contour":10.0,"metric":"time"},
              "geometry":{"coordinates":[[[[7.98,46.98],[8.02,46.98],[8.02,47.02],[7.98,47.02],[7.98,46.98]],
                                          [[7.995,46.995],[7.995,47.005],[8.005,47.005],[8.005,46.995],[7.995,46.995]]],
                                         [[[8.03,46.98],[8.04,46.98],[8.04,46.99],[8.03,46.98]]]],
                          "type":"MultiPolygon"},
              "type":"Feature"},
             {"properties":{"fill-opacity":0.33,"fillColor":"#bfbf40","opacity":0.33,"fill":"#bfbf40","fillOpacity":0.33,
               "color":"#bfbf40","contour":5.0,"metric":"time"},
              "geometry":{"coordinates":[[[7.99,46.99],[8.01,46.99],[8.01,47.01],[7.99,47.01],[7.99,46.99]]],"type":"Polygon"},
              "type":"Feature"}],
             "type":"FeatureCollection"}""";

    @Test
    void valhallaContoursInMinutesPolygonsByContour() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of("Costing", "auto"));
        assertTrue(engine.supportsIsochrones());
        server.then(200, VALHALLA_ANSWER);
        final IsochroneRings rings = engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats());
        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertEquals("POST", request.method());
        assertEquals("/isochrone", request.uri());
        assertTrue(request.body().contains("\"locations\":[{\"lat\":47.0,\"lon\":8.0}]"), request.body());
        assertTrue(request.body().contains("\"contours\":[{\"time\":5.0},{\"time\":10.0}]"), request.body());
        assertTrue(request.body().contains("\"polygons\":true"), request.body());
        assertEquals(1, rings.polygons().get(0).size(), "5 min: one polygon");
        assertEquals(2, rings.polygons().get(1).size(), "10 min: two polygons");
        assertEquals(2, rings.polygons().get(1).get(0).size(), "the first 10 min polygon has a hole");
        assertArrayEquals(new double[]{7.99, 46.99, 8.01, 46.99, 8.01, 47.01, 7.99, 47.01, 7.99, 46.99}, rings.polygons().get(0).get(0).get(0));
    }

    @Test
    void valhallaAsksFourContoursAtATime() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of());
        final String square = "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]},\"type\":\"Feature\"}";
        server.then(200, "{\"features\":[{\"properties\":{\"contour\":20.0,\"metric\":\"time\"}," + square
                + ",{\"properties\":{\"contour\":15.0,\"metric\":\"time\"}," + square
                + ",{\"properties\":{\"contour\":10.0,\"metric\":\"time\"}," + square
                + ",{\"properties\":{\"contour\":5.0,\"metric\":\"time\"}," + square + "],\"type\":\"FeatureCollection\"}");
        server.then(200, "{\"features\":[{\"properties\":{\"contour\":25.0,\"metric\":\"time\"}," + square + "],\"type\":\"FeatureCollection\"}");
        final IsochroneRings rings = engine.computeIsochrones(47.0, 8.0, new double[]{300, 600, 900, 1200, 1500}, new CallStats());
        assertEquals(2, server.requestCount());
        assertTrue(server.requests().get(1).body().contains("\"contours\":[{\"time\":25.0}]"), server.requests().get(1).body());
        for (int t = 0; t < 5; t++) {
            assertEquals(1, rings.polygons().get(t).size(), "threshold " + t);
        }
    }

    @Test
    void valhallaErrorsNoEdgesIsOffTheNetworkOthersAreRejectedOrRetried() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of());
        server.then(400, """
                {"error_code":171,"error":"No suitable edges near location","status_code":400,"status":"Bad Request"}""");
        final IsochroneRings offNetwork = engine.computeIsochrones(43.5, 3.5, THRESHOLDS, new CallStats());
        assertTrue(offNetwork.polygons().stream().allMatch(List::isEmpty), "no polygons for a point off the network");

        server.then(400, """
                {"error_code":152,"error":"Unknown costing method: magic","status_code":400,"status":"Bad Request"}""");
        final RoutingException rejected = assertThrows(RoutingException.class, () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, rejected.kind());
        assertTrue(rejected.getMessage().contains("152") && rejected.getMessage().contains("Unknown costing"), rejected.getMessage());

        // A 503 is retried (Max Retries 1), then reported as transient; a 200 after it is read.
        server.then(Answer.html(503, "<html>busy</html>"), Answer.json(200, VALHALLA_ANSWER));
        final CallStats stats = new CallStats();
        final IsochroneRings retried = engine.computeIsochrones(47.0, 8.0, THRESHOLDS, stats);
        assertEquals(1, retried.polygons().get(0).size());
        assertEquals(2, stats.requests());
        assertEquals(1, stats.retries());
        server.then(Answer.html(502, "<html>bad gateway</html>"), Answer.html(502, "<html>bad gateway</html>"));
        assertEquals(RoutingException.Kind.TRANSIENT, assertThrows(RoutingException.class,
                () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats())).kind());
        // A broken 200 is transient too.
        server.then(Answer.json(200, "{\"features\":[{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[1]]"),
                Answer.json(200, "{\"features\":[{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[1]]"));
        assertEquals(RoutingException.Kind.TRANSIENT, assertThrows(RoutingException.class,
                () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats())).kind());
    }

    /** As ORS answers POST /v2/isochrones/{profile}: one Polygon feature per range, value in seconds, bbox and metadata. */
    static final String ORS_ANSWER = """
            {"type":"FeatureCollection","bbox":[7.98,46.98,8.02,47.02],
             "features":[
              {"type":"Feature","properties":{"group_index":0,"value":300.0,"center":[8.0,47.0]},
               "geometry":{"coordinates":[[[7.99,46.99],[8.01,46.99],[8.01,47.01],[7.99,47.01],[7.99,46.99]]],"type":"Polygon"}},
              {"type":"Feature","properties":{"group_index":0,"value":600.0,"center":[8.0,47.0]},
               "geometry":{"coordinates":[[[7.98,46.98],[8.02,46.98],[8.02,47.02],[7.98,47.02],[7.98,46.98]]],"type":"Polygon"}}],
             "metadata":{"attribution":"openrouteservice.org | OpenStreetMap contributors","service":"isochrones","timestamp":1700000000000,
              "query":{"profile":"driving-car","locations":[[8.0,47.0]],"range":[300.0,600.0],"range_type":"time"},
              "engine":{"version":"8.0.0","build_date":"2024-03-01T00:00:00Z","graph_date":"2024-03-01T00:00:00Z"}}}""";

    @Test
    void openRouteServiceRangesInSecondsWithTheKeyInTheHeader() throws Exception {
        final OpenRouteServiceRoutingEngine engine = enable(new OpenRouteServiceRoutingEngine(), Map.of("API Key", "secret-key"));
        assertTrue(engine.supportsIsochrones());
        server.then(200, ORS_ANSWER);
        final IsochroneRings rings = engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats());
        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertEquals("/v2/isochrones/driving-car", request.uri());
        assertEquals("secret-key", request.header("Authorization"));
        assertTrue(request.header("Accept").contains("application/geo+json"), "ORS answers isochrones as application/geo+json");
        assertTrue(request.body().contains("\"locations\":[[8.0,47.0]]"), request.body());
        assertTrue(request.body().contains("\"range\":[300.0,600.0]") && request.body().contains("\"range_type\":\"time\""), request.body());
        assertEquals(1, rings.polygons().get(0).size());
        assertEquals(7.98, rings.polygons().get(1).get(0).get(0)[0]);

        // ORS cannot place the point: its isochrone builder fails and it answers 500 with 3099. Not retried.
        server.then(500, "{\"error\":{\"code\":3099,\"message\":\"Unable to build an isochrone map.\"},\"info\":{\"engine\":{\"version\":\"8.0.0\"}}}");
        final int before = server.requestCount();
        assertTrue(engine.computeIsochrones(43.5, 3.5, THRESHOLDS, new CallStats()).polygons().stream().allMatch(List::isEmpty));
        assertEquals(before + 1, server.requestCount(), "no retry for a point that cannot be placed");

        server.then(400, "{\"error\":{\"code\":3004,\"message\":\"Parameter 'range=7200.0' is out of range: must not be greater than 3600.\"}}");
        final RoutingException tooFar = assertThrows(RoutingException.class, () -> engine.computeIsochrones(47.0, 8.0, new double[]{7200}, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, tooFar.kind());
        assertTrue(tooFar.getMessage().contains("3004"), tooFar.getMessage());

        server.then(new Answer(429, "{\"error\":\"Rate limit exceeded\"}", Map.of("Retry-After", "0")), Answer.json(200, ORS_ANSWER));
        final CallStats stats = new CallStats();
        assertEquals(1, engine.computeIsochrones(47.0, 8.0, THRESHOLDS, stats).polygons().get(0).size());
        assertEquals(1, stats.retries(), "429 is retried");
    }

    @Test
    void graphHopperOneRequestPerThreshold() throws Exception {
        final GraphHopperApiRoutingEngine engine = enable(new GraphHopperApiRoutingEngine(), Map.of("API Key", "gh-key", "Profile", "car"));
        assertTrue(engine.supportsIsochrones());
        server.then(200, """
                {"polygons":[{"properties":{"bucket":0},"type":"Feature","geometry":{"type":"Polygon",
                  "coordinates":[[[7.99,46.99],[8.01,46.99],[8.01,47.01],[7.99,47.01],[7.99,46.99]]]}}],
                 "info":{"copyrights":["GraphHopper","OpenStreetMap contributors"],"took":12}}""");
        server.then(200, """
                {"polygons":[{"properties":{"bucket":0},"type":"Feature","geometry":{"type":"Polygon",
                  "coordinates":[[[7.98,46.98],[8.02,46.98],[8.02,47.02],[7.98,47.02],[7.98,46.98]]]}}],
                 "info":{"copyrights":["GraphHopper","OpenStreetMap contributors"],"took":20}}""");
        final IsochroneRings rings = engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats());
        assertEquals(2, server.requestCount());
        assertEquals("GET", server.requests().get(0).method());
        assertEquals("/isochrone?point=47.000000,8.000000&time_limit=300&buckets=1&profile=car&key=gh-key", server.requests().get(0).uri());
        assertTrue(server.requests().get(1).uri().contains("time_limit=600"));
        assertEquals(7.99, rings.polygons().get(0).get(0).get(0)[0]);
        assertEquals(7.98, rings.polygons().get(1).get(0).get(0)[0]);

        server.then(400, """
                {"message":"Cannot find point 0: 43.5,3.5","hints":[{"message":"Cannot find point 0: 43.5,3.5",
                  "details":"com.graphhopper.util.exceptions.PointNotFoundException","point_index":0}]}""");
        assertTrue(engine.computeIsochrones(43.5, 3.5, THRESHOLDS, new CallStats()).polygons().stream().allMatch(List::isEmpty));
        server.then(400, "{\"message\":\"The requested profile 'rocket' does not exist\"}");
        assertEquals(RoutingException.Kind.REJECTED, assertThrows(RoutingException.class,
                () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats())).kind());
    }

    /**
     * An error body not in the engine's format (a proxy's page, a cut-off error) is classified by its status alone, the
     * same on every isochrone protocol as on the matrix protocols: a 5xx is retried and keeps its Retry-After, a 4xx is
     * rejected without a retry.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Valhalla", "OpenRouteService", "GraphHopper"})
    void anErrorBodyNotInTheEnginesFormatIsClassifiedByItsStatus(final String name) throws Exception {
        final AbstractHttpRoutingEngine engine = switch (name) {
            case "Valhalla" -> enable(new ValhallaRoutingEngine(), Map.of());
            case "OpenRouteService" -> enable(new OpenRouteServiceRoutingEngine(), Map.of());
            default -> enable(new GraphHopperApiRoutingEngine(), Map.of("Profile", "car"));
        };
        final Answer badGateway = new Answer(502, "<html>bad gateway</html>", Map.of("Content-Type", "text/html", "Retry-After", "0"));
        server.then(badGateway, badGateway);
        final RoutingException transientError = assertThrows(RoutingException.class,
                () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats()));
        assertEquals(RoutingException.Kind.TRANSIENT, transientError.kind(), transientError.getMessage());
        assertTrue(transientError.retryAfter().isPresent(), "the 502's Retry-After is kept");
        assertEquals(2, server.requestCount(), "retried once");

        server.then(Answer.html(404, "<html>not found</html>"));
        assertEquals(RoutingException.Kind.REJECTED, assertThrows(RoutingException.class,
                () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats())).kind());
        server.then(Answer.json(400, "{\"message\":\"Cannot find"));
        assertEquals(RoutingException.Kind.REJECTED, assertThrows(RoutingException.class,
                () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats())).kind());
        assertEquals(4, server.requestCount(), "4xx are not retried");
    }

    @Test
    void osrmHasNoIsochroneApi() throws Exception {
        final OsrmRoutingEngine engine = enable(new OsrmRoutingEngine(), Map.of());
        assertFalse(engine.supportsIsochrones());
        assertThrows(UnsupportedOperationException.class, () -> engine.computeIsochrones(47.0, 8.0, THRESHOLDS, new CallStats()));
    }
}
