package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.AbstractRecordSetWriter;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;
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
    public record Settings(CompressionCodecName codec, long rowGroupBytes, int pageBytes, boolean dictionary,
                           java.util.List<String> geometryFields, String primaryGeometryField) {
    }

    private final ParquetWriter<Record> writer;
    private boolean closed;

    public ParquetRecordWriter(final RecordSchema schema, final OutputStream out, final Settings settings) throws IOException {
        super(out);
        final RecordWriteSupport support = new RecordWriteSupport(schema, new GeometryColumns(settings.geometryFields(), settings.primaryGeometryField()));
        this.writer = new Builder(new StreamOutputFile(out), support)
                .withConf(new PlainParquetConfiguration())
                .withCodecFactory(Codecs.INSTANCE)
                .withCompressionCodec(settings.codec())
                .withRowGroupSize(settings.rowGroupBytes())
                .withPageSize(settings.pageBytes())
                .withDictionaryPageSize(settings.pageBytes())
                .withDictionaryEncoding(settings.dictionary())
                .withWriteMode(ParquetFileWriter.Mode.CREATE)
                .build();
    }

    @Override
    protected Map<String, String> writeRecord(final Record record) throws IOException {
        writer.write(record);
        return Map.of();
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
            writer.close();
        }
    }

    @Override
    public void close() throws IOException {
        closeParquet();
        super.close();
    }

    private static final class Builder extends ParquetWriter.Builder<Record, Builder> {
        private final RecordWriteSupport support;

        Builder(final OutputFile file, final RecordWriteSupport support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Record> getWriteSupport(final org.apache.hadoop.conf.Configuration configuration) {
            return support;
        }

        @Override
        protected WriteSupport<Record> getWriteSupport(final org.apache.parquet.conf.ParquetConfiguration configuration) {
            return support;
        }
    }
}
