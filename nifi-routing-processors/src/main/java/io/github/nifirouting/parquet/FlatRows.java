package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the rows of a flat schema (top-level optional strings and doubles only) value by value into the same Parquet file a
 * {@link ParquetRecordWriter} would write for the same records: same Parquet schema, same settings, same bytes. No
 * {@code Record}, map or boxed value is made per row, and no record consumer is involved: each value goes straight into
 * its column's parquet-java writer ({@link ColumnFileWriter}); {@link #endRow()} writes a null into every column the row
 * did not set. For writers of millions of uniform rows (matrix rows); anything else goes through
 * {@link ParquetRecordWriter#write}.
 *
 * <p>A field that is not set in a row is null; a field set twice in one row is an error. Not thread-safe, like the record
 * writer it belongs to.
 */
public final class FlatRows {

    /** Every column is an optional top-level field: a value has definition level 1, a null 0; nothing repeats. */
    private static final int VALUE = 1;
    private static final int NULL = 0;
    private static final int NOT_REPEATED = 0;

    private final ColumnFileWriter file;
    private final ColumnWriter[] columns;
    private final Runnable countRow;
    private final String[] names;
    private final boolean[] text;
    private final boolean[] set;
    /** By field: the last string set and its UTF-8 Binary (an id repeats over many consecutive rows). */
    private final String[] lastText;
    private final Binary[] lastBinary;

    FlatRows(final RecordSchema schema, final ColumnFileWriter file, final Runnable countRow) {
        final List<RecordField> fields = schema.getFields();
        this.names = new String[fields.size()];
        this.text = new boolean[fields.size()];
        for (int index = 0; index < fields.size(); index++) {
            names[index] = fields.get(index).getFieldName();
            text[index] = fields.get(index).getDataType().getFieldType() == RecordFieldType.STRING;
        }
        this.set = new boolean[names.length];
        this.lastText = new String[names.length];
        this.lastBinary = new Binary[names.length];
        this.countRow = countRow;
        this.file = file;
        this.columns = file.columns();
    }

    /** Whether rows of this schema can be written as flat rows: every field a top-level STRING or DOUBLE. */
    static boolean supports(final RecordSchema schema) {
        for (final RecordField field : schema.getFields()) {
            final RecordFieldType type = field.getDataType().getFieldType();
            if (type != RecordFieldType.STRING && type != RecordFieldType.DOUBLE) {
                return false;
            }
        }
        return true;
    }

    /** Sets a STRING field of the current row; null leaves it null. The same bytes as the record writer's {@code Binary.fromString}. */
    public FlatRows string(final int field, final String value) {
        if (value == null) {
            return this;
        }
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        if (value != lastText[field] && !value.equals(lastText[field])) {
            lastText[field] = value;
            lastBinary[field] = Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
        }
        return write(field, lastBinary[field]);
    }

    /** Sets a STRING field of the current row from text encoded once with {@link #encode} (ids written many times). */
    public FlatRows string(final int field, final Text value) {
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        return write(field, value.utf8);
    }

    /** Sets a DOUBLE field of the current row. */
    public FlatRows number(final int field, final double value) {
        if (text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a double field");
        }
        mark(field);
        try {
            columns[field].write(value, NOT_REPEATED, VALUE);
        } catch (final RuntimeException e) {
            file.fail();
            throw e;
        }
        return this;
    }

    private FlatRows write(final int field, final Binary utf8) {
        mark(field);
        try {
            columns[field].write(utf8, NOT_REPEATED, VALUE);
        } catch (final RuntimeException e) {
            file.fail();
            throw e;
        }
        return this;
    }

    private void mark(final int field) {
        if (set[field]) {
            throw new IllegalStateException("field " + names[field] + " was already set in this row");
        }
        set[field] = true;
    }

    /** Writes the current row (fields not set are null) and starts the next one. */
    public void endRow() throws IOException {
        for (int field = 0; field < set.length; field++) {
            if (!set[field]) {
                columns[field].writeNull(NOT_REPEATED, NULL);
            }
        }
        Arrays.fill(set, false);
        file.endRow();
        countRow.run();
    }

    void close() throws IOException {
        file.close();
    }

    /** Text encoded to UTF-8 once, for a value set in many rows. */
    public static Text encode(final String value) {
        return new Text(Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** A string's UTF-8 bytes, ready to be written. Parquet copies what it keeps, so one instance serves any number of rows. */
    public static final class Text {
        private final Binary utf8;

        private Text(final Binary utf8) {
            this.utf8 = utf8;
        }
    }
}
