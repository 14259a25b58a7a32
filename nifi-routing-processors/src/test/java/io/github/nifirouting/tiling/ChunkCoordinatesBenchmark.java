package io.github.nifirouting.tiling;

import io.github.nifirouting.coordinates.DuplicateIdPolicy;
import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.processors.ChunkCoordinates;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.record.RecordSchema;
import io.github.nifirouting.testsupport.CountingOutputStream;
import io.github.nifirouting.testsupport.GeneratedLines;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Streams generated points through ChunkCoordinates' tiler with NiFi's real CSVReader and CSVRecordSetWriter, without a
 * session (the mock session keeps all content in memory). Run with a small heap:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=ChunkCoordinatesBenchmark -Dbenchmark.xmx=128m</pre>
 */
@Tag("benchmark")
class ChunkCoordinatesBenchmark {

    @Test
    void streamsMillionsOfPointsInConstantMemory() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ChunkCoordinates.class);
        final CSVReader reader = new CSVReader();
        runner.addControllerService("csv", reader);
        // Header-derived schema: no inference pass that would read ahead.
        runner.setProperty(reader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(reader);
        final CSVRecordSetWriter writer = new CSVRecordSetWriter();
        runner.addControllerService("csv-writer", writer);
        runner.enableControllerService(writer);
        final RecordReaderFactory readers = (RecordReaderFactory) runner.getControllerService("csv");
        final RecordSetWriterFactory writers = (RecordSetWriterFactory) runner.getControllerService("csv-writer");

        System.out.printf("%nChunkCoordinates streaming benchmark (both passes), max heap %d MB, chunk size 1000%n",
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%12s %10s %10s %14s %10s %14s %18s%n", "points", "dup ids", "chunks", "records/s", "seconds", "peak heap MB",
                "heap after GC MB");
        measure(1_000_000, DuplicateIdPolicy.KEEP, readers, writers, runner);
        measure(10_000_000, DuplicateIdPolicy.KEEP, readers, writers, runner);
        // Duplicate detection holds 8-16 bytes per distinct id (a 64-bit fingerprint table at load factor <= 0.5).
        measure(1_000_000, DuplicateIdPolicy.ROUTE, readers, writers, runner);
    }

    private static void measure(final int points, final DuplicateIdPolicy policy, final RecordReaderFactory readers, final RecordSetWriterFactory writers,
                                final TestRunner runner) throws Exception {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        final PointTiler tiler = new PointTiler(PointFields.of("id", "latitude", "longitude"), policy);
        final PointTiler.RecordSource source = () -> readers.createRecordReader(Map.of(), new java.io.BufferedInputStream(generatedPoints(points), 65536), -1, runner.getLogger());
        final CountingSink sink = new CountingSink(writers, runner);
        final long start = System.nanoTime();
        final PointTiler.Scan scan = tiler.scan(source, false);
        tiler.writeChunks(source, 1000, scan.invalid() > 0, sink);
        final double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(points, scan.valid());
        assertEquals(points, sink.records);
        final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.gc();
        final long afterGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf("%,12d %10s %,10d %,14.0f %10.1f %14.1f %18.1f%n", points, policy.getValue(), sink.outputs, points / seconds, seconds,
                peak / 1048576.0, afterGc / 1048576.0);
    }

    /** CSV text of {@code count} points, produced as it is read. */
    static InputStream generatedPoints(final int count) {
        return new GeneratedLines("id,latitude,longitude,name\n", count,
                i -> "site-" + i + "," + (40 + (i % 100_000) * 1e-4) + "," + (-3 + (i / 100_000) * 1e-3) + ",candidate " + i + "\n");
    }

    /** Writes every chunk with the real writer into a stream that only counts bytes. */
    private static final class CountingSink implements PointTiler.Sink {
        private final RecordSetWriterFactory writers;
        private final TestRunner runner;
        long records;
        long outputs;

        CountingSink(final RecordSetWriterFactory writers, final TestRunner runner) {
            this.writers = writers;
            this.runner = runner;
        }

        private RecordSetWriter open(final RecordSchema schema) throws IOException {
            try {
                return writers.createWriter(runner.getLogger(), writers.getSchema(Map.of(), schema), new CountingOutputStream(), Map.of());
            } catch (final org.apache.nifi.schema.access.SchemaNotFoundException e) {
                throw new IOException(e);
            }
        }

        @Override
        public RecordSetWriter openOutput(final int index, final RecordSchema schema) throws IOException {
            return open(schema);
        }

        @Override
        public void closeOutput(final int index, final RecordSetWriter writer, final long count) throws IOException {
            writer.finishRecordSet();
            writer.close();
            records += count;
            outputs++;
        }

        @Override
        public RecordSetWriter openInvalid(final RecordSchema schema) throws IOException {
            return open(schema);
        }

        @Override
        public void closeInvalid(final RecordSetWriter writer, final long count) throws IOException {
            writer.finishRecordSet();
            writer.close();
        }
    }
}
