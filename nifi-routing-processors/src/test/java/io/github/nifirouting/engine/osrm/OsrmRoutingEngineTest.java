package io.github.nifirouting.engine.osrm;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import io.github.nifirouting.testsupport.FakeOsrmServer.Fault;
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
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OsrmRoutingEngineTest {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final CoordinateBlock SOURCES = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.01}, new double[]{8.0, 8.0});
    private static final CoordinateBlock DESTINATIONS = CoordinateBlock.of(new String[]{"c", "d", "far"},
            new double[]{47.0, 47.02, 61.0}, new double[]{8.01, 8.0, 8.0});

    private FakeOsrmServer server;
    private TestRunner runner;
    private OsrmRoutingEngine engine;
    private final Map<PropertyDescriptor, String> properties = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        server = new FakeOsrmServer(42);
        runner = TestRunners.newTestRunner(NoopProcessor.class);
        engine = new OsrmRoutingEngine();
        runner.addControllerService("osrm", engine);
        set(AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        set(AbstractHttpRoutingEngine.READ_TIMEOUT, "1 sec");
        set(AbstractHttpRoutingEngine.INITIAL_BACKOFF, "10 ms");
        set(AbstractHttpRoutingEngine.MAX_BACKOFF, "50 ms");
        set(AbstractHttpRoutingEngine.MAX_RETRY_AFTER, "2 sec");
        set(AbstractHttpRoutingEngine.CIRCUIT_OPEN_DURATION, "500 ms");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private void set(final PropertyDescriptor property, final String value) {
        properties.put(property, value);
        runner.setProperty(engine, property, value);
    }

    private MatrixResult matrix(final CallStats stats) throws RoutingException {
        return engine.computeMatrix(SOURCES, DESTINATIONS, stats);
    }

    @Test
    void readsDurationsDistancesNullCellsAndSnaps() throws Exception {
        runner.enableControllerService(engine);
        final CallStats stats = new CallStats();
        final MatrixResult result = matrix(stats);
        assertEquals(2, result.rows());
        assertEquals(3, result.columns());
        assertEquals(FakeOsrmServer.durationSeconds(47.01, 8.0, 47.02, 8.0), result.durationSeconds(1, 1), 0.06);
        assertEquals(FakeOsrmServer.distanceMeters(47.0, 8.0, 47.0, 8.01), result.distanceMeters(0, 0), 0.06);
        assertFalse(result.isRoutable(0, 2), "null cell");
        assertTrue(Double.isNaN(result.distanceMeters(1, 2)));
        assertEquals(0.5, result.sourceSnapMeters(1));
        assertEquals(0.5, result.destinationSnapMeters(2));
        assertEquals(1, stats.requests());
        assertEquals(0, stats.retries());
    }

    @Test
    void limitsFollowMaxTableSizeAndUrlLength() {
        set(OsrmRoutingEngine.MAX_TABLE_SIZE, "100");
        set(OsrmRoutingEngine.MAX_URL_LENGTH, "8000");
        runner.enableControllerService(engine);
        final MatrixLimits limits = engine.getMatrixLimits();
        assertEquals(10_000, limits.maxElements());
        assertTrue(limits.fits(100, 100), "a full 100 x 100 table fits in 8000 characters");
        assertFalse(limits.fits(1, 10_000), "but 10,000 coordinates do not fit in a GET URL");
    }

    @Test
    void rateLimitedAndServerErrorsAreRetriedThenAnswered() throws Exception {
        server.retryAfterSeconds(1).script(Fault.RATE_LIMITED, Fault.SERVER_ERROR, Fault.SERVER_ERROR);
        runner.enableControllerService(engine);
        final CallStats stats = new CallStats();
        final long start = System.nanoTime();
        matrix(stats);
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(4, stats.requests());
        assertEquals(3, stats.retries());
        assertTrue(millis >= 1000, "Retry-After: 1 was honoured, took " + millis + " ms");
    }

    @Test
    void brokenAnswersAreTransientAndExhaustRetries() {
        set(AbstractHttpRoutingEngine.MAX_RETRIES, "3");
        server.script(Fault.MALFORMED, Fault.TRUNCATED, Fault.WRONG_SHAPE, Fault.SLOW);
        server.slowMillis(1500);
        runner.enableControllerService(engine);
        final CallStats stats = new CallStats();
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(stats));
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(stats.requests() >= 4, "4 attempts (the JDK client may add its own retry after a reset): " + stats.requests());
        assertEquals(3, stats.retries());
    }

    @Test
    void tooBigIsRejectedWithoutRetry() {
        set(OsrmRoutingEngine.MAX_TABLE_SIZE, "100");
        server.maxTableSize(2);
        runner.enableControllerService(engine);
        final CallStats stats = new CallStats();
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(stats));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("TooBig"), failure.getMessage());
        assertEquals(1, stats.requests());
    }

    @Test
    void oversizedResponsesAreRejected() {
        set(AbstractHttpRoutingEngine.MAX_RESPONSE_SIZE, "200 B");
        runner.enableControllerService(engine);
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(new CallStats()));
        assertEquals(RoutingException.Kind.REJECTED, failure.kind());
        assertTrue(failure.getMessage().contains("larger than the maximum"), failure.getMessage());
    }

    @Test
    void retryAfterBeyondTheCapHandsBackAtOnce() {
        set(AbstractHttpRoutingEngine.MAX_RETRY_AFTER, "1 sec");
        server.retryAfterSeconds(120).script(Fault.RATE_LIMITED);
        runner.enableControllerService(engine);
        final CallStats stats = new CallStats();
        final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(stats));
        assertEquals(RoutingException.Kind.RATE_LIMITED, failure.kind());
        assertEquals(120, failure.retryAfter().orElseThrow().toSeconds());
        assertEquals(1, stats.requests());
    }

    @Test
    void circuitOpensUnderAnOutageStopsCallingAndRecovers() throws Exception {
        set(AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        set(AbstractHttpRoutingEngine.CIRCUIT_WINDOW, "4");
        runner.enableControllerService(engine);
        server.setDown(true);
        final List<CircuitBreaker.State> states = new ArrayList<>();
        int unavailable = 0;
        for (int i = 0; i < 10; i++) {
            final RoutingException failure = assertThrows(RoutingException.class, () -> matrix(new CallStats()));
            if (failure.kind() == RoutingException.Kind.UNAVAILABLE) {
                unavailable++;
            }
        }
        final long requestsWhileDown = server.requests();
        assertEquals(6, unavailable, "after 4 failed calls the circuit is open and the next 6 calls never reach the engine");
        assertTrue(requestsWhileDown <= 8, "the JDK client retries a reset GET once at most: " + requestsWhileDown);
        final CircuitBreaker breaker = engine.getCircuitBreaker();
        assertEquals(CircuitBreaker.State.OPEN, breaker.getState());
        states.add(breaker.getState());

        server.setDown(false);
        Thread.sleep(600);
        matrix(new CallStats());
        states.add(breaker.getState());
        matrix(new CallStats());
        states.add(breaker.getState());
        assertEquals(List.of(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.CLOSED), states);
    }

    @Test
    void fourConcurrentTasksShareOneRateLimit() throws Exception {
        set(AbstractHttpRoutingEngine.RATE_LIMIT, "10");
        set(AbstractHttpRoutingEngine.RATE_LIMIT_PERIOD, "500 ms");
        set(AbstractHttpRoutingEngine.READ_TIMEOUT, "10 sec");
        // Timed from before enabling: the limiter's periods start when it is created, so a slow enable cannot shorten them.
        final long start = System.nanoTime();
        runner.enableControllerService(engine);
        final ExecutorService tasks = Executors.newFixedThreadPool(4);
        final List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(tasks.submit(() -> {
                for (int i = 0; i < 15; i++) {
                    matrix(new CallStats());
                }
                return null;
            }));
        }
        for (final Future<?> future : futures) {
            future.get(60, TimeUnit.SECONDS);
        }
        tasks.shutdown();
        final double seconds = (System.nanoTime() - start) / 1e9;
        // A token bucket: the first 10 pass at once, the other 50 need 5 more periods of 500 ms.
        final double steadyRate = (server.requests() - 10) / seconds;
        System.out.printf("rate limiter: %d requests by 4 tasks in %.2f s; beyond the initial burst of 10: %.1f requests/s (limit 20/s)%n",
                server.requests(), seconds, steadyRate);
        assertEquals(60, server.requests());
        assertTrue(seconds >= 2.4, "took only " + seconds + " s");
        assertTrue(steadyRate <= 20.0, "rate " + steadyRate);
    }

    @Test
    void verifyRequestsATwoByTwoMatrix() {
        set(AbstractHttpRoutingEngine.VERIFY_POINTS, "47.0,8.0;47.01,8.01");
        final MockConfigurationContext context = new MockConfigurationContext(engine, properties, runner.getProcessContext().getControllerServiceLookup(), Map.of());
        final List<ConfigVerificationResult> results = engine.verify(context, runner.getLogger(), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, results.get(0).getOutcome(), results.get(0).getExplanation());
        assertTrue(results.get(0).getExplanation().contains("2 x 2"), results.get(0).getExplanation());

        server.setDown(true);
        final List<ConfigVerificationResult> down = engine.verify(context, runner.getLogger(), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.FAILED, down.get(0).getOutcome());
    }
}
