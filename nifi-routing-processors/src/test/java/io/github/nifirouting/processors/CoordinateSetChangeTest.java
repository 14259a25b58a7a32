package io.github.nifirouting.processors;

import io.github.nifirouting.testsupport.CsvServices;
import io.github.nifirouting.coordinates.RecordFileCoordinateSet;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The competitor file changes while tiles cut against it are queued before InvokeRoutingMatrix: tiles whose version
 * the service still holds are routed against the points they were cut for; tiles whose version is gone go to failure
 * as INVALID_TILE with both versions named. A copy of the file with another modification time (another node) changes
 * nothing.
 */
class CoordinateSetChangeTest {

    private static final String COMPETITORS = "id,latitude,longitude\nc1,42.50,1.50\nc2,42.51,1.51\n";
    private static final String CHANGED = "id,latitude,longitude\nc0,42.40,1.40\nc1,42.50,1.50\nc2,42.51,1.51\n";

    @TempDir
    Path dir;

    private Path competitors;
    private TestRunner chunker;
    private TestRunner invoker;

    @BeforeEach
    void setUp() throws Exception {
        competitors = Files.writeString(dir.resolve("competitors.csv"), COMPETITORS);
        chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        invoker = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        for (final TestRunner runner : List.of(chunker, invoker)) {
            CsvServices.addTextReaderAndWriter(runner);
            final HaversineTestEngine engine = new HaversineTestEngine();
            runner.addControllerService("engine", engine);
            runner.enableControllerService(engine);
        }
        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "csv-writer");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "engine");
        invoker.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "engine");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "csv-writer");
        invoker.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
    }

    /** Each runner is a node with its own service instance, over its own copy of the file. */
    private static void coordinateSet(final TestRunner runner, final Path file, final String retainedVersions) {
        final RecordFileCoordinateSet set = new RecordFileCoordinateSet();
        try {
            runner.addControllerService("competitors", set);
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
        runner.setProperty(set, RecordFileCoordinateSet.FILE_PATH, file.toString());
        runner.setProperty(set, RecordFileCoordinateSet.RECORD_READER, "csv");
        runner.setProperty(set, RecordFileCoordinateSet.RETAINED_VERSIONS, retainedVersions);
        runner.enableControllerService(set);
    }

    private MockFlowFile cutTile() {
        chunker.enqueue("id,latitude,longitude\ns1,42.45,1.45\n");
        chunker.run();
        final List<MockFlowFile> tiles = chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
        assertEquals(1, tiles.size());
        return tiles.get(0);
    }

    private static void touch(final Path file, final long millis) throws Exception {
        Files.setLastModifiedTime(file, FileTime.fromMillis(millis));
    }

    @Test
    void aTileCutOnOneNodeIsRoutedOnAnotherWithAnIdenticalCopyOfTheFile() throws Exception {
        final Path copyOnNodeB = Files.writeString(dir.resolve("node-b.csv"), COMPETITORS);
        touch(competitors, 1_600_000_000_000L);
        touch(copyOnNodeB, 1_700_000_000_000L);
        coordinateSet(chunker, competitors, "2");
        coordinateSet(invoker, copyOnNodeB, "2");
        final MockFlowFile tile = cutTile();
        invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        invoker.run();
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 0);
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
    }

    @Test
    void queuedTilesOfAChangedFileAreRoutedAgainstTheirVersionOrFailNamingBothVersions() throws Exception {
        coordinateSet(chunker, competitors, "1");
        coordinateSet(invoker, competitors, "1");
        final MockFlowFile tile = cutTile();
        final String cutVersion = tile.getAttribute(TileAttributes.DESTINATION_SET_VERSION);
        Files.writeString(competitors, CHANGED); // the file changes while the tile is queued
        touch(competitors, System.currentTimeMillis() + 5_000);

        invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        invoker.run();
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 0);
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        final String rows = new String(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0).toByteArray(), StandardCharsets.UTF_8);
        assertTrue(rows.contains("c1") && rows.contains("c2") && !rows.contains("c0"), "routed against the points it was cut for: " + rows);
        invoker.clearTransferState();

        Files.writeString(competitors, "id,latitude,longitude\nc9,42.9,1.9\n"); // a third version: the first is no longer held
        touch(competitors, System.currentTimeMillis() + 10_000);
        invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        invoker.run();
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 0);
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 1);
        final MockFlowFile failed = invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).get(0);
        failed.assertAttributeEquals("routing.error.kind", "INVALID_TILE");
        failed.assertAttributeEquals(TileAttributes.DESTINATION_SET_VERSION, cutVersion);
        final String error = failed.getAttribute("routing.error");
        assertTrue(error.contains("tile version " + cutVersion) && error.contains("current 1-"), error);
        assertNotEquals(cutVersion, error.substring(error.indexOf("current ") + 8, error.indexOf(')', error.indexOf("current "))));
    }
}
