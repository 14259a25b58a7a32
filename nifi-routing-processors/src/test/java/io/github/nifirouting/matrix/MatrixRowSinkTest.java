package io.github.nifirouting.matrix;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.parquet.DictionaryEncoding;
import io.github.nifirouting.parquet.ParquetRecordWriter;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Parquet fast paths ({@link DictionaryMatrixRows} under "All But Floating Point", {@link ParquetMatrixRows} under the
 * other dictionary settings) write exactly the rows of the generic record path: both files are read back with DuckDB and
 * compared row by row, for a tile with every status, nulls, invalid points and self pairs.
 */
class MatrixRowSinkTest {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final double MAX_SNAP = 500;

    @TempDir
    Path dir;

    @Test
    void parquetFastPathWritesTheRowsOfTheRecordPath() throws Exception {
        final Tile tile = tileWithEveryKindOfPair();
        for (final DictionaryEncoding dictionary : DictionaryEncoding.values()) {
            final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(CompressionCodecName.ZSTD, 16L << 20, 1 << 20,
                    dictionary, 1, List.of(), null);
            final Path generic = dir.resolve("generic-" + dictionary + ".parquet");
            final Path fast = dir.resolve("fast-" + dictionary + ".parquet");
            final MatrixRowWriter.Counts genericCounts = writeParquet(generic, settings, tile, false);
            final MatrixRowWriter.Counts fastCounts = writeParquet(fast, settings, tile, true);

            final List<List<Object>> expected = readWithDuckDb(generic);
            final List<List<Object>> actual = readWithDuckDb(fast);
            assertEquals(expected.size(), actual.size());
            for (int row = 0; row < expected.size(); row++) {
                assertEquals(expected.get(row), actual.get(row), "row " + row);
            }
            assertEquals(genericCounts.total(), actual.size());
            assertEquals(genericCounts.ok, fastCounts.ok);
            assertEquals(genericCounts.selfPairsSkipped, fastCounts.selfPairsSkipped);
            // What the tile holds, so the comparison above covers every case.
            assertEquals(Map.of(MatrixRowFields.STATUS_OK, 1L, MatrixRowFields.STATUS_UNROUTABLE, 1L, MatrixRowFields.STATUS_BEYOND_CUTOFF, 1L,
                    MatrixRowFields.STATUS_ESTIMATED, 1L, MatrixRowFields.STATUS_NO_ROAD, 1L, MatrixRowFields.STATUS_SNAPPED_TOO_FAR, 1L,
                    MatrixRowFields.STATUS_INVALID_COORDINATE, 1L), statusesPresent(actual));
            assertEquals(1, genericCounts.selfPairsSkipped, "the self pair o1 -> o1 is left out");
            assertTrue(actual.stream().anyMatch(row -> row.get(2) != null && row.get(3) == null), "an OK pair without a distance");
            assertTrue(actual.stream().anyMatch(row -> row.get(5) == null), "a row without a snap distance");
            if (dictionary != DictionaryEncoding.NOT_FLOATING_POINT) {
                // Same settings, same values, same order, parquet-java's column writers: the same file, byte for byte.
                assertArrayEquals(Files.readAllBytes(generic), Files.readAllBytes(fast));
            }
        }
    }

    @Test
    void exceptFloatingPointKeepsTheDictionaryForTextOnly() throws Exception {
        final Path file = dir.resolve("except-floating-point.parquet");
        writeParquet(file, new ParquetRecordWriter.Settings(CompressionCodecName.ZSTD, 16L << 20, 1 << 20, DictionaryEncoding.NOT_FLOATING_POINT, 1,
                List.of(), null), tileWithEveryKindOfPair(), true);
        final Map<String, String> encodings = new java.util.TreeMap<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet columns = sql.executeQuery("SELECT path_in_schema, encodings FROM parquet_metadata('" + file + "')")) {
            while (columns.next()) {
                encodings.put(columns.getString(1), columns.getString(2));
            }
        }
        for (final String text : List.of(MatrixRowFields.ORIGIN_ID, MatrixRowFields.DESTINATION_ID, MatrixRowFields.STATUS)) {
            assertTrue(encodings.get(text).contains("DICTIONARY"), text + ": " + encodings);
        }
        for (final String number : List.of(MatrixRowFields.DURATION_S, MatrixRowFields.DISTANCE_M, MatrixRowFields.ORIGIN_SNAP_M)) {
            assertFalse(encodings.get(number).contains("DICTIONARY"), number + ": " + encodings);
        }
    }

    @Test
    void manyRowGroupsAndPagesStayEqual() throws Exception {
        final int size = 400;
        final CoordinateBlock origins = block("o", size);
        final CoordinateBlock destinations = block("o", size);
        final double[] durations = new double[size * size];
        final double[] distances = new double[size * size];
        for (int cell = 0; cell < durations.length; cell++) {
            durations[cell] = cell % 101 == 0 ? Double.NaN : Math.round(cell * 0.37 % 3600 * 10) / 10.0;
            distances[cell] = cell % 101 == 0 ? Double.NaN : Math.round(cell * 3.1 % 90_000 * 10) / 10.0;
        }
        final double[] snaps = new double[size];
        Arrays.setAll(snaps, i -> i * 0.5);
        final Tile tile = new Tile(new TilePoints(origins, destinations, List.of("bad"), List.of()),
                new MatrixResult(size, size, durations, distances, snaps, snaps.clone()));
        for (final DictionaryEncoding dictionary : List.of(DictionaryEncoding.ALL, DictionaryEncoding.NOT_FLOATING_POINT)) {
            for (final CompressionCodecName codec : List.of(CompressionCodecName.SNAPPY, CompressionCodecName.UNCOMPRESSED)) {
                final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(codec, 256 << 10, 16 << 10, dictionary, 1,
                        List.of(), null);
                final Path generic = dir.resolve("generic-" + dictionary + codec + ".parquet");
                final Path fast = dir.resolve("fast-" + dictionary + codec + ".parquet");
                writeParquet(generic, settings, tile, false);
                writeParquet(fast, settings, tile, true);
                assertSameRows(generic, fast, size);
                if (dictionary == DictionaryEncoding.ALL) {
                    assertArrayEquals(Files.readAllBytes(generic), Files.readAllBytes(fast));
                }
            }
        }
    }

    private static void assertSameRows(final Path generic, final Path fast, final int size) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            try (ResultSet groups = sql.executeQuery("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + fast + "')")) {
                groups.next();
                assertTrue(groups.getLong(1) > 1, "several row groups");
            }
            try (ResultSet differences = sql.executeQuery("SELECT count(*) FROM (SELECT *, row_number() OVER () FROM read_parquet('" + generic
                    + "') EXCEPT ALL SELECT *, row_number() OVER () FROM read_parquet('" + fast + "'))")) {
                differences.next();
                assertEquals(0, differences.getLong(1));
            }
            try (ResultSet count = sql.executeQuery("SELECT count(*) FROM read_parquet('" + fast + "')")) {
                count.next();
                assertEquals((long) size * size - size + size, count.getLong(1), "self pairs left out, the invalid origin's pairs added");
            }
        }
    }

    @Test
    void otherWritersGetOneRecordPerRow() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final CSVRecordSetWriter csv = new CSVRecordSetWriter();
        runner.addControllerService("csv", csv);
        runner.enableControllerService(csv);
        final RecordSetWriterFactory writers = (RecordSetWriterFactory) runner.getControllerService("csv");
        final Tile tile = tileWithEveryKindOfPair();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RecordSetWriter writer = writers.createWriter(runner.getLogger(), MatrixRowWriter.SCHEMA, out, Map.of())) {
            writer.beginRecordSet();
            final MatrixRowSink sink = MatrixRowSink.of(writer);
            assertInstanceOf(RecordMatrixRows.class, sink);
            new MatrixRowWriter(MAX_SNAP, true).write(tile.points(), tile.matrix(), sink);
            assertEquals(6 * 2 - 1 + 2, writer.finishRecordSet().getRecordCount());
        }
        final String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("o1,d1,61.5,,OK,,2.5"), text);
        assertTrue(text.contains("bad,d1,,,INVALID_COORDINATE,,"), text);
    }

    private MatrixRowWriter.Counts writeParquet(final Path file, final ParquetRecordWriter.Settings settings, final Tile tile, final boolean fast)
            throws Exception {
        try (OutputStream out = Files.newOutputStream(file);
             ParquetRecordWriter writer = new ParquetRecordWriter(MatrixRowWriter.SCHEMA, out, settings)) {
            writer.beginRecordSet();
            final MatrixRowSink sink = fast ? MatrixRowSink.of(writer) : MatrixRowSink.records(writer);
            final Class<?> fastSink = settings.dictionary() == DictionaryEncoding.NOT_FLOATING_POINT ? DictionaryMatrixRows.class
                    : ParquetMatrixRows.class;
            assertEquals(fast ? fastSink : RecordMatrixRows.class, sink.getClass());
            final MatrixRowWriter.Counts counts = new MatrixRowWriter(MAX_SNAP, true).write(tile.points(), tile.matrix(), sink);
            assertEquals(counts.total(), writer.finishRecordSet().getRecordCount(), "flat rows count as records");
            return counts;
        }
    }

    /**
     * Origins o0..o5 x destinations d1, o1: one pair of each status, unreachable cells, a NaN distance, unknown snaps,
     * an off-network origin, a far snap, an invalid origin, and the self pair o1 -> o1.
     */
    private static Tile tileWithEveryKindOfPair() {
        final CoordinateBlock origins = block("o", 6);
        final CoordinateBlock destinations = CoordinateBlock.of(new String[]{"d1", "o1"}, new double[]{42.5, 42.501}, new double[]{1.5, 1.501});
        // Row-major, columns d1, o1. o0 -> d1 unroutable, o1 -> d1 OK without distance, o2 -> d1 beyond cutoff,
        // o3 -> d1 estimated, o4 off network, o5 snapped too far.
        final double[] durations = {Double.NaN, 10.5, 61.5, 0.0, MatrixResult.BEYOND_CUTOFF, 20.0, 12.0, 13.5, 30.0, 31.0, 45.25, 46.0};
        final double[] distances = {Double.NaN, 100.0, Double.NaN, 0.0, Double.NaN, 250.0, 140.0, 160.5, 300.0, 310.0, 900.5, 901.0};
        final double[] originSnaps = {1.0, Double.NaN, 3.0, 4.0, Double.NaN, MAX_SNAP + 1};
        final double[] destinationSnaps = {2.5, Double.NaN};
        final BitSet offNetworkOrigins = new BitSet();
        offNetworkOrigins.set(4);
        final BitSet estimated = new BitSet();
        estimated.set(3 * 2);
        final MatrixResult matrix = new MatrixResult(6, 2, durations, distances, originSnaps, destinationSnaps, offNetworkOrigins, new BitSet(),
                estimated);
        return new Tile(new TilePoints(origins, destinations, List.of("bad"), List.of()), matrix);
    }

    private static CoordinateBlock block(final String prefix, final int size) {
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(size);
        for (int i = 0; i < size; i++) {
            builder.add(prefix + i, 42.5 + i * 0.001, 1.5 + i * 0.001);
        }
        return builder.build();
    }

    private static List<List<Object>> readWithDuckDb(final Path file) throws Exception {
        final List<List<Object>> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet result = sql.executeQuery("SELECT origin_id, destination_id, duration_s, distance_m, status, origin_snap_m, "
                     + "destination_snap_m FROM read_parquet('" + file + "')")) {
            while (result.next()) {
                final List<Object> row = new ArrayList<>();
                for (int column = 1; column <= 7; column++) {
                    row.add(result.getObject(column));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Map<String, Long> statusesPresent(final List<List<Object>> rows) {
        final Map<String, Long> statuses = new java.util.TreeMap<>();
        rows.stream().map(row -> Objects.toString(row.get(4))).distinct().forEach(status -> statuses.put(status, 1L));
        return statuses;
    }

    private record Tile(TilePoints points, MatrixResult matrix) {
    }
}
