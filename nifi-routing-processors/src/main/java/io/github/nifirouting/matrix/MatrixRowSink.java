package io.github.nifirouting.matrix;

import io.github.nifirouting.parquet.ParquetRecordWriter;
import org.apache.nifi.serialization.RecordSetWriter;

import java.io.IOException;

/**
 * Where {@link MatrixRowWriter} puts its rows, one call per origin-destination pair with the values as primitives.
 * {@link #of} picks the way into a NiFi record writer: the bundle's own Parquet writer takes strings as dictionary ids and
 * encodes its pages itself under its "All But Floating Point" setting ({@link DictionaryMatrixRows}), else takes the
 * values straight into parquet-java's column writers ({@link ParquetMatrixRows}), no object per row either way; any other writer (CSV, JSON, Avro, ...) gets one
 * NiFi record per row ({@link RecordMatrixRows}). Both write the same rows.
 */
public interface MatrixRowSink {

    /**
     * One row of {@link MatrixRowWriter#SCHEMA}. A {@code NaN} duration, distance or snap distance is written as null.
     */
    void row(String originId, String destinationId, double durationS, double distanceM, String status, double originSnapM,
             double destinationSnapM) throws IOException;

    /**
     * The pairs of one origin with the destinations in columns {@code from} to {@code to} (exclusive) of a request: by
     * column, the destination's id and snap distance, the pair's status, duration and distance (NaN for null). The same
     * rows as {@link #row} for each pair in turn, which is what the default does; a sink may take them column-wise.
     */
    default void pairs(final String originId, final double originSnapM, final String[] destinationIds, final double[] destinationSnapsM,
                       final int from, final int to, final String[] statuses, final double[] durationsS, final double[] distancesM)
            throws IOException {
        for (int column = from; column < to; column++) {
            row(originId, destinationIds[column], durationsS[column], distancesM[column], statuses[column], originSnapM, destinationSnapsM[column]);
        }
    }

    /**
     * Announces the destination ids, in column order, of the request whose rows follow (each origin's rows name them in this
     * order, some possibly left out). Only a hint: a sink may use it to find a row's destination without a lookup.
     */
    default void destinations(final String[] ids) {
    }

    /** The fastest sink the writer supports, given that the writer was created with {@link MatrixRowWriter#SCHEMA}. */
    static MatrixRowSink of(final RecordSetWriter writer) throws IOException {
        if (writer instanceof ParquetRecordWriter parquet) {
            if (DictionaryMatrixRows.supports(parquet)) {
                return new DictionaryMatrixRows(parquet.dictionaryRows());
            }
            if (ParquetMatrixRows.supports(parquet)) {
                return new ParquetMatrixRows(parquet.flatRows());
            }
        }
        return new RecordMatrixRows(writer);
    }

    /** Always one NiFi record per row, whatever the writer: the reference the fast path is compared with. */
    static MatrixRowSink records(final RecordSetWriter writer) {
        return new RecordMatrixRows(writer);
    }
}
