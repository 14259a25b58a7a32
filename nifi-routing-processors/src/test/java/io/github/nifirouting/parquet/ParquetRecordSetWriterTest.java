package io.github.nifirouting.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.matrix.MatrixRowWriter;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKTReader;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes with the Parquet writer service and reads back with DuckDB (an independent reader) and with our reader. */
class ParquetRecordSetWriterTest {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TestRunner runner;

    @BeforeEach
    void setUp() {
        runner = TestRunners.newTestRunner(NoopProcessor.class);
    }

    private ParquetRecordSetWriter writerService(final Map<String, String> properties) throws Exception {
        final ParquetRecordSetWriter service = new ParquetRecordSetWriter();
        runner.addControllerService("parquet-" + properties.hashCode(), service);
        properties.forEach((name, value) -> runner.setProperty(service, name, value));
        runner.enableControllerService(service);
        return service;
    }

    private Path write(final ParquetRecordSetWriter service, final RecordSchema schema, final Iterable<Record> records) throws Exception {
        final Path file = Files.createTempFile(dir, "out", ".parquet");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file));
             RecordSetWriter writer = service.createWriter(runner.getLogger(), schema, out, Map.of())) {
            writer.beginRecordSet();
            for (final Record record : records) {
                writer.write(record);
            }
            final WriteResult result = writer.finishRecordSet();
            assertEquals(ParquetRecordWriter.MIME_TYPE, writer.getMimeType());
            assertTrue(result.getRecordCount() >= 0);
        }
        return file;
    }

    private static Connection duckdb() throws Exception {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    private static final RecordSchema ADDRESS = new SimpleRecordSchema(List.of(
            new RecordField("city", RecordFieldType.STRING.getDataType()),
            new RecordField("zip", RecordFieldType.INT.getDataType())));

    private static final RecordSchema ALL_TYPES = new SimpleRecordSchema(List.of(
            new RecordField("s", RecordFieldType.STRING.getDataType()),
            new RecordField("i", RecordFieldType.INT.getDataType()),
            new RecordField("l", RecordFieldType.LONG.getDataType()),
            new RecordField("f", RecordFieldType.FLOAT.getDataType()),
            new RecordField("d", RecordFieldType.DOUBLE.getDataType()),
            new RecordField("b", RecordFieldType.BOOLEAN.getDataType()),
            new RecordField("ts", RecordFieldType.TIMESTAMP.getDataType()),
            new RecordField("day", RecordFieldType.DATE.getDataType()),
            new RecordField("address", RecordFieldType.RECORD.getRecordDataType(ADDRESS)),
            new RecordField("tags", RecordFieldType.ARRAY.getArrayDataType(RecordFieldType.STRING.getDataType())),
            new RecordField("weights", RecordFieldType.MAP.getMapDataType(RecordFieldType.DOUBLE.getDataType()))));

    private static Record allTypes(final int i, final boolean nulls) {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("s", nulls ? null : "site-" + i);
        values.put("i", nulls ? null : i);
        values.put("l", nulls ? null : 10_000_000_000L + i);
        values.put("f", nulls ? null : 1.5f * i);
        values.put("d", nulls ? null : 0.25 * i);
        values.put("b", nulls ? null : i % 2 == 0);
        values.put("ts", nulls ? null : new Timestamp(1_700_000_000_000L + i * 1000L));
        values.put("day", nulls ? null : java.sql.Date.valueOf(LocalDate.of(2026, 11, 24)));
        values.put("address", nulls ? null : new MapRecord(ADDRESS, new HashMap<>(Map.of("city", "Andorra la Vella", "zip", 500 + i))));
        values.put("tags", nulls ? null : new Object[]{"a", null, "c" + i});
        values.put("weights", nulls ? null : Map.of("area", 12.5));
        return new MapRecord(ALL_TYPES, values);
    }

    @ParameterizedTest(name = "codec {0}")
    @ValueSource(strings = {"SNAPPY", "ZSTD", "GZIP", "UNCOMPRESSED"})
    void everyTypeAndNullsRoundTripThroughDuckDb(final String codec) throws Exception {
        final Path file = write(writerService(Map.of("Compression", codec)), ALL_TYPES, List.of(allTypes(1, false), allTypes(2, true), allTypes(3, false)));
        try (Connection db = duckdb(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT s, i, l, f, d, b, epoch_ms(ts) AS ts, CAST(day AS VARCHAR) AS day, address.city, address.zip, "
                     + "tags, weights['area'] AS area FROM read_parquet('" + file + "') ORDER BY i NULLS LAST")) {
            assertTrue(rows.next());
            assertEquals("site-1", rows.getString("s"));
            assertEquals(1, rows.getInt("i"));
            assertEquals(10_000_000_001L, rows.getLong("l"));
            assertEquals(1.5f, rows.getFloat("f"));
            assertEquals(0.25, rows.getDouble("d"));
            assertFalse(rows.getBoolean("b"));
            assertEquals(1_700_000_001_000L, rows.getLong("ts"));
            assertEquals("2026-11-24", rows.getString("day"));
            assertEquals("Andorra la Vella", rows.getString("city"));
            assertEquals(501, rows.getInt("zip"));
            assertEquals("[a, null, c1]", rows.getString("tags").replace("NULL", "null"));
            assertEquals(12.5, rows.getDouble("area"));
            assertTrue(rows.next());
            assertEquals(3, rows.getInt("i"));
            assertTrue(rows.next());
            assertNull(rows.getObject("s"));
            assertNull(rows.getObject("i"));
            assertNull(rows.getObject("city"));
            assertNull(rows.getObject("tags"));
            assertFalse(rows.next());
        }
        try (RecordReader reader = new ParquetRecordReaderService().createRecordReader(Map.of(), Files.newInputStream(file), Files.size(file), runner.getLogger())) {
            final Record first = reader.nextRecord();
            assertEquals("site-1", first.getValue("s"));
            assertEquals(10_000_000_001L, first.getValue("l"));
            assertEquals(new Timestamp(1_700_000_001_000L), first.getValue("ts"));
            assertEquals(501, ((Record) first.getValue("address")).getValue("zip"));
            assertArrayEquals(new Object[]{"a", null, "c1"}, (Object[]) first.getValue("tags"));
            assertEquals(12.5, ((Map<?, ?>) first.getValue("weights")).get("area"));
            assertNull(reader.nextRecord().getValue("s"));
            assertEquals(3, reader.nextRecord().getValue("i"));
            assertNull(reader.nextRecord());
        }
    }

    @Test
    void emptyRecordSetIsAValidFileWithItsSchema() throws Exception {
        final Path file = write(writerService(Map.of()), MatrixRowWriter.SCHEMA, List.of());
        try (Connection db = duckdb(); Statement sql = db.createStatement()) {
            try (ResultSet count = sql.executeQuery("SELECT count(*) FROM read_parquet('" + file + "')")) {
                count.next();
                assertEquals(0, count.getLong(1));
            }
            try (ResultSet columns = sql.executeQuery("SELECT count(*) FROM parquet_schema('" + file + "') WHERE name IN ('origin_id', 'duration_s', 'status')")) {
                columns.next();
                assertEquals(3, columns.getLong(1));
            }
        }
    }

    @Test
    void millionMatrixRowsReadBackExactly() throws Exception {
        final Iterable<Record> rows = () -> new java.util.Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < 1_000_000;
            }

            @Override
            public Record next() {
                final int i = next++;
                final Map<String, Object> values = new HashMap<>();
                values.put("origin_id", "o" + (i / 1000));
                values.put("destination_id", "d" + (i % 1000));
                values.put("duration_s", i % 97 == 0 ? null : (double) (i % 3600));
                values.put("distance_m", i % 97 == 0 ? null : (double) (i % 3600) * 11.1);
                values.put("status", i % 97 == 0 ? "UNROUTABLE" : "OK");
                return new MapRecord(MatrixRowWriter.SCHEMA, values);
            }
        };
        final Path file = write(writerService(Map.of("Row Group Size", "1 MB")), MatrixRowWriter.SCHEMA, rows);
        long expectedSum = 0;
        long unroutable = 0;
        for (int i = 0; i < 1_000_000; i++) {
            if (i % 97 == 0) {
                unroutable++;
            } else {
                expectedSum += i % 3600;
            }
        }
        try (Connection db = duckdb(); Statement sql = db.createStatement();
             ResultSet result = sql.executeQuery("SELECT count(*), sum(duration_s), count(*) FILTER (WHERE status = 'UNROUTABLE'), "
                     + "count(DISTINCT origin_id), count(DISTINCT destination_id) FROM read_parquet('" + file + "')")) {
            result.next();
            assertEquals(1_000_000, result.getLong(1));
            assertEquals(expectedSum, result.getLong(2));
            assertEquals(unroutable, result.getLong(3));
            assertEquals(1000, result.getLong(4));
            assertEquals(1000, result.getLong(5));
        }
        try (Connection db = duckdb(); Statement sql = db.createStatement();
             ResultSet groups = sql.executeQuery("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file + "')")) {
            groups.next();
            System.out.printf("1,000,000 matrix rows: %,d bytes, %d row groups%n", Files.size(file), groups.getLong(1));
            assertTrue(groups.getLong(1) > 1, "a 1 MB row group bound splits the file into several row groups");
            System.out.printf("1,000,000 matrix rows: %,d bytes, %d row groups%n", Files.size(file), groups.getLong(1));
        }
    }

    @Test
    void geoParquetMetadataFollowsTheSpecAndWkbRoundTrips() throws Exception {
        final GeometryFactory factory = new GeometryFactory();
        final Geometry square = new WKTReader().read("POLYGON ((1.50 42.50, 1.60 42.50, 1.60 42.60, 1.50 42.60, 1.50 42.50), "
                + "(1.52 42.52, 1.54 42.52, 1.54 42.54, 1.52 42.54, 1.52 42.52))");
        final Geometry multi = new WKTReader().read("MULTIPOLYGON (((1.40 42.40, 1.45 42.40, 1.45 42.45, 1.40 42.40)), ((1.70 42.70, 1.75 42.70, 1.75 42.75, 1.70 42.70)))");
        final Geometry point = factory.createPoint(new Coordinate(1.55, 42.55));
        final RecordSchema schema = new SimpleRecordSchema(List.of(
                new RecordField("site_id", RecordFieldType.STRING.getDataType()),
                new RecordField("geometry", RecordFieldType.STRING.getDataType()),
                new RecordField("centroid", RecordFieldType.STRING.getDataType())));
        final List<Record> records = List.of(
                new MapRecord(schema, new HashMap<>(Map.of("site_id", "a", "geometry", square, "centroid", point))),
                new MapRecord(schema, new HashMap<>(Map.of("site_id", "b", "geometry", multi.toText(), "centroid", new org.locationtech.jts.io.WKBWriter().write(point)))));
        final Path file = write(writerService(Map.of("Geometry Fields", "geometry, centroid")), schema, records);

        try (Connection db = duckdb(); Statement sql = db.createStatement()) {
            final String geo;
            try (ResultSet kv = sql.executeQuery("SELECT decode(value) FROM parquet_kv_metadata('" + file + "') WHERE decode(key) = 'geo'")) {
                assertTrue(kv.next(), "the file has a 'geo' key");
                geo = kv.getString(1);
            }
            final JsonNode metadata = JSON.readTree(geo);
            assertEquals("1.1.0", metadata.get("version").asText());
            assertEquals("geometry", metadata.get("primary_column").asText());
            final JsonNode column = metadata.get("columns").get("geometry");
            assertEquals("WKB", column.get("encoding").asText());
            assertEquals(List.of("MultiPolygon", "Polygon"), List.of(column.get("geometry_types").get(0).asText(), column.get("geometry_types").get(1).asText()));
            final JsonNode bbox = column.get("bbox");
            assertEquals(4, bbox.size());
            assertEquals(1.40, bbox.get(0).asDouble(), 1e-12);
            assertEquals(42.40, bbox.get(1).asDouble(), 1e-12);
            assertEquals(1.75, bbox.get(2).asDouble(), 1e-12);
            assertEquals(42.75, bbox.get(3).asDouble(), 1e-12);
            assertNull(column.get("crs"), "omitted crs means OGC:CRS84 (GeoParquet 1.1)");
            assertEquals("Point", metadata.get("columns").get("centroid").get("geometry_types").get(0).asText());

            try (ResultSet rows = sql.executeQuery("SELECT site_id, geometry, typeof(geometry) FROM read_parquet('" + file + "') ORDER BY site_id")) {
                rows.next();
                final String type = rows.getString(3);
                assertTrue(type.equals("BLOB") || type.equals("GEOMETRY"), type);
                final Geometry back = new WKBReader().read(rows.getBytes(2));
                assertTrue(back.equalsExact(square), back.toText());
                assertTrue(back.isValid());
                rows.next();
                assertTrue(new WKBReader().read(rows.getBytes(2)).equalsExact(multi));
            }
        }
    }

    @Test
    void badGeometryValuesFailClearly() throws Exception {
        final RecordSchema schema = new SimpleRecordSchema(List.of(new RecordField("geometry", RecordFieldType.STRING.getDataType())));
        final ParquetRecordSetWriter service = writerService(Map.of("Geometry Fields", "geometry"));
        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> write(service, schema, List.of(new MapRecord(schema, Map.of("geometry", "not a shape")))));
        assertTrue(failure.getMessage().contains("geometry field 'geometry'"), failure.getMessage());
    }

    @Test
    void runsWithoutHadoopOnTheClasspath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.hadoop.conf.Configuration"));
    }
}
