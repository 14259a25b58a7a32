package io.github.nifirouting.engine.osrm;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.nifirouting.matrix.CachedMatrixRouter;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OSRM's optional table parameters and how real answers are accepted. */
class OsrmOptionsTest {

    private static final CoordinateBlock SOURCES = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{42.51, 42.52}, new double[]{1.52, 1.53});
    private static final CoordinateBlock TARGETS = CoordinateBlock.of(new String[]{"c", "d"}, new double[]{42.53, 42.54}, new double[]{1.54, 1.55});

    private ScriptedHttpServer server;
    private TestRunner runner;
    private OsrmRoutingEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(OsrmRoutingEngineTest.NoopProcessor.class);
        engine = new OsrmRoutingEngine();
        runner.addControllerService("osrm", engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl() + "/");
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
    }

    @AfterEach
    void tearDown() {
        if (engine.isEnabled()) {
            runner.disableControllerService(engine);
        }
        server.close();
    }

    @Test
    void resultCacheScopeChangesWithTheSettingsThatDecideResultsAndAProcessorsMaxSnapDistance() {
        runner.enableControllerService(engine);
        final String plain = CachedMatrixRouter.scope(engine);
        final String tableSizeOnly;
        runner.disableControllerService(engine);
        runner.setProperty(engine, OsrmRoutingEngine.MAX_TABLE_SIZE, "1000");
        runner.enableControllerService(engine);
        tableSizeOnly = CachedMatrixRouter.scope(engine);
        runner.disableControllerService(engine);
        runner.setProperty(engine, OsrmRoutingEngine.SNAP_RADIUS, "500");
        runner.enableControllerService(engine);
        final String radius = CachedMatrixRouter.scope(engine);
        runner.disableControllerService(engine);
        runner.setProperty(engine, OsrmRoutingEngine.FALLBACK_SPEED, "5.5");
        runner.enableControllerService(engine);
        final String fallback = CachedMatrixRouter.scope(engine);
        assertEquals(plain, tableSizeOnly, "how requests are cut does not change a pair's result");
        assertNotEquals(plain, radius, "NO_ROAD pairs of one snap radius are not served under another");
        assertNotEquals(radius, fallback, "estimated pairs are not served without the fallback, nor the other way");
        assertNotEquals(fallback, CachedMatrixRouter.scope(engine, MatrixOptions.maxSnap(200)), "a processor's Max Snap Distance is part of the scope");
        assertTrue(plain.contains(server.baseUrl()), "the server is part of the scope: " + plain);
    }

    @Test
    void fallbackCellsAreMarkedEstimatedAndRadiusesAreSent() throws Exception {
        runner.setProperty(engine, OsrmRoutingEngine.FALLBACK_SPEED, "5.5");
        runner.setProperty(engine, OsrmRoutingEngine.FALLBACK_COORDINATE, OsrmRoutingEngine.FALLBACK_SNAPPED.getValue());
        runner.setProperty(engine, OsrmRoutingEngine.SNAP_RADIUS, "500");
        runner.setProperty(engine, OsrmRoutingEngine.COORDINATE_ENCODING, OsrmRoutingEngine.ENCODING_TEXT.getValue());
        runner.enableControllerService(engine);
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[10,363.6],[20,30]],\"distances\":[[100,2000],[200,300]],\"fallback_speed_cells\":[[0,1]]}");
        final MatrixResult result = engine.computeMatrix(SOURCES, TARGETS, new CallStats());
        assertTrue(result.isEstimated(0, 1));
        assertFalse(result.isEstimated(0, 0) || result.isEstimated(1, 0) || result.isEstimated(1, 1));
        assertEquals(363.6, result.durationSeconds(0, 1));
        final String uri = server.requests().get(0).uri();
        assertTrue(uri.startsWith("/table/v1/driving/1.520000,42.510000;1.530000,42.520000;1.540000,42.530000;1.550000,42.540000?"), uri);
        assertTrue(uri.contains("&fallback_speed=5.5&fallback_coordinate=snapped"), uri);
        assertTrue(uri.endsWith("&radiuses=500;500;500;500"), uri);
    }

    @Test
    void aRequestsMaxSnapDistanceIsSentAsRadiusesInsteadOfTheSnapRadius() throws Exception {
        runner.setProperty(engine, OsrmRoutingEngine.SNAP_RADIUS, "500");
        runner.enableControllerService(engine);
        final String answer = "{\"code\":\"Ok\",\"durations\":[[1,2],[3,4]]}";
        server.then(200, answer).then(200, answer).then(200, answer);
        engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.maxSnap(250), new CallStats());
        engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.NONE, new CallStats());
        engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.maxSnap(0.5), new CallStats());
        assertTrue(server.requests().get(0).uri().endsWith("&radiuses=250;250;250;250"), server.requests().get(0).uri());
        assertTrue(server.requests().get(1).uri().endsWith("&radiuses=500;500;500;500"), "the Snap Radius is the default: " + server.requests().get(1).uri());
        assertTrue(server.requests().get(2).uri().endsWith("&radiuses=0.5;0.5;0.5;0.5"), server.requests().get(2).uri());
    }

    @Test
    void withoutMaxSnapDistanceOrSnapRadiusNoRadiusesAreSent() throws Exception {
        runner.enableControllerService(engine);
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[1,2],[3,4]]}");
        engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.NONE, new CallStats());
        assertFalse(server.requests().get(0).uri().contains("radiuses"), server.requests().get(0).uri());
    }

    /** A point beyond the request's radius: OSRM names it (NoSegment), it gets NO_ROAD and the rest is asked again with the same radiuses. */
    @Test
    void aPointBeyondTheMaxSnapDistanceIsIsolatedAndTheRetryKeepsTheRadiuses() throws Exception {
        runner.enableControllerService(engine);
        server.then(400, "{\"message\":\"Could not find a matching segment for coordinate 1\",\"code\":\"NoSegment\"}")
                .then(200, "{\"code\":\"Ok\",\"durations\":[[1,2]],\"distances\":[[10,20]],\"sources\":[{\"distance\":3}],"
                        + "\"destinations\":[{\"distance\":4},{\"distance\":5}]}");
        final MatrixResult result = engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.maxSnap(100), new CallStats());
        assertTrue(result.isSourceOffNetwork(1));
        assertFalse(result.isSourceOffNetwork(0));
        assertEquals(2.0, result.durationSeconds(0, 1));
        assertEquals(2, server.requestCount());
        assertTrue(server.requests().get(0).uri().endsWith("&radiuses=100;100;100;100"), server.requests().get(0).uri());
        assertTrue(server.requests().get(1).uri().endsWith("&radiuses=100;100;100"), server.requests().get(1).uri());
    }

    /** Radiuses lengthen the URL by one value per point: the limits for a request's options keep its worst-case URL under Max URL Length. */
    @Test
    void limitsLeaveRoomForTheRadiusesOfTheRequest() throws Exception {
        runner.setProperty(engine, OsrmRoutingEngine.MAX_URL_LENGTH, "4000");
        runner.setProperty(engine, OsrmRoutingEngine.COORDINATE_ENCODING, OsrmRoutingEngine.ENCODING_TEXT.getValue());
        runner.enableControllerService(engine);
        final MatrixLimits plain = engine.getMatrixLimits();
        final MatrixOptions wide = MatrixOptions.maxSnap(123456);
        final MatrixLimits withRadius = engine.getMatrixLimits(wide);
        assertEquals(plain, engine.getMatrixLimits(MatrixOptions.NONE));
        assertTrue(withRadius.maxCoordinates() < plain.maxCoordinates(), withRadius + " vs " + plain);
        assertEquals(plain.maxElements(), withRadius.maxElements());
        // the longest coordinate text at every point, as many points as the limits allow
        final int points = withRadius.maxCoordinates();
        final CoordinateBlock.Builder worst = new CoordinateBlock.Builder(points);
        for (int i = 0; i < points; i++) {
            worst.add("p" + i, -89.999999, -179.999999);
        }
        final CoordinateBlock block = worst.build();
        final int sources = points / 2;
        final String url = new OsrmTableProtocol("driving", new OsrmTableProtocol.Options(Double.NaN, Double.NaN, "input", false))
                .matrixUrl(java.net.URI.create(server.baseUrl() + "/"), block.slice(0, sources), block.slice(sources, points - sources), wide);
        assertTrue(url.length() <= 4000, url.length() + " characters");
        assertTrue(url.length() > 4000 - 40, "the limit is tight: " + url.length());
        assertTrue(url.endsWith(";123456"), url.substring(url.length() - 30));
    }

    @Test
    void fallbackCellOutsideTheMatrixIsABrokenAnswer() throws Exception {
        runner.setProperty(engine, OsrmRoutingEngine.FALLBACK_SPEED, "5");
        runner.enableControllerService(engine);
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[10,11],[20,30]],\"fallback_speed_cells\":[[2,0]]}");
        final RoutingException failure = assertThrows(RoutingException.class, () -> engine.computeMatrix(SOURCES, TARGETS, new CallStats()));
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("fallback_speed_cells"), failure.getMessage());
    }

    @Test
    void fallbackSpeedMustBePositive() {
        runner.setProperty(engine, OsrmRoutingEngine.FALLBACK_SPEED, "0");
        runner.assertNotValid(engine);
    }

    @Test
    void sameSegmentNegativesCountAsZeroOthersAreBroken() throws Exception {
        runner.enableControllerService(engine);
        // as osrm-routed answers two points snapped onto the same segment
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[0,-0.1],[20,30]],\"distances\":[[-0.2,-1],[200,300]]}");
        final MatrixResult result = engine.computeMatrix(SOURCES, TARGETS, new CallStats());
        assertEquals(0.0, result.durationSeconds(0, 1));
        assertEquals(0.0, result.distanceMeters(0, 0));
        assertEquals(0.0, result.distanceMeters(0, 1));
        assertTrue(Double.doubleToRawLongBits(result.distanceMeters(0, 0)) == 0, "+0.0, not -0.0");

        // the answer osrm-routed v6.0.0 gave for 1.473380,42.531590 -> 1.477360,42.527260 on Andorra
        server.then(200, "{\"code\":\"Ok\",\"distances\":[[-1.3,5],[200,300]],\"durations\":[[0,1],[20,30]]}");
        assertEquals(0.0, engine.computeMatrix(SOURCES, TARGETS, new CallStats()).distanceMeters(0, 0));

        for (final String broken : new String[]{
                "{\"code\":\"Ok\",\"durations\":[[0,1],[20,30]],\"distances\":[[-50.5,5],[200,300]]}",
                "{\"code\":\"Ok\",\"durations\":[[20,1],[20,30]],\"distances\":[[-2,5],[200,300]]}",
                "{\"code\":\"Ok\",\"durations\":[[-1.5,1],[20,30]],\"distances\":[[0,5],[200,300]]}"}) {
            server.then(200, broken);
            final RoutingException failure = assertThrows(RoutingException.class, () -> engine.computeMatrix(SOURCES, TARGETS, new CallStats()));
            assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
            assertTrue(failure.getMessage().contains("[0][0] = -"), failure.getMessage());
        }
    }

    @Test
    void polyline6IsTheDefaultAndPercentEncoded() throws Exception {
        runner.enableControllerService(engine);
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[1,2],[3,4]]}");
        engine.computeMatrix(SOURCES, TARGETS, new CallStats());
        final String uri = server.requests().get(0).uri();
        assertTrue(uri.startsWith("/table/v1/driving/polyline6("), uri);
        final String encoded = uri.substring("/table/v1/driving/polyline6(".length(), uri.indexOf(")?"));
        final double[][] points = io.github.nifirouting.testsupport.OsrmCoordinates.polyline6(
                java.net.URLDecoder.decode(encoded, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(4, points[0].length);
        assertEquals(42.54, points[0][3], 1e-9);
        assertEquals(1.55, points[1][3], 1e-9);
        assertTrue(uri.contains("?sources=0;1&destinations=2;3&annotations=duration,distance&generate_hints=false"), uri);
    }
}
