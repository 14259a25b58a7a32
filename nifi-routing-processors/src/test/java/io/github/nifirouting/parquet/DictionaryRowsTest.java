package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files written with strings as dictionary ids ({@link DictionaryRows}) hold the rows they were given: read back by
 * parquet-java (the bundle's own reader) and by DuckDB, with nulls, many pages, row groups cut by size and by a full
 * dictionary, and with every row group's and page's statistics equal to the values they cover.
 */
class DictionaryRowsTest {

    @TempDir
    Path dir;

    private static final RecordSchema SCHEMA = new SimpleRecordSchema(List.of(
            new RecordField("name", RecordFieldType.STRING.getDataType()),
            new RecordField("value", RecordFieldType.DOUBLE.getDataType()),
            new RecordField("kind", RecordFieldType.STRING.getDataType()),
            new RecordField("other", RecordFieldType.DOUBLE.getDataType())));

    /** Row i: name in runs of 37 over 997 names (null every 13th), value (null every 7th, some -0.0 and 0.0), kind of three (null every 11th), other always null. */
    private static Object[] row(final int i) {
        final String name = i % 13 == 0 ? null : "n\u00e9" + (i / 37) % 997;
        final Double value = i % 7 == 0 ? null : i % 50 == 1 ? -0.0 : (i % 1000 - 300) * 0.25;
        final String kind = i % 11 == 0 ? null : List.of("alpha", "beta", "gamma").get(i % 3);
        return new Object[]{name, value, kind, null};
    }

    @Test
    void parquetJavaAndDuckDbReadBackEveryRowWithNullsPagesAndRowGroups() throws Exception {
        for (final CompressionCodecName codec : List.of(CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY, CompressionCodecName.ZSTD)) {
            // 512-byte pages (64 rows), 4 KB row groups, dictionaries limited to 512 bytes: all three cuts happen.
            final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(codec, 4 << 10, 512, DictionaryEncoding.NOT_FLOATING_POINT,
                    1, List.of(), null);
            final int rows = 20_000;
            final byte[] bytes = write(settings, rows);
            final Path file = dir.resolve("rows-" + codec + ".parquet");
            Files.write(file, bytes);

            try (ParquetRecordReader reader = new ParquetRecordReader(new ByteArrayInputStream(bytes))) {
                for (int i = 0; i < rows; i++) {
                    final Record record = reader.nextRecord();
                    assertNotNull(record, "row " + i);
                    final Object[] expected = row(i);
                    assertEquals(expected[0], record.getAsString("name"), "name of row " + i);
                    assertEquals(expected[1], record.getValue("value"), "value of row " + i);
                    assertEquals(expected[2], record.getAsString("kind"), "kind of row " + i);
                    assertEquals(null, record.getValue("other"), "other of row " + i);
                }
                assertEquals(null, reader.nextRecord());
            }

            try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
                try (ResultSet result = sql.executeQuery("SELECT name, value, kind, other FROM read_parquet('" + file + "')")) {
                    for (int i = 0; i < rows; i++) {
                        assertTrue(result.next(), "row " + i);
                        final Object[] expected = row(i);
                        assertEquals(expected[0], result.getString(1), "row " + i);
                        assertEquals(expected[1] == null ? null : ((Double) expected[1]).doubleValue(), (Double) result.getObject(2), "row " + i);
                        assertEquals(expected[2], result.getString(3), "row " + i);
                        assertEquals(null, result.getObject(4), "row " + i);
                    }
                    assertFalse(result.next());
                }
                try (ResultSet groups = sql.executeQuery("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file + "')")) {
                    groups.next();
                    assertTrue(groups.getLong(1) > 5, "row groups: " + groups.getLong(1));
                }
            }
            assertStatisticsCoverTheirValues(file, rows);
        }
    }

    /** Every row group's statistics and every page's column index entry are the min, max and null count of its rows. */
    private static void assertStatisticsCoverTheirValues(final Path file, final int rows) throws Exception {
        int pagesChecked = 0;
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
                org.apache.parquet.HadoopFreeReadOptions.of(Codecs.INSTANCE))) {
            long firstRow = 0;
            for (final BlockMetaData block : reader.getFooter().getBlocks()) {
                for (int column = 0; column < 4; column++) {
                    final ColumnChunkMetaData chunk = block.getColumns().get(column);
                    final Range whole = range(column, firstRow, firstRow + block.getRowCount());
                    assertEquals(whole.nulls, chunk.getStatistics().getNumNulls(), chunk.getPath() + " nulls in row group from row " + firstRow);
                    if (whole.min != null) {
                        assertEquals(whole.min, chunk.getStatistics().genericGetMin(), chunk.getPath() + " min from row " + firstRow);
                        assertEquals(whole.max, chunk.getStatistics().genericGetMax(), chunk.getPath() + " max from row " + firstRow);
                    } else {
                        assertFalse(chunk.getStatistics().hasNonNullValue());
                    }
                    final ColumnIndex index = reader.readColumnIndex(chunk);
                    final OffsetIndex offsets = reader.readOffsetIndex(chunk);
                    for (int page = 0; page < offsets.getPageCount(); page++) {
                        final Range values = range(column, firstRow + offsets.getFirstRowIndex(page),
                                firstRow + offsets.getLastRowIndex(page, block.getRowCount()) + 1);
                        assertEquals(values.nulls, (long) index.getNullCounts().get(page));
                        assertEquals(values.min == null, index.getNullPages().get(page));
                        if (values.min != null) {
                            assertEquals(values.min, decode(column, index.getMinValues().get(page)), "page min");
                            assertEquals(values.max, decode(column, index.getMaxValues().get(page)), "page max");
                        }
                        pagesChecked++;
                    }
                }
                firstRow += block.getRowCount();
            }
            assertEquals(rows, firstRow);
        }
        assertTrue(pagesChecked > 4 * 100, "pages: " + pagesChecked);
    }

    private record Range(Object min, Object max, long nulls) {
    }

    private static Range range(final int column, final long from, final long to) {
        Object min = null;
        Object max = null;
        long nulls = 0;
        for (long i = from; i < to; i++) {
            final Object value = row((int) i)[column];
            if (value == null) {
                nulls++;
                continue;
            }
            final Object comparable = value instanceof String text ? org.apache.parquet.io.api.Binary.fromString(text) : value;
            // Parquet orders strings by unsigned bytes, doubles by value (-0.0 equal to 0.0: the first one met is kept).
            if (min == null || compare(comparable, min) < 0) {
                min = comparable;
            }
            if (max == null || compare(comparable, max) > 0) {
                max = comparable;
            }
        }
        // The format's rule for doubles, which parquet-java applies when it writes statistics: a zero min is -0.0, a zero max +0.0.
        if (min instanceof Double low && low == 0.0) {
            return new Range(-0.0, max instanceof Double high && high == 0.0 ? 0.0 : max, nulls);
        }
        return new Range(min, max instanceof Double high && high == 0.0 ? 0.0 : max, nulls);
    }

    private static int compare(final Object left, final Object right) {
        if (left instanceof Double a && right instanceof Double b) {
            return a < b ? -1 : a > b ? 1 : 0;
        }
        return org.apache.parquet.schema.PrimitiveComparator.UNSIGNED_LEXICOGRAPHICAL_BINARY_COMPARATOR.compare(
                (org.apache.parquet.io.api.Binary) left, (org.apache.parquet.io.api.Binary) right);
    }

    private static Object decode(final int column, final ByteBuffer bytes) {
        if (column == 1 || column == 3) {
            return bytes.order(ByteOrder.LITTLE_ENDIAN).getDouble(0);
        }
        return org.apache.parquet.io.api.Binary.fromConstantByteBuffer(bytes);
    }

    @Test
    void emptyFileHasTheSchemaAndNoRows() throws Exception {
        final Path file = dir.resolve("empty.parquet");
        Files.write(file, write(new ParquetRecordWriter.Settings(CompressionCodecName.ZSTD, 16L << 20, 1 << 20, DictionaryEncoding.NOT_FLOATING_POINT, 1,
                List.of(), null), 0));
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet count = sql.executeQuery("SELECT count(*), count(name) FROM read_parquet('" + file + "')")) {
            count.next();
            assertEquals(0, count.getLong(1));
        }
    }

    @Test
    void misuseFailsAndNamesTheField() throws Exception {
        final ParquetRecordWriter.Settings settings = new ParquetRecordWriter.Settings(CompressionCodecName.SNAPPY, 1 << 20, 64 << 10,
                DictionaryEncoding.NOT_FLOATING_POINT, 1, List.of(), null);
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, new ByteArrayOutputStream(), settings)) {
            writer.beginRecordSet();
            assertTrue(writer.supportsDictionaryRows());
            final DictionaryRows rows = writer.dictionaryRows();
            assertFalse(writer.supportsFlatRows(), "one way of writing per file");
            rows.text(0, rows.id(0, "a"));
            final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> rows.text(0, rows.id(0, "b")));
            assertTrue(twice.getMessage().contains("name"), twice.getMessage());
            final IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> rows.number(2, 1.0));
            assertTrue(type.getMessage().contains("kind"), type.getMessage());
            final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> rows.text(2, 5));
            assertTrue(unknown.getMessage().contains("kind"), unknown.getMessage());
        }
        // Other dictionary settings keep parquet-java's column writers.
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, new ByteArrayOutputStream(), new ParquetRecordWriter.Settings(
                CompressionCodecName.SNAPPY, 1 << 20, 64 << 10, DictionaryEncoding.ALL, 1, List.of(), null))) {
            assertFalse(writer.supportsDictionaryRows());
            assertThrows(IllegalStateException.class, writer::dictionaryRows);
        }
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, new ByteArrayOutputStream(), settings)) {
            writer.beginRecordSet();
            writer.write(new MapRecord(SCHEMA, new HashMap<>(Map.of("name", "x"))));
            assertFalse(writer.supportsDictionaryRows(), "a record already written");
        }
    }

    private static byte[] write(final ParquetRecordWriter.Settings settings, final int rows) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParquetRecordWriter writer = new ParquetRecordWriter(SCHEMA, out, settings)) {
            writer.beginRecordSet();
            final DictionaryRows dictionaryRows = writer.dictionaryRows();
            for (int i = 0; i < rows; i++) {
                final Object[] values = row(i);
                if (values[0] != null) {
                    dictionaryRows.text(0, dictionaryRows.id(0, (String) values[0]));
                }
                // Nulls two ways: not set, or NaN.
                dictionaryRows.number(1, values[1] == null ? Double.NaN : (Double) values[1]);
                if (values[2] != null) {
                    dictionaryRows.text(2, dictionaryRows.id(2, (String) values[2]));
                }
                dictionaryRows.endRow();
            }
            assertEquals(rows, writer.finishRecordSet().getRecordCount());
        }
        return out.toByteArray();
    }
}
