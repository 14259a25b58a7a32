package io.github.nifirouting.matrix;

import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.parquet.DictionaryRows;
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
 * Matrix rows into the bundle's Parquet writer with their strings as dictionary ids ({@link DictionaryRows}): an origin's
 * id is looked up once for its whole row of pairs, each announced destination once per request, and the OK status once
 * per row group; every other value is an array store. The writer's layout when its dictionary setting is "All But
 * Floating Point" (the drive-time template's).
 */
final class DictionaryMatrixRows implements MatrixRowSink {

    private static final int UNKNOWN = -1;

    private final DictionaryRows rows;
    /** The dictionaries' generation the ids below belong to. */
    private int generation;
    private String lastOrigin;
    private int lastOriginId = UNKNOWN;
    private int okId = UNKNOWN;
    /** The current request's destination ids in column order, and their dictionary ids (UNKNOWN until asked). */
    private final AnnouncedColumns columns = new AnnouncedColumns();
    private int[] columnDictionaryIds = new int[0];
    /** Scratch for the dictionary ids of statuses other than OK. */
    private int[] statusIds = new int[0];

    DictionaryMatrixRows(final DictionaryRows rows) {
        this.rows = rows;
        this.generation = rows.generation();
    }

    /** The writer must have been created for exactly the matrix row schema (field order is what the ids index). */
    static boolean supports(final ParquetRecordWriter writer) {
        return MatrixRowWriter.SCHEMA.equals(writer.getSchema()) && writer.supportsDictionaryRows();
    }

    @Override
    public void destinations(final String[] ids) {
        columns.announce(ids);
        columnDictionaryIds = new int[ids.length];
        java.util.Arrays.fill(columnDictionaryIds, UNKNOWN);
    }

    @Override
    public void row(final String originId, final String destinationId, final double durationS, final double distanceM, final String status,
                    final double originSnapM, final double destinationSnapM) throws IOException {
        rows.text(ORIGIN_ID, origin(originId));
        rows.text(DESTINATION_ID, destination(destinationId));
        rows.text(STATUS, status(status));
        rows.number(DURATION_S, durationS);
        rows.number(DISTANCE_M, distanceM);
        rows.number(ORIGIN_SNAP_M, originSnapM);
        rows.number(DESTINATION_SNAP_M, destinationSnapM);
        rows.endRow();
    }

    @Override
    public void pairs(final String originId, final double originSnapM, final String[] destinationIds, final double[] destinationSnapsM,
                      final int from, final int to, final String[] statuses, final double[] durationsS, final double[] distancesM)
            throws IOException {
        if (destinationIds != columns.ids()) {
            destinations(destinationIds);
        }
        int column = from;
        while (column < to) {
            final int originDictionaryId = origin(originId);
            final int count = Math.min(to - column, rows.pageRoom());
            final int end = column + count;
            for (int c = column; c < end; c++) {
                if (columnDictionaryIds[c] == UNKNOWN) {
                    columnDictionaryIds[c] = rows.id(DESTINATION_ID, destinationIds[c]);
                }
            }
            rows.textRun(ORIGIN_ID, originDictionaryId, count);
            rows.texts(DESTINATION_ID, columnDictionaryIds, column, count);
            statuses(statuses, column, count);
            rows.numbers(DURATION_S, durationsS, column, count);
            rows.numbers(DISTANCE_M, distancesM, column, count);
            rows.numberRun(ORIGIN_SNAP_M, originSnapM, count);
            rows.numbers(DESTINATION_SNAP_M, destinationSnapsM, column, count);
            rows.endRows(count);
            column = end;
        }
    }

    /** Statuses are OK almost everywhere: one run then; otherwise each looked up. */
    private void statuses(final String[] statuses, final int from, final int count) {
        int firstOther = from;
        while (firstOther < from + count && statuses[firstOther] == MatrixRowFields.STATUS_OK) {
            firstOther++;
        }
        if (firstOther == from + count) {
            rows.textRun(STATUS, status(MatrixRowFields.STATUS_OK), count);
            return;
        }
        if (statusIds.length < count) {
            statusIds = new int[count];
        }
        for (int index = 0; index < count; index++) {
            statusIds[index] = status(statuses[from + index]);
        }
        rows.texts(STATUS, statusIds, 0, count);
    }

    /**
     * The dictionary id of the origin of the rows about to be set: looked up once for all its consecutive rows. Also where a
     * new row group (new dictionaries) is noticed, as every row and run sets its origin first.
     */
    private int origin(final String originId) {
        if (generation != rows.generation()) {
            forgetIds();
        }
        if (originId != lastOrigin) {
            lastOrigin = originId;
            lastOriginId = rows.id(ORIGIN_ID, originId);
        }
        return lastOriginId;
    }

    /** The dictionary id of a status: OK's kept for the row group, any other looked up. */
    private int status(final String status) {
        if (status != MatrixRowFields.STATUS_OK) {
            return rows.id(STATUS, status);
        }
        if (okId == UNKNOWN) {
            okId = rows.id(STATUS, MatrixRowFields.STATUS_OK);
        }
        return okId;
    }

    /** A new row group has new dictionaries. */
    private void forgetIds() {
        generation = rows.generation();
        lastOrigin = null;
        okId = UNKNOWN;
        java.util.Arrays.fill(columnDictionaryIds, UNKNOWN);
    }

    /** The dictionary id of a row's destination: by its announced column, else (e.g. invalid points' rows) looked up. */
    private int destination(final String id) {
        final int column = columns.column(id);
        if (column < 0) {
            return rows.id(DESTINATION_ID, id);
        }
        int dictionaryId = columnDictionaryIds[column];
        if (dictionaryId == UNKNOWN) {
            dictionaryId = rows.id(DESTINATION_ID, id);
            columnDictionaryIds[column] = dictionaryId;
        }
        return dictionaryId;
    }
}
