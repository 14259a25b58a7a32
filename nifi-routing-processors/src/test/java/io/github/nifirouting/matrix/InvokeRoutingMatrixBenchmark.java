package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import io.github.nifirouting.testsupport.CountingOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What one InvokeRoutingMatrix task costs per tile: the HTTP round trip to an OSRM-format server on loopback that
 * answers instantly, streaming parse into flat arrays, and writing every pair with NiFi's CSV record writer into a
 * counting stream. Run with:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=InvokeRoutingMatrixBenchmark -Dbenchmark.xmx=256m</pre>
 */
@Tag("benchmark")
class InvokeRoutingMatrixBenchmark {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    @Test
    void pairsPerSecondAndPeakHeapPerTileSize() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(1).maxTableSize(1000)) {
            final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
            final OsrmRoutingEngine engine = new OsrmRoutingEngine();
            runner.addControllerService("osrm", engine);
            runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.setProperty(engine, OsrmRoutingEngine.MAX_TABLE_SIZE, "1000");
            runner.setProperty(engine, OsrmRoutingEngine.MAX_URL_LENGTH, "200000");
            runner.enableControllerService(engine);
            final CSVRecordSetWriter writer = new CSVRecordSetWriter();
            runner.addControllerService("csv", writer);
            runner.enableControllerService(writer);
            final RecordSetWriterFactory writers = (RecordSetWriterFactory) runner.getControllerService("csv");

            System.out.printf("%nInvokeRoutingMatrix per-tile cost (OSRM-format server on loopback, CSV writer), max heap %d MB%n",
                    Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("%12s %8s %12s %14s %12s %14s%n", "tile", "tiles", "pairs", "pairs/s", "MB written", "peak heap MB");
            for (final int[] shape : List.of(new int[]{100, 100, 50}, new int[]{1000, 1000, 3})) {
                final CoordinateBlock origins = block("o", shape[0], 47.0);
                final CoordinateBlock destinations = block("d", shape[1], 47.2);
                System.gc();
                ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                final CountingOutputStream counting = new CountingOutputStream();
                long pairs = 0;
                final long start = System.nanoTime();
                for (int t = 0; t < shape[2]; t++) {
                    final MatrixResult matrix = TileMatrixRouter.route(engine, origins, destinations, new CallStats());
                    try (RecordSetWriter rows = writers.createWriter(runner.getLogger(), MatrixRowWriter.SCHEMA, counting, Map.of())) {
                        rows.beginRecordSet();
                        pairs += new MatrixRowWriter(Double.POSITIVE_INFINITY, false)
                                .write(new TilePoints(origins, destinations, List.of(), List.of()), matrix, rows).total();
                        rows.finishRecordSet();
                    }
                }
                final double seconds = (System.nanoTime() - start) / 1e9;
                assertEquals((long) shape[0] * shape[1] * shape[2], pairs);
                final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                System.out.printf("%12s %8d %,12d %,14.0f %12.1f %14.1f%n", shape[0] + " x " + shape[1], shape[2], pairs, pairs / seconds,
                        counting.count() / 1048576.0, peak / 1048576.0);
            }
        }
    }

    private static CoordinateBlock block(final String prefix, final int size, final double latitude) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(size);
        for (int i = 0; i < size; i++) {
            builder.add(prefix + i, latitude + (i % 50) * 0.002, 8.0 + (i / 50) * 0.002);
        }
        return builder.build();
    }
}
