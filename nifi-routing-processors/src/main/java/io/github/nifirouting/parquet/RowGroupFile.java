package io.github.nifirouting.parquet;

import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.util.Map;

/**
 * The file side of a Parquet file written below parquet-java's record writer ({@link ColumnFileWriter}, {@link DictionaryRows}):
 * parquet-java's {@link ParquetFileWriter} with the page store of each row group ({@link ColumnChunkPageWriteStore}, which
 * compresses pages with the writer's codec), as {@code ParquetWriter} sets them up for the same properties, codec and row
 * group size. The footer carries no key-value metadata, as the record path's write support adds none for these schemas.
 */
final class RowGroupFile {

    private final ParquetFileWriter file;
    private final MessageType schema;
    private final ParquetProperties properties;
    private final CompressionCodecFactory codecs;
    private final CompressionCodecFactory.BytesInputCompressor compressor;
    private int rowGroups;

    /**
     * @param codecs released when the file is closed (as {@code ParquetWriter} releases its codec factory)
     */
    RowGroupFile(final OutputFile out, final MessageType schema, final ParquetProperties properties, final CompressionCodecFactory codecs,
                 final CompressionCodecName codec, final long rowGroupBytes) throws IOException {
        this.schema = schema;
        this.properties = properties;
        this.codecs = codecs;
        this.file = new ParquetFileWriter(out, schema, ParquetFileWriter.Mode.CREATE, rowGroupBytes, ParquetWriter.MAX_PADDING_SIZE_DEFAULT,
                null, properties);
        file.start();
        this.compressor = codecs.getCompressor(codec);
    }

    /** The page store for the next row group: pages written into it are compressed and held until {@link #write}. */
    ColumnChunkPageWriteStore newPageStore() {
        return new ColumnChunkPageWriteStore(compressor, schema, properties.getAllocator(), properties.getColumnIndexTruncateLength(),
                properties.getPageWriteChecksumEnabled(), null, rowGroups);
    }

    /** Writes a row group of {@code rows} rows from the pages (and dictionary pages) in {@code pages}. */
    void write(final ColumnChunkPageWriteStore pages, final long rows) throws IOException {
        rowGroups++;
        file.startBlock(rows);
        pages.flushToFileWriter(file);
        file.endBlock();
    }

    /** The size the next row group should aim at (parquet-java's writer lowers it near the end of a block when padding). */
    long nextRowGroupSize() throws IOException {
        return file.getNextRowGroupSize();
    }

    /** Writes the footer (after {@code complete}) and closes the file and the codecs; an abandoned file gets no footer. */
    void close(final boolean complete) throws IOException {
        try {
            if (complete) {
                file.end(Map.of());
            }
        } finally {
            try {
                file.close();
            } finally {
                codecs.release();
            }
        }
    }
}
