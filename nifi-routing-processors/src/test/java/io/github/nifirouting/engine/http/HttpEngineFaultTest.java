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
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every HTTP engine against a loopback server replaying that engine's documented answers and the ways servers and
 * proxies fail: the outcome (a result or a RoutingException kind), the requests made, and the circuit breaker's states.
 */
class HttpEngineFaultTest {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final CoordinateBlock SOURCES = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.1}, new double[]{8.0, 8.1});
    private static final CoordinateBlock TARGETS = CoordinateBlock.of(new String[]{"c", "d"}, new double[]{47.2, 47.3}, new double[]{8.2, 8.3});

    /**
     * Each engine with its documented answers for the same 2 x 2 matrix: 125 s / 1500 m from b to c, no route from a to
     * d, and its own error body for a request it refuses for good (its point-not-found answers: OffNetworkIsolationTest).
     */
    enum Engine {
        OSRM(OsrmRoutingEngine::new, "GET", "/table/v1/driving/",
                """
                {"code":"Ok","durations":[[0,null],[125,0]],"distances":[[0,null],[1500,0]],
                 "sources":[{"hint":"x","distance":1.5,"name":"Main","location":[8.0,47.0]},{"hint":"y","distance":0,"name":"","location":[8.1,47.1]}],
                 "destinations":[{"hint":"z","distance":2.25,"name":"","location":[8.2,47.2]},{"hint":"w","distance":0,"name":"","location":[8.3,47.3]}]}""",
                "{\"code\":\"Ok\",\"durations\":[[0,1,2],[3,4,5]],\"distances\":[[0,1,2],[3,4,5]]}",
                400, "{\"code\":\"InvalidValue\",\"message\":\"Invalid coordinate value.\"}", "InvalidValue"),
        VALHALLA(ValhallaRoutingEngine::new, "POST", "/sources_to_targets",
                """
                {"sources_to_targets":{"distances":[[0.0,null],[1.5,0.0]],"durations":[[0,null],[125,0]]},"units":"kilometers","algorithm":"costmatrix"}""",
                "{\"sources_to_targets\":{\"durations\":[[0,1],[2,3],[4,5]],\"distances\":[[0,1],[2,3],[4,5]]}}",
                400, "{\"error_code\":154,\"error\":\"Path distance exceeds the max distance limit\",\"status_code\":400,\"status\":\"Bad Request\"}", "154"),
        OPENROUTESERVICE(OpenRouteServiceRoutingEngine::new, "POST", "/v2/matrix/driving-car",
                """
                {"durations":[[0.0,null],[125.0,0.0]],"distances":[[0.0,null],[1500.0,0.0]],
                 "destinations":[{"location":[8.2,47.2],"snapped_distance":2.25},{"location":[8.3,47.3],"snapped_distance":0.0}],
                 "sources":[{"location":[8.0,47.0],"snapped_distance":1.5},{"location":[8.1,47.1],"snapped_distance":0.0}],
                 "metadata":{"attribution":"openrouteservice.org | OpenStreetMap contributors","service":"matrix"}}""",
                "{\"durations\":[[0,1],[2,3]],\"distances\":[[0,1]]}",
                400, "{\"error\":{\"code\":6004,\"message\":\"Request parameters exceed the server configuration limits.\"},"
                        + "\"info\":{\"engine\":{\"version\":\"9.0.0\"}}}", "6004"),
        GRAPHHOPPER(GraphHopperApiRoutingEngine::new, "POST", "/matrix",
                """
                {"times":[[0,null],[125,0]],"distances":[[0,null],[1500,0]],"info":{"copyrights":["GraphHopper","OpenStreetMap contributors"],"took":4}}""",
                "{\"times\":[[0,1],[2]],\"distances\":[[0,1],[2,3]]}",
                400, "{\"message\":\"Cannot find point 3: 47.3,8.3\",\"hints\":[{\"message\":\"Cannot find point 3: 47.3,8.3\","
                        + "\"details\":\"com.graphhopper.util.exceptions.PointNotFoundException\",\"point_index\":3}]}", "Cannot find point 3");

        final Supplier<AbstractHttpRoutingEngine> factory;
        final String method;
        final String path;
        final String ok;
        final String wrongShape;
        final int errorStatus;
        final String errorBody;
        final String errorCode;

        Engine(final Supplier<AbstractHttpRoutingEngine> factory, final String method, final String path, final String ok, final String wrongShape,
               final int errorStatus, final String errorBody, final String errorCode) {
            this.factory = factory;
            this.method = method;
            this.path = path;
            this.ok = ok;
            this.wrongShape = wrongShape;
            this.errorStatus = errorStatus;
            this.errorBody = errorBody;
            this.errorCode = errorCode;
        }

        /** The success answer with a broken literal: valid start, invalid JSON. */
        String malformed() {
            return ok.replaceFirst("null", "nul,");
        }
    }

    private ScriptedHttpServer server;
    private TestRunner runner;
    private AbstractHttpRoutingEngine service;
    private Map<PropertyDescriptor, String> configured;
    private final List<CircuitBreaker.StateTransition> transitions = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(NoopProcessor.class);
    }

    @AfterEach
    void tearDown() {
        if (service != null && service.isEnabled()) {
            runner.disableControllerService(service);
        }
        server.close();
    }

    private AbstractHttpRoutingEngine enable(final Engine engine, final Object... overrides) {
        service = engine.factory.get();
        try {
            runner.addControllerService("engine", service);
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
        final Map<PropertyDescriptor, String> properties = new LinkedHashMap<>();
        properties.put(AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        properties.put(AbstractHttpRoutingEngine.CONNECT_TIMEOUT, "1 sec");
        properties.put(AbstractHttpRoutingEngine.READ_TIMEOUT, "700 ms");
        properties.put(AbstractHttpRoutingEngine.INITIAL_BACKOFF, "5 ms");
        properties.put(AbstractHttpRoutingEngine.MAX_BACKOFF, "20 ms");
        properties.put(AbstractHttpRoutingEngine.MAX_RETRIES, "3");
        properties.put(AbstractHttpRoutingEngine.MAX_RETRY_AFTER, "3 sec");
        properties.put(AbstractHttpRoutingEngine.CIRCUIT_WINDOW, "4");
        properties.put(AbstractHttpRoutingEngine.CIRCUIT_OPEN_DURATION, "300 ms");
        for (int i = 0; i < overrides.length; i += 2) {
            properties.put((PropertyDescriptor) overrides[i], (String) overrides[i + 1]);
        }
        properties.forEach((property, value) -> runner.setProperty(service, property, value));
        configured = properties;
        runner.assertValid(service);
        runner.enableControllerService(service);
        service.getCircuitBreaker().getEventPublisher().onStateTransition(event -> transitions.add(event.getStateTransition()));
        return service;
    }

    private static MatrixResult matrix(final AbstractHttpRoutingEngine engine, final CallStats stats) throws RoutingException {
        return engine.computeMatrix(SOURCES, TARGETS, stats);
    }

    private static RoutingException failure(final AbstractHttpRoutingEngine engine, final CallStats stats) {
        return assertThrows(RoutingException.class, () -> matrix(engine, stats));
    }

    private static void assertMatrix(final MatrixResult result) {
        assertEquals(2, result.rows());
        assertEquals(2, result.columns());
        assertEquals(125, result.durationSeconds(1, 0), 1e-9);
        assertEquals(1500, result.distanceMeters(1, 0), 1e-6);
        assertEquals(0, result.durationSeconds(0, 0));
        assertFalse(result.isRoutable(0, 1), "null cell is unroutable");
        assertTrue(Double.isNaN(result.durationSeconds(0, 1)) && Double.isNaN(result.distanceMeters(0, 1)));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void documentedAnswerWithNullCell(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(200, engine.ok);
        final CallStats stats = new CallStats();
        final MatrixResult result = matrix(service, stats);
        assertMatrix(result);
        assertEquals(1, stats.requests());
        assertEquals(0, stats.retries());
        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertEquals(engine.method, request.method());
        assertTrue(request.uri().startsWith(engine.path), request.uri());
        if (engine == Engine.OSRM || engine == Engine.OPENROUTESERVICE) {
            assertEquals(1.5, result.sourceSnapMeters(0));
            assertEquals(2.25, result.destinationSnapMeters(0));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rateLimitedHonoursRetryAfterSecondsThenAnswers(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(new Answer(429, "{\"message\":\"Too Many Requests\"}", Map.of("Retry-After", "1")), Answer.json(200, engine.ok));
        final CallStats stats = new CallStats();
        final long start = System.nanoTime();
        assertMatrix(matrix(service, stats));
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(2, stats.requests());
        assertEquals(1, stats.retries());
        assertTrue(millis >= 950, "waited " + millis + " ms for Retry-After: 1");
        assertTrue(stats.waitMillis() >= 900, "wait accounted apart from engine time: " + stats.waitMillis());
        assertTrue(stats.engineMillis() < 900, "engine time " + stats.engineMillis());
        assertEquals(CircuitBreaker.State.CLOSED, service.getCircuitState());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void serverErrorBurstIsRetriedThenAnswered(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "4",
                AbstractHttpRoutingEngine.CIRCUIT_WINDOW, "10");
        server.then(Answer.html(500, "<html>error</html>"), Answer.html(502, "<html>bad gateway</html>"),
                Answer.html(503, "<html>unavailable</html>"), Answer.html(504, "<html>gateway timeout</html>"), Answer.json(200, engine.ok));
        final CallStats stats = new CallStats();
        assertMatrix(matrix(service, stats));
        assertEquals(5, stats.requests());
        assertEquals(4, stats.retries());
        assertEquals(5, server.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void serverErrorBurstBeyondTheRetriesIsTransient(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "2");
        server.then(Answer.html(502, "<html>bad gateway</html>"), Answer.html(503, "<html>unavailable</html>"), Answer.html(504, "<html>timeout</html>"));
        final CallStats stats = new CallStats();
        final RoutingException failure = failure(service, stats);
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("504"), failure.getMessage());
        assertEquals(3, stats.requests());
        assertEquals(3, server.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void timeoutBeforeTheHeadersIsRetried(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(Answer.stallBeforeHeaders(2000, engine.ok), Answer.json(200, engine.ok));
        final CallStats stats = new CallStats();
        final long start = System.nanoTime();
        assertMatrix(matrix(service, stats));
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(2, stats.requests());
        assertTrue(millis >= 650 && millis < 1900, "the first attempt timed out after the 700 ms read timeout: " + millis);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void stalledBodyIsCutOffAtTheReadTimeout(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        server.then(Answer.stallInBody(10_000, engine.ok));
        final CallStats stats = new CallStats();
        final long start = System.nanoTime();
        final RoutingException failure = failure(service, stats);
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("stalled"), failure.getMessage());
        assertTrue(millis >= 650 && millis < 3000, "cut off after the 700 ms read timeout, not after the 10 s stall: " + millis);
        assertEquals(1, stats.requests());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void connectionResetIsRetried(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(Answer.reset(), Answer.json(200, engine.ok));
        final CallStats stats = new CallStats();
        assertMatrix(matrix(service, stats));
        assertEquals(2, server.requestCount());
        if (engine.method.equals("GET")) {
            // The JDK client re-sends an idempotent GET once by itself after a reset; then the bundle saw one request.
            assertTrue(stats.requests() == 1 || stats.requests() == 2, "requests " + stats.requests());
        } else {
            assertEquals(2, stats.requests());
            assertEquals(1, stats.retries());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void malformedJsonIsTransient(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        server.then(200, engine.malformed());
        final CallStats stats = new CallStats();
        final RoutingException failure = failure(service, stats);
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("malformed or truncated"), failure.getMessage());
        assertEquals(1, stats.requests());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void truncatedBodyIsRetriedThenAnswered(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(Answer.truncated(engine.ok), Answer.json(200, engine.ok));
        final CallStats stats = new CallStats();
        assertMatrix(matrix(service, stats));
        assertEquals(2, stats.requests());
        assertEquals(1, stats.retries());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void wrongMatrixShapeIsTransient(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        server.then(200, engine.wrongShape);
        final CallStats stats = new CallStats();
        final RoutingException failure = failure(service, stats);
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().matches(".*(rows|columns|entries|cells).*"), failure.getMessage());
        assertEquals(1, stats.requests());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void negativeValueIsTransient(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        server.then(200, engine.ok.replace("125", "-125"));
        final RoutingException failure = failure(service, new CallStats());
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("not a finite non-negative number"), failure.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void engineErrorBodyIsRejectedWithoutRetry(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(engine.errorStatus, engine.errorBody);
        final CallStats stats = new CallStats();
        final RoutingException failure = failure(service, stats);
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains(engine.errorCode), failure.getMessage());
        assertEquals(1, stats.requests());
        assertEquals(1, server.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void proxyErrorPageIsRejectedWithoutRetry(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine);
        server.then(Answer.html(414, "<html><head><title>414 Request-URI Too Large</title></head><body>nginx</body></html>"));
        final CallStats stats = new CallStats();
        final RoutingException failure = failure(service, stats);
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("HTTP 414"), failure.getMessage());
        assertEquals(1, server.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void oversizedBodyIsRejectedWithoutRetry(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RESPONSE_SIZE, "64 KB");
        server.then(Answer.streaming(4L << 20));
        final CallStats streamed = new CallStats();
        RoutingException failure = failure(service, streamed);
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("larger than the maximum of 65536 bytes"), failure.getMessage());
        assertEquals(1, streamed.requests());

        server.then(Answer.declaringLength(1L << 30, engine.ok));
        final CallStats declared = new CallStats();
        failure = failure(service, declared);
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("1073741824 bytes (Content-Length)"), failure.getMessage());
        assertEquals(1, declared.requests());
        assertEquals(2, server.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void circuitOpensStopsCallingProbesAndCloses(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        for (int i = 0; i < 4; i++) {
            server.then(Answer.html(503, "<html>down</html>"));
            assertEquals(RoutingException.Kind.TRANSIENT, failure(service, new CallStats()).kind());
        }
        assertEquals(CircuitBreaker.State.OPEN, service.getCircuitState());
        final int requestsWhenOpened = server.requestCount();
        final CallStats refused = new CallStats();
        final RoutingException open = failure(service, refused);
        assertEquals(RoutingException.Kind.UNAVAILABLE, open.kind());
        assertEquals(0, refused.requests());
        assertEquals(requestsWhenOpened, server.requestCount(), "an open circuit does not call the engine");

        // Half-open: one of the two probes fails (50 %), so it opens again.
        Thread.sleep(350);
        server.then(Answer.html(503, "<html>still down</html>"), Answer.json(200, engine.ok));
        assertEquals(RoutingException.Kind.TRANSIENT, failure(service, new CallStats()).kind());
        assertEquals(CircuitBreaker.State.HALF_OPEN, service.getCircuitState());
        assertMatrix(matrix(service, new CallStats()));
        assertEquals(CircuitBreaker.State.OPEN, service.getCircuitState());

        // Recovered: both probes succeed and it closes.
        Thread.sleep(350);
        server.then(Answer.json(200, engine.ok), Answer.json(200, engine.ok));
        assertMatrix(matrix(service, new CallStats()));
        assertEquals(CircuitBreaker.State.HALF_OPEN, service.getCircuitState());
        assertMatrix(matrix(service, new CallStats()));
        assertEquals(CircuitBreaker.State.CLOSED, service.getCircuitState());
        assertEquals(List.of(CircuitBreaker.StateTransition.CLOSED_TO_OPEN, CircuitBreaker.StateTransition.OPEN_TO_HALF_OPEN,
                CircuitBreaker.StateTransition.HALF_OPEN_TO_OPEN, CircuitBreaker.StateTransition.OPEN_TO_HALF_OPEN,
                CircuitBreaker.StateTransition.HALF_OPEN_TO_CLOSED), transitions);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rejectionsAndRateLimitsDoNotOpenTheCircuit(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        for (int i = 0; i < 6; i++) {
            server.then(engine.errorStatus, engine.errorBody);
            assertEquals(RoutingException.Kind.REJECTED, failure(service, new CallStats()).kind());
            server.then(new Answer(429, "{}", Map.of("Retry-After", "0")));
            assertEquals(RoutingException.Kind.RATE_LIMITED, failure(service, new CallStats()).kind());
        }
        assertEquals(12, server.requestCount());
        assertEquals(CircuitBreaker.State.CLOSED, service.getCircuitState());
        assertTrue(transitions.isEmpty(), transitions.toString());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void retryAfterBeyondTheCapStopsEveryTaskWithoutCallingTheEngine(final Engine engine) throws Exception {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.MAX_RETRY_AFTER, "1 sec");
        server.then(new Answer(429, "{}", Map.of("Retry-After", "120")));
        final CallStats first = new CallStats();
        final RoutingException limited = failure(service, first);
        assertEquals(RoutingException.Kind.RATE_LIMITED, limited.kind());
        assertEquals(120, limited.retryAfter().orElseThrow().toSeconds());
        assertEquals(1, first.requests());

        // Another task, later: the engine asked the client to wait, so the service does not call it and the processor yields.
        final CallStats second = new CallStats();
        final RoutingException gated = CompletableFuture.supplyAsync(() -> failure(service, second)).get(10, TimeUnit.SECONDS);
        assertEquals(RoutingException.Kind.UNAVAILABLE, gated.kind());
        assertTrue(gated.retryAfter().orElseThrow().toSeconds() > 100, gated.getMessage());
        assertEquals(0, second.requests());
        assertEquals(1, server.requestCount());
        assertEquals(CircuitBreaker.State.CLOSED, service.getCircuitState());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void verifyAsksForATwoByTwoMatrix(final Engine engine) {
        final AbstractHttpRoutingEngine service = enable(engine, AbstractHttpRoutingEngine.VERIFY_POINTS, "47.0,8.0;47.1,8.1",
                AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        final MockConfigurationContext context = new MockConfigurationContext(service, configured, runner.getProcessContext().getControllerServiceLookup(), Map.of());

        server.then(200, engine.ok.replace("null", "60"));
        List<ConfigVerificationResult> results = service.verify(context, runner.getLogger(), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, results.get(0).getOutcome(), results.get(0).getExplanation());
        assertTrue(results.get(0).getExplanation().contains("2 x 2"), results.get(0).getExplanation());

        server.then(200, engine.ok);
        results = service.verify(context, runner.getLogger(), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.FAILED, results.get(0).getOutcome());
        assertTrue(results.get(0).getExplanation().contains("no route for p0 -> p1"), results.get(0).getExplanation());

        server.then(engine.errorStatus, engine.errorBody);
        results = service.verify(context, runner.getLogger(), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.FAILED, results.get(0).getOutcome());
        assertTrue(results.get(0).getExplanation().startsWith("REJECTED"), results.get(0).getExplanation());

        final ScriptedHttpServer.Request request = server.requests().get(0);
        assertTrue(request.uri().startsWith(engine.path), request.uri());
        assertEquals(CircuitBreaker.State.CLOSED, service.getCircuitState(), "verify uses its own client, not the service's breaker");
    }
}
