package io.github.nifirouting.processors;

import io.github.nifirouting.testsupport.CsvServices;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ChunkCoordinates -> InvokeRoutingMatrix (30% transient engine failures, retries re-queued late) -> ScoreAccessibility,
 * tiles arriving out of order, with an engine outage (open circuit) longer than the Stalled Chunk Warning in the middle
 * and a tight Max Held Bytes: every origin is scored once, no chunk fails, memory stays bounded, and the scores equal
 * those of all rows scored as one FlowFile (no grouping involved).
 */
class ScoreAccessibilityFaultTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SITES = 100;
    private static final int COMPETITORS = 100;
    private static final long MAX_HELD_BYTES = 24 * 1024;

    @TempDir
    Path dir;

    /** The shared test engine, failing 30% of calls as TRANSIENT and every call as UNAVAILABLE during an outage. */
    public static class FlakyEngine extends HaversineTestEngine {
        private final Random random = new Random(15);
        volatile double transientRate;
        volatile boolean outage;

        @Override
        public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations) throws RoutingException {
            if (outage) {
                throw new RoutingException(RoutingException.Kind.UNAVAILABLE, "circuit open", null, null);
            }
            synchronized (random) {
                if (random.nextDouble() < transientRate) {
                    throw new RoutingException(RoutingException.Kind.TRANSIENT, "HTTP 503", null, null);
                }
            }
            return super.computeMatrix(sources, destinations);
        }
    }

    private final FlakyEngine engine = new FlakyEngine();
    private TestRunner chunker;
    private TestRunner invoker;

    @BeforeEach
    void setUp() throws Exception {
        engine.limits(new MatrixLimits(25, 25, 625, 50));
        final Path sites = writePoints(dir.resolve("sites.csv"), "s", SITES, 47.0);
        final Path competitors = writePoints(dir.resolve("competitors.csv"), "c", COMPETITORS, 47.02);
        chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        invoker = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        for (final TestRunner runner : List.of(chunker, invoker)) {
            csv(runner);
            CsvServices.addCoordinateSet(runner, "competitors", competitors);
            runner.addControllerService("engine", engine);
            runner.enableControllerService(engine);
        }
        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "csv-writer");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "engine");
        chunker.setProperty(ChunkCoordinates.CHUNK_SIZE, "25");
        chunker.setProperty(ChunkCoordinates.MAX_PAIRS_PER_TILE, "625"); // 25 x 25: four destination blocks per origin chunk
        chunker.enqueue(sites);
        chunker.run();
        invoker.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "engine");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "csv-writer");
        invoker.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
        invoker.setProperty(InvokeRoutingMatrix.MAX_RETRIES, "100");
        // One tile per run: the scenario interleaves single tiles, late retries and the outage step by step.
        invoker.setProperty(InvokeRoutingMatrix.TILES_PER_TRIGGER, "1");
    }

    private static void csv(final TestRunner runner) throws Exception {
        CsvServices.addTextReaderAndWriter(runner);
    }

    private TestRunner scorer(final boolean twoStep, final ScoreGrouping grouping) throws Exception {
        final TestRunner scorer = TestRunners.newTestRunner(ScoreAccessibility.class);
        csv(scorer);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        scorer.addControllerService("json", json);
        scorer.enableControllerService(json);
        scorer.setProperty(ScoreAccessibility.RECORD_READER, "csv");
        scorer.setProperty(ScoreAccessibility.RECORD_WRITER, "json");
        scorer.setProperty(ScoreAccessibility.GROUPING, grouping.getValue());
        scorer.setProperty(ScoreAccessibility.THRESHOLDS, "1 min, 2 min, 4 min");
        scorer.setProperty(ScoreAccessibility.STALLED_CHUNK_WARNING, "20 ms");
        scorer.setProperty(ScoreAccessibility.MAX_HELD_BYTES, MAX_HELD_BYTES + " B");
        if (twoStep) {
            scorer.setProperty(ScoreAccessibility.TWO_STEP_CATCHMENT, "2 min");
            scorer.setProperty(ScoreAccessibility.TWO_STEP_STATE_DIRECTORY, dir.resolve("state").toString());
        }
        return scorer;
    }

    private static Path writePoints(final Path file, final String prefix, final int count, final double baseLatitude) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id,latitude,longitude\n");
            for (int i = 0; i < count; i++) {
                out.write(String.format(Locale.ROOT, "%s%d,%.5f,%.5f%n", prefix, i, baseLatitude + (i % 10) * 0.003, 8.0 + (i / 10) * 0.003));
            }
        }
        return file;
    }

    @ParameterizedTest(name = "2SFCA {0}")
    @ValueSource(booleans = {false, true})
    void everyOriginIsScoredOnceUnderTransientFailuresAndAnOutageLongerThanTheStallWarning(final boolean twoStep) throws Exception {
        final List<MockFlowFile> tiles = new ArrayList<>(chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS));
        assertEquals(16, tiles.size(), "4 origin chunks x 4 destination blocks");
        final Random order = new Random(42);
        Collections.shuffle(tiles, order);
        for (final MockFlowFile tile : tiles) {
            invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        }
        engine.transientRate = 0.30;
        final TestRunner scorer = scorer(twoStep, ScoreGrouping.ORIGIN_CHUNK);
        final List<MockFlowFile> allRows = new ArrayList<>();
        final Deque<MockFlowFile> lateRetries = new ArrayDeque<>();
        final List<MockFlowFile> rowsInFlight = new ArrayList<>();
        int step = 0;
        int retries = 0;
        boolean scorerStarted = false;
        boolean outageDone = false;
        boolean chunksHeldDuringOutage = false;
        while (invoker.getQueueSize().getObjectCount() > 0 || !lateRetries.isEmpty() || !rowsInFlight.isEmpty()) {
            // The outage starts once chunks are open (2SFCA's first pass holds none: it starts at step 8 regardless).
            final boolean chunksHeld = ((ScoreAccessibility) scorer.getProcessor()).heldBytes() > 0;
            if (!outageDone && step >= 8 && (chunksHeld || twoStep)) {
                outageDone = true;
                chunksHeldDuringOutage = chunksHeld;
                // The engine goes down for longer than the Stalled Chunk Warning while chunks are open: tiles stay queued upstream.
                engine.outage = true;
                for (int i = 0; i < 5; i++) {
                    invoker.run(1, false, step == 0);
                    Thread.sleep(30);
                    scorer.run(1, false, !scorerStarted);
                    scorerStarted = true;
                }
                engine.outage = false;
            }
            if (invoker.getQueueSize().getObjectCount() > 0) {
                invoker.run(1, false, step == 0);
            }
            retries += invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY).size();
            lateRetries.addAll(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY));
            rowsInFlight.addAll(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS));
            assertEquals(0, invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).size());
            invoker.clearTransferState();
            if (step % 4 == 3 && !lateRetries.isEmpty()) {
                final MockFlowFile retry = lateRetries.poll(); // a retried tile comes back after other tiles went through
                invoker.enqueue(retry.toByteArray(), retry.getAttributes());
            }
            if (invoker.getQueueSize().getObjectCount() == 0 && !lateRetries.isEmpty()) {
                final MockFlowFile retry = lateRetries.poll();
                invoker.enqueue(retry.toByteArray(), retry.getAttributes());
            }
            // Rows reach the scorer out of order, a few at a time.
            Collections.shuffle(rowsInFlight, order);
            for (final Iterator<MockFlowFile> it = rowsInFlight.iterator(); it.hasNext(); ) {
                final MockFlowFile rows = it.next();
                if (order.nextInt(3) == 0 || invoker.getQueueSize().getObjectCount() == 0 && lateRetries.isEmpty()) {
                    scorer.enqueue(rows.toByteArray(), rows.getAttributes());
                    allRows.add(rows);
                    it.remove();
                }
            }
            scorer.run(1, false, !scorerStarted);
            scorerStarted = true;
            step++;
        }
        for (int i = 0; i < 40 && scorer.getQueueSize().getObjectCount() > 0; i++) {
            scorer.run(1, false, false);
        }

        scorer.assertTransferCount(ScoreAccessibility.REL_FAILURE, 0);
        assertEquals(0, scorer.getQueueSize().getObjectCount());
        scorer.assertTransferCount(ScoreAccessibility.REL_ORIGINAL, 16);
        final List<MockFlowFile> outputs = scorer.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS);
        assertEquals(4, outputs.size(), "one output per origin chunk");
        final Map<String, JsonNode> scores = byOrigin(outputs);
        assertEquals(SITES, scores.size(), "every origin scored exactly once");
        assertTrue(retries > 3, "tiles went through retry: " + retries);
        final long stallWarnings = scorer.getLogger().getWarnMessages().stream().filter(m -> m.getMsg().contains("has had no new tile")).count();
        assertTrue(outageDone, "the outage happened");
        assertTrue(twoStep || chunksHeldDuringOutage, "chunks were open during the outage");
        if (chunksHeldDuringOutage) {
            assertTrue(stallWarnings > 0, "chunks waited longer than the Stalled Chunk Warning during the outage");
        }
        final long peak = ((ScoreAccessibility) scorer.getProcessor()).peakHeldBytes();
        // The bound can be passed by the chunk opened last: 25 origins' accumulators and the records of its 4 tiles.
        assertTrue(peak <= MAX_HELD_BYTES + 25 * 600 + 4 * 2_048, "peak held " + peak + " bytes, bound " + MAX_HELD_BYTES);
        System.out.printf(Locale.ROOT, "2SFCA %s: %d tiles, %d retries, %d stall warnings, 0 failed, peak held %,d bytes (bound %,d)%n",
                twoStep, tiles.size(), retries, stallWarnings, peak, MAX_HELD_BYTES);

        assertSameScores(referenceScores(twoStep, allRows), scores);
    }

    /** Every row in one FlowFile, scored with Grouping 'Each FlowFile': no bins, no run store. */
    private Map<String, JsonNode> referenceScores(final boolean twoStep, final List<MockFlowFile> allRows) throws Exception {
        final StringBuilder csv = new StringBuilder();
        for (final MockFlowFile rows : allRows) {
            final String content = new String(rows.toByteArray(), StandardCharsets.UTF_8);
            csv.append(csv.isEmpty() ? content : content.substring(content.indexOf('\n') + 1));
        }
        final TestRunner reference = scorer(twoStep, ScoreGrouping.FLOWFILE);
        reference.enqueue(csv.toString());
        reference.run();
        reference.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
        return byOrigin(reference.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS));
    }

    private static void assertSameScores(final Map<String, JsonNode> expected, final Map<String, JsonNode> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((origin, record) -> record.fieldNames().forEachRemaining(field -> {
            final JsonNode want = record.get(field);
            final JsonNode got = actual.get(origin).get(field);
            if (want.isNumber()) {
                assertEquals(want.asDouble(), got.asDouble(), 1e-9 * Math.max(1, Math.abs(want.asDouble())), origin + " " + field);
            } else {
                assertEquals(want, got, origin + " " + field);
            }
        }));
    }

    private static Map<String, JsonNode> byOrigin(final List<MockFlowFile> outputs) throws Exception {
        final Map<String, JsonNode> byOrigin = new HashMap<>();
        for (final MockFlowFile out : outputs) {
            JSON.readTree(out.getContent()).forEach(record -> {
                if (byOrigin.put(record.get("origin_id").asText(), record) != null) {
                    throw new AssertionError("origin " + record.get("origin_id") + " scored twice");
                }
            });
        }
        return byOrigin;
    }
}
