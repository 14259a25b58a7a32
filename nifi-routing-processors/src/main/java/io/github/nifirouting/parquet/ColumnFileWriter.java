package io.github.nifirouting.parquet;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.util.List;

/**
 * A Parquet file written column by column, below parquet-java's record consumer: the caller writes each row's values
 * straight into the {@link #columns()} writers (value, repetition level, definition level) and ends the row with
 * {@link #endRow()}; this class owns the file writer, the column and page stores of the row group being assembled, and
 * flushes a row group when its buffered size reaches the Row Group Size.
 *
 * <p>It writes the file {@code ParquetWriter} writes for the same {@link ParquetProperties}, codec, row group size and
 * values: the same parquet-java column writers (encodings, dictionaries, statistics, column and offset indexes, bloom
 * filters when the properties enable them), the same page store and file writer, and row groups cut at the same rows
 * (parquet-java's documented policy: the buffered size is checked after the properties' minimum row count, then again
 * half-way to the estimated end of the row group, at most the properties' maximum row count later; a row group ends
 * when it is within two rows of the size). So a file written this way equals, byte for byte, the file of the record
 * path ({@code MatrixRowSinkTest} checks it); what is saved is the record consumer's per-field bookkeeping.
 *
 * <p>Not thread-safe. After a failed write the file is abandoned: {@link #close()} then writes no footer.
 */
final class ColumnFileWriter implements AutoCloseable {

    private final RowGroupFile file;
    private final MessageType schema;
    private final List<ColumnDescriptor> descriptors;
    private final ParquetProperties properties;
    private final long rowGroupBytes;
    /** By column, in schema order: the writers of the current row group (refilled in place for each new row group). */
    private final ColumnWriter[] columns;

    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private long rowsInGroup;
    private long rowsAtNextSizeCheck;
    private long nextRowGroupBytes;
    private boolean failed;
    private boolean closed;

    /**
     * @param codecs released when the file is closed (as {@code ParquetWriter} releases its codec factory)
     */
    ColumnFileWriter(final OutputFile out, final MessageType schema, final ParquetProperties properties, final CompressionCodecFactory codecs,
                     final CompressionCodecName codec, final long rowGroupBytes) throws IOException {
        this.schema = schema;
        this.descriptors = schema.getColumns();
        this.properties = properties;
        this.rowGroupBytes = rowGroupBytes;
        this.file = new RowGroupFile(out, schema, properties, codecs, codec, rowGroupBytes);
        this.columns = new ColumnWriter[descriptors.size()];
        this.nextRowGroupBytes = rowGroupBytes;
        this.rowsAtNextSizeCheck = properties.getMinRowCountForPageSizeCheck();
        startRowGroup();
    }

    /** The column writers of the current row group, in schema order; the array's content changes when a row group is flushed. */
    ColumnWriter[] columns() {
        return columns;
    }

    /** Ends the row whose values (or nulls) were written to every column, and flushes the row group once it is full. */
    void endRow() throws IOException {
        try {
            store.endRecord();
            rowsInGroup++;
            if (rowsInGroup >= properties.getRowGroupRowCountLimit()) {
                flushAndStartRowGroup();
            } else if (rowsInGroup >= rowsAtNextSizeCheck) {
                final long buffered = store.getBufferedSize();
                final long bytesPerRow = buffered / rowsInGroup;
                if (buffered > nextRowGroupBytes - 2 * bytesPerRow) {
                    flushAndStartRowGroup();
                } else {
                    final long halfWayToFull = (rowsInGroup + (long) (nextRowGroupBytes / ((float) bytesPerRow))) / 2;
                    rowsAtNextSizeCheck = Math.min(Math.max(properties.getMinRowCountForPageSizeCheck(), halfWayToFull),
                            rowsInGroup + properties.getMaxRowCountForPageSizeCheck());
                }
            }
        } catch (final IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** Marks the file as abandoned after a write into {@link #columns()} failed. */
    void fail() {
        failed = true;
    }

    private void flushAndStartRowGroup() throws IOException {
        flushRowGroup();
        startRowGroup();
        // The row count of the group just flushed is 0 now, so the next check comes after the minimum row count.
        rowsAtNextSizeCheck = Math.min(properties.getMinRowCountForPageSizeCheck(), properties.getMaxRowCountForPageSizeCheck());
    }

    private void startRowGroup() {
        pages = file.newPageStore();
        store = properties.newColumnWriteStore(schema, pages, pages);
        for (int index = 0; index < columns.length; index++) {
            columns[index] = store.getColumnWriter(descriptors.get(index));
        }
    }

    private void flushRowGroup() throws IOException {
        try {
            if (rowsInGroup > 0) {
                store.flush();
                file.write(pages, rowsInGroup);
                rowsInGroup = 0;
                nextRowGroupBytes = Math.min(file.nextRowGroupSize(), rowGroupBytes);
            }
        } finally {
            store.close();
            pages.close();
        }
    }

    /** Flushes the last row group and writes the footer (with no key-value metadata, as the record path's writer). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!failed) {
                flushRowGroup();
            } else {
                store.close();
                pages.close();
            }
        } finally {
            file.close(!failed);
        }
    }
}
