package io.github.nifirouting.matrix;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.MatrixRowFields;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.IOException;
import java.util.List;

/**
 * Writes one flat row per origin-destination pair of a tile, every pair exactly once: request by request as the answers
 * arrive ({@link #writeBlock}), then the pairs of records without a valid point ({@link #writeInvalid}).
 */
public final class MatrixRowWriter {

    public static final RecordSchema SCHEMA = new SimpleRecordSchema(List.of(
            new RecordField(MatrixRowFields.ORIGIN_ID, RecordFieldType.STRING.getDataType(), false),
            new RecordField(MatrixRowFields.DESTINATION_ID, RecordFieldType.STRING.getDataType(), false),
            new RecordField(MatrixRowFields.DURATION_S, RecordFieldType.DOUBLE.getDataType(), true),
            new RecordField(MatrixRowFields.DISTANCE_M, RecordFieldType.DOUBLE.getDataType(), true),
            new RecordField(MatrixRowFields.STATUS, RecordFieldType.STRING.getDataType(), false),
            new RecordField(MatrixRowFields.ORIGIN_SNAP_M, RecordFieldType.DOUBLE.getDataType(), true),
            new RecordField(MatrixRowFields.DESTINATION_SNAP_M, RecordFieldType.DOUBLE.getDataType(), true)));

    /** Field indexes of {@link #SCHEMA}, for sinks that write fields by position. */
    static final int ORIGIN_ID = 0;
    static final int DESTINATION_ID = 1;
    static final int DURATION_S = 2;
    static final int DISTANCE_M = 3;
    static final int STATUS = 4;
    static final int ORIGIN_SNAP_M = 5;
    static final int DESTINATION_SNAP_M = 6;

    /** Pairs written by status. */
    public static final class Counts {
        public long ok;
        public long unroutable;
        public long snappedTooFar;
        public long noRoad;
        public long estimated;
        public long invalid;
        public long selfPairsSkipped;

        public long total() {
            return ok + unroutable + snappedTooFar + noRoad + estimated + invalid;
        }
    }

    private final double maxSnapMeters;
    private final boolean excludeSelfPairs;

    /**
     * @param maxSnapMeters    pairs whose origin or destination snapped farther get {@code SNAPPED_TOO_FAR}; infinity to disable
     * @param excludeSelfPairs whether pairs with the same origin and destination id are left out
     */
    public MatrixRowWriter(final double maxSnapMeters, final boolean excludeSelfPairs) {
        this.maxSnapMeters = maxSnapMeters;
        this.excludeSelfPairs = excludeSelfPairs;
    }

    /** Writes a whole tile whose matrix is in memory: its routed pairs, then the pairs of records without a valid point. */
    public Counts write(final TilePoints tile, final MatrixResult matrix, final RecordSetWriter writer) throws IOException {
        return write(tile, matrix, MatrixRowSink.of(writer));
    }

    /** {@link #write(TilePoints, MatrixResult, RecordSetWriter)} into a given sink. */
    public Counts write(final TilePoints tile, final MatrixResult matrix, final MatrixRowSink rows) throws IOException {
        final Counts counts = new Counts();
        writeBlock(tile.origins(), tile.destinations(), matrix, rows, counts);
        writeInvalid(tile, rows, counts);
        return counts;
    }

    /**
     * Writes the rows of one request: every pair of {@code origins} x {@code destinations}, as the engine answered them.
     * Each origin's pairs go to the sink as columns (statuses, durations, distances by destination), split only where a
     * self pair is left out.
     */
    public void writeBlock(final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixResult matrix,
                           final MatrixRowSink rows, final Counts counts) throws IOException {
        final int rowCount = origins.size();
        final int columns = destinations.size();
        final String[] destinationIds = new String[columns];
        final double[] destinationSnaps = new double[columns];
        final boolean[] destinationOffNetwork = new boolean[columns];
        for (int c = 0; c < columns; c++) {
            destinationIds[c] = destinations.id(c);
            destinationSnaps[c] = matrix.destinationSnapMeters(c);
            destinationOffNetwork[c] = matrix.isDestinationOffNetwork(c);
        }
        rows.destinations(destinationIds);
        final boolean marks = matrix.hasMarks();
        final String[] statuses = new String[columns];
        final double[] durations = new double[columns];
        final double[] distances = new double[columns];
        for (int r = 0; r < rowCount; r++) {
            final String originId = origins.id(r);
            final double originSnap = matrix.sourceSnapMeters(r);
            final boolean originOffNetwork = matrix.isSourceOffNetwork(r);
            final boolean originTooFar = originSnap > maxSnapMeters;
            int from = 0;
            for (int c = 0; c < columns; c++) {
                if (excludeSelfPairs && originId.equals(destinationIds[c])) {
                    counts.selfPairsSkipped++;
                    if (c > from) {
                        rows.pairs(originId, originSnap, destinationIds, destinationSnaps, from, c, statuses, durations, distances);
                    }
                    from = c + 1;
                    continue;
                }
                final String status;
                if (marks && (originOffNetwork || destinationOffNetwork[c])) {
                    status = MatrixRowFields.STATUS_NO_ROAD;
                    counts.noRoad++;
                } else if (originTooFar || destinationSnaps[c] > maxSnapMeters) {
                    status = MatrixRowFields.STATUS_SNAPPED_TOO_FAR;
                    counts.snappedTooFar++;
                } else if (marks && matrix.isEstimated(r, c)) {
                    status = MatrixRowFields.STATUS_ESTIMATED;
                    counts.estimated++;
                } else if (matrix.isRoutable(r, c)) {
                    status = MatrixRowFields.STATUS_OK;
                    counts.ok++;
                } else if (matrix.isBeyondCutoff(r, c)) {
                    status = MatrixRowFields.STATUS_BEYOND_CUTOFF;
                    counts.unroutable++;
                } else {
                    status = MatrixRowFields.STATUS_UNROUTABLE;
                    counts.unroutable++;
                }
                statuses[c] = status;
                final boolean hasValues = status == MatrixRowFields.STATUS_OK || status == MatrixRowFields.STATUS_ESTIMATED;
                durations[c] = hasValues ? matrix.durationSeconds(r, c) : Double.NaN;
                distances[c] = hasValues ? matrix.distanceMeters(r, c) : Double.NaN;
            }
            if (from < columns) {
                rows.pairs(originId, originSnap, destinationIds, destinationSnaps, from, columns, statuses, durations, distances);
            }
        }
    }

    /** Records without a valid point still account for their pairs, with status INVALID_COORDINATE. */
    public void writeInvalid(final TilePoints tile, final MatrixRowSink rows, final Counts counts) throws IOException {
        final CoordinateBlock destinations = tile.destinations();
        for (final String originId : tile.invalidOrigins()) {
            for (int c = 0; c < destinations.size(); c++) {
                invalidRow(rows, originId, destinations.id(c), counts);
            }
            for (final String destinationId : tile.invalidDestinations()) {
                invalidRow(rows, originId, destinationId, counts);
            }
        }
        for (int r = 0; r < tile.origins().size(); r++) {
            for (final String destinationId : tile.invalidDestinations()) {
                invalidRow(rows, tile.origins().id(r), destinationId, counts);
            }
        }
    }

    private void invalidRow(final MatrixRowSink rows, final String originId, final String destinationId, final Counts counts) throws IOException {
        if (excludeSelfPairs && originId.equals(destinationId)) {
            counts.selfPairsSkipped++;
            return;
        }
        rows.row(originId, destinationId, Double.NaN, Double.NaN, MatrixRowFields.STATUS_INVALID_COORDINATE, Double.NaN, Double.NaN);
        counts.invalid++;
    }
}
