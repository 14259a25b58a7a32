package io.github.nifirouting.matrix;

import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.parquet.FlatRows;
import io.github.nifirouting.parquet.ParquetRecordWriter;

import java.io.IOException;

/**
 * Matrix rows straight into the bundle's Parquet writer: the values go to parquet-java's column writers as they are,
 * with no record, map or boxed double per row. Destination ids and statuses repeat in every origin's rows, so their
 * UTF-8 bytes are encoded once and reused (the same bytes the record path writes).
 */
final class ParquetMatrixRows implements MatrixRowSink {

    private static final int ORIGIN_ID = 0;
    private static final int DESTINATION_ID = 1;
    private static final int DURATION_S = 2;
    private static final int DISTANCE_M = 3;
    private static final int STATUS = 4;
    private static final int ORIGIN_SNAP_M = 5;
    private static final int DESTINATION_SNAP_M = 6;
    /** Direct-mapped by identity: a request's destination ids (up to a few thousand) and the statuses stay encoded. */
    private static final int CACHE_SLOTS = 8192;

    private static final FlatRows.Text OK = FlatRows.encode(MatrixRowFields.STATUS_OK);

    private final FlatRows rows;
    private final String[] cachedText = new String[CACHE_SLOTS];
    private final FlatRows.Text[] cachedUtf8 = new FlatRows.Text[CACHE_SLOTS];
    /** The current request's destination ids in column order, their UTF-8, and the column the next row most likely names. */
    private String[] columnIds = new String[0];
    private FlatRows.Text[] columnUtf8 = new FlatRows.Text[0];
    private int nextColumn;

    ParquetMatrixRows(final FlatRows rows) {
        this.rows = rows;
    }

    /** The writer must have been created for exactly the matrix row schema (field order is what {@link FlatRows} indexes). */
    static boolean supports(final ParquetRecordWriter writer) {
        return MatrixRowWriter.SCHEMA.equals(writer.getSchema()) && writer.supportsFlatRows();
    }

    @Override
    public void destinations(final String[] ids) {
        columnIds = ids;
        columnUtf8 = new FlatRows.Text[ids.length];
        for (int column = 0; column < ids.length; column++) {
            columnUtf8[column] = encoded(ids[column]);
        }
        nextColumn = 0;
    }

    @Override
    public void row(final String originId, final String destinationId, final double durationS, final double distanceM, final String status,
                    final double originSnapM, final double destinationSnapM) throws IOException {
        rows.string(ORIGIN_ID, originId);
        rows.string(DESTINATION_ID, destination(destinationId));
        rows.string(STATUS, status == MatrixRowFields.STATUS_OK ? OK : encoded(status));
        number(DURATION_S, durationS);
        number(DISTANCE_M, distanceM);
        number(ORIGIN_SNAP_M, originSnapM);
        number(DESTINATION_SNAP_M, destinationSnapM);
        rows.endRow();
    }

    private void number(final int field, final double value) {
        if (!Double.isNaN(value)) {
            rows.number(field, value);
        }
    }

    /**
     * Rows follow the announced columns in order, wrapping for the next origin, one column left out where a self pair is
     * excluded: one or two comparisons instead of a cache lookup. Anything else (e.g. invalid points' rows) goes to the cache.
     */
    private FlatRows.Text destination(final String id) {
        final int columns = columnIds.length;
        int column = nextColumn;
        if (column >= columns || columnIds[column] != id) {
            if (column + 1 < columns && columnIds[column + 1] == id) {
                column++;
            } else if (columns > 0 && columnIds[0] == id) {
                column = 0;
            } else {
                return encoded(id);
            }
        }
        nextColumn = column + 1 == columns ? 0 : column + 1;
        return columnUtf8[column];
    }

    private FlatRows.Text encoded(final String text) {
        final int slot = System.identityHashCode(text) & (CACHE_SLOTS - 1);
        if (cachedText[slot] != text) {
            cachedText[slot] = text;
            cachedUtf8[slot] = FlatRows.encode(text);
        }
        return cachedUtf8[slot];
    }
}
