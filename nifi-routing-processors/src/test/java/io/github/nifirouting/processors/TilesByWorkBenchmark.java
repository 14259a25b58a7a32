package io.github.nifirouting.processors;

import io.github.nifirouting.testsupport.CsvServices;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.parquet.ParquetRecordSetWriter;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 17's country-scale drive-time run, in process with NiFi's TestRunner (not the NiFi 2.3.0 assembly): 10,000 sites x
 * 20,000 competitors through ChunkCoordinates (default settings: Chunk Size 100, Max Pairs Per Tile 1,000,000, Max
 * FlowFiles Per Session 1,000) and InvokeRoutingMatrix with the Parquet writer, on the in-process haversine engine with
 * OSRM's default request limit (100 x 100). Prints FlowFiles created, heap after GC at 10% and 100% of the tiles, pairs
 * written against pairs expected. Each tile's output is counted, then dropped (the mock session keeps content in memory).
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=TilesByWorkBenchmark -Dbenchmark.xmx=512m [-Dbench.sites=10000 -Dbench.competitors=20000]</pre>
 */
@Tag("benchmark")
class TilesByWorkBenchmark {

    private static void points(final Path file, final String prefix, final int count, final double baseLatitude) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id,latitude,longitude\n");
            for (int i = 0; i < count; i++) {
                out.write(String.format(Locale.ROOT, "%s%d,%.5f,%.5f%n", prefix, i, baseLatitude + (i % 200) * 0.002, 8.0 + (i / 200) * 0.002));
            }
        }
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void services(final TestRunner runner, final Path competitors, final HaversineTestEngine engine) throws Exception {
        CsvServices.addTextReader(runner);
        CsvServices.addCoordinateSet(runner, "competitors", competitors);
        runner.addControllerService("engine", engine);
        runner.enableControllerService(engine);
    }

    /**
     * Routes one tile and returns pairs, requests and bytes written; the rows FlowFile (in the mock's memory, where NiFi
     * would have it in the content repository) is dropped before returning, so heap figures do not count it.
     */
    private static long[] routeOne(final TestRunner invoker, final MockFlowFile tile) {
        invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        invoker.run(1);
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        final MockFlowFile rows = invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0);
        final long[] figures = {Long.parseLong(rows.getAttribute("record.count")), Long.parseLong(rows.getAttribute("routing.requests")),
                rows.getSize()};
        invoker.clearTransferState();
        return figures;
    }

    @Test
    void sitesTimesCompetitorsWithDefaultSettings(@TempDir final Path dir) throws Exception {
        final int sites = Integer.getInteger("bench.sites", 10_000);
        final int competitorCount = Integer.getInteger("bench.competitors", 20_000);
        final Path sitesFile = dir.resolve("sites.csv");
        final Path competitors = dir.resolve("competitors.csv");
        points(sitesFile, "s", sites, 47.0);
        points(competitors, "c", competitorCount, 47.1);
        final HaversineTestEngine engine = new HaversineTestEngine().limits(MatrixLimits.ofElements(10_000));

        final TestRunner chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        services(chunker, competitors, engine);
        final CSVRecordSetWriter csvWriter = new CSVRecordSetWriter();
        chunker.addControllerService("csv-writer", csvWriter);
        chunker.enableControllerService(csvWriter);
        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "csv-writer");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "engine");

        final TestRunner invoker = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        services(invoker, competitors, engine);
        final ParquetRecordSetWriter parquet = new ParquetRecordSetWriter();
        invoker.addControllerService("parquet", parquet);
        invoker.enableControllerService(parquet);
        invoker.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "engine");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "parquet");
        invoker.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");

        final long start = System.nanoTime();
        chunker.enqueue(sitesFile);
        int chunkSessions = 0;
        int maxPerSession = 0;
        final List<MockFlowFile> tiles = new ArrayList<>();
        while (!chunker.isQueueEmpty()) {
            chunker.run(1);
            chunkSessions++;
            final List<MockFlowFile> batch = chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
            maxPerSession = Math.max(maxPerSession, batch.size());
            tiles.addAll(batch);
            chunker.clearTransferState();
        }
        final double chunkSeconds = (System.nanoTime() - start) / 1e9;
        long pairsWritten = 0;
        long bytesWritten = 0;
        long requests = 0;
        long heapAt10 = -1;
        final long heapBefore = heapAfterGc();
        final long routeStart = System.nanoTime();
        int done = 0;
        for (final MockFlowFile tile : tiles) {
            final long[] tileFigures = routeOne(invoker, tile);
            pairsWritten += tileFigures[0];
            requests += tileFigures[1];
            bytesWritten += tileFigures[2];
            done++;
            if (done == Math.max(1, tiles.size() / 10)) {
                heapAt10 = heapAfterGc();
            }
            if (done % Math.max(1, tiles.size() / 20) == 0) {
                System.out.printf(Locale.ROOT, "  %,d of %,d tiles, %,d pairs, %.0f s%n", done, tiles.size(), pairsWritten,
                        (System.nanoTime() - routeStart) / 1e9);
            }
        }
        final double routeSeconds = (System.nanoTime() - routeStart) / 1e9;
        final long heapAt100 = heapAfterGc();
        final long expected = (long) sites * competitorCount;
        // FlowFiles created: tiles (ChunkCoordinates) + one rows FlowFile per tile (InvokeRoutingMatrix).
        final long flowFilesCreated = tiles.size() + (long) done;
        System.out.printf(Locale.ROOT, "%nTiles by work: %,d sites x %,d competitors, default settings, haversine engine (100 x 100 requests), "
                + "Parquet writer, max heap %d MB (in-process TestRunner)%n", sites, competitorCount, Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "ChunkCoordinates sessions", chunkSessions);
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "most FlowFiles in one ChunkCoordinates session", maxPerSession);
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "tiles", tiles.size());
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "FlowFiles created (tiles + row files)", flowFilesCreated);
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "engine requests", requests);
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "pairs expected", expected);
        System.out.printf(Locale.ROOT, "%-44s %,d%n", "pairs written", pairsWritten);
        System.out.printf(Locale.ROOT, "%-44s %.1f%n", "Parquet MB written", bytesWritten / 1e6);
        System.out.printf(Locale.ROOT, "%-44s %.1f s%n", "chunking", chunkSeconds);
        System.out.printf(Locale.ROOT, "%-44s %.1f s (%,.0f pairs/s)%n", "routing + writing", routeSeconds, pairsWritten / routeSeconds);
        System.out.printf(Locale.ROOT, "%-44s %.1f MB%n", "heap after GC before routing", heapBefore / 1e6);
        System.out.printf(Locale.ROOT, "%-44s %.1f MB%n", "heap after GC at 10% of the tiles", heapAt10 / 1e6);
        System.out.printf(Locale.ROOT, "%-44s %.1f MB%n", "heap after GC at 100% of the tiles", heapAt100 / 1e6);
        assertEquals(expected, pairsWritten);
    }
}
