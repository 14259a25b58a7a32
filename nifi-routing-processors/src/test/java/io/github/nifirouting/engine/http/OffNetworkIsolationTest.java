package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.graphhopperapi.GraphHopperApiRoutingEngine;
import io.github.nifirouting.engine.ors.OpenRouteServiceRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.engine.valhalla.ValhallaRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.OsrmCoordinates;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A point an engine cannot place gets its own mark and the rest of the matrix is routed, from each engine's documented
 * point-not-found answer: 2 sources (a, b) x 2 destinations (c, d) where d is off the network.
 */
class OffNetworkIsolationTest {

    private static final CoordinateBlock SOURCES = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.1}, new double[]{8.0, 8.1});
    private static final CoordinateBlock TARGETS = CoordinateBlock.of(new String[]{"c", "d"}, new double[]{47.2, 47.3}, new double[]{8.2, 8.3});

    enum Engine {
        /** osrm-routed v6.0.0 names the first coordinate it cannot snap (checked against the real server, see RealOsrmConformanceTest). */
        OSRM(OsrmRoutingEngine::new, 400, "{\"message\":\"Could not find a matching segment for coordinate 3\",\"code\":\"NoSegment\"}",
                "{\"code\":\"Ok\",\"durations\":[[0],[125]],\"distances\":[[0],[1500]],"
                        + "\"sources\":[{\"distance\":1.5,\"location\":[8.0,47.0]},{\"distance\":0,\"location\":[8.1,47.1]}],"
                        + "\"destinations\":[{\"distance\":2.25,\"location\":[8.2,47.2]}]}", null),
        /** Valhalla's 171 does not say which location (valhalla/exceptions.cc): each point is asked alone. */
        VALHALLA(ValhallaRoutingEngine::new, 400, "{\"error_code\":171,\"error\":\"No suitable edges near location\",\"status_code\":400,\"status\":\"Bad Request\"}",
                "{\"sources_to_targets\":{\"durations\":[[0],[125]],\"distances\":[[0.0],[1.5]]},\"units\":\"kilometers\"}",
                "{\"sources_to_targets\":{\"durations\":[[0]],\"distances\":[[0.0]]},\"units\":\"kilometers\"}"),
        /** ORS 6010 names the coordinate's index in locations. */
        OPENROUTESERVICE(OpenRouteServiceRoutingEngine::new, 404, "{\"error\":{\"code\":6010,\"message\":\"Could not find routable point within a radius "
                + "of 350.0 meters of specified coordinate 3: 8.3000000 47.3000000.\"},\"info\":{\"engine\":{\"version\":\"9.0.0\"}}}",
                "{\"durations\":[[0.0],[125.0]],\"distances\":[[0.0],[1500.0]],"
                        + "\"sources\":[{\"location\":[8.0,47.0],\"snapped_distance\":1.5},{\"location\":[8.1,47.1],\"snapped_distance\":0.0}],"
                        + "\"destinations\":[{\"location\":[8.2,47.2],\"snapped_distance\":2.25}]}", null),
        /** GraphHopper's Matrix API names the side and index in its hints (graphhopper/directions-api#17). */
        GRAPHHOPPER(GraphHopperApiRoutingEngine::new, 400, "{\"message\":\"Bad Request\",\"hints\":[{\"details\":\"java.lang.IllegalArgumentException\","
                + "\"message\":\"Cannot find to_points: 1\"}]}",
                "{\"times\":[[0],[125]],\"distances\":[[0],[1500]],\"info\":{\"took\":4}}", null);

        final Supplier<AbstractHttpRoutingEngine> factory;
        final int status;
        final String pointNotFound;
        final String rest;
        final String single;

        Engine(final Supplier<AbstractHttpRoutingEngine> factory, final int status, final String pointNotFound, final String rest, final String single) {
            this.factory = factory;
            this.status = status;
            this.pointNotFound = pointNotFound;
            this.rest = rest;
            this.single = single;
        }
    }

    private ScriptedHttpServer server;
    private TestRunner runner;
    private AbstractHttpRoutingEngine service;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(HttpEngineFaultTest.NoopProcessor.class);
    }

    @AfterEach
    void tearDown() {
        if (service != null && service.isEnabled()) {
            runner.disableControllerService(service);
        }
        server.close();
    }

    private AbstractHttpRoutingEngine enable(final Engine engine) throws Exception {
        service = engine.factory.get();
        runner.addControllerService("engine", service);
        runner.setProperty(service, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        runner.setProperty(service, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        runner.enableControllerService(service);
        return service;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void pointNotFoundMarksThePointAndRoutesTheRest(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(engine.status, engine.pointNotFound);
        if (engine.single != null) {
            // a, b, c answer alone; d is refused again
            server.then(200, engine.single).then(200, engine.single).then(200, engine.single).then(engine.status, engine.pointNotFound);
        }
        server.then(200, engine.rest);
        final CallStats stats = new CallStats();
        final MatrixResult result = service.computeMatrix(SOURCES, TARGETS, stats);

        assertEquals(2, result.rows());
        assertEquals(2, result.columns());
        assertTrue(result.isDestinationOffNetwork(1), "d is off the network");
        assertFalse(result.isDestinationOffNetwork(0) || result.isSourceOffNetwork(0) || result.isSourceOffNetwork(1));
        assertEquals(125, result.durationSeconds(1, 0), 1e-9);
        assertEquals(1500, result.distanceMeters(1, 0), 1e-6);
        assertEquals(0, result.durationSeconds(0, 0));
        assertFalse(result.isRoutable(0, 1));
        assertFalse(result.isRoutable(1, 1));
        final List<ScriptedHttpServer.Request> requests = server.requests();
        assertEquals(engine.single == null ? 2 : 6, requests.size());
        assertEquals(1, stats.answeredRequests() - (engine.single == null ? 0 : 3), "the rest is answered in one request");
        final ScriptedHttpServer.Request last = requests.get(requests.size() - 1);
        if (engine == Engine.OSRM) {
            final String path = URLDecoder.decode(last.uri().substring("/table/v1/driving/".length(), last.uri().indexOf('?')), StandardCharsets.UTF_8);
            final double[][] points = OsrmCoordinates.parse(path);
            assertEquals(3, points[0].length, "a, b, c asked again: " + path);
            assertEquals(47.2, points[0][2], 1e-9);
            assertTrue(last.uri().contains("sources=0;1&destinations=2"), last.uri());
        } else {
            assertFalse(last.body().contains("8.3"), "d is not asked again: " + last.body());
        }
    }

    @Test
    void everyOriginOffTheNetworkNeedsNoFurtherRequest() throws Exception {
        final AbstractHttpRoutingEngine service = enable(Engine.OSRM);
        final CoordinateBlock one = SOURCES.slice(0, 1);
        server.then(400, "{\"message\":\"Could not find a matching segment for coordinate 0\",\"code\":\"NoSegment\"}");
        final MatrixResult result = service.computeMatrix(one, TARGETS, new CallStats());
        assertTrue(result.isSourceOffNetwork(0));
        assertFalse(result.isRoutable(0, 0) || result.isRoutable(0, 1));
        assertEquals(1, server.requests().size());
    }

    @Test
    void aRefusalThatNamesNoKnownPointStaysRejected() throws Exception {
        final AbstractHttpRoutingEngine service = enable(Engine.OSRM);
        server.then(400, "{\"message\":\"Could not find a matching segment for coordinate 9\",\"code\":\"NoSegment\"}");
        // index 9 is not in the request: every point is asked alone, each is answered, so the refusal stands
        for (int i = 0; i < 4; i++) {
            server.then(200, "{\"code\":\"Ok\",\"durations\":[[0]],\"distances\":[[0]]}");
        }
        final RoutingException failure = assertThrows(RoutingException.class, () -> service.computeMatrix(SOURCES, TARGETS, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("NoSegment"), failure.getMessage());
    }
}
