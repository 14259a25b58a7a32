package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.coordinates.RecordFileCoordinateSet;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InvokeRoutingMatrixTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestRunner runner;
    private HaversineTestEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        runner = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        engine = new HaversineTestEngine();
        runner.addControllerService("engine", engine);
        runner.enableControllerService(engine);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final JsonTreeReader json = new JsonTreeReader();
        runner.addControllerService("json-reader", json);
        runner.enableControllerService(json);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "engine");
        runner.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        runner.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "json-writer");
    }

    private static JsonNode rows(final MockFlowFile flowFile) throws IOException {
        return JSON.readTree(flowFile.getContent());
    }

    private Map<String, JsonNode> rowsByPair() throws IOException {
        final Map<String, JsonNode> byPair = new HashMap<>();
        for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS)) {
            for (final JsonNode row : rows(flowFile)) {
                final String pair = row.get(MatrixRowFields.ORIGIN_ID).asText() + ">" + row.get(MatrixRowFields.DESTINATION_ID).asText();
                assertTrue(byPair.put(pair, row) == null, "pair written twice: " + pair);
            }
        }
        return byPair;
    }

    @Test
    void plainRecordsAreRoutedAmongThemselvesWithEveryPairOnce() throws IOException {
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\nb,47.01,8.0\nc,47.0,8.01\n");
        runner.run();
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        runner.assertTransferCount(InvokeRoutingMatrix.REL_ORIGINAL, 1);
        final Map<String, JsonNode> rows = rowsByPair();
        assertEquals(9, rows.size());
        final JsonNode ab = rows.get("a>b");
        assertEquals(FakeOsrmServer.durationSeconds(47.0, 8.0, 47.01, 8.0), ab.get(MatrixRowFields.DURATION_S).asDouble(), 1e-9);
        assertEquals(0.0, rows.get("a>a").get(MatrixRowFields.DURATION_S).asDouble());
        assertEquals(MatrixRowFields.STATUS_OK, ab.get(MatrixRowFields.STATUS).asText());
        final MockFlowFile out = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0);
        out.assertAttributeEquals("record.count", "9");
        out.assertAttributeEquals("routing.pairs.ok", "9");
        out.assertAttributeEquals("routing.requests", "1");
        out.assertAttributeEquals("routing.engine", "haversine-test");
    }

    @Test
    void tilesLargerThanTheEngineLimitAreSplitIntoRequests() throws IOException {
        engine.limits(MatrixLimits.ofElements(4));
        final StringBuilder csv = new StringBuilder("id,latitude,longitude\n");
        for (int i = 0; i < 5; i++) {
            csv.append("p").append(i).append(',').append(47 + i * 0.01).append(",8.0\n");
        }
        runner.enqueue(csv.toString());
        runner.run();
        // 5 x 5 with at most 4 cells per request: origin blocks of 4 (1 destination each) -> 2 x 5 = 10 requests
        final MockFlowFile out = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0);
        out.assertAttributeEquals("routing.requests", "10");
        assertEquals(10, engine.calls());
        final Map<String, JsonNode> rows = rowsByPair();
        assertEquals(25, rows.size());
        assertEquals(FakeOsrmServer.durationSeconds(47.04, 8.0, 47.01, 8.0), rows.get("p4>p1").get(MatrixRowFields.DURATION_S).asDouble(), 1e-9);
    }

    @Test
    void unroutableSnappedTooFarAndInvalidPairsAreKeptWithAStatus() throws IOException {
        engine.snapMeters(120);
        runner.setProperty(InvokeRoutingMatrix.MAX_SNAP_DISTANCE, "500");
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\nisland1,47.2,8.2\nbroken,95,8.0\n");
        runner.run();
        final Map<String, JsonNode> rows = rowsByPair();
        assertEquals(9, rows.size(), "3 x 3 pairs, including the record without a valid point");
        assertEquals(MatrixRowFields.STATUS_UNROUTABLE, rows.get("a>island1").get(MatrixRowFields.STATUS).asText());
        assertTrue(rows.get("a>island1").get(MatrixRowFields.DURATION_S).isNull());
        assertEquals(MatrixRowFields.STATUS_OK, rows.get("island1>island1").get(MatrixRowFields.STATUS).asText());
        assertEquals(MatrixRowFields.STATUS_INVALID_COORDINATE, rows.get("broken>a").get(MatrixRowFields.STATUS).asText());
        assertEquals(MatrixRowFields.STATUS_INVALID_COORDINATE, rows.get("a>broken").get(MatrixRowFields.STATUS).asText());
        assertEquals(120.0, rows.get("a>a").get(MatrixRowFields.ORIGIN_SNAP_M).asDouble());
        final MockFlowFile out = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0);
        out.assertAttributeEquals("routing.pairs.ok", "2");
        out.assertAttributeEquals("routing.pairs.unroutable", "2");
        out.assertAttributeEquals("routing.pairs.invalid", "5");

        runner.clearTransferState();
        runner.setProperty(InvokeRoutingMatrix.MAX_SNAP_DISTANCE, "100");
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\nb,47.01,8.0\n");
        runner.run();
        for (final JsonNode row : rowsByPair().values()) {
            assertEquals(MatrixRowFields.STATUS_SNAPPED_TOO_FAR, row.get(MatrixRowFields.STATUS).asText());
            assertTrue(row.get(MatrixRowFields.DURATION_S).isNull());
        }
    }

    @Test
    void allPairsTilesUseTheRoleField() throws IOException {
        runner.setProperty(InvokeRoutingMatrix.RECORD_READER, "json-reader");
        runner.enqueue("""
                [{"id":"a","latitude":47.0,"longitude":8.0,"od_role":"origin"},
                 {"id":"b","latitude":47.01,"longitude":8.0,"od_role":"origin"},
                 {"id":"c","latitude":47.02,"longitude":8.0,"od_role":"destination"}]
                """, Map.of(TileAttributes.MODE, TileAttributes.MODE_ALL_PAIRS));
        runner.run();
        assertEquals(Set.of("a>c", "b>c"), rowsByPair().keySet());
    }

    @Test
    void coordinateSetTilesUseTheSliceAndRefuseAReloadedSet(@TempDir final Path dir) throws Exception {
        final Path competitors = dir.resolve("competitors.csv");
        Files.writeString(competitors, "id,latitude,longitude\nc0,47.0,8.0\nc1,47.01,8.0\nc2,47.02,8.0\n");
        final RecordFileCoordinateSet set = new RecordFileCoordinateSet();
        runner.addControllerService("competitors", set);
        runner.setProperty(set, RecordFileCoordinateSet.FILE_PATH, competitors.toString());
        runner.setProperty(set, RecordFileCoordinateSet.RECORD_READER, "csv");
        runner.enableControllerService(set);
        runner.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
        final String version = set.getCoordinateSet().version();
        runner.enqueue("id,latitude,longitude\na,47.0,8.01\n", Map.of(TileAttributes.MODE, TileAttributes.MODE_COORDINATE_SET,
                TileAttributes.DESTINATION_OFFSET, "1", TileAttributes.DESTINATION_SIZE, "2",
                TileAttributes.DESTINATION_SET_ID, "competitors", TileAttributes.DESTINATION_SET_VERSION, version));
        runner.run();
        assertEquals(Set.of("a>c1", "a>c2"), rowsByPair().keySet());

        runner.clearTransferState();
        runner.enqueue("id,latitude,longitude\na,47.0,8.01\n", Map.of(TileAttributes.MODE, TileAttributes.MODE_COORDINATE_SET,
                TileAttributes.DESTINATION_OFFSET, "1", TileAttributes.DESTINATION_SIZE, "2",
                TileAttributes.DESTINATION_SET_ID, "competitors", TileAttributes.DESTINATION_SET_VERSION, "stale"));
        runner.run();
        runner.assertAllFlowFilesTransferred(InvokeRoutingMatrix.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).get(0);
        failed.assertAttributeEquals(InvokeRoutingMatrix.ERROR_KIND, "INVALID_TILE");
        assertTrue(failed.getAttribute(InvokeRoutingMatrix.ERROR).contains("reloaded"));
    }

    @Test
    void transientFailuresGoToRetryPenalizedUntilMaxRetries() {
        runner.setProperty(InvokeRoutingMatrix.MAX_RETRIES, "2");
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503 Service Unavailable"),
                new RoutingException(RoutingException.Kind.RATE_LIMITED, "429", Duration.ofSeconds(2), null),
                new RoutingException(RoutingException.Kind.TRANSIENT, "timeout"));
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\n");
        runner.run();
        runner.assertAllFlowFilesTransferred(InvokeRoutingMatrix.REL_RETRY, 1);
        MockFlowFile retry = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY).get(0);
        assertTrue(retry.isPenalized());
        retry.assertAttributeEquals(InvokeRoutingMatrix.RETRY_COUNT, "1");
        retry.assertAttributeEquals(InvokeRoutingMatrix.ERROR_KIND, "TRANSIENT");

        for (int attempt = 2; attempt <= 3; attempt++) {
            runner.clearTransferState();
            runner.enqueue(retry);
            runner.run();
            if (attempt == 2) {
                runner.assertAllFlowFilesTransferred(InvokeRoutingMatrix.REL_RETRY, 1);
                retry = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY).get(0);
                retry.assertAttributeEquals(InvokeRoutingMatrix.RETRY_COUNT, "2");
                retry.assertAttributeEquals(InvokeRoutingMatrix.ERROR_KIND, "RATE_LIMITED");
            } else {
                runner.assertAllFlowFilesTransferred(InvokeRoutingMatrix.REL_FAILURE, 1);
                runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).get(0).assertAttributeEquals(InvokeRoutingMatrix.ERROR_KIND, "RETRIES_EXHAUSTED");
            }
        }
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 0);
    }

    @Test
    void aRetriedTileSucceedsWithoutItsRetryCount() {
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "reset"));
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\n");
        runner.run();
        final MockFlowFile retry = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY).get(0);
        runner.clearTransferState();
        runner.enqueue(retry);
        runner.run();
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_ORIGINAL).get(0).assertAttributeNotExists(InvokeRoutingMatrix.RETRY_COUNT);
    }

    @Test
    void rejectedGoesToFailureWithoutPartialOutput() {
        engine.limits(MatrixLimits.ofElements(1));
        // First request answers, second is rejected: the tile must produce no rows at all.
        engine.answerNext().answerNext().failNext(new RoutingException(RoutingException.Kind.REJECTED, "InvalidQuery: bad coordinates"));
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\nb,47.01,8.0\n");
        runner.run();
        assertEquals(3, engine.calls());
        runner.assertAllFlowFilesTransferred(InvokeRoutingMatrix.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).get(0).assertAttributeEquals(InvokeRoutingMatrix.ERROR_KIND, "REJECTED");
    }

    @Test
    void openCircuitYieldsAndLeavesTheTileQueued() {
        engine.failNext(new RoutingException(RoutingException.Kind.UNAVAILABLE, "circuit open"));
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\n");
        runner.run();
        assertEquals(1, runner.getQueueSize().getObjectCount(), "the tile stays queued");
        runner.assertTransferCount(InvokeRoutingMatrix.REL_RETRY, 0);
        runner.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 0);
        assertTrue(((org.apache.nifi.util.MockProcessContext) runner.getProcessContext()).isYieldCalled());
        runner.run();
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
    }

    @Test
    void severalTilesPerTriggerEachGetTheirOwnOutputAndTheirOwnFailure() {
        runner.setProperty(InvokeRoutingMatrix.TILES_PER_TRIGGER, "3");
        // Tile 1 answers, tile 2 is rejected, tile 3 answers: one run takes all three.
        engine.answerNext().failNext(new RoutingException(RoutingException.Kind.REJECTED, "InvalidQuery: bad coordinates")).answerNext();
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\n");
        runner.enqueue("id,latitude,longitude\nb,47.1,8.0\n");
        runner.enqueue("id,latitude,longitude\nc,47.2,8.0\n");
        runner.run();
        assertEquals(3, engine.calls());
        assertEquals(0, runner.getQueueSize().getObjectCount());
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 2);
        runner.assertTransferCount(InvokeRoutingMatrix.REL_ORIGINAL, 2);
        runner.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).get(0).assertContentEquals("id,latitude,longitude\nb,47.1,8.0\n");
        final Set<String> origins = new java.util.TreeSet<>();
        for (final MockFlowFile rows : runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS)) {
            rows.assertAttributeEquals("routing.requests", "1");
            origins.add(rows.getAttribute("record.count"));
        }
        assertEquals(Set.of("1"), origins, "each rows FlowFile holds its own tile's single pair");
    }

    @Test
    void aTriggerTakesNoMoreThanItsFairShareOfTheQueue() {
        // 10 tiles, 2 tasks, 4 per trigger: 4 + 3, then 2 + 1 (not 4 + 4 + 2, where one task routes the last two alone).
        assertEquals(4, InvokeRoutingMatrix.tilesToTake(4, 10, 2));
        assertEquals(3, InvokeRoutingMatrix.tilesToTake(4, 6, 2));
        assertEquals(2, InvokeRoutingMatrix.tilesToTake(4, 3, 2));
        assertEquals(1, InvokeRoutingMatrix.tilesToTake(4, 1, 2));
        assertEquals(1, InvokeRoutingMatrix.tilesToTake(4, 0, 2), "an empty queue still asks for one");
        assertEquals(4, InvokeRoutingMatrix.tilesToTake(4, 100, 8));
        assertEquals(3, InvokeRoutingMatrix.tilesToTake(4, 3, 1), "one task takes what there is, up to Tiles per Trigger");

        runner.setProperty(InvokeRoutingMatrix.TILES_PER_TRIGGER, "4");
        runner.setThreadCount(2);
        engine.answerNext().answerNext().answerNext();
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\n");
        runner.enqueue("id,latitude,longitude\nb,47.1,8.0\n");
        runner.enqueue("id,latitude,longitude\nc,47.2,8.0\n");
        runner.run(1, false, true);
        assertEquals(2, engine.calls(), "3 queued over 2 tasks: a trigger takes 2");
        assertEquals(1, runner.getQueueSize().getObjectCount());
    }

    @Test
    void anOpenCircuitInTheMiddleOfATriggerKeepsTheRoutedTilesAndLeavesTheRestQueued() {
        runner.setProperty(InvokeRoutingMatrix.TILES_PER_TRIGGER, "3");
        engine.answerNext().failNext(new RoutingException(RoutingException.Kind.UNAVAILABLE, "circuit open"));
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\n");
        runner.enqueue("id,latitude,longitude\nb,47.1,8.0\n");
        runner.enqueue("id,latitude,longitude\nc,47.2,8.0\n");
        runner.run();
        assertEquals(2, engine.calls(), "no request for the third tile after the circuit opened");
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        runner.assertTransferCount(InvokeRoutingMatrix.REL_RETRY, 0);
        runner.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 0);
        assertEquals(2, runner.getQueueSize().getObjectCount(), "the failed tile and the one after it stay queued");
        assertTrue(((org.apache.nifi.util.MockProcessContext) runner.getProcessContext()).isYieldCalled());
        runner.run();
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 3);
        assertEquals(0, runner.getQueueSize().getObjectCount());
    }

    @Test
    void excludeSelfPairs() throws IOException {
        runner.setProperty(InvokeRoutingMatrix.EXCLUDE_SELF_PAIRS, "true");
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\nb,47.01,8.0\n");
        runner.run();
        assertEquals(Set.of("a>b", "b>a"), rowsByPair().keySet());
    }

    @Test
    void chunkCoordinatesToInvokeRoutingMatrixConservesPairs(@TempDir final Path dir) throws Exception {
        final Path competitors = dir.resolve("competitors.csv");
        Files.writeString(competitors, ChunkCoordinatesTest.sites(7).replace("s", "c"));
        final TestRunner chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        final CSVReader csv = new CSVReader();
        chunker.addControllerService("csv", csv);
        chunker.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        chunker.enableControllerService(csv);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        chunker.addControllerService("json-writer", writer);
        chunker.enableControllerService(writer);
        final RecordFileCoordinateSet set = new RecordFileCoordinateSet();
        chunker.addControllerService("competitors", set);
        chunker.setProperty(set, RecordFileCoordinateSet.FILE_PATH, competitors.toString());
        chunker.setProperty(set, RecordFileCoordinateSet.RECORD_READER, "csv");
        chunker.enableControllerService(set);
        chunker.addControllerService("engine", engine.limits(MatrixLimits.ofElements(6)));
        chunker.enableControllerService(engine);
        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "json-writer");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "engine");
        chunker.setProperty(ChunkCoordinates.CHUNK_SIZE, "2");
        chunker.enqueue(ChunkCoordinatesTest.sites(5));
        chunker.run();

        final RecordFileCoordinateSet sameSet = new RecordFileCoordinateSet();
        runner.addControllerService("competitors", sameSet);
        runner.setProperty(sameSet, RecordFileCoordinateSet.FILE_PATH, competitors.toString());
        runner.setProperty(sameSet, RecordFileCoordinateSet.RECORD_READER, "csv");
        runner.enableControllerService(sameSet);
        runner.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
        runner.setProperty(InvokeRoutingMatrix.RECORD_READER, "json-reader");
        final List<MockFlowFile> tiles = chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
        for (final MockFlowFile tile : tiles) {
            // content and attributes only: FlowFile ids of another runner's session would clash with this one's
            runner.enqueue(tile.toByteArray(), tile.getAttributes());
        }
        runner.run(tiles.size());
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, tiles.size());
        final Map<String, JsonNode> rows = rowsByPair();
        assertEquals(35, rows.size(), "5 sites x 7 competitors, each pair once");
        final Set<String> origins = new HashSet<>();
        rows.keySet().forEach(pair -> origins.add(pair.substring(0, pair.indexOf('>'))));
        assertEquals(5, origins.size());
    }
}
