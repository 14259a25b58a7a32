package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.coordinates.RecordFileCoordinateSet;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkCoordinatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestRunner runner;

    @BeforeEach
    void setUp() throws InitializationException {
        runner = TestRunners.newTestRunner(ChunkCoordinates.class);
        final CSVReader csvReader = new CSVReader();
        runner.addControllerService("csv", csvReader);
        runner.setProperty(csvReader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csvReader);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        runner.setProperty(ChunkCoordinates.RECORD_WRITER, "json-writer");
    }

    static String sites(final int count) {
        final StringBuilder csv = new StringBuilder("id,latitude,longitude,name\n");
        for (int i = 0; i < count; i++) {
            csv.append("s").append(i).append(',').append(42.5 + i * 1e-4).append(',').append(1.5 + i * 1e-4).append(",site ").append(i).append('\n');
        }
        return csv.toString();
    }

    static JsonNode records(final MockFlowFile flowFile) throws IOException {
        return JSON.readTree(flowFile.getContent());
    }

    @ParameterizedTest(name = "{0} records in chunks of 5 -> {1} chunks")
    @CsvSource({"4, 1", "5, 1", "6, 2", "0, 0", "11, 3"})
    void chunkBoundaries(final int records, final int expectedChunks) throws IOException {
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "5");
        runner.enqueue(sites(records), Map.of("filename", "sites.csv"));
        runner.run();

        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, expectedChunks);
        runner.assertTransferCount(ChunkCoordinates.REL_ORIGINAL, 1);
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 0);
        if (!runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).isEmpty()) {
            throw new AssertionError(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).get(0).getAttribute("chunk.error"));
        }
        final List<MockFlowFile> chunks = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
        final String fragmentId = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).get(0).getAttribute("uuid");
        int seen = 0;
        for (int i = 0; i < chunks.size(); i++) {
            final MockFlowFile chunk = chunks.get(i);
            final int expectedSize = Math.min(5, records - 5 * i);
            chunk.assertAttributeEquals("record.count", String.valueOf(expectedSize));
            chunk.assertAttributeEquals("fragment.index", String.valueOf(i));
            chunk.assertAttributeEquals("fragment.count", String.valueOf(expectedChunks));
            chunk.assertAttributeEquals("fragment.identifier", fragmentId);
            chunk.assertAttributeEquals("segment.original.filename", "sites.csv");
            chunk.assertAttributeEquals(TileAttributes.MODE, TileAttributes.MODE_CHUNKS);
            chunk.assertAttributeEquals(TileAttributes.ORIGIN_OFFSET, String.valueOf(5 * i));
            final JsonNode content = records(chunk);
            assertEquals(expectedSize, content.size());
            for (final JsonNode record : content) {
                assertEquals("s" + seen, record.get("id").asText(), "records keep input order");
                assertEquals("site " + seen, record.get("name").asText(), "fields are kept unchanged");
                seen++;
            }
        }
        assertEquals(records, seen);
        final MockFlowFile original = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).get(0);
        original.assertAttributeEquals("chunk.records.read", String.valueOf(records));
        original.assertContentEquals(sites(records));
        assertEquals(records, runner.getCounterValue("Records read").intValue());
        assertEquals(expectedChunks, runner.getCounterValue("Chunks").intValue());
    }

    @Test
    void everyInvalidCaseGoesToInvalidWithItsReason() throws IOException {
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "100");
        final String csv = """
                id,latitude,longitude
                ok1,42.5,1.5
                ,42.5,1.5
                nolat,,1.5
                text,abc,1.5
                nan,NaN,1.5
                inf,42.5,Infinity
                range,42.5,190
                island,0,0
                swapped,151.2,-33.8
                ok1,42.6,1.6
                ok2,-33.8,151.2
                """;
        runner.enqueue(csv);
        runner.run();

        assertNoFailure();
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 1);
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 1);
        final JsonNode valid = records(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS).get(0));
        assertEquals(List.of("ok1", "ok2"), ids(valid));
        final MockFlowFile invalidFlowFile = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID).get(0);
        invalidFlowFile.assertAttributeEquals("record.count", "9");
        final JsonNode invalid = records(invalidFlowFile);
        final Map<String, String> expectedReasonPrefix = Map.of(
                "", "missing id", "nolat", "missing coordinate", "text", "non-numeric coordinate", "nan", "coordinate not finite",
                "inf", "coordinate not finite", "range", "coordinate out of range", "island", "null island",
                "swapped", "latitude and longitude likely swapped", "ok1", "duplicate id");
        assertEquals(9, invalid.size());
        for (final JsonNode record : invalid) {
            final String id = record.get("id").isNull() ? "" : record.get("id").asText();
            final String reason = record.get("reason").asText();
            assertTrue(reason.startsWith(expectedReasonPrefix.get(id)), id + " -> " + reason);
            assertTrue(record.get("record_index").asLong() >= 1);
        }
        final MockFlowFile original = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).get(0);
        original.assertAttributeEquals("chunk.records.read", "11");
        original.assertAttributeEquals("chunk.records.valid", "2");
        original.assertAttributeEquals("chunk.records.invalid", "9");
        assertEquals(11, runner.getCounterValue("Records valid").intValue() + runner.getCounterValue("Records invalid").intValue());
    }

    @Test
    void boundingBoxSeparatesOutsideFromSwapped() throws IOException {
        runner.setProperty("Bounding Box", "1.4,42.4,1.8,42.7");
        runner.enqueue("""
                id,latitude,longitude
                inside,42.5,1.5
                swapped,1.5,42.5
                paris,48.85,2.35
                """);
        runner.run();
        assertEquals(List.of("inside"), ids(records(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS).get(0))));
        final JsonNode invalid = records(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID).get(0));
        assertTrue(invalid.get(0).get("reason").asText().startsWith("latitude and longitude likely swapped"));
        assertTrue(invalid.get(1).get("reason").asText().startsWith("outside bounding box"));
    }

    @ParameterizedTest(name = "duplicate ids {0}")
    @CsvSource({"route, 2, 1, 0", "keep, 3, 0, 0", "drop, 2, 0, 1"})
    void duplicateIdPolicies(final String policy, final int valid, final int invalid, final int dropped) throws IOException {
        runner.setProperty(ChunkCoordinates.DUPLICATE_IDS, policy);
        runner.enqueue("id,latitude,longitude\na,42.5,1.5\nb,42.6,1.6\na,42.7,1.7\n");
        runner.run();
        assertEquals(valid, records(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS).get(0)).size());
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, invalid);
        final MockFlowFile original = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).get(0);
        original.assertAttributeEquals("chunk.records.dropped", String.valueOf(dropped));
        assertEquals(3, valid + invalid + dropped, "every record is accounted for");
    }

    @Test
    void pointFieldAndRecordPaths() throws IOException, InitializationException {
        final JsonTreeReader jsonReader = new JsonTreeReader();
        runner.addControllerService("json-reader", jsonReader);
        runner.enableControllerService(jsonReader);
        runner.setProperty(ChunkCoordinates.RECORD_READER, "json-reader");
        runner.setProperty("Id Field", "/site/code");
        runner.setProperty("Point Field", "/site/location");
        runner.enqueue("""
                [{"site": {"code": "w1", "location": "POINT (1.52 42.51)"}},
                 {"site": {"code": "g1", "location": {"type": "Point", "coordinates": [1.53, 42.52]}}},
                 {"site": {"code": "bad", "location": "LINESTRING (0 0, 1 1)"}}]
                """);
        runner.run();
        assertEquals(List.of("w1", "g1"), ids(records(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS).get(0)), "/site/code"));
        final JsonNode invalid = records(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID).get(0));
        assertTrue(invalid.get(0).get("reason").asText().startsWith("invalid point geometry"), invalid.toString());
    }

    @ParameterizedTest(name = "schema access {0}")
    @CsvSource({"infer-schema, ", "csv-header-derived, 1"})
    void malformedCsvGoesToFailureUntouched(final String schemaAccess, final String failedRecordIndex) {
        final CSVReader reader = (CSVReader) runner.getControllerService("csv");
        runner.disableControllerService(reader);
        runner.setProperty(reader, "schema-access-strategy", schemaAccess);
        runner.enableControllerService(reader);
        final String broken = "id,latitude,longitude\na,42.5,1.5\nb,\"42.6,1.6\n";
        runner.enqueue(broken);
        runner.run();
        runner.assertAllFlowFilesTransferred(ChunkCoordinates.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).get(0);
        failed.assertContentEquals(broken);
        assertTrue(failed.getAttribute("chunk.error").contains("EOF reached before encapsulated token finished"), failed.getAttribute("chunk.error"));
        assertEquals(failedRecordIndex, failed.getAttribute("chunk.error.record.index"));
    }

    @Test
    void malformedJsonProducesNoPartialOutput() throws InitializationException {
        final JsonTreeReader jsonReader = new JsonTreeReader();
        runner.addControllerService("json-reader", jsonReader);
        runner.enableControllerService(jsonReader);
        runner.setProperty(ChunkCoordinates.RECORD_READER, "json-reader");
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "1");
        runner.enqueue("[{\"id\":\"a\",\"latitude\":42.5,\"longitude\":1.5},{\"id\":\"b\",\"latitude\":42.6,");
        runner.run();
        runner.assertAllFlowFilesTransferred(ChunkCoordinates.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).get(0);
        assertTrue(failed.getAttribute("chunk.error").startsWith("cannot"), failed.getAttribute("chunk.error"));
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 0);
    }

    @Test
    void allPairsTilesCoverEveryOrderedPairOnce() throws IOException {
        runner.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.ALL_PAIRS.getValue());
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "100");
        runner.setProperty(ChunkCoordinates.MAX_ELEMENTS, "9");
        runner.enqueue(sites(7));
        runner.run();

        // Blocks of 3 (3 x 3 = 9 elements): 3 blocks, 9 tiles; more than one pass is not needed at this size.
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 9);
        final Set<String> pairs = new HashSet<>();
        int pairCount = 0;
        for (final MockFlowFile tile : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            final List<String> origins = new ArrayList<>();
            final List<String> destinations = new ArrayList<>();
            for (final JsonNode record : records(tile)) {
                final String role = record.get(TileAttributes.ROLE_FIELD).asText();
                if (!role.equals(TileAttributes.ROLE_DESTINATION)) {
                    origins.add(record.get("id").asText());
                }
                if (!role.equals(TileAttributes.ROLE_ORIGIN)) {
                    destinations.add(record.get("id").asText());
                }
            }
            assertTrue(origins.size() <= 3 && destinations.size() <= 3);
            assertEquals(origins.size(), Integer.parseInt(tile.getAttribute(TileAttributes.ORIGIN_SIZE)));
            assertEquals(destinations.size(), Integer.parseInt(tile.getAttribute(TileAttributes.DESTINATION_SIZE)));
            for (final String origin : origins) {
                for (final String destination : destinations) {
                    pairs.add(origin + ">" + destination);
                    pairCount++;
                }
            }
        }
        assertEquals(49, pairCount);
        assertEquals(49, pairs.size(), "no pair twice");
        assertEquals(9, runner.getCounterValue("Tiles").intValue());
    }

    @Test
    void allPairsNeedsSeveralPassesWhenTilesExceedOnePass() throws IOException {
        runner.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.ALL_PAIRS.getValue());
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "2");
        runner.enqueue(sites(13)); // 7 blocks, 49 tiles > 32 per pass
        runner.run();
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 49);
        long pairs = 0;
        for (final MockFlowFile tile : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            pairs += Long.parseLong(tile.getAttribute(TileAttributes.ORIGIN_SIZE)) * Long.parseLong(tile.getAttribute(TileAttributes.DESTINATION_SIZE));
            assertEquals(Integer.parseInt(tile.getAttribute("fragment.index")),
                    Integer.parseInt(tile.getAttribute(TileAttributes.ORIGIN_BLOCK_INDEX)) * 7 + Integer.parseInt(tile.getAttribute(TileAttributes.DESTINATION_BLOCK_INDEX)));
        }
        assertEquals(169, pairs);
    }

    @Test
    void coordinateSetTilesShareOriginContentAndFitLimits(@TempDir final Path dir) throws Exception {
        final Path competitors = dir.resolve("competitors.csv");
        Files.writeString(competitors, sites(25).replace("s", "c"));
        final RecordFileCoordinateSet set = new RecordFileCoordinateSet();
        runner.addControllerService("competitors", set);
        runner.setProperty(set, RecordFileCoordinateSet.FILE_PATH, competitors.toString());
        runner.setProperty(set, RecordFileCoordinateSet.RECORD_READER, "csv");
        runner.enableControllerService(set);
        runner.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        runner.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "4");
        runner.setProperty(ChunkCoordinates.MAX_ELEMENTS, "40");
        runner.enqueue(sites(10));
        runner.run();

        // origins in blocks of 4 (3 blocks), destinations in blocks of 10 (3 blocks): 9 tiles
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 9);
        long pairs = 0;
        final Set<String> destinationOffsets = new HashSet<>();
        for (final MockFlowFile tile : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            final long origins = Long.parseLong(tile.getAttribute(TileAttributes.ORIGIN_SIZE));
            final long destinations = Long.parseLong(tile.getAttribute(TileAttributes.DESTINATION_SIZE));
            assertTrue(origins * destinations <= 40);
            assertEquals(origins, records(tile).size());
            tile.assertAttributeEquals(TileAttributes.DESTINATION_SET_ID, "competitors");
            assertNotNull(tile.getAttribute(TileAttributes.DESTINATION_SET_VERSION));
            destinationOffsets.add(tile.getAttribute(TileAttributes.DESTINATION_OFFSET));
            pairs += origins * destinations;
        }
        assertEquals(250, pairs);
        assertEquals(Set.of("0", "10", "20"), destinationOffsets);
    }

    @Test
    void engineLimitsSizeTheTiles() {
        final int square = ChunkCoordinates.allPairsBlockSize(500, io.github.nifirouting.model.MatrixLimits.ofElements(10_000));
        assertEquals(100, square);
        assertEquals(50, ChunkCoordinates.allPairsBlockSize(50, io.github.nifirouting.model.MatrixLimits.ofElements(10_000)));
    }

    private void assertNoFailure() {
        if (!runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).isEmpty()) {
            throw new AssertionError(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).get(0).getAttribute("chunk.error"));
        }
    }

    private static List<String> ids(final JsonNode records) {
        return ids(records, "/id");
    }

    private static List<String> ids(final JsonNode records, final String pointer) {
        final List<String> ids = new ArrayList<>();
        records.forEach(record -> ids.add(record.at(pointer).asText()));
        return ids;
    }
}
