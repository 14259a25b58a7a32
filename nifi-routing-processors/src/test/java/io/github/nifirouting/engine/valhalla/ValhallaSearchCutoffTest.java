package io.github.nifirouting.engine.valhalla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A processor's Max Snap Distance reaches Valhalla as each location's search_cutoff (meters), probes for error 171 included. */
class ValhallaSearchCutoffTest {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final CoordinateBlock SOURCES = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.1}, new double[]{8.0, 8.1});
    private static final CoordinateBlock TARGETS = CoordinateBlock.of(new String[]{"c"}, new double[]{47.2}, new double[]{8.2});
    private static final String ANSWER = "{\"sources_to_targets\":{\"durations\":[[10],[20]],\"distances\":[[1.0],[2.0]]},\"units\":\"kilometers\"}";

    private final ObjectMapper mapper = new ObjectMapper();
    private ScriptedHttpServer server;
    private TestRunner runner;
    private ValhallaRoutingEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(NoopProcessor.class);
        engine = new ValhallaRoutingEngine();
        runner.addControllerService("valhalla", engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        runner.setProperty(engine, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        runner.enableControllerService(engine);
    }

    @AfterEach
    void tearDown() {
        runner.disableControllerService(engine);
        server.close();
    }

    @Test
    void everyLocationCarriesTheMaxSnapDistanceAsSearchCutoff() throws Exception {
        server.then(200, ANSWER).then(200, ANSWER);
        engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.maxSnap(250), new CallStats());
        engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.NONE, new CallStats());
        final JsonNode asked = mapper.readTree(server.requests().get(0).body());
        for (final JsonNode location : new JsonNode[]{asked.get("sources").get(0), asked.get("sources").get(1), asked.get("targets").get(0)}) {
            assertEquals(250.0, location.get("search_cutoff").asDouble(), location.toString());
        }
        final JsonNode plain = mapper.readTree(server.requests().get(1).body());
        assertFalse(plain.toString().contains("search_cutoff"), "without a max snap distance Valhalla's own cutoff applies: " + plain);
    }

    /** Valhalla does not say which point has no road within the cutoff: the probes (each point alone) carry the cutoff too. */
    @Test
    void aPointBeyondTheCutoffGetsNoRoadAndTheProbesCarryTheCutoff() throws Exception {
        final String noEdges = "{\"error_code\":171,\"error\":\"No suitable edges near location\",\"status_code\":400,\"status\":\"Bad Request\"}";
        final String single = "{\"sources_to_targets\":{\"durations\":[[0]],\"distances\":[[0.0]]},\"units\":\"kilometers\"}";
        server.then(400, noEdges)
                .then(200, single).then(400, noEdges).then(200, single)
                .then(200, "{\"sources_to_targets\":{\"durations\":[[10]],\"distances\":[[1.0]]},\"units\":\"kilometers\"}");
        final MatrixResult result = engine.computeMatrix(SOURCES, TARGETS, MatrixOptions.maxSnap(80), new CallStats());
        assertTrue(result.isSourceOffNetwork(1));
        assertFalse(result.isSourceOffNetwork(0) || result.isDestinationOffNetwork(0));
        assertEquals(10.0, result.durationSeconds(0, 0));
        assertEquals(5, server.requestCount());
        for (final ScriptedHttpServer.Request request : server.requests()) {
            assertTrue(request.body().contains("\"search_cutoff\":80.0"), request.body());
        }
    }
}
