package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flat rows written below the record consumer ({@link FlatRows}, {@link ColumnFileWriter}) give the record path's file byte
 * for byte for any flat schema, not only matrix rows (those are covered, with DuckDB, by {@code MatrixRowSinkTest}).
 */
class FlatRowsTest {

    @TempDir
    Path dir;

    private static final RecordSchema SCHEMA = new SimpleRecordSchema(List.of(
            new RecordField("name", RecordFieldType.STRING.getDataType()),
            new RecordField("value", RecordFieldType.DOUBLE.getDataType()),
            new RecordField("kind", RecordFieldType.STRING.getDataType())));

    @Test
    void sameBytesAsRecordsForEveryLayoutWithNullsAndManyRowGroups() throws Exception {
        for (final DictionaryEncoding dictionary : DictionaryEncoding.values()) {
            for (final CompressionCodecName codec : List.of(CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY, CompressionCodecName.ZSTD)) {
                // 4 KB row groups and 512-byte pages: 6,000 rows make several of each.
                final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(codec, 4 << 10, 512, dictionary, 1, List.of(), null);
                final byte[] records = write(settings, 6_000, false);
                final byte[] flat = write(settings, 6_000, true);
                assertArrayEquals(records, flat, codec + " / " + dictionary);
            }
        }
        // The layout really has several row groups (and so exercises the row group policy).
        final Path file = dir.resolve("flat.parquet");
        Files.write(file, write(new ParquetRecordWriter.Settings(CompressionCodecName.ZSTD, 4 << 10, 512, DictionaryEncoding.ALL, 1, List.of(), null),
                6_000, true));
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet groups = sql.executeQuery("SELECT count(DISTINCT row_group_id), sum(row_group_num_rows) / 3 FROM parquet_metadata('" + file + "')")) {
            groups.next();
            assertTrue(groups.getLong(1) > 2, "row groups: " + groups.getLong(1));
            assertEquals(6_000, groups.getLong(2));
        }
    }

    @Test
    void emptyFileEqualsTheRecordPathsEmptyFile() throws Exception {
        final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(CompressionCodecName.ZSTD, 16L << 20, 1 << 20,
                DictionaryEncoding.NOT_FLOATING_POINT, 1, List.of(), null);
        assertArrayEquals(write(settings, 0, false), write(settings, 0, true));
    }

    @Test
    void aFieldSetTwiceInOneRowFailsAndNamesIt() throws Exception {
        final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(CompressionCodecName.SNAPPY, 1 << 20, 64 << 10, true,
                List.of(), null);
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, new ByteArrayOutputStream(), settings)) {
            writer.beginRecordSet();
            final FlatRows rows = writer.flatRows();
            rows.string(0, "a");
            final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> rows.string(0, "b"));
            assertTrue(twice.getMessage().contains("name"), twice.getMessage());
            final IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> rows.number(2, 1.0));
            assertTrue(type.getMessage().contains("kind"), type.getMessage());
        }
    }

    @Test
    void aSchemaWithOtherTypesOrARecordAlreadyWrittenHasNoFlatRows() throws Exception {
        final RecordSchema withLong = new SimpleRecordSchema(List.of(new RecordField("n", RecordFieldType.LONG.getDataType())));
        final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(CompressionCodecName.SNAPPY, 1 << 20, 64 << 10, true,
                List.of(), null);
        try (ParquetRecordWriter writer = new ParquetRecordWriter(withLong, new ByteArrayOutputStream(), settings)) {
            assertFalse(writer.supportsFlatRows());
            assertThrows(IllegalStateException.class, writer::flatRows);
        }
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, new ByteArrayOutputStream(), settings)) {
            writer.beginRecordSet();
            writer.write(new MapRecord(SCHEMA, new HashMap<>(Map.of("name", "x"))));
            assertFalse(writer.supportsFlatRows());
        }
    }

    /** Row i: name "n" + i % 997 (null every 13th), value i * 0.25 (null every 7th), kind one of three (null every 11th). */
    private static byte[] write(final ParquetRecordWriter.Settings settings, final int rows, final boolean flat) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, out, settings)) {
            writer.beginRecordSet();
            final FlatRows flatRows = flat ? writer.flatRows() : null;
            for (int i = 0; i < rows; i++) {
                final String name = i % 13 == 0 ? null : "n" + i % 997;
                final Double value = i % 7 == 0 ? null : i * 0.25;
                final String kind = i % 11 == 0 ? null : List.of("alpha", "beta", "gamma").get(i % 3);
                if (flat) {
                    flatRows.string(0, name);
                    if (value != null) {
                        flatRows.number(1, value);
                    }
                    flatRows.string(2, kind);
                    flatRows.endRow();
                } else {
                    final Map<String, Object> values = new HashMap<>();
                    values.put("name", name);
                    values.put("value", value);
                    values.put("kind", kind);
                    writer.write(new MapRecord(SCHEMA, values));
                }
            }
            assertEquals(rows, writer.finishRecordSet().getRecordCount());
        }
        return out.toByteArray();
    }
}
