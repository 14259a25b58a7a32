package io.github.nifirouting.matrix;

import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.parquet.FlatRows;
import io.github.nifirouting.parquet.ParquetRecordWriter;

import java.io.IOException;

import static io.github.nifirouting.matrix.MatrixRowWriter.DESTINATION_ID;
import static io.github.nifirouting.matrix.MatrixRowWriter.DESTINATION_SNAP_M;
import static io.github.nifirouting.matrix.MatrixRowWriter.DISTANCE_M;
import static io.github.nifirouting.matrix.MatrixRowWriter.DURATION_S;
import static io.github.nifirouting.matrix.MatrixRowWriter.ORIGIN_ID;
import static io.github.nifirouting.matrix.MatrixRowWriter.ORIGIN_SNAP_M;
import static io.github.nifirouting.matrix.MatrixRowWriter.STATUS;

/**
 * Matrix rows straight into the bundle's Parquet writer: the values go to parquet-java's column writers as they are,
 * with no record, map or boxed double per row. Destination ids and statuses repeat in every origin's rows, so their
 * UTF-8 bytes are encoded once and reused (the same bytes the record path writes).
 */
final class ParquetMatrixRows implements MatrixRowSink {

    /** Direct-mapped by identity: a request's destination ids (up to a few thousand) and the statuses stay encoded. */
    private static final int CACHE_SLOTS = 8192;

    private static final FlatRows.Text OK = FlatRows.encode(MatrixRowFields.STATUS_OK);

    private final FlatRows rows;
    private final String[] cachedText = new String[CACHE_SLOTS];
    private final FlatRows.Text[] cachedUtf8 = new FlatRows.Text[CACHE_SLOTS];
    /** The current request's destination ids in column order, and their UTF-8. */
    private final AnnouncedColumns columns = new AnnouncedColumns();
    private FlatRows.Text[] columnUtf8 = new FlatRows.Text[0];

    ParquetMatrixRows(final FlatRows rows) {
        this.rows = rows;
    }

    /** The writer must have been created for exactly the matrix row schema (field order is what {@link FlatRows} indexes). */
    static boolean supports(final ParquetRecordWriter writer) {
        return MatrixRowWriter.SCHEMA.equals(writer.getSchema()) && writer.supportsFlatRows();
    }

    @Override
    public void destinations(final String[] ids) {
        columns.announce(ids);
        columnUtf8 = new FlatRows.Text[ids.length];
        for (int column = 0; column < ids.length; column++) {
            columnUtf8[column] = encoded(ids[column]);
        }
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

    /** A row's destination's UTF-8: by its announced column, else (e.g. invalid points' rows) from the cache. */
    private FlatRows.Text destination(final String id) {
        final int column = columns.column(id);
        return column < 0 ? encoded(id) : columnUtf8[column];
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
