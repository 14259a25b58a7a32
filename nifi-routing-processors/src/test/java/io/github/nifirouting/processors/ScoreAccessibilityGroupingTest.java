package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows of one origin arriving in several tiles, as InvokeRoutingMatrix writes them: the chunk is scored once all its
 * destination blocks arrived, with the same hand-computed values as when every row is in one FlowFile
 * ({@link ScoreAccessibilityTest}); waiting is never a failure, memory bounds by back-pressure, duplicate and bad tiles
 * and tiles that failed upstream go to failure, and nothing is lost.
 */
class ScoreAccessibilityGroupingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Origins a and b (origin chunk 0) against destination block 0 = {d1, d2}. */
    private static final String CHUNK0_BLOCK0 = """
            [{"origin_id":"a","destination_id":"d1","duration_s":120,"status":"OK","floor_area":10,"population":100},
             {"origin_id":"a","destination_id":"d2","duration_s":480,"status":"OK","floor_area":20,"population":100},
             {"origin_id":"b","destination_id":"d1","duration_s":700,"status":"OK","floor_area":10,"population":50},
             {"origin_id":"b","destination_id":"d2","duration_s":60,"status":"OK","floor_area":20,"population":50}]
            """;
    /** Origin chunk 0 against destination block 1 = {d3, d4}. */
    private static final String CHUNK0_BLOCK1 = """
            [{"origin_id":"a","destination_id":"d3","duration_s":900,"status":"OK","floor_area":30,"population":100},
             {"origin_id":"a","destination_id":"d4","duration_s":null,"status":"UNROUTABLE","floor_area":40,"population":100},
             {"origin_id":"b","destination_id":"d3","duration_s":null,"status":"UNROUTABLE","floor_area":30,"population":50}]
            """;

    @TempDir
    Path stateDirectory;

    private TestRunner runner;
    private boolean initialized;

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

    /** A tile of origin chunk {@code originBlock} x destination block {@code destinationBlock} of a 1 x 2 (or 2 x 2) run. */
    private static Map<String, String> tile(final String run, final int originBlock, final int originBlocks, final int destinationBlock) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put("fragment.identifier", run);
        attributes.put("fragment.index", String.valueOf(originBlock * 2 + destinationBlock));
        attributes.put("fragment.count", String.valueOf(originBlocks * 2));
        attributes.put(TileAttributes.ORIGIN_BLOCK_INDEX, String.valueOf(originBlock));
        attributes.put(TileAttributes.ORIGIN_BLOCK_COUNT, String.valueOf(originBlocks));
        attributes.put(TileAttributes.DESTINATION_BLOCK_INDEX, String.valueOf(destinationBlock));
        attributes.put(TileAttributes.DESTINATION_BLOCK_COUNT, "2");
        return attributes;
    }

    /** Rows as JSON lines (the JSON reader takes one object per line). */
    private static String row(final String origin, final String destination, final String seconds, final double floorArea, final double population) {
        return "{\"origin_id\":\"" + origin + "\",\"destination_id\":\"" + destination + "\",\"duration_s\":" + seconds + ",\"status\":\""
                + (seconds == null ? "UNROUTABLE" : "OK") + "\",\"floor_area\":" + floorArea + ",\"population\":" + population + "}\n";
    }

    /** Runs once without stopping the processor (stopping hands held tiles back to the queue). */
    private void trigger() {
        runner.run(1, false, !initialized);
        initialized = true;
    }

    private static Map<String, JsonNode> byOrigin(final List<MockFlowFile> outputs) throws Exception {
        final Map<String, JsonNode> byOrigin = new HashMap<>();
        for (final MockFlowFile out : outputs) {
            JSON.readTree(out.getContent()).forEach(record -> byOrigin.put(record.get("origin_id").asText(), record));
        }
        return byOrigin;
    }

    @Test
    void tilesOfAnOriginChunkAreHeldUntilEveryDestinationBlockArrivedThenScoredTogether() throws Exception {
        runner.enqueue(CHUNK0_BLOCK1, tile("run-1", 0, 1, 1));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 0);
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        runner.assertQueueEmpty();

        runner.enqueue(CHUNK0_BLOCK0, tile("run-1", 0, 1, 0));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        runner.assertTransferCount(ScoreAccessibility.REL_ORIGINAL, 2);
        final MockFlowFile out = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS).get(0);
        out.assertAttributeEquals("record.count", "2");
        out.assertAttributeEquals("score.rows", "7");
        out.assertAttributeEquals("score.tiles", "2");
        out.assertAttributeEquals("fragment.identifier", "run-1");
        out.assertAttributeEquals("fragment.index", "0");
        out.assertAttributeEquals("fragment.count", "1");
        out.assertAttributeNotExists(TileAttributes.DESTINATION_BLOCK_INDEX);
        ScoreAccessibilityTest.assertHandComputed(byOrigin(List.of(out)));
        assertEquals(2, runner.getCounterValue("Origins scored").intValue());
    }

    @Test
    void twoStepCatchmentHoldsTheRunAndScoresEachOriginChunkInASecondPass() throws Exception {
        runner.setProperty(ScoreAccessibility.ORIGIN_WEIGHT_FIELD, "population");
        runner.setProperty(ScoreAccessibility.TWO_STEP_CATCHMENT, "10 min");
        runner.setProperty(ScoreAccessibility.TWO_STEP_STATE_DIRECTORY, stateDirectory.toString());
        // Origin chunk 0 = {a}, chunk 1 = {b}, each against destination blocks {d1, d2} and {d3, d4}: 4 tiles, out of order.
        runner.enqueue(row("b", "d1", "700", 10, 50) + row("b", "d2", "60", 20, 50), tile("run-2", 1, 2, 0));
        runner.enqueue(row("a", "d3", "900", 30, 100) + row("a", "d4", null, 40, 100), tile("run-2", 0, 2, 1));
        runner.enqueue(row("a", "d1", "120", 10, 100) + row("a", "d2", "480", 20, 100), tile("run-2", 0, 2, 0));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 0);
        assertEquals(3, runner.getQueueSize().getObjectCount(), "counted tiles wait in the queue, not in a session");
        runner.enqueue(row("b", "d3", null, 30, 50), tile("run-2", 1, 2, 1));
        trigger(); // the last tile fixes the ratios; the waiting tiles are scored as they come back
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        runner.assertTransferCount(ScoreAccessibility.REL_ORIGINAL, 4);
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 2);
        final List<MockFlowFile> outputs = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS);
        assertEquals(java.util.Set.of("0", "1"), outputs.stream().map(out -> out.getAttribute("fragment.index")).collect(java.util.stream.Collectors.toSet()),
                "one output per origin chunk, in the order the chunks completed");
        outputs.forEach(out -> out.assertAttributeEquals("fragment.count", "2"));
        final Map<String, JsonNode> scores = byOrigin(outputs);
        // Step 1 (catchment 600 s): R_d1 = 10 / 100 (only a), R_d2 = 20 / (100 + 50), R_d3 = 30 / 0 -> 0.
        // Step 2: A_a = R_d1 + R_d2; A_b = R_d2.
        assertEquals(0.1 + 20.0 / 150, scores.get("a").get("access_2sfca").asDouble(), 1e-12);
        assertEquals(20.0 / 150, scores.get("b").get("access_2sfca").asDouble(), 1e-12);
        assertEquals(3, scores.get("a").get("count_15min").asLong(), "the other scores come from the second pass");
        try (var files = Files.list(stateDirectory.resolve(runner.getProcessor().getIdentifier()))) {
            assertEquals(0, files.count(), "the run's state file is deleted once every tile is done");
        }
    }

    @Test
    void theTwoStepFirstPassSurvivesAStopAndADuplicateIsNotCounted() throws Exception {
        runner.setProperty(ScoreAccessibility.ORIGIN_WEIGHT_FIELD, "population");
        runner.setProperty(ScoreAccessibility.TWO_STEP_CATCHMENT, "10 min");
        runner.setProperty(ScoreAccessibility.TWO_STEP_STATE_DIRECTORY, stateDirectory.toString());
        runner.enqueue(row("b", "d1", "700", 10, 50) + row("b", "d2", "60", 20, 50), tile("run-11", 1, 2, 0));
        runner.enqueue(row("a", "d3", "900", 30, 100) + row("a", "d4", null, 40, 100), tile("run-11", 0, 2, 1));
        trigger();
        runner.run(1, true, false); // NiFi stops the processor: the in-memory state is dropped, the file stays
        runner.enqueue(row("b", "d1", "700", 10, 50) + row("b", "d2", "60", 20, 50), tile("run-11", 1, 2, 0)); // replayed copy
        runner.enqueue(row("a", "d1", "120", 10, 100) + row("a", "d2", "480", 20, 100), tile("run-11", 0, 2, 0));
        runner.enqueue(row("b", "d3", null, 30, 50), tile("run-11", 1, 2, 1));
        for (int i = 0; i < 3; i++) {
            trigger();
        }
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 1);
        assertTrue(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).get(0).getAttribute("score.error")
                .contains("duplicate tile 2 of run run-11"));
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 2);
        final Map<String, JsonNode> scores = byOrigin(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS));
        assertEquals(0.1 + 20.0 / 150, scores.get("a").get("access_2sfca").asDouble(), 1e-12);
        assertEquals(20.0 / 150, scores.get("b").get("access_2sfca").asDouble(), 1e-12);
    }

    @Test
    void aChunkWaitingLongerThanTheStallWarningStaysOpenAndIsScoredWhenItsTileArrives() throws Exception {
        runner.setProperty(ScoreAccessibility.STALLED_CHUNK_WARNING, "50 ms");
        runner.enqueue(CHUNK0_BLOCK1, tile("run-3", 0, 1, 1));
        trigger();
        Thread.sleep(100); // block 0 is in retry upstream, or behind an open circuit, for longer than the warning
        trigger();
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 0);
        final List<String> warnings = runner.getLogger().getWarnMessages().stream().map(m -> m.getMsg()).toList();
        assertEquals(1, warnings.stream().filter(w -> w.contains("origin chunk 0 of run run-3 has had no new tile")
                && w.contains("1 of 2 destination blocks arrived (missing 0)")).count(), "one warning per quiet spell: " + warnings);

        runner.enqueue(CHUNK0_BLOCK0, tile("run-3", 0, 1, 0));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        ScoreAccessibilityTest.assertHandComputed(byOrigin(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS)));
    }

    @Test
    void aTileThatFailedUpstreamFailsItsChunkAtOnceWithTheReason() {
        runner.enqueue(CHUNK0_BLOCK1, tile("run-9", 0, 1, 1));
        trigger();
        final Map<String, String> failedTile = tile("run-9", 0, 1, 0);
        failedTile.put("routing.error.kind", "RETRIES_EXHAUSTED");
        failedTile.put("routing.error", "gave up after 30 retries");
        runner.enqueue("id,latitude,longitude\n", failedTile);
        trigger();
        runner.assertAllFlowFilesTransferred(ScoreAccessibility.REL_FAILURE, 2);
        for (final MockFlowFile failed : runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE)) {
            assertTrue(failed.getAttribute("score.error").contains("origin chunk 0 of run run-9 not scored: tile 0 failed upstream "
                    + "(RETRIES_EXHAUSTED: gave up after 30 retries)"), failed.getAttribute("score.error"));
        }
    }

    @Test
    void rowsThatWentThroughRetryCarryAStaleErrorKindAndAreStillScored() throws Exception {
        final Map<String, String> retried = tile("run-10", 0, 1, 0);
        retried.put("routing.error.kind", "TRANSIENT");
        retried.put("routing.engine", "osrm");
        runner.enqueue(CHUNK0_BLOCK0, retried);
        runner.enqueue(CHUNK0_BLOCK1, tile("run-10", 0, 1, 1));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        ScoreAccessibilityTest.assertHandComputed(byOrigin(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS)));
    }

    @Test
    void aBadRowFailsItsWholeChunkWithThePosition() {
        runner.enqueue(CHUNK0_BLOCK0, tile("run-4", 0, 1, 0));
        trigger();
        runner.enqueue("[{\"origin_id\":\"a\",\"destination_id\":\"d3\",\"duration_s\":900,\"status\":\"OK\",\"floor_area\":30},"
                + "{\"origin_id\":\"a\",\"destination_id\":\"d4\",\"duration_s\":-1,\"status\":\"OK\",\"floor_area\":40}]", tile("run-4", 0, 1, 1));
        trigger();
        runner.assertAllFlowFilesTransferred(ScoreAccessibility.REL_FAILURE, 2);
        final MockFlowFile bad = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).stream()
                .filter(f -> f.getAttribute("score.error.row.index") != null).findFirst().orElseThrow();
        bad.assertAttributeEquals("score.error.row.index", "1");
        bad.assertAttributeEquals(TileAttributes.DESTINATION_BLOCK_INDEX, "1");
        final MockFlowFile held = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).stream()
                .filter(f -> f.getAttribute("score.error.row.index") == null).findFirst().orElseThrow();
        assertTrue(held.getAttribute("score.error").contains("not scored: tile 1 has a bad row"), held.getAttribute("score.error"));
    }

    @Test
    void aDuplicateTileIsNotCountedTwice() throws Exception {
        runner.enqueue(CHUNK0_BLOCK0, tile("run-5", 0, 1, 0));
        runner.enqueue(CHUNK0_BLOCK0, tile("run-5", 0, 1, 0));
        runner.enqueue(CHUNK0_BLOCK1, tile("run-5", 0, 1, 1));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 1);
        assertTrue(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).get(0).getAttribute("score.error").contains("duplicate tile 0"));
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        ScoreAccessibilityTest.assertHandComputed(byOrigin(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS)));
    }

    @Test
    void atMaxHeldBytesTilesOfNewChunksWaitInTheQueueWhileOpenChunksComplete() throws Exception {
        runner.setProperty(ScoreAccessibility.MAX_HELD_BYTES, "1 B");
        runner.enqueue(CHUNK0_BLOCK0, tile("run-6", 0, 2, 0));
        trigger(); // chunk 0 is open: the bound is reached
        final String chunk1 = CHUNK0_BLOCK0.replace("\"a\"", "\"c\"").replace("\"b\"", "\"e\"");
        runner.enqueue(chunk1, tile("run-6", 1, 2, 0));
        runner.enqueue(CHUNK0_BLOCK1, tile("run-6", 0, 2, 1));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        assertEquals(1, runner.getQueueSize().getObjectCount(), "the tile of the new chunk waited in the queue");
        ScoreAccessibilityTest.assertHandComputed(byOrigin(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS)));

        trigger(); // chunk 0 is done, memory is free: chunk 1 opens
        assertEquals(0, runner.getQueueSize().getObjectCount());
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
    }

    @Test
    void stoppingHandsHeldTilesBackToTheQueue() {
        runner.enqueue(CHUNK0_BLOCK0, tile("run-7", 0, 1, 0));
        trigger();
        runner.assertQueueEmpty();
        runner.run(1, true, false); // nothing new to take; the processor stops
        assertEquals(1, runner.getQueueSize().getObjectCount(), "the held tile is back in the queue, not lost");
        runner.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 0);
    }

    @Test
    void withGroupingEachFlowFileATileIsScoredOnItsOwn() {
        runner.setProperty(ScoreAccessibility.GROUPING, ScoreGrouping.FLOWFILE.getValue());
        runner.enqueue(CHUNK0_BLOCK0, tile("run-8", 0, 1, 0));
        trigger();
        runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        runner.assertTransferCount(ScoreAccessibility.REL_ORIGINAL, 1);
    }
}
