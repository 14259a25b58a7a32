package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BuildIsochrones in bounded batches: failures mid-batch retry only the sites not yet written; every site written once. */
class BuildIsochronesBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String sites(final int count) {
        final StringBuilder csv = new StringBuilder("id,latitude,longitude\n");
        for (int i = 0; i < count; i++) {
            csv.append(String.format(Locale.ROOT, "site%d,%.5f,%.5f%n", i, 47.0 + (i % 100) * 0.01, 8.0 + (i / 100) * 0.01));
        }
        return csv.toString();
    }

    /** Matrix-sampled isochrones on the in-process haversine engine: one engine call per site, cheap polygons. */
    static TestRunner runner(final HaversineTestEngine engine, final int batchSize) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(BuildIsochrones.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        runner.addControllerService("engine", engine);
        runner.enableControllerService(engine);
        runner.setProperty(BuildIsochrones.ROUTING_ENGINE, "engine");
        runner.setProperty(BuildIsochrones.RECORD_READER, "csv");
        runner.setProperty(BuildIsochrones.RECORD_WRITER, "json");
        runner.setProperty(BuildIsochrones.STRATEGY, IsochroneStrategy.MATRIX_SAMPLED.getValue());
        runner.setProperty(BuildIsochrones.THRESHOLDS, "2 min");
        runner.setProperty(BuildIsochrones.RESOLUTION, "1000");
        runner.setProperty(BuildIsochrones.ROAD_DISTANCE, "1000");
        runner.setProperty(BuildIsochrones.MAX_SPEED, "60");
        runner.setProperty(BuildIsochrones.BATCH_SIZE, String.valueOf(batchSize));
        runner.setProperty(BuildIsochrones.MAX_RETRIES, "3");
        return runner;
    }

    /** What a run produced: rows per site, sites sent to failure, the input's way out, triggers and retries. */
    record Outcome(Map<String, Integer> rowsPerSite, List<String> failedSites, int originals, int triggers, int retries) {
    }

    /**
     * Runs one input to its end the way a flow would: 'retry' connected back to the processor (penalty ignored),
     * the input re-queued between batches by the processor itself.
     */
    static Outcome runToTheEnd(final TestRunner runner, final String input) throws IOException {
        runner.enqueue(input);
        final Map<String, Integer> rows = new HashMap<>();
        final List<String> failed = new java.util.ArrayList<>();
        int originals = 0;
        int triggers = 0;
        int retries = 0;
        while (!runner.isQueueEmpty()) {
            runner.run(1);
            triggers++;
            for (final MockFlowFile output : runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS)) {
                for (final JsonNode row : JSON.readTree(output.toByteArray())) {
                    rows.merge(row.get("site_id").asText(), 1, Integer::sum);
                }
            }
            for (final MockFlowFile site : runner.getFlowFilesForRelationship(BuildIsochrones.REL_FAILURE)) {
                failed.add(site.getAttribute(BuildIsochrones.SITE_ID) + ": " + site.getAttribute("routing.error"));
            }
            originals += runner.getFlowFilesForRelationship(BuildIsochrones.REL_ORIGINAL).size();
            final List<MockFlowFile> retry = runner.getFlowFilesForRelationship(BuildIsochrones.REL_RETRY);
            runner.clearTransferState();
            for (final MockFlowFile again : retry) {
                retries++;
                runner.enqueue(again.toByteArray(), again.getAttributes());
            }
        }
        return new Outcome(rows, failed, originals, triggers, retries);
    }

    @Test
    void failuresMidBatchRetryOnlyTheRemainingSitesAndEverySiteIsWrittenOnce() throws Exception {
        final HaversineTestEngine engine = new HaversineTestEngine();
        final TestRunner runner = runner(engine, 5);
        // Call = site (one matrix request each). Site 7 fails transiently, then site 13 finds the circuit open, then site
        // 16 is rejected (goes to failure on its own), then site 21 fails transiently twice.
        for (int i = 0; i < 7; i++) {
            engine.answerNext();
        }
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503"));
        for (int i = 7; i < 13; i++) {
            engine.answerNext();
        }
        engine.failNext(new RoutingException(RoutingException.Kind.UNAVAILABLE, "circuit open"));
        for (int i = 13; i < 16; i++) {
            engine.answerNext();
        }
        engine.failNext(new RoutingException(RoutingException.Kind.REJECTED, "InvalidQuery"));
        for (int i = 17; i < 21; i++) {
            engine.answerNext();
        }
        engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503"), new RoutingException(RoutingException.Kind.TRANSIENT, "503"));

        final Outcome outcome = runToTheEnd(runner, sites(23));
        assertEquals(List.of("site16: InvalidQuery"), outcome.failedSites());
        assertEquals(22, outcome.rowsPerSite().size());
        assertTrue(outcome.rowsPerSite().values().stream().allMatch(rows -> rows == 1), "every site once: " + outcome.rowsPerSite());
        assertFalse(outcome.rowsPerSite().containsKey("site16"));
        assertEquals(1, outcome.originals());
        assertEquals(3, outcome.retries(), "two transient failures at site 21 and one at site 7");
        // 23 sites + 1 rejected + 4 failed calls: no site computed twice.
        assertEquals(23 + 4, engine.calls());
    }

    @Test
    void theInputComesBackBetweenBatchesWithItsProgress() throws Exception {
        final HaversineTestEngine engine = new HaversineTestEngine();
        final TestRunner runner = runner(engine, 4);
        runner.enqueue(sites(10));
        runner.run(1);
        runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 1);
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 0);
        final MockFlowFile first = runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(0);
        first.assertAttributeEquals("isochrone.sites", "4");
        first.assertAttributeEquals(BuildIsochrones.SITES_FIRST, "0");
        assertEquals(1, runner.getQueueSize().getObjectCount());
        runner.run(2);
        runner.assertTransferCount(BuildIsochrones.REL_SUCCESS, 3);
        runner.assertTransferCount(BuildIsochrones.REL_ORIGINAL, 1);
        runner.getFlowFilesForRelationship(BuildIsochrones.REL_ORIGINAL).get(0).assertAttributeNotExists(BuildIsochrones.SITES_NEXT);
        final MockFlowFile last = runner.getFlowFilesForRelationship(BuildIsochrones.REL_SUCCESS).get(2);
        last.assertAttributeEquals(BuildIsochrones.SITES_FIRST, "8");
        last.assertAttributeEquals("isochrone.sites", "2");
        assertEquals(10, engine.calls());
    }
}
