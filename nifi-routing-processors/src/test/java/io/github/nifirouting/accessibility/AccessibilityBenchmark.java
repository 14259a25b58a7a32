package io.github.nifirouting.accessibility;

import io.github.nifirouting.cache.LocalMatrixCache;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.processors.ScoreAccessibility;
import io.github.nifirouting.testsupport.GeneratedLines;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * Scoring 10 million matrix rows (the scorer with NiFi's CSV reader, all scores including 2SFCA, so the rows are read
 * twice; and the processor on tiles) and the result cache's cost per pair:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=AccessibilityBenchmark -Dbenchmark.xmx=256m</pre>
 */
@Tag("benchmark")
class AccessibilityBenchmark {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    @Test
    void tenMillionRowsThroughTheScorer() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final RecordReaderFactory readers = (RecordReaderFactory) runner.getControllerService("csv");
        final int origins = 10_000;
        final int destinations = 1_000;
        final AccessibilityScorer scorer = new AccessibilityScorer(new AccessibilityScorer.Settings(new double[]{300, 600, 900},
                DecayFunction.EXPONENTIAL, 0.1, 3, "weight", "population", 900));
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        final long start = System.nanoTime();
        final Map<String, OriginScores> scores = scorer.score(() -> readers.createRecordReader(Map.of(),
                new BufferedInputStream(generatedRows(origins, destinations), 1 << 16), -1, runner.getLogger()));
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "%nScoreAccessibility core: %,d rows (%,d origins x %,d destinations, read twice for 2SFCA) in %.1f s = "
                + "%,.0f rows/s, peak heap %.1f MB, max heap %d MB%n", (long) origins * destinations, scores.size(), destinations, seconds,
                (double) origins * destinations / seconds, peak / 1048576.0, Runtime.getRuntime().maxMemory() >> 20);
    }

    /**
     * The result cache's cost per pair as InvokeRoutingMatrix pays it: 1,000,000 pairs stored and looked up in tiles of
     * 100 x 1,000 (hits cold and warm, then misses), and the Java heap the cache holds (live heap after GC, before and
     * after; the pairs live in memory-mapped files).
     */
    @Test
    void cacheLookupOverheadPerPair() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        System.gc();
        final long heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        final LocalMatrixCache cache = new LocalMatrixCache();
        runner.addControllerService("cache", cache);
        runner.setProperty(cache, LocalMatrixCache.DIRECTORY, Files.createTempDirectory("cache").toString());
        runner.setProperty(cache, LocalMatrixCache.MAX_SIZE, "128 MB");
        runner.enableControllerService(cache);
        final int tileOrigins = 100;
        final int destinationCount = 1000;
        final CoordinateBlock destinationBlock = block("d", destinationCount, 47.5, 8.0, 0, 1e-4);
        final CoordinateBlock otherDestinations = block("x", destinationCount, 46.5, 8.0, 0, 1e-4);
        final int cells = tileOrigins * destinationCount;
        final MatrixResult values = MatrixResult.of(tileOrigins, destinationCount, new double[cells], new double[cells]);
        final BitSet all = new BitSet();
        all.set(0, cells);
        final double[] durations = new double[cells];
        final double[] distances = new double[cells];
        final long[] nanos = new long[4]; // store, cold hits, warm hits, misses
        long found = 0;
        for (int tile = 0; tile < 10; tile++) {
            final CoordinateBlock origins = block("o", tileOrigins, 47.0 + tile * tileOrigins * 1e-4, 8.0, 1e-4, 0);
            long t0 = System.nanoTime();
            cache.store("bench", origins, destinationBlock, values, all);
            nanos[0] += System.nanoTime() - t0;
        }
        for (int pass = 1; pass <= 2; pass++) {
            for (int tile = 0; tile < 10; tile++) {
                final CoordinateBlock origins = block("o", tileOrigins, 47.0 + tile * tileOrigins * 1e-4, 8.0, 1e-4, 0);
                final BitSet hits = new BitSet(cells);
                final long t0 = System.nanoTime();
                found += cache.lookup("bench", origins, destinationBlock, durations, distances, hits);
                nanos[pass] += System.nanoTime() - t0;
            }
        }
        long missesFound = 0;
        for (int tile = 0; tile < 10; tile++) {
            final CoordinateBlock origins = block("o", tileOrigins, 47.0 + tile * tileOrigins * 1e-4, 8.0, 1e-4, 0);
            final BitSet hits = new BitSet(cells);
            final long t0 = System.nanoTime();
            missesFound += cache.lookup("bench", origins, otherDestinations, durations, distances, hits);
            nanos[3] += System.nanoTime() - t0;
        }
        System.gc();
        final long heapAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "%nLocalMatrixCache, 1,000,000 pairs in tiles of %d x %,d: store %.0f ns/pair, lookup hit %.0f ns/pair cold, "
                        + "%.0f ns/pair warm (%,d of 2,000,000 found), miss %.0f ns/pair (%,d found); %,d pairs held, %,d bytes on disk, "
                        + "live heap %+.1f MB (after GC), max heap %d MB%n", tileOrigins, destinationCount, nanos[0] / 1e6, nanos[1] / 1e6,
                nanos[2] / 1e6, found, nanos[3] / 1e6, missesFound, cache.size(), cache.bytesOnDisk(), (heapAfter - heapBefore) / 1048576.0,
                Runtime.getRuntime().maxMemory() >> 20);
        runner.disableControllerService(cache);
    }

    /** {@code count} points on a line: point i at (latitude + i x latitudeStep, longitude + i x longitudeStep). */
    private static CoordinateBlock block(final String prefix, final int count, final double latitude, final double longitude,
                                         final double latitudeStep, final double longitudeStep) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(count);
        for (int i = 0; i < count; i++) {
            builder.add(prefix + i, latitude + i * latitudeStep, longitude + i * longitudeStep);
        }
        return builder.build();
    }

    /**
     * The processor itself on 10 million rows arriving as tiles, as InvokeRoutingMatrix writes them: 100 origin chunks of 100
     * origins x 10 destination blocks of 100 destinations (10,000 rows per tile), each chunk held until its 10th tile and
     * scored. Live heap (sampled after a full GC, untimed, when a chunk's last tile is queued) stays at one chunk's tiles (the
     * mock keeps FlowFile content in memory, where NiFi keeps it in the content repository) and accumulators, whatever the
     * number of chunks. Tile generation is not timed.
     */
    @Test
    void tenMillionRowsAsTilesThroughTheProcessor() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ScoreAccessibility.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        runner.setProperty(ScoreAccessibility.RECORD_READER, "csv");
        runner.setProperty(ScoreAccessibility.RECORD_WRITER, "json");
        runner.setProperty(ScoreAccessibility.DESTINATION_WEIGHT_FIELD, "weight");
        final int chunks = 100;
        final int originsPerChunk = 100;
        final int blocks = 10;
        final int destinationsPerBlock = 100;
        final int destinations = blocks * destinationsPerBlock;
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        long processingNanos = 0;
        long rows = 0;
        long origins = 0;
        long liveHeap = 0;
        boolean first = true;
        for (int chunk = 0; chunk < chunks; chunk++) {
            for (int block = 0; block < blocks; block++) {
                final StringBuilder tile = new StringBuilder(originsPerChunk * destinationsPerBlock * 36)
                        .append("origin_id,destination_id,duration_s,distance_m,status,weight\n");
                for (int o = chunk * originsPerChunk; o < (chunk + 1) * originsPerChunk; o++) {
                    for (int d = block * destinationsPerBlock; d < (block + 1) * destinationsPerBlock; d++) {
                        final long seconds = ((long) o * 7919 + (long) d * 104729) % 3600;
                        tile.append('o').append(o).append(",d").append(d).append(',').append(seconds).append(',').append(seconds * 12)
                                .append(",OK,").append(d % 50 + 1).append('\n');
                    }
                }
                final byte[] content = tile.toString().getBytes(StandardCharsets.UTF_8);
                tile.setLength(0);
                runner.enqueue(content, Map.of("fragment.identifier", "bench",
                        "tile.origin.block.index", String.valueOf(chunk), "tile.origin.block.count", String.valueOf(chunks),
                        "tile.destination.block.index", String.valueOf(block), "tile.destination.block.count", String.valueOf(blocks)));
                if (block == blocks - 1 && chunk % 10 == 9) {
                    System.gc();
                    liveHeap = Math.max(liveHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
                final long start = System.nanoTime();
                runner.run(1, false, first);
                processingNanos += System.nanoTime() - start;
                first = false;
                rows += (long) originsPerChunk * destinationsPerBlock;
            }
            runner.assertTransferCount(ScoreAccessibility.REL_SUCCESS, 1);
            origins += Long.parseLong(runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS)
                    .get(0).getAttribute("record.count"));
            runner.clearTransferState(); // the mock would otherwise keep every original tile's content
        }
        final double seconds = processingNanos / 1e9;
        final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "%nScoreAccessibility processor: %,d rows in %,d tiles (%,d origins x %,d destinations, chunks of %d "
                + "origins x %d blocks) in %.1f s = %,.0f rows/s, peak live heap %.1f MB (after GC, a chunk held), peak heap %.1f MB, max heap %d MB%n",
                rows, chunks * blocks, origins, destinations, originsPerChunk, blocks, seconds, rows / seconds, liveHeap / 1048576.0,
                peak / 1048576.0, Runtime.getRuntime().maxMemory() >> 20);
        if (origins != (long) chunks * originsPerChunk) {
            throw new AssertionError("scored " + origins + " origins");
        }
    }

    /** CSV matrix rows generated as they are read. */
    private static InputStream generatedRows(final int origins, final int destinations) {
        return new GeneratedLines("origin_id,destination_id,duration_s,distance_m,status,weight,population\n", (long) origins * destinations, next -> {
            final long o = next / destinations;
            final long d = next % destinations;
            final long seconds = (o * 7919 + d * 104729) % 3600;
            return "o" + o + ",d" + d + "," + seconds + "," + seconds * 12 + ",OK," + (d % 50 + 1) + "," + (o % 900 + 100) + "\n";
        });
    }
}
