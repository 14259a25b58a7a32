package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input corpus in src/test/resources/bad-input, each file with its expected routing in expected.csv: how many
 * records are valid and invalid (and with which reasons), or whether the whole input goes to failure. Every record is
 * accounted for: valid + invalid = records read, and a failed input is passed on untouched.
 */
class BadInputCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}: {1} valid, {2} invalid, failure {3}")
    @CsvFileSource(resources = "/bad-input/expected.csv", numLinesToSkip = 1)
    void routesEachFileAsExpected(final String file, final int valid, final int invalid, final int failure, final String reasons) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ChunkCoordinates.class);
        final CSVReader reader = new CSVReader();
        runner.addControllerService("csv", reader);
        runner.setProperty(reader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(reader);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        runner.setProperty(ChunkCoordinates.RECORD_WRITER, "json");
        final byte[] content;
        try (InputStream in = getClass().getResourceAsStream("/bad-input/" + file)) {
            content = in.readAllBytes();
        }
        runner.enqueue(content);
        runner.run();

        if (failure == 1) {
            runner.assertAllFlowFilesTransferred(ChunkCoordinates.REL_FAILURE, 1);
            final MockFlowFile failed = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_FAILURE).get(0);
            failed.assertContentEquals(content);
            assertNotNull(failed.getAttribute("chunk.error"));
            return;
        }
        runner.assertTransferCount(ChunkCoordinates.REL_FAILURE, 0);
        runner.assertTransferCount(ChunkCoordinates.REL_ORIGINAL, 1);
        long validWritten = 0;
        for (final MockFlowFile chunk : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            validWritten += records(chunk).size();
        }
        assertEquals(valid, validWritten, "valid records of " + file);
        final Set<String> seenReasons = new HashSet<>();
        long invalidWritten = 0;
        for (final MockFlowFile bad : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID)) {
            for (final JsonNode record : records(bad)) {
                seenReasons.add(record.get("reason").asText().split(":")[0]);
                invalidWritten++;
            }
        }
        assertEquals(invalid, invalidWritten, "invalid records of " + file);
        if (reasons != null && !reasons.isBlank()) {
            for (final String reason : reasons.split("\\|")) {
                assertTrue(seenReasons.stream().anyMatch(r -> r.startsWith(reason)), file + ": expected reason '" + reason + "' in " + seenReasons);
            }
        }
        final MockFlowFile original = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).get(0);
        assertEquals(Long.parseLong(original.getAttribute("chunk.records.read")), validWritten + invalidWritten, "conservation for " + file);
        original.assertContentEquals(content);
    }

    private static JsonNode records(final MockFlowFile flowFile) throws IOException {
        return JSON.readTree(flowFile.getContent());
    }
}
