package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.osrm.OsrmTableProtocol;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.parquet.DictionaryEncoding;
import io.github.nifirouting.parquet.ParquetRecordWriter;
import io.github.nifirouting.testsupport.CountingOutputStream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * NiFi's CPU per matrix pair on InvokeRoutingMatrix's path from an OSRM {@code /table} answer to Parquet bytes: the body of a
 * 1000 x 1000 answer (as osrm-routed v6.0.0 sends it with {@code generate_hints=false}: durations and distances to 0.1,
 * a few {@code null} cells and small negative same-segment distances, waypoints with distance, name and location) is read by
 * {@link OsrmTableProtocol#readMatrix} and written by {@link MatrixRowWriter} into the bundle's Parquet writer with the
 * drive-time template's settings (ZSTD 1, dictionaries on all but floating-point columns, 16 MB row groups, 1 MB pages):
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=OsrmTableToParquetBenchmark -Dbenchmark.xmx=512m</pre>
 * Options: -Dbenchmark.tiles=5 (answers per round), -Dbenchmark.rounds=4, -Dbenchmark.codec=ZSTD|SNAPPY|UNCOMPRESSED, -Dbenchmark.zstd.level=1 and
 * -Dbenchmark.dictionary=NOT_FLOATING_POINT|ALL|NONE (the writer's Compression and Dictionary Encoding). Prints pairs per CPU-second of the measuring
 * thread (reading the answer, writing the rows, and both), the figure that holds on a loaded machine, and the whole JVM's CPU
 * time per pair (garbage collection and JIT compilation included; the benchmark profile runs SerialGC); the first round
 * includes JIT warm-up.
 */
@Tag("benchmark")
class OsrmTableToParquetBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The whole JVM's CPU time, garbage collection and JIT compilation included. */
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final int SIZE = 1000;

    @Test
    void osrmAnswerToParquetBytes() throws Exception {
        final int tiles = Integer.getInteger("benchmark.tiles", 5);
        final int rounds = Integer.getInteger("benchmark.rounds", 4);
        final Random random = new Random(14);
        final CoordinateBlock origins = MatrixRowsBenchmark.block("site-", SIZE);
        final CoordinateBlock destinations = MatrixRowsBenchmark.block("competitor-", SIZE);
        final TilePoints tile = new TilePoints(origins, destinations, List.of(), List.of());
        final byte[] body = osrmBody(random);
        final OsrmTableProtocol protocol = new OsrmTableProtocol("car");
        final HttpHeaders headers = HttpHeaders.of(Map.of("Content-Type", List.of("application/json; charset=UTF-8")), (name, value) -> true);
        final CompressionCodecName codec = CompressionCodecName.valueOf(System.getProperty("benchmark.codec", "ZSTD"));
        final DictionaryEncoding dictionary = DictionaryEncoding.valueOf(System.getProperty("benchmark.dictionary", "NOT_FLOATING_POINT"));
        final int zstdLevel = Integer.getInteger("benchmark.zstd.level", 1);
        final ParquetRecordWriter.Settings template = new ParquetRecordWriter.Settings(codec, 16L << 20, 1 << 20, dictionary, zstdLevel, List.of(),
                null);
        System.out.printf(Locale.ROOT, "%nOSRM /table answer (%d x %d, %.1f MB of JSON) to Parquet (%s level %d, dictionary %s), %d answers per "
                + "round, max heap %d MB, load average %.2f%n", SIZE, SIZE, body.length / 1048576.0, codec, zstdLevel, dictionary, tiles,
                Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "%6s %18s %18s %18s %14s %20s %14s %12s%n", "round", "pairs/CPU-s total", "pairs/CPU-s read", "pairs/CPU-s write",
                "ns CPU/pair", "process ns CPU/pair", "pairs/s wall", "MB per tile");
        for (int round = 0; round < rounds; round++) {
            final CountingOutputStream out = new CountingOutputStream();
            long readCpu = 0;
            long writeCpu = 0;
            long pairs = 0;
            final long start = System.nanoTime();
            final long startProcess = PROCESS.getProcessCpuTime();
            for (int t = 0; t < tiles; t++) {
                final long beforeRead = THREADS.getCurrentThreadCpuTime();
                final MatrixResult matrix = protocol.readMatrix(200, headers, new ByteArrayInputStream(body), SIZE, SIZE);
                final long beforeWrite = THREADS.getCurrentThreadCpuTime();
                try (ParquetRecordWriter writer = new ParquetRecordWriter(MatrixRowWriter.SCHEMA, out, template)) {
                    writer.beginRecordSet();
                    pairs += new MatrixRowWriter(Double.POSITIVE_INFINITY, false).write(tile, matrix, MatrixRowSink.of(writer)).total();
                    writer.finishRecordSet();
                }
                final long end = THREADS.getCurrentThreadCpuTime();
                readCpu += beforeWrite - beforeRead;
                writeCpu += end - beforeWrite;
            }
            final double wall = (System.nanoTime() - start) / 1e9;
            final long processCpu = PROCESS.getProcessCpuTime() - startProcess;
            assertEquals((long) tiles * SIZE * SIZE, pairs);
            System.out.printf(Locale.ROOT, "%6d %,18.0f %,18.0f %,18.0f %14.1f %20.1f %,14.0f %12.2f%n", round, pairs / ((readCpu + writeCpu) / 1e9),
                    pairs / (readCpu / 1e9), pairs / (writeCpu / 1e9), (readCpu + writeCpu) / (double) pairs, processCpu / (double) pairs, pairs / wall,
                    out.count() / 1048576.0 / tiles);
        }
    }

    /**
     * A body shaped like osrm-routed's: durations to 0.1 s and distances to 0.1 m, one cell in a thousand {@code null}, one in
     * five hundred a same-segment pair (duration 0, distance down to -1.3 m), waypoints with a snap distance to 6 decimals.
     */
    static byte[] osrmBody(final Random random) {
        final StringBuilder durations = new StringBuilder(SIZE * SIZE * 7);
        final StringBuilder distances = new StringBuilder(SIZE * SIZE * 8);
        for (int r = 0; r < SIZE; r++) {
            durations.append(r == 0 ? "[" : ",[");
            distances.append(r == 0 ? "[" : ",[");
            for (int c = 0; c < SIZE; c++) {
                final String separator = c == 0 ? "" : ",";
                final int kind = random.nextInt(1000);
                if (kind == 0) {
                    durations.append(separator).append("null");
                    distances.append(separator).append("null");
                } else if (kind <= 2) {
                    durations.append(separator).append('0');
                    distances.append(separator).append(-random.nextInt(14) / 10.0);
                } else {
                    durations.append(separator).append(Math.round(random.nextDouble() * 3600 * 10) / 10.0);
                    distances.append(separator).append(Math.round(random.nextDouble() * 60_000 * 10) / 10.0);
                }
            }
            durations.append(']');
            distances.append(']');
        }
        final String json = "{\"code\":\"Ok\",\"distances\":[" + distances + "],\"durations\":[" + durations + "],\"sources\":" + waypoints(random)
                + ",\"destinations\":" + waypoints(random) + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static String waypoints(final Random random) {
        final StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < SIZE; i++) {
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"distance\":%.6f,\"name\":\"Carrer de la Unio\",\"location\":[%.6f,%.6f]}",
                    random.nextDouble() * 300, 1.5 + random.nextDouble() * 0.2, 42.45 + random.nextDouble() * 0.2));
        }
        return json.append(']').toString();
    }
}
