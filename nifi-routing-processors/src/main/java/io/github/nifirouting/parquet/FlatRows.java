package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes the rows of a flat schema (top-level strings and doubles only) value by value into the same Parquet file a
 * {@link ParquetRecordWriter} would write for the same records: same Parquet schema, same settings, same bytes per value.
 * No {@code Record}, map or boxed value is made per row: the caller sets a row's values and calls {@link #endRow()}, and the
 * values go straight to parquet-java's record consumer. For writers of millions of uniform rows (matrix rows); anything
 * else goes through {@link ParquetRecordWriter#write}.
 *
 * <p>A field that is not set in a row is null. Not thread-safe, like the record writer it belongs to.
 */
public final class FlatRows {

    private final ParquetWriter<FlatRows> writer;
    private final Runnable countRow;
    private final String[] names;
    private final boolean[] text;
    private final boolean[] set;
    private final Binary[] binaries;
    private final double[] doubles;
    /** By field: the last string set and its UTF-8 Binary (an id repeats over many consecutive rows). */
    private final String[] lastText;
    private final Binary[] lastBinary;

    FlatRows(final RecordSchema schema, final WriterFactory factory, final Runnable countRow) throws IOException {
        final List<RecordField> fields = schema.getFields();
        this.names = new String[fields.size()];
        this.text = new boolean[fields.size()];
        for (int index = 0; index < fields.size(); index++) {
            names[index] = fields.get(index).getFieldName();
            text[index] = fields.get(index).getDataType().getFieldType() == RecordFieldType.STRING;
        }
        this.set = new boolean[names.length];
        this.binaries = new Binary[names.length];
        this.doubles = new double[names.length];
        this.lastText = new String[names.length];
        this.lastBinary = new Binary[names.length];
        this.countRow = countRow;
        this.writer = factory.create(new Support(ParquetSchemas.toParquet(schema, new GeometryColumns(List.of(), null))));
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
            set[field] = false;
            return this;
        }
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        if (value != lastText[field] && !value.equals(lastText[field])) {
            lastText[field] = value;
            lastBinary[field] = Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
        }
        binaries[field] = lastBinary[field];
        set[field] = true;
        return this;
    }

    /** Sets a STRING field of the current row from text encoded once with {@link #encode} (ids written many times). */
    public FlatRows string(final int field, final Text value) {
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        binaries[field] = value.utf8;
        set[field] = true;
        return this;
    }

    /** Sets a DOUBLE field of the current row. */
    public FlatRows number(final int field, final double value) {
        if (text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a double field");
        }
        doubles[field] = value;
        set[field] = true;
        return this;
    }

    /** Writes the current row (fields not set are null) and starts the next one. */
    public void endRow() throws IOException {
        writer.write(this);
        java.util.Arrays.fill(set, false);
        countRow.run();
    }

    void close() throws IOException {
        writer.close();
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

    /** Builds the Parquet writer with the record writer's settings around a write support. */
    @FunctionalInterface
    interface WriterFactory {
        ParquetWriter<FlatRows> create(WriteSupport<FlatRows> support) throws IOException;
    }

    private static final class Support extends WriteSupport<FlatRows> {
        private final MessageType schema;
        private RecordConsumer consumer;

        Support(final MessageType schema) {
            this.schema = schema;
        }

        @Override
        public WriteContext init(final org.apache.hadoop.conf.Configuration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public WriteContext init(final ParquetConfiguration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public void prepareForWrite(final RecordConsumer recordConsumer) {
            this.consumer = recordConsumer;
        }

        @Override
        public void write(final FlatRows row) {
            consumer.startMessage();
            for (int index = 0; index < row.names.length; index++) {
                if (!row.set[index]) {
                    continue;
                }
                consumer.startField(row.names[index], index);
                if (row.text[index]) {
                    consumer.addBinary(row.binaries[index]);
                } else {
                    consumer.addDouble(row.doubles[index]);
                }
                consumer.endField(row.names[index], index);
            }
            consumer.endMessage();
        }
    }
}
