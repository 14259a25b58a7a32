package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inputs as a new user brings them, read by NiFi's own readers at their defaults (CSVReader infers a schema,
 * JsonTreeReader infers a schema): each gets one clear answer and nothing is lost.
 */
class NewUserInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestRunner runner;

    @BeforeEach
    void setUp() throws InitializationException {
        runner = TestRunners.newTestRunner(ChunkCoordinates.class);
        final CSVReader csvDefaults = new CSVReader();
        runner.addControllerService("csv-defaults", csvDefaults);
        runner.enableControllerService(csvDefaults);
        final CSVReader csvStrings = new CSVReader();
        runner.addControllerService("csv-strings", csvStrings);
        runner.setProperty(csvStrings, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csvStrings);
        final JsonTreeReader jsonDefaults = new JsonTreeReader();
        runner.addControllerService("json-defaults", jsonDefaults);
        runner.enableControllerService(jsonDefaults);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ChunkCoordinates.RECORD_WRITER, "json-writer");
    }

    private MockFlowFile runFailing(final String reader, final String content) {
        runner.setProperty(ChunkCoordinates.RECORD_READER, reader);
        runner.enqueue(content);
        runner.run();
        runner.assertAllFlowFilesTransferred(ChunkCoordinates.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).get(0);
        failed.assertContentEquals(content);
        return failed;
    }

    private List<JsonNode> run(final String reader, final String content, final String relationship) throws IOException {
        runner.setProperty(ChunkCoordinates.RECORD_READER, reader);
        runner.enqueue(content);
        runner.run();
        runner.assertTransferCount(ChunkCoordinates.REL_FAILURE, 0);
        runner.assertTransferCount(ChunkCoordinates.REL_ORIGINAL, 1);
        final List<JsonNode> records = new ArrayList<>();
        for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(relationship)) {
            assertFalse(flowFile.getContent().contains("[Ljava"), flowFile.getContent());
            JSON.readTree(flowFile.getContent()).forEach(records::add);
        }
        return records;
    }

    @Test
    void misspeltHeaderIsNamedOncePerInputWithTheCloseMatch() {
        final MockFlowFile failed = runFailing("csv-defaults", "ID,Latitude ,Longitude\na,42.5,1.5\nb,42.6,1.6\nc,42.7,1.7\n");
        final String error = failed.getAttribute("chunk.error");
        assertTrue(error.contains("no field 'id' (Id Field): did you mean 'ID'?"), error);
        assertTrue(error.contains("no field 'latitude' (Latitude Field): did you mean 'Latitude'?"), error);
        assertTrue(error.contains("no field 'longitude' (Longitude Field): did you mean 'Longitude'?"), error);
        assertTrue(error.contains("found the fields ['ID', 'Latitude', 'Longitude']"), error);
        failed.assertAttributeEquals(ChunkCoordinates.FIELDS_MISSING, "id,latitude,longitude");
        failed.assertAttributeEquals(ChunkCoordinates.FIELDS_FOUND, "ID,Latitude,Longitude");
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 0);
    }

    @Test
    void abbreviatedJsonFieldsAreNamedWithTheirAlias() {
        final MockFlowFile failed = runFailing("json-defaults", "[{\"id\":\"a\",\"lat\":42.5,\"lng\":1.5}]");
        final String error = failed.getAttribute("chunk.error");
        assertTrue(error.contains("no field 'latitude' (Latitude Field): did you mean 'lat'?"), error);
        assertTrue(error.contains("no field 'longitude' (Longitude Field): did you mean 'lng'?"), error);
        failed.assertAttributeEquals(ChunkCoordinates.FIELDS_MISSING, "latitude,longitude");
    }

    @Test
    void latitudeJustPastThePoleIsOutOfRangeNotSwapped() throws IOException {
        final List<JsonNode> invalid = run("json-defaults", """
                [{"id":"pole","latitude":90.0000001,"longitude":1.5},
                 {"id":"sydney","latitude":151.2093,"longitude":-33.8688},
                 {"id":"ok","latitude":42.5,"longitude":1.5}]""", ChunkCoordinates.REL_INVALID.getName());
        assertEquals(2, invalid.size());
        assertEquals("coordinate out of range: latitude 90.0000001 not in [-90, 90]", invalid.get(0).get("reason").asText());
        assertTrue(invalid.get(1).get("reason").asText().startsWith("latitude and longitude likely swapped"), invalid.get(1).toString());
    }

    @Test
    void csvInferenceThatNarrowsCoordinatesIsRefusedWithHowToConfigureTheReader() {
        // CSVReader's inference reads 90.0000001 as the float 90.0, which would pass as a valid latitude.
        final MockFlowFile failed = runFailing("csv-defaults", "id,latitude,longitude\npole,90.0000001,1.5\n");
        final String error = failed.getAttribute("chunk.error");
        assertTrue(error.contains("inferred the coordinate field 'latitude' as float"), error);
        assertTrue(error.contains("'Use String Fields From Header'"), error);
        failed.assertAttributeEquals(ChunkCoordinates.FIELDS_MISSING, "");
    }

    @Test
    void latitudeJustPastThePoleFromCsvTextIsOutOfRange() throws IOException {
        final List<JsonNode> invalid = run("csv-strings", "id,latitude,longitude\npole,90.0000001,1.5\n", ChunkCoordinates.REL_INVALID.getName());
        assertEquals("coordinate out of range: latitude 90.0000001 not in [-90, 90]", invalid.get(0).get("reason").asText());
        assertEquals("90.0000001", invalid.get(0).get("latitude").asText());
    }

    @Test
    void arrayAndRecordValuesAreShownAsWritten() throws IOException {
        final List<JsonNode> invalid = run("json-defaults", """
                [{"id":"a","latitude":[42.5,1],"longitude":1.5},
                 {"id":["x","y"],"latitude":42.6,"longitude":1.6},
                 {"id":"c","latitude":42.7,"longitude":{"deg":1}}]""", ChunkCoordinates.REL_INVALID.getName());
        assertEquals(3, invalid.size());
        assertEquals("non-numeric coordinate: latitude in field 'latitude' is an array [42.5, 1], not a number", invalid.get(0).get("reason").asText());
        assertEquals("[42.5, 1]", invalid.get(0).get("latitude").asText());
        assertEquals("invalid id: field 'id' holds an array [x, y], not a single value", invalid.get(1).get("reason").asText());
        assertEquals("non-numeric coordinate: longitude in field 'longitude' is a record {deg=1}, not a number", invalid.get(2).get("reason").asText());
        assertEquals("{deg=1}", invalid.get(2).get("longitude").asText());
    }

    @Test
    void csvInferenceThatTurnsIdsIntoNumbersIsRefused() {
        final String csv = "id,latitude,longitude\n1,42.5,1.5\n01,42.51,1.51\n001,42.52,1.52\n1.0,42.53,1.53\n";
        final MockFlowFile failed = runFailing("csv-defaults", csv);
        final String error = failed.getAttribute("chunk.error");
        assertTrue(error.contains("inferred the id field 'id' as float"), error);
        assertTrue(error.contains("1, 01, 001 and 1.0 would all be one id"), error);
        assertTrue(error.contains("'Use String Fields From Header'"), error);
        assertEquals(0, runner.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID).size(), "no record is marked duplicate");
    }

    @Test
    void idsAndCoordinatesFromCsvTextAreKeptExactly() throws IOException {
        final String csv = "id,latitude,longitude\n1,42.5061234567,1.5212345678\n01,42.51,1.51\n001,42.52,1.52\n1.0,42.53,1.53\n";
        final List<JsonNode> valid = run("csv-strings", csv, ChunkCoordinates.REL_SUCCESS.getName());
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 0);
        assertEquals(List.of("1", "01", "001", "1.0"), valid.stream().map(r -> r.get("id").asText()).toList());
        assertEquals("42.5061234567", valid.get(0).get("latitude").asText());
        assertEquals("1.5212345678", valid.get(0).get("longitude").asText());
    }

    @Test
    void jsonIdsAreKeptAsWritten() throws IOException {
        // JsonTreeReader infers choice[double, string] for these ids; coerced, "01" and 1 would both become 1.0.
        final List<JsonNode> valid = run("json-defaults", """
                [{"id":1,"latitude":42.5061234567,"longitude":1.5},
                 {"id":"01","latitude":42.6,"longitude":1.6},
                 {"id":1.0,"latitude":42.7,"longitude":1.7}]""", ChunkCoordinates.REL_SUCCESS.getName());
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 0);
        assertEquals(List.of("1", "01", "1.0"), valid.stream().map(r -> r.get("id").toString().replace("\"", "")).toList());
        assertEquals(42.5061234567, valid.get(0).get("latitude").asDouble());
    }

    @Test
    void jsonNullElementStopsTheReaderAndTheInputSaysSo() {
        final String json = """
                [{"id":"a","latitude":42.5,"longitude":1.5},
                 null,
                 {"id":"b","latitude":42.6,"longitude":1.6},
                 {"id":"c","latitude":42.7,"longitude":1.7}]""";
        final MockFlowFile failed = runFailing("json-defaults", json);
        // JsonTreeReader returns a and c: it skips from the null past the end of b, without an error.
        failed.assertAttributeEquals(ChunkCoordinates.RECORDS_READ, "2");
        failed.assertAttributeEquals(ChunkCoordinates.INPUT_OBJECTS, "3");
        failed.assertAttributeEquals(ChunkCoordinates.RECORDS_MISSING, "1");
        failed.assertAttributeEquals("chunk.error.record.index", "1");
        final String error = failed.getAttribute("chunk.error");
        assertTrue(error.contains("the Record Reader returned 2 records but the JSON input holds 3 objects, and element 1 is null"), error);
        assertTrue(error.contains("so 1 record(s) would be in no output"), error);
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 0);
    }

    @Test
    void jsonWithoutNullElementsIsNotFlagged() throws IOException {
        final List<JsonNode> valid = run("json-defaults", "[{\"id\":\"a\",\"latitude\":42.5,\"longitude\":1.5},{\"id\":\"b\",\"latitude\":42.6,\"longitude\":1.6}]",
                ChunkCoordinates.REL_SUCCESS.getName());
        assertEquals(2, valid.size());
    }
}
