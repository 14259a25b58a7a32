package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every score against values computed by hand from a small matrix. */
class ScoreAccessibilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROWS = """
            [{"origin_id":"a","destination_id":"d1","duration_s":120,"status":"OK","floor_area":10,"population":100},
             {"origin_id":"a","destination_id":"d2","duration_s":480,"status":"OK","floor_area":20,"population":100},
             {"origin_id":"a","destination_id":"d3","duration_s":900,"status":"OK","floor_area":30,"population":100},
             {"origin_id":"a","destination_id":"d4","duration_s":null,"status":"UNROUTABLE","floor_area":40,"population":100},
             {"origin_id":"b","destination_id":"d1","duration_s":700,"status":"OK","floor_area":10,"population":50},
             {"origin_id":"b","destination_id":"d2","duration_s":60,"status":"OK","floor_area":20,"population":50},
             {"origin_id":"b","destination_id":"d3","duration_s":null,"status":"UNROUTABLE","floor_area":30,"population":50}]
            """;

    private TestRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        runner = TestRunners.newTestRunner(ScoreAccessibility.class);
        final JsonTreeReader reader = new JsonTreeReader();
        runner.addControllerService("json-reader", reader);
        runner.enableControllerService(reader);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ScoreAccessibility.RECORD_READER, "json-reader");
        runner.setProperty(ScoreAccessibility.RECORD_WRITER, "json-writer");
        runner.setProperty(ScoreAccessibility.DESTINATION_WEIGHT_FIELD, "floor_area");
        runner.setProperty(ScoreAccessibility.NEAREST_K, "2");
    }

    private Map<String, JsonNode> score() throws Exception {
        runner.enqueue(ROWS);
        runner.run();
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        final MockFlowFile out = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS).get(0);
        final Map<String, JsonNode> byOrigin = new HashMap<>();
        JSON.readTree(out.getContent()).forEach(record -> byOrigin.put(record.get("origin_id").asText(), record));
        return byOrigin;
    }

    @Test
    void cumulativeOpportunitiesGravityAndNearest() throws Exception {
        assertHandComputed(score());
    }

    /** The values of {@link #ROWS} with thresholds 5/10/15 min, exponential decay 0.1/min, destination weight floor_area, k = 2. */
    static void assertHandComputed(final Map<String, JsonNode> scores) {
        final JsonNode a = scores.get("a");
        assertEquals(1, a.get("count_5min").asLong());
        assertEquals(10.0, a.get("weight_5min").asDouble());
        assertEquals(2, a.get("count_10min").asLong());
        assertEquals(30.0, a.get("weight_10min").asDouble());
        assertEquals(3, a.get("count_15min").asLong(), "900 s is within 15 min; the unroutable d4 never counts");
        assertEquals(60.0, a.get("weight_15min").asDouble());
        // 10 e^-0.2 + 20 e^-0.8 + 30 e^-1.5
        assertEquals(23.86779162, a.get("gravity").asDouble(), 1e-6);
        assertEquals("d1", a.get("nearest_1_id").asText());
        assertEquals(120.0, a.get("nearest_1_s").asDouble());
        assertEquals("d2", a.get("nearest_2_id").asText());
        assertEquals(480.0, a.get("nearest_2_s").asDouble());

        final JsonNode b = scores.get("b");
        assertEquals(1, b.get("count_5min").asLong());
        assertEquals(20.0, b.get("weight_5min").asDouble());
        assertEquals(1, b.get("count_10min").asLong());
        assertEquals(2, b.get("count_15min").asLong());
        assertEquals(30.0, b.get("weight_15min").asDouble());
        // 10 e^-(700/600) + 20 e^-0.1
        assertEquals(10 * Math.exp(-700.0 / 600) + 20 * Math.exp(-0.1), b.get("gravity").asDouble(), 1e-9);
        assertEquals("d2", b.get("nearest_1_id").asText());
        assertEquals("d1", b.get("nearest_2_id").asText());
    }

    @Test
    void powerDecay() throws Exception {
        runner.setProperty(ScoreAccessibility.DECAY, "power");
        runner.setProperty(ScoreAccessibility.BETA, "2");
        // a: 10 x 2^-2 + 20 x 8^-2 + 30 x 15^-2
        assertEquals(2.5 + 0.3125 + 30.0 / 225, score().get("a").get("gravity").asDouble(), 1e-9);
    }

    @Test
    void twoStepFloatingCatchmentArea() throws Exception {
        runner.setProperty(ScoreAccessibility.ORIGIN_WEIGHT_FIELD, "population");
        runner.setProperty(ScoreAccessibility.TWO_STEP_CATCHMENT, "10 min");
        final Map<String, JsonNode> scores = score();
        // Step 1 (catchment 600 s): R_d1 = 10 / 100 (only a), R_d2 = 20 / (100 + 50), R_d3 = 30 / 0 -> 0.
        // Step 2: A_a = R_d1 + R_d2 = 0.1 + 0.13333; A_b = R_d2 = 0.13333.
        assertEquals(0.1 + 20.0 / 150, scores.get("a").get("access_2sfca").asDouble(), 1e-12);
        assertEquals(20.0 / 150, scores.get("b").get("access_2sfca").asDouble(), 1e-12);
    }

    @Test
    void badRowsGoToFailureWithTheirPosition() {
        runner.enqueue("""
                [{"origin_id":"a","destination_id":"d1","duration_s":120,"status":"OK","floor_area":10},
                 {"origin_id":"a","destination_id":"d2","duration_s":-5,"status":"OK","floor_area":10}]
                """);
        runner.run();
        runner.assertAllFlowFilesTransferred(ScoreAccessibility.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).get(0);
        failed.assertAttributeEquals("score.error.row.index", "1");
        assertTrue(failed.getAttribute("score.error").contains("non-negative"));

        runner.clearTransferState();
        runner.enqueue("[{\"destination_id\":\"d1\",\"duration_s\":120,\"status\":\"OK\",\"floor_area\":1}]");
        runner.run();
        runner.assertAllFlowFilesTransferred(ScoreAccessibility.REL_FAILURE, 1);
        assertTrue(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).get(0).getAttribute("score.error").contains("origin_id"));
    }
}
