package io.github.nifirouting.parquet;

import io.github.nifirouting.matrix.MatrixRowWriter;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import io.github.nifirouting.testsupport.CountingOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows/s and peak heap writing matrix rows (2 string ids, 2 doubles, 1 status) to Parquet in a small heap, into a
 * stream that only counts bytes:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=ParquetWriterBenchmark -Dbenchmark.xmx=128m</pre>
 */
@Tag("benchmark")
class ParquetWriterBenchmark {

    @Test
    void tenMillionMatrixRows() throws Exception {
        System.out.printf("%nParquet writer, matrix rows, max heap %d MB, row group 16 MB, page 1 MB%n", Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%12s %14s %12s %14s %14s %22s%n", "rows", "codec", "rows/s", "MB written", "peak heap MB",
                "max heap after GC MB");
        for (final int rows : new int[]{1_000_000, 10_000_000}) {
            measure(rows, CompressionCodecName.SNAPPY);
        }
        measure(10_000_000, CompressionCodecName.ZSTD);
    }

    private static void measure(final int rows, final CompressionCodecName codec) throws Exception {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        final CountingOutputStream counting = new CountingOutputStream();
        long maxAfterGc = 0;
        long gcNanos = 0;
        final long start = System.nanoTime();
        try (ParquetRecordWriter writer = new ParquetRecordWriter(MatrixRowWriter.SCHEMA, counting,
                new ParquetRecordWriter.Settings(codec, 16L << 20, 1 << 20, true, List.of(), null))) {
            writer.beginRecordSet();
            for (int i = 0; i < rows; i++) {
                final Map<String, Object> values = new HashMap<>(8);
                values.put("origin_id", "site-" + (i / 2000));
                values.put("destination_id", "competitor-" + (i % 2000));
                values.put("duration_s", (i * 7919L % 7200) + 0.5);
                values.put("distance_m", (i * 104729L % 150_000) + 0.25);
                values.put("status", i % 50 == 0 ? "UNROUTABLE" : "OK");
                writer.write(new MapRecord(MatrixRowWriter.SCHEMA, values));
                if (i % 1_000_000 == 999_999) {
                    // Live data, not garbage: what must not grow with the row count.
                    final long gcStart = System.nanoTime();
                    System.gc();
                    gcNanos += System.nanoTime() - gcStart;
                    maxAfterGc = Math.max(maxAfterGc, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
            }
            writer.finishRecordSet();
        }
        final double seconds = (System.nanoTime() - start - gcNanos) / 1e9;
        final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf("%,12d %14s %,12.0f %14.1f %14.1f %22.1f%n", rows, codec, rows / seconds, counting.count() / 1048576.0,
                peak / 1048576.0, maxAfterGc / 1048576.0);
    }
}
