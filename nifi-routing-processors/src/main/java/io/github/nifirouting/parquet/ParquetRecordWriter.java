package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.AbstractRecordSetWriter;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Writes one record set as one Parquet file into a stream. Memory is one row group being assembled (Row Group Size)
 * plus one page per column; the file is written as row groups fill, never held whole.
 */
public final class ParquetRecordWriter extends AbstractRecordSetWriter {

    public static final String MIME_TYPE = "application/vnd.apache.parquet";

    /** How the file is laid out. */
    public record Settings(CompressionCodecName codec, long rowGroupBytes, int pageBytes, DictionaryEncoding dictionary, int zstdLevel,
                           java.util.List<String> geometryFields, String primaryGeometryField) {

        /** Dictionary for every column or none, ZSTD at level 3: the writer's defaults. */
        public Settings(final CompressionCodecName codec, final long rowGroupBytes, final int pageBytes, final boolean dictionary,
                        final java.util.List<String> geometryFields, final String primaryGeometryField) {
            this(codec, rowGroupBytes, pageBytes, dictionary ? DictionaryEncoding.ALL : DictionaryEncoding.NONE, Codecs.DEFAULT_ZSTD_LEVEL,
                    geometryFields, primaryGeometryField);
        }
    }

    private final RecordSchema schema;
    private final Settings settings;
    private final StreamOutputFile file;
    private final RecordWriteSupport recordSupport;
    /** Built on first use: a file is written either record by record or as flat rows, never both. */
    private ParquetWriter<Record> records;
    private FlatRows flatRows;
    private DictionaryRows dictionaryRows;
    private boolean closed;

    public ParquetRecordWriter(final RecordSchema schema, final OutputStream out, final Settings settings) throws IOException {
        super(out);
        this.schema = schema;
        this.settings = settings;
        this.file = new StreamOutputFile(out);
        this.recordSupport = new RecordWriteSupport(schema, new GeometryColumns(settings.geometryFields(), settings.primaryGeometryField()));
    }

    @Override
    protected Map<String, String> writeRecord(final Record record) throws IOException {
        if (flatRows != null || dictionaryRows != null) {
            throw new IllegalStateException("this file is being written as flat rows");
        }
        if (records == null) {
            records = configure(new Builder<>(file, recordSupport)).build();
        }
        records.write(record);
        return Map.of();
    }

    /** The schema this writer was created with. */
    public RecordSchema getSchema() {
        return schema;
    }

    /**
     * Whether {@link #flatRows()} can write this file: a schema of top-level strings and doubles only, none of them a
     * geometry field, and no record written yet.
     */
    public boolean supportsFlatRows() {
        return records == null && dictionaryRows == null && flatSchema();
    }

    /** Top-level strings and doubles only, none of them a geometry field. */
    private boolean flatSchema() {
        return FlatRows.supports(schema) && schema.getFieldNames().stream().noneMatch(settings.geometryFields()::contains);
    }

    /**
     * The writer of this file's rows value by value, without a record per row ({@link FlatRows}); the same file as
     * records with the same values would give. Rows count as records in {@link #finishRecordSet()}.
     */
    public FlatRows flatRows() throws IOException {
        if (flatRows == null) {
            if (!supportsFlatRows()) {
                throw new IllegalStateException("schema " + schema.getFieldNames() + " cannot be written as flat rows");
            }
            flatRows = new FlatRows(schema, new ColumnFileWriter(file, recordSupport.parquetSchema(), flatProperties(),
                    Codecs.forOneWriter(settings.zstdLevel()), settings.codec(), settings.rowGroupBytes()), this::incrementRecordCount);
        }
        return flatRows;
    }

    /**
     * Whether {@link #dictionaryRows()} can write this file: as {@link #supportsFlatRows()}, under the "All But Floating
     * Point" dictionary setting (strings dictionary-encoded, doubles plain), the layout {@link DictionaryRows} writes.
     */
    public boolean supportsDictionaryRows() {
        return records == null && flatRows == null && flatSchema() && settings.dictionary() == DictionaryEncoding.NOT_FLOATING_POINT;
    }

    /**
     * The writer of this file's rows with strings given as dictionary ids ({@link DictionaryRows}): the same rows and
     * layout settings as the record path, pages cut by this bundle. Rows count as records in {@link #finishRecordSet()}.
     */
    public DictionaryRows dictionaryRows() throws IOException {
        if (dictionaryRows == null) {
            if (!supportsDictionaryRows()) {
                throw new IllegalStateException("schema " + schema.getFieldNames() + " cannot be written as dictionary rows with these settings");
            }
            dictionaryRows = new DictionaryRows(schema, file, recordSupport.parquetSchema(), flatProperties(), Codecs.forOneWriter(settings.zstdLevel()),
                    settings.codec(), settings.rowGroupBytes(), this::incrementRecordCount);
        }
        return dictionaryRows;
    }

    /**
     * The column properties {@link #configure} gives the record path's {@code ParquetWriter} (whose builder takes them one
     * by one, not as {@link ParquetProperties}), for flat rows written below the record consumer: the same page and
     * dictionary settings, everything else parquet-java's defaults in both. {@code MatrixRowSinkTest} compares the files.
     */
    private ParquetProperties flatProperties() {
        final ParquetProperties.Builder properties = ParquetProperties.builder()
                .withPageSize(settings.pageBytes())
                .withDictionaryPageSize(settings.pageBytes())
                .withDictionaryEncoding(settings.dictionary() != DictionaryEncoding.NONE);
        for (final String column : plainFloatingPointColumns()) {
            properties.withDictionaryEncoding(column, false);
        }
        return properties.build();
    }

    /** Columns written without a dictionary under {@link DictionaryEncoding#NOT_FLOATING_POINT}: the float and double columns. */
    private java.util.List<String> plainFloatingPointColumns() {
        if (settings.dictionary() != DictionaryEncoding.NOT_FLOATING_POINT) {
            return java.util.List.of();
        }
        final java.util.List<String> columns = new java.util.ArrayList<>();
        for (final org.apache.parquet.column.ColumnDescriptor column : recordSupport.parquetSchema().getColumns()) {
            final org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName type = column.getPrimitiveType().getPrimitiveTypeName();
            if (type == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE
                    || type == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT) {
                columns.add(String.join(".", column.getPath()));
            }
        }
        return columns;
    }

    /** The record path's layout settings ({@link #flatProperties} gives flat rows the same). */
    private <T> Builder<T> configure(final Builder<T> builder) {
        builder.withConf(new PlainParquetConfiguration())
                .withCodecFactory(Codecs.forOneWriter(settings.zstdLevel()))
                .withCompressionCodec(settings.codec())
                .withRowGroupSize(settings.rowGroupBytes())
                .withPageSize(settings.pageBytes())
                .withDictionaryPageSize(settings.pageBytes())
                .withDictionaryEncoding(settings.dictionary() != DictionaryEncoding.NONE)
                .withWriteMode(ParquetFileWriter.Mode.CREATE);
        for (final String column : plainFloatingPointColumns()) {
            builder.withDictionaryEncoding(column, false);
        }
        return builder;
    }

    @Override
    protected Map<String, String> onFinishRecordSet() throws IOException {
        closeParquet();
        return Map.of();
    }

    @Override
    public String getMimeType() {
        return MIME_TYPE;
    }

    private void closeParquet() throws IOException {
        if (!closed) {
            closed = true;
            if (flatRows != null) {
                flatRows.close();
            } else if (dictionaryRows != null) {
                dictionaryRows.close();
            } else {
                // No row at all still makes a valid (empty) Parquet file with the schema.
                if (records == null) {
                    records = configure(new Builder<>(file, recordSupport)).build();
                }
                records.close();
            }
        }
    }

    @Override
    public void close() throws IOException {
        closeParquet();
        super.close();
    }

    private static final class Builder<T> extends ParquetWriter.Builder<T, Builder<T>> {
        private final WriteSupport<T> support;

        Builder(final OutputFile file, final WriteSupport<T> support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder<T> self() {
            return this;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(final org.apache.hadoop.conf.Configuration configuration) {
            return support;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(final org.apache.parquet.conf.ParquetConfiguration configuration) {
            return support;
        }
    }
}
