package io.github.nifirouting.processors;

import io.github.nifirouting.testsupport.CsvServices;
import io.github.nifirouting.tiling.TileAttributes;
import io.github.nifirouting.tiling.TileBatch;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs emitted in bounded batches: no session holds more than Max FlowFiles Per Session, and a restart loses or repeats nothing. */
class ChunkCoordinatesBatchTest {

    /** 37 sites with 3 invalid ones (records 5, 17, 30): 34 valid points. */
    private static String sitesWithInvalid() {
        final StringBuilder csv = new StringBuilder("id,latitude,longitude,name\n");
        for (int i = 0; i < 37; i++) {
            final String latitude = i == 5 || i == 17 || i == 30 ? "not-a-number" : String.valueOf(42.5 + i * 1e-4);
            csv.append("s").append(i).append(',').append(latitude).append(',').append(1.5 + i * 1e-4).append(",site ").append(i).append('\n');
        }
        return csv.toString();
    }

    private static TestRunner runner(final Path competitors) throws InitializationException {
        final TestRunner runner = TestRunners.newTestRunner(ChunkCoordinates.class);
        CsvServices.addTextReader(runner);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        runner.setProperty(ChunkCoordinates.RECORD_WRITER, "json-writer");
        CsvServices.addCoordinateSet(runner, "competitors", competitors);
        runner.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        runner.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        // Origin chunks of 4 (9 chunks), 40 pairs per tile: 10 destinations per tile, 3 tiles per chunk, 27 tiles.
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "4");
        runner.setProperty(ChunkCoordinates.MAX_PAIRS_PER_TILE, "40");
        return runner;
    }

    private static Path competitors(final Path dir) throws Exception {
        final Path file = dir.resolve("competitors.csv");
        final StringBuilder csv = new StringBuilder("id,latitude,longitude\n");
        for (int i = 0; i < 25; i++) {
            csv.append('c').append(i).append(',').append(42.6 + i * 1e-4).append(',').append(1.6).append('\n');
        }
        Files.writeString(file, csv);
        return file;
    }

    /** fragment.index -> content and tile attributes, failing on a tile emitted twice. */
    private static void collect(final TestRunner runner, final Map<Integer, String> tiles) {
        for (final MockFlowFile tile : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            final int index = Integer.parseInt(tile.getAttribute("fragment.index"));
            final String previous = tiles.put(index, describe(tile));
            assertNull(previous, "tile " + index + " emitted twice");
        }
    }

    private static String describe(final MockFlowFile tile) {
        return tile.getAttribute(TileAttributes.ORIGIN_OFFSET) + "/" + tile.getAttribute(TileAttributes.DESTINATION_OFFSET) + "/"
                + tile.getAttribute(TileAttributes.DESTINATION_SIZE) + "/" + tile.getAttribute("fragment.count") + ":" + tile.getContent();
    }

    @Test
    void aSessionHoldsAtMostMaxFlowFilesAndTheInputComesBackWithItsCursor(@TempDir final Path dir) throws Exception {
        final TestRunner runner = runner(competitors(dir));
        runner.setProperty(ChunkCoordinates.MAX_FLOWFILES_PER_SESSION, "5");
        runner.enqueue(sitesWithInvalid());
        runner.run(1);
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 5);
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 1);
        runner.assertTransferCount(ChunkCoordinates.REL_ORIGINAL, 0);
        assertEquals(1, runner.getQueueSize().getObjectCount(), "the input is back in its queue");
        final Map<Integer, String> tiles = new TreeMap<>();
        int triggers = 1;
        while (!runner.isQueueEmpty()) {
            runner.run(1);
            triggers++;
        }
        collect(runner, tiles);
        assertEquals(6, triggers, "27 tiles in batches of 5");
        assertEquals(27, tiles.size());
        runner.assertTransferCount(ChunkCoordinates.REL_INVALID, 1);
        runner.assertTransferCount(ChunkCoordinates.REL_ORIGINAL, 1);
        final MockFlowFile original = runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).get(0);
        original.assertAttributeNotExists(TileBatch.NEXT);
        original.assertAttributeEquals("chunk.records.valid", "34");
        original.assertAttributeEquals("chunk.records.invalid", "3");
        assertEquals(27, runner.getCounterValue("Tiles").intValue());
        assertEquals(37, runner.getCounterValue("Records read").intValue(), "records counted once, not per batch");
        final String run = original.getAttribute("uuid");
        for (final MockFlowFile tile : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            tile.assertAttributeEquals("fragment.identifier", run);
        }
    }

    @Test
    void aRestartAfterAnyBatchNeitherLosesNorDuplicatesTiles(@TempDir final Path dir) throws Exception {
        final Path competitors = competitors(dir);
        final TestRunner uninterrupted = runner(competitors);
        uninterrupted.setProperty(ChunkCoordinates.MAX_FLOWFILES_PER_SESSION, "1000");
        uninterrupted.enqueue(sitesWithInvalid());
        uninterrupted.run();
        final Map<Integer, String> expected = new TreeMap<>();
        collect(uninterrupted, expected);
        assertEquals(27, expected.size());

        for (int batchesBeforeRestart = 1; batchesBeforeRestart <= 6; batchesBeforeRestart++) {
            final Map<Integer, String> tiles = new TreeMap<>();
            int invalidOutputs = 0;
            final TestRunner before = runner(competitors);
            before.setProperty(ChunkCoordinates.MAX_FLOWFILES_PER_SESSION, "4");
            before.enqueue(sitesWithInvalid());
            for (int i = 0; i < batchesBeforeRestart && !before.isQueueEmpty(); i++) {
                before.run(1);
            }
            collect(before, tiles);
            invalidOutputs += before.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID).size();
            if (!before.isQueueEmpty()) {
                // The restart: what the repository holds is the committed input with its cursor; a new processor instance
                // (nothing kept in memory) takes it from there.
                final ProcessSession session = before.getProcessSessionFactory().createSession();
                final MockFlowFile inFlight = (MockFlowFile) session.get();
                assertNotNull(inFlight.getAttribute(TileBatch.NEXT));
                final Map<String, String> attributes = new HashMap<>(inFlight.getAttributes());
                final byte[] content = inFlight.toByteArray();
                session.rollback();
                final TestRunner after = runner(competitors);
                after.setProperty(ChunkCoordinates.MAX_FLOWFILES_PER_SESSION, "4");
                after.enqueue(content, attributes);
                while (!after.isQueueEmpty()) {
                    after.run(1);
                }
                collect(after, tiles);
                invalidOutputs += after.getFlowFilesForRelationship(ChunkCoordinates.REL_INVALID).size();
                after.assertTransferCount(ChunkCoordinates.REL_ORIGINAL, 1);
            }
            assertEquals(expected, tiles, "restart after " + batchesBeforeRestart + " batches: every tile once, identical");
            assertEquals(1, invalidOutputs, "invalid records written once");
        }
    }

    @Test
    void aTileHoldsMaxPairsWhateverTheEngineRequestLimit(@TempDir final Path dir) throws Exception {
        final TestRunner runner = runner(competitors(dir));
        runner.setProperty(ChunkCoordinates.MAX_PAIRS_PER_TILE, "100");
        runner.setProperty(ChunkCoordinates.CHUNK_SIZE, "4");
        runner.enqueue(sitesWithInvalid());
        runner.run();
        // 4 x 25 = 100 pairs: one tile per origin chunk, 9 tiles.
        runner.assertTransferCount(ChunkCoordinates.REL_SUCCESS, 9);
        long pairs = 0;
        final List<String> sizes = new ArrayList<>();
        for (final MockFlowFile tile : runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS)) {
            final long tilePairs = Long.parseLong(tile.getAttribute(TileAttributes.ORIGIN_SIZE))
                    * Long.parseLong(tile.getAttribute(TileAttributes.DESTINATION_SIZE));
            assertTrue(tilePairs <= 100);
            sizes.add(tile.getAttribute(TileAttributes.DESTINATION_SIZE));
            pairs += tilePairs;
        }
        assertEquals(34 * 25, pairs);
        assertTrue(sizes.stream().allMatch("25"::equals), sizes.toString());
        assertTrue(new String(runner.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS).get(0).toByteArray(), StandardCharsets.UTF_8)
                .contains("s0"));
    }
}
