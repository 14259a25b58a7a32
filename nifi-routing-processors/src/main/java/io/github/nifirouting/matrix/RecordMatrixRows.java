package io.github.nifirouting.matrix;

import io.github.nifirouting.model.MatrixRowFields;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.record.MapRecord;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** Matrix rows as NiFi records, for any record writer. */
final class RecordMatrixRows implements MatrixRowSink {

    private final RecordSetWriter writer;

    RecordMatrixRows(final RecordSetWriter writer) {
        this.writer = writer;
    }

    @Override
    public void row(final String originId, final String destinationId, final double durationS, final double distanceM, final String status,
                    final double originSnapM, final double destinationSnapM) throws IOException {
        // A new map per row: a writer may keep the record until it flushes.
        final Map<String, Object> values = new HashMap<>(16);
        values.put(MatrixRowFields.ORIGIN_ID, originId);
        values.put(MatrixRowFields.DESTINATION_ID, destinationId);
        values.put(MatrixRowFields.DURATION_S, orNull(durationS));
        values.put(MatrixRowFields.DISTANCE_M, orNull(distanceM));
        values.put(MatrixRowFields.STATUS, status);
        values.put(MatrixRowFields.ORIGIN_SNAP_M, orNull(originSnapM));
        values.put(MatrixRowFields.DESTINATION_SNAP_M, orNull(destinationSnapM));
        writer.write(new MapRecord(MatrixRowWriter.SCHEMA, values));
    }

    private static Double orNull(final double value) {
        return Double.isNaN(value) ? null : value;
    }
}
