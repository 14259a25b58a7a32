package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.graphhopperapi.GraphHopperApiRoutingEngine;
import io.github.nifirouting.engine.ors.OpenRouteServiceRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.engine.valhalla.ValhallaRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import io.github.nifirouting.testsupport.ScriptedHttpServer.Answer;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each HTTP engine against a server replaying its documented responses: formats, null cells, errors, retries. */
class HttpEnginesTest {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final CoordinateBlock SOURCES = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.1}, new double[]{8.0, 8.1});
    private static final CoordinateBlock TARGETS = CoordinateBlock.of(new String[]{"c", "d"}, new double[]{47.2, 47.3}, new double[]{8.2, 8.3});

    private ScriptedHttpServer server;
    private TestRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(NoopProcessor.class);
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
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "2");
        extra.forEach((name, value) -> runner.setProperty(engine, name, value));
        runner.enableControllerService(engine);
        return engine;
    }

    private static MatrixResult matrix(final AbstractHttpRoutingEngine engine, final CallStats stats) throws RoutingException {
        return engine.computeMatrix(SOURCES, TARGETS, stats);
    }

    @Test
    void valhallaConciseAnswerInKilometersWithNullCell() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of("Costing", "bicycle"));
        server.then(200, """
                {"sources_to_targets":{"durations":[[600,null],[1200,1800]],"distances":[[5.5,null],[11.25,16.0]]},
                 "units":"kilometers","algorithm":"costmatrix"}""");
        final MatrixResult result = matrix(engine, new CallStats());
        assertEquals(600, result.durationSeconds(0, 0));
        assertEquals(5500, result.distanceMeters(0, 0), 1e-9);
        assertFalse(result.isRoutable(0, 1));
        assertEquals(16000, result.distanceMeters(1, 1), 1e-9);
        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertEquals("POST", request.method());
        assertEquals("/sources_to_targets", request.uri());
        assertTrue(request.body().contains("\"sources\":[{\"lat\":47.0,\"lon\":8.0},{\"lat\":47.1,\"lon\":8.1}]"), request.body());
        assertTrue(request.body().contains("\"costing\":\"bicycle\""), request.body());
        assertTrue(request.body().contains("\"verbose\":false"), request.body());
        assertEquals(2500, engine.getMatrixLimits().maxElements());
    }

    @Test
    void valhallaVerboseAnswerIsReadToo() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of());
        server.then(200, """
                {"sources_to_targets":[[{"distance":1.0,"time":60,"to_index":0,"from_index":0},{"distance":2.0,"time":120,"to_index":1,"from_index":0}],
                 [{"distance":null,"time":null,"to_index":0,"from_index":1},{"distance":4.0,"time":240,"to_index":1,"from_index":1}]]}""");
        final MatrixResult result = matrix(engine, new CallStats());
        assertEquals(120, result.durationSeconds(0, 1));
        assertEquals(2000, result.distanceMeters(0, 1), 1e-9);
        assertFalse(result.isRoutable(1, 0));
    }

    @Test
    void valhallaErrorCodesAreRejectedWithoutRetry() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of());
        server.then(400, "{\"error_code\":154,\"error\":\"Path distance exceeds the max distance limit\",\"status_code\":400,\"status\":\"Bad Request\"}");
        final CallStats stats = new CallStats();
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(engine, stats));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("154"), failure.getMessage());
        assertEquals(1, stats.requests());
    }

    @Test
    void orsSendsKeyAndIndicesAndReadsSnappedDistances() throws Exception {
        final OpenRouteServiceRoutingEngine engine = enable(new OpenRouteServiceRoutingEngine(), Map.of("API Key", "secret-key", "Profile", "foot-walking"));
        server.then(200, """
                {"durations":[[100.5,200.0],[null,400.25]],"distances":[[1000.0,2000.0],[null,4000.0]],
                 "sources":[{"location":[8.0,47.0],"snapped_distance":3.2},{"location":[8.1,47.1],"snapped_distance":0.4}],
                 "destinations":[{"location":[8.2,47.2],"snapped_distance":12.0},{"location":[8.3,47.3]}],
                 "metadata":{"service":"matrix"}}""");
        final MatrixResult result = matrix(engine, new CallStats());
        assertEquals(100.5, result.durationSeconds(0, 0));
        assertFalse(result.isRoutable(1, 0));
        assertEquals(3.2, result.sourceSnapMeters(0));
        assertEquals(12.0, result.destinationSnapMeters(0));
        assertTrue(Double.isNaN(result.destinationSnapMeters(1)));
        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertEquals("/v2/matrix/foot-walking", request.uri());
        assertEquals("secret-key", request.header("Authorization"));
        assertTrue(request.body().contains("\"locations\":[[8.0,47.0],[8.1,47.1],[8.2,47.2],[8.3,47.3]]"), request.body());
        assertTrue(request.body().contains("\"sources\":[0,1],\"destinations\":[2,3]"), request.body());
    }

    @Test
    void orsRateLimitIsRetriedAndDailyQuotaStopsTheServiceButABadKeyIsRejected() throws Exception {
        final OpenRouteServiceRoutingEngine engine = enable(new OpenRouteServiceRoutingEngine(), Map.of("Max Retry-After Wait", "2 sec"));
        server.then(new Answer(429, "{\"error\":\"Rate limit exceeded\"}", Map.of("Retry-After", "0")),
                Answer.json(200, "{\"durations\":[[1,2],[3,4]],\"distances\":[[1,2],[3,4]]}"));
        final CallStats stats = new CallStats();
        assertEquals(4, matrix(engine, stats).durationSeconds(1, 1));
        assertEquals(2, stats.requests());

        server.then(new Answer(403, "{\"error\":\"Access to this API has been disallowed\"}", Map.of()));
        final CallStats key = new CallStats();
        final RoutingException refused = assertThrows(RoutingException.class, () -> matrix(engine, key));
        assertEquals(RoutingException.Kind.REJECTED, refused.kind());
        assertTrue(refused.getMessage().contains("refused the API key"), refused.getMessage());
        assertEquals(1, key.requests());

        // The daily quota: 403 with x-ratelimit-remaining 0; reset given as epoch seconds an hour ahead.
        final long resetEpochSeconds = System.currentTimeMillis() / 1000 + 3600;
        server.then(new Answer(403, "{\"error\":\"Quota exceeded\"}",
                Map.of("x-ratelimit-remaining", "0", "x-ratelimit-reset", String.valueOf(resetEpochSeconds))));
        final CallStats quota = new CallStats();
        final RoutingException exhausted = assertThrows(RoutingException.class, () -> matrix(engine, quota));
        assertEquals(RoutingException.Kind.RATE_LIMITED, exhausted.kind());
        final long minutes = exhausted.retryAfter().orElseThrow().toMinutes();
        assertTrue(minutes >= 58 && minutes <= 60, "resets in " + minutes + " min");
        assertEquals(1, quota.requests(), "not retried in the task");
        final RoutingException later = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.UNAVAILABLE, later.kind(), "until the reset the service does not call ORS");
        assertEquals(4, server.requests().size());
    }

    @Test
    void orsErrorObjectIsReported() throws Exception {
        final OpenRouteServiceRoutingEngine engine = enable(new OpenRouteServiceRoutingEngine(), Map.of());
        server.then(400, "{\"error\":{\"code\":6004,\"message\":\"Request parameters exceed the server configuration limits.\"},\"info\":{}}");
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("6004"), failure.getMessage());
    }

    @Test
    void valhallaWithoutAnyRouteAnswersAllPairsUnroutable() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of());
        // tyr::serializeMatrix throws 442 when every cell is unreachable instead of answering a matrix of nulls.
        server.then(400, "{\"error_code\":442,\"error\":\"No path could be found for input\",\"status_code\":400,\"status\":\"Bad Request\"}");
        final CallStats stats = new CallStats();
        final MatrixResult result = matrix(engine, stats);
        for (int row = 0; row < 2; row++) {
            for (int column = 0; column < 2; column++) {
                assertFalse(result.isRoutable(row, column));
            }
        }
        assertEquals(1, stats.requests());
    }

    @Test
    void valhallaLimitErrorsSayWhatToChange() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of());
        server.then(400, "{\"error_code\":154,\"error\":\"Path distance exceeds the max distance limit: 400000 meters\",\"status_code\":400,\"status\":\"Bad Request\"}");
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("max_matrix_distance"), failure.getMessage());
    }

    @Test
    void graphHopperErrorNamesThePointFromItsHints() throws Exception {
        final GraphHopperApiRoutingEngine engine = enable(new GraphHopperApiRoutingEngine(), Map.of());
        server.then(400, "{\"message\":\"Point 3 is out of bounds\",\"hints\":[{\"message\":\"Point 3 is out of bounds: 47.3,8.3, the bounds are: 5.8,15.0,47.2,55.1\","
                + "\"details\":\"com.graphhopper.util.exceptions.PointOutOfBoundsException\",\"point_index\":3}]}");
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("the bounds are"), failure.getMessage());
    }

    @Test
    void retryAfterAsHttpDateIsHonoured() throws Exception {
        final GraphHopperApiRoutingEngine engine = enable(new GraphHopperApiRoutingEngine(), Map.of("Max Retry-After Wait", "5 sec"));
        final String inTwoSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(2));
        server.then(new Answer(429, "{\"message\":\"Too many requests\"}", Map.of("Retry-After", inTwoSeconds)),
                Answer.json(200, "{\"times\":[[1,2],[3,4]],\"distances\":[[1,2],[3,4]]}"));
        final CallStats stats = new CallStats();
        final long start = System.nanoTime();
        matrix(engine, stats);
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(2, stats.requests());
        assertTrue(millis >= 900, "the HTTP-date (second precision, about 2 s ahead) was waited for: " + millis + " ms");
    }

    @Test
    void fourTasksShareOneLocationRateLimit() throws Exception {
        // GraphHopper's Matrix API meters locations (300 per 5 s); here 40 locations per 500 ms, 2 + 2 locations per request.
        // Timed from before enabling: the limiter's periods start when it is created, so a slow enable cannot shorten them.
        final long start = System.nanoTime();
        final GraphHopperApiRoutingEngine engine = enable(new GraphHopperApiRoutingEngine(), Map.of("Rate Limit", "40", "Rate Limit Period", "500 ms",
                "Rate Limit Unit", RateLimitUnit.LOCATIONS.name(), "Read Timeout", "10 sec"));
        assertEquals(40, engine.getMatrixLimits().maxCoordinates(), "a request never needs more permits than a period has");
        server.otherwise(Answer.json(200, "{\"times\":[[1,2],[3,4]],\"distances\":[[1,2],[3,4]]}"));
        final java.util.concurrent.ExecutorService tasks = java.util.concurrent.Executors.newFixedThreadPool(4);
        final java.util.List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(tasks.submit(() -> {
                for (int i = 0; i < 10; i++) {
                    matrix(engine, new CallStats());
                }
                return null;
            }));
        }
        for (final java.util.concurrent.Future<?> future : futures) {
            future.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        tasks.shutdown();
        final double seconds = (System.nanoTime() - start) / 1e9;
        final int locations = server.requests().size() * 4;
        // A token bucket: the first 40 locations pass at once, the other 120 need 3 more periods of 500 ms.
        final double steadyRate = (locations - 40) / seconds;
        System.out.printf("location rate limiter: %d locations in %d requests by 4 tasks in %.2f s; beyond the initial burst: %.1f locations/s (limit 80/s)%n",
                locations, server.requests().size(), seconds, steadyRate);
        assertEquals(160, locations);
        assertTrue(seconds >= 1.4, "took only " + seconds + " s");
        assertTrue(steadyRate <= 80.0, "rate " + steadyRate);
    }

    @Test
    void serviceUnavailableWithRetryAfterIsWaitedFor() throws Exception {
        final ValhallaRoutingEngine engine = enable(new ValhallaRoutingEngine(), Map.of("Max Retry-After Wait", "5 sec"));
        server.then(new Answer(503, "{\"error_code\":102,\"error\":\"The service is shutting down\",\"status_code\":503}", Map.of("Retry-After", "1")),
                Answer.json(200, "{\"sources_to_targets\":{\"durations\":[[1,2],[3,4]],\"distances\":[[1,2],[3,4]]}}"));
        final CallStats stats = new CallStats();
        final long start = System.nanoTime();
        assertEquals(4, matrix(engine, stats).durationSeconds(1, 1));
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 950, "Retry-After on a 503 was honoured");
        assertEquals(2, stats.requests());
    }

    @Test
    void profileNamesAreValidated() throws Exception {
        final OsrmRoutingEngine engine = new OsrmRoutingEngine();
        runner.addControllerService("bad", engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        runner.setProperty(engine, OsrmRoutingEngine.PROFILE, "car/../admin");
        runner.assertNotValid(engine);
        runner.setProperty(engine, OsrmRoutingEngine.PROFILE, "car");
        runner.assertValid(engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_BACKOFF, "1 ms");
        runner.assertNotValid(engine);
    }

    @Test
    void graphHopperSendsPointsAndKeyAndReadsNullCells() throws Exception {
        final GraphHopperApiRoutingEngine engine = enable(new GraphHopperApiRoutingEngine(), Map.of("API Key", "k&1"));
        server.then(200, "{\"times\":[[60,null],[180,240]],\"distances\":[[900,null],[2700,3600]],\"info\":{\"copyrights\":[\"GraphHopper\"]}}");
        final MatrixResult result = matrix(engine, new CallStats());
        assertEquals(180, result.durationSeconds(1, 0));
        assertFalse(result.isRoutable(0, 1));
        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertEquals("/matrix?key=k%261", request.uri());
        assertTrue(request.body().contains("\"from_points\":[[8.0,47.0],[8.1,47.1]]"), request.body());
        assertTrue(request.body().contains("\"fail_fast\":false"), request.body());
        assertEquals(80, engine.getMatrixLimits().maxSources());
    }

    @Test
    void serverErrorBurstsAreRetriedThenGiveUpAsTransient() throws Exception {
        final GraphHopperApiRoutingEngine engine = enable(new GraphHopperApiRoutingEngine(), Map.of());
        server.then(502, "bad gateway").then(503, "unavailable").then(504, "timeout");
        final CallStats stats = new CallStats();
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(engine, stats));
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("504"), failure.getMessage());
        assertEquals(3, stats.requests());
        assertEquals(2, stats.retries());
    }

    @Test
    void wrongShapeAndMalformedAnswersAreTransient() throws Exception {
        final OsrmRoutingEngine engine = enable(new OsrmRoutingEngine(), Map.of("Max Retries", "0"));
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[1,2,3],[4,5,6]]}");
        RoutingException failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("more than the 2 columns"), failure.getMessage());

        server.then(200, "{\"code\":\"Ok\",\"durations\":[[1,-2],[4,5]]}");
        failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertTrue(failure.getMessage().contains("not a finite non-negative"), failure.getMessage());

        server.then(200, "{\"code\":\"Ok\",\"durations\":[[1,2],[4,");
        failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());

        server.then(400, "{\"code\":\"InvalidQuery\",\"message\":\"Query string malformed close to position 12\"}");
        failure = assertThrows(RoutingException.class, () -> matrix(engine, new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("InvalidQuery"));
    }

    @Test
    void retryAfterParsesSecondsAndHttpDates() {
        assertEquals(120, HttpEngineClient.parseRetryAfter("120").orElseThrow().toSeconds());
        assertTrue(HttpEngineClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").orElseThrow().isZero(), "a past date means now");
        assertNull(HttpEngineClient.parseRetryAfter("soon").orElse(null));
    }
}
