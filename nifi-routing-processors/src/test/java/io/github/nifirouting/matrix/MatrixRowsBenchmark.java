package io.github.nifirouting.matrix;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.parquet.DictionaryEncoding;
import io.github.nifirouting.parquet.ParquetRecordWriter;
import io.github.nifirouting.testsupport.CountingOutputStream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

/**
 * Rows/s of writing matrix rows into the bundle's Parquet writer, the generic record path (a NiFi record per row)
 * against the fast path ({@link ParquetMatrixRows}), for 1000 x 1000 tiles with OSRM-like values (durations and
 * distances to 0.1, one snap distance per point), written into a stream that only counts bytes:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=MatrixRowsBenchmark -Dbenchmark.xmx=512m</pre>
 * Options: -Dbenchmark.tiles=5 (tiles per measurement), -Dbenchmark.rounds=3, -Dbenchmark.only=fast|records (one path, e.g. to
 * profile it). rows/CPU-second is the writing thread's CPU time, the figure that holds on a loaded machine; rows/s is wall time.
 */
@Tag("benchmark")
class MatrixRowsBenchmark {

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    @Test
    void fastPathAgainstRecordPath() throws Exception {
        final int size = 1000;
        final int tiles = Integer.getInteger("benchmark.tiles", 5);
        final int rounds = Integer.getInteger("benchmark.rounds", 3);
        final CoordinateBlock origins = block("site-", size);
        final CoordinateBlock destinations = block("competitor-", size);
        final MatrixResult matrix = osrmLike(size, new Random(14));
        final TilePoints tile = new TilePoints(origins, destinations, List.of(), List.of());
        System.out.printf("%nMatrix rows into Parquet, %d x %d tiles, %d tiles per measurement, max heap %d MB%n", size, size, tiles,
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%-8s %-12s %-22s %6s %14s %18s %12s%n", "path", "codec", "dictionary", "round", "rows/s", "rows/CPU-second",
                "MB per tile");
        final String only = System.getProperty("benchmark.only");
        final Object[][] layouts = {
                {CompressionCodecName.ZSTD, DictionaryEncoding.ALL, 3},
                {CompressionCodecName.ZSTD, DictionaryEncoding.ALL, 1},
                {CompressionCodecName.ZSTD, DictionaryEncoding.NOT_FLOATING_POINT, 1},
                {CompressionCodecName.ZSTD, DictionaryEncoding.NONE, 1},
                {CompressionCodecName.SNAPPY, DictionaryEncoding.ALL, 3},
        };
        for (final Object[] layout : layouts) {
            final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings((CompressionCodecName) layout[0], 16L << 20, 1 << 20,
                    (DictionaryEncoding) layout[1], (Integer) layout[2], List.of(), null);
            for (int round = 0; round < rounds; round++) {
                for (final boolean fast : new boolean[]{false, true}) {
                    if (only != null && !only.equals(fast ? "fast" : "records")) {
                        continue;
                    }
                    final CountingOutputStream counting = new CountingOutputStream();
                    long rows = 0;
                    final long start = System.nanoTime();
                    final long startCpu = THREADS.getCurrentThreadCpuTime();
                    for (int t = 0; t < tiles; t++) {
                        try (ParquetRecordWriter writer = new ParquetRecordWriter(MatrixRowWriter.SCHEMA, counting, settings)) {
                            writer.beginRecordSet();
                            final MatrixRowSink sink = fast ? MatrixRowSink.of(writer) : MatrixRowSink.records(writer);
                            rows += new MatrixRowWriter(Double.POSITIVE_INFINITY, false).write(tile, matrix, sink).total();
                            writer.finishRecordSet();
                        }
                    }
                    final double seconds = (System.nanoTime() - start) / 1e9;
                    final double cpuSeconds = (THREADS.getCurrentThreadCpuTime() - startCpu) / 1e9;
                    System.out.printf("%-8s %-12s %-22s %6d %,14.0f %,18.0f %12.2f%n", fast ? "fast" : "records",
                            layout[0] + (layout[0] == CompressionCodecName.ZSTD ? "-" + layout[2] : ""), layout[1], round,
                            rows / seconds, rows / cpuSeconds, counting.count() / 1048576.0 / tiles);
                }
            }
        }
    }

    /** Durations and distances as OSRM gives them (one decimal), a few unroutable cells, a snap distance per point. */
    static MatrixResult osrmLike(final int size, final Random random) {
        final double[] durations = new double[size * size];
        final double[] distances = new double[size * size];
        for (int cell = 0; cell < durations.length; cell++) {
            if (random.nextInt(1000) == 0) {
                durations[cell] = Double.NaN;
                distances[cell] = Double.NaN;
            } else {
                durations[cell] = Math.round(random.nextDouble() * 3600 * 10) / 10.0;
                distances[cell] = Math.round(random.nextDouble() * 60_000 * 10) / 10.0;
            }
        }
        final double[] originSnaps = new double[size];
        final double[] destinationSnaps = new double[size];
        for (int i = 0; i < size; i++) {
            originSnaps[i] = Math.round(random.nextDouble() * 300 * 1e6) / 1e6;
            destinationSnaps[i] = Math.round(random.nextDouble() * 300 * 1e6) / 1e6;
        }
        return new MatrixResult(size, size, durations, distances, originSnaps, destinationSnaps);
    }

    static CoordinateBlock block(final String prefix, final int size) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(size);
        for (int i = 0; i < size; i++) {
            builder.add(prefix + i, 42.5 + i * 1e-4, 1.5 + i * 1e-4);
        }
        return builder.build();
    }
}
