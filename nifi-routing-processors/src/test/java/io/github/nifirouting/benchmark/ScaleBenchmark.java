package io.github.nifirouting.benchmark;

import io.github.nifirouting.coordinates.DuplicateIdPolicy;
import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.matrix.MatrixRowWriter;
import io.github.nifirouting.matrix.TileMatrixRouter;
import io.github.nifirouting.matrix.TilePoints;
import io.github.nifirouting.matrix.TileReader;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.TilePlan;
import io.github.nifirouting.parquet.ParquetRecordWriter;
import io.github.nifirouting.testsupport.CountingOutputStream;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import io.github.nifirouting.testsupport.GeneratedLines;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.tiling.PointTiler;
import io.github.nifirouting.model.TileAddress;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * End to end in one JVM, without a NiFi session (whose mock keeps all content in memory): origin points streamed by
 * ChunkCoordinates' tiler into origin chunks, each chunk x destination block routed as InvokeRoutingMatrix does
 * (tile records read back with NiFi's CSV reader, limit-sized requests, every pair written), rows written with the
 * Parquet writer into a stream that counts bytes. Run:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=ScaleBenchmark -Dbenchmark.xmx=256m [-Dscale.max=100000000] [-Dscale.engines=osrm,embedded]</pre>
 */
@Tag("benchmark")
class ScaleBenchmark {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final int[][] SIZES = {{1_000, 1_000}, {10_000, 1_000}, {10_000, 10_000}};

    @Test
    void pairsPerSecondAndFlatMemoryAcrossSizes() throws Exception {
        final long maxPairs = Long.getLong("scale.max", 100_000_000L);
        final String engines = System.getProperty("scale.engines", "osrm,embedded");
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final CSVReader csvReader = new CSVReader();
        runner.addControllerService("csv", csvReader);
        runner.setProperty(csvReader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csvReader);
        final CSVRecordSetWriter csvWriter = new CSVRecordSetWriter();
        runner.addControllerService("csv-writer", csvWriter);
        runner.enableControllerService(csvWriter);

        System.out.printf(Locale.ROOT, "%nScale benchmark, max heap %d MB, %d cores, Java %s%n", Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        System.out.println("| engine | origins x destinations | pairs | seconds | pairs/s | engine requests | fill ratio | peak live heap MB | peak heap MB | peak RSS MB | Parquet MB |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        if (engines.contains("osrm")) try (FakeOsrmServer server = new FakeOsrmServer(1).maxTableSize(100)) {
            final OsrmRoutingEngine osrm = new OsrmRoutingEngine();
            runner.addControllerService("osrm", osrm);
            runner.setProperty(osrm, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.setProperty(osrm, OsrmRoutingEngine.MAX_TABLE_SIZE, "100");
            runner.enableControllerService(osrm);
            for (final int[] size : SIZES) {
                if ((long) size[0] * size[1] <= maxPairs) {
                    run("OSRM-format stub (HTTP)", osrm, size[0], size[1], 47.0, 8.0, 0.002, runner);
                }
            }
        }
        if (!engines.contains("embedded")) {
            return;
        }
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        final EmbeddedGraphHopperEngine embedded = new EmbeddedGraphHopperEngine();
        runner.addControllerService("graphhopper", embedded);
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.OSM_FILE, andorra.toString());
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, Files.createTempDirectory("graphs").toString());
        runner.setProperty(embedded, EmbeddedGraphHopperEngine.MAX_MATRIX_ELEMENTS, "250000");
        runner.enableControllerService(embedded);
        for (final int[] size : SIZES) {
            if ((long) size[0] * size[1] <= maxPairs) {
                run("embedded GraphHopper, andorra", embedded, size[0], size[1], 42.49, 1.50, 0.0008, runner);
            }
        }
    }

    private static void run(final String engineName, final RoutingEngineService engine, final int originCount, final int destinationCount,
                            final double baseLat, final double baseLon, final double spacing, final TestRunner runner) throws Exception {
        final RecordReaderFactory readers = (RecordReaderFactory) runner.getControllerService("csv");
        final RecordSetWriterFactory chunkWriters = (RecordSetWriterFactory) runner.getControllerService("csv-writer");
        final CoordinateBlock destinations = grid("d", destinationCount, baseLat + spacing * 7, baseLon, spacing);
        final MatrixLimits limits = engine.getMatrixLimits();
        final TilePlan plan = TilePlan.fit(Math.min(500, originCount), limits);
        final int destinationBlocks = plan.destinationBlocks(destinationCount);
        final UnclosableCountingStream parquetBytes = new UnclosableCountingStream();
        final long[] pairs = {0};
        final long[] liveHeap = {0, 0, 0}; // max heap after GC, GC nanos, tiles
        final CallStats stats = new CallStats();
        final TileReader tileReader = new TileReader(PointFields.of("id", "latitude", "longitude"));

        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        final long start = System.nanoTime();
        final PointTiler tiler = new PointTiler(PointFields.of("id", "latitude", "longitude"), DuplicateIdPolicy.KEEP);
        final PointTiler.RecordSource origins = () -> readers.createRecordReader(Map.of(),
                new java.io.BufferedInputStream(generatedGrid("o", originCount, baseLat, baseLon, spacing)), -1, runner.getLogger());
        tiler.scan(origins, false);
        // Sink: each origin chunk's records are written once (as ChunkCoordinates does), then routed against every destination block.
        tiler.writeChunks(origins, plan.originBlockSize(), false, new PointTiler.Sink() {
            private ByteArrayOutputStream chunk;

            @Override
            public RecordSetWriter openOutput(final int index, final RecordSchema schema) throws IOException {
                chunk = new ByteArrayOutputStream(64 * 1024);
                try {
                    return chunkWriters.createWriter(runner.getLogger(), schema, chunk, Map.of());
                } catch (final org.apache.nifi.schema.access.SchemaNotFoundException e) {
                    throw new IOException(e);
                }
            }

            @Override
            public void closeOutput(final int index, final RecordSetWriter writer, final long records) throws IOException {
                writer.finishRecordSet();
                writer.close();
                final byte[] content = chunk.toByteArray();
                for (int block = 0; block < destinationBlocks; block++) {
                    final int offset = block * plan.destinationBlockSize();
                    final CoordinateBlock slice = destinations.slice(offset, Math.min(plan.destinationBlockSize(), destinationCount - offset));
                    pairs[0] += routeTile(content, slice);
                    if (++liveHeap[2] % 20 == 0) {
                        // Sampled after a full collection: live data, the figure that must not grow with the run.
                        final long gcStart = System.nanoTime();
                        System.gc();
                        liveHeap[1] += System.nanoTime() - gcStart;
                        liveHeap[0] = Math.max(liveHeap[0], ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                    }
                }
            }

            private long routeTile(final byte[] content, final CoordinateBlock slice) throws IOException {
                try (InputStream in = new ByteArrayInputStream(content);
                     RecordReader reader = readers.createRecordReader(Map.of(), in, content.length, runner.getLogger())) {
                    final TilePoints tile = tileReader.read(reader, TileAddress.parse(java.util.Map.of(TileAttributes.MODE, TileAttributes.MODE_COORDINATE_SET)), slice);
                    final MatrixResult matrix = TileMatrixRouter.route(engine, tile.origins(), tile.destinations(), stats);
                    try (ParquetRecordWriter rows = new ParquetRecordWriter(MatrixRowWriter.SCHEMA, parquetBytes,
                            new ParquetRecordWriter.Settings(CompressionCodecName.SNAPPY, 16L << 20, 1 << 20, true, List.of(), null))) {
                        rows.beginRecordSet();
                        final long written = new MatrixRowWriter(Double.POSITIVE_INFINITY, false).write(tile, matrix, rows).total();
                        rows.finishRecordSet();
                        return written;
                    }
                } catch (final Exception e) {
                    throw new IOException("tile failed: " + e.getMessage(), e);
                }
            }

            @Override
            public RecordSetWriter openInvalid(final RecordSchema schema) {
                throw new IllegalStateException("generated points are all valid");
            }

            @Override
            public void closeInvalid(final RecordSetWriter writer, final long records) {
            }
        });
        final long finalGc = System.nanoTime();
        System.gc();
        liveHeap[1] += System.nanoTime() - finalGc;
        liveHeap[0] = Math.max(liveHeap[0], ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        final double seconds = (System.nanoTime() - start - liveHeap[1]) / 1e9;
        final long expected = (long) originCount * destinationCount;
        if (pairs[0] != expected) {
            throw new AssertionError("wrote " + pairs[0] + " pairs, expected " + expected);
        }
        final long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        final double fill = expected / (double) stats.requests() / Math.min(limits.maxElements(), (long) plan.originBlockSize() * plan.destinationBlockSize());
        System.out.printf(Locale.ROOT, "| %s | %,d x %,d | %,d | %.1f | %,.0f | %,d | %.2f | %.1f | %.1f | %.0f | %.1f |%n", engineName, originCount,
                destinationCount, expected, seconds, expected / seconds, stats.requests(), fill, liveHeap[0] / 1048576.0, peakHeap / 1048576.0,
                peakRssMegabytes(), parquetBytes.count() / 1048576.0);
    }

    private static CoordinateBlock grid(final String prefix, final int count, final double lat, final double lon, final double spacing) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(count);
        final int side = (int) Math.ceil(Math.sqrt(count));
        for (int i = 0; i < count; i++) {
            builder.add(prefix + i, lat + (i % side) * spacing * 0.1, lon + (i / side) * spacing * 0.1);
        }
        return builder.build();
    }

    private static double peakRssMegabytes() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (final IOException ignored) {
            // not Linux
        }
        return Double.NaN;
    }

    /** CSV of a grid of points, generated as it is read. */
    private static InputStream generatedGrid(final String prefix, final int count, final double lat, final double lon, final double spacing) {
        final int side = (int) Math.ceil(Math.sqrt(count));
        return new GeneratedLines("id,latitude,longitude\n", count, next -> String.format(Locale.ROOT, "%s%d,%.6f,%.6f%n", prefix, next,
                lat + (next % side) * spacing * 0.1, lon + (next / side) * spacing * 0.1));
    }

    /** One stream for many Parquet files: each writer closes its own, so closing must not end the count. */
    private static final class UnclosableCountingStream extends OutputStream {
        private final CountingOutputStream counter = new CountingOutputStream();

        @Override
        public void write(final int b) {
            counter.write(b);
        }

        @Override
        public void write(final byte[] b, final int off, final int len) {
            counter.write(b, off, len);
        }

        long count() {
            return counter.count();
        }
    }
}
