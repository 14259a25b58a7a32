package io.github.nifirouting.accessibility;

import io.github.nifirouting.model.MatrixRowFields;
import org.apache.nifi.serialization.MalformedRecordException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.record.Record;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scores origins from matrix rows (origin_id, destination_id, duration_s and optional weights) as a stream. Memory is
 * one small accumulator per distinct origin of the input (and, for 2SFCA, one demand sum per destination), never the
 * rows: a FlowFile holding the tiles of one origin chunk needs memory for that chunk only.
 * <p>
 * Two-step floating catchment area (2SFCA, Luo and Wang 2003), with catchment d0: step 1, for each destination j,
 * R_j = S_j / sum of P_i over origins i with t_ij &lt;= d0; step 2, for each origin i, A_i = sum of R_j over
 * destinations j with t_ij &lt;= d0. Step 1 needs every origin's demand for a destination, so the rows are read twice
 * (the content is re-read from the repository, not held).
 */
public final class AccessibilityScorer {

    /** Settings of one scoring run. */
    public record Settings(double[] thresholdsSeconds, DecayFunction decay, double beta, int nearestK,
                           String destinationWeightField, String originWeightField, double twoStepCatchmentSeconds) {

        public boolean twoStep() {
            return twoStepCatchmentSeconds > 0;
        }
    }

    /** A row that cannot be scored, with its position. */
    public static final class BadRowException extends Exception {
        private final long rowIndex;

        public BadRowException(final long rowIndex, final String message) {
            super("row " + rowIndex + ": " + message);
            this.rowIndex = rowIndex;
        }

        public long rowIndex() {
            return rowIndex;
        }
    }

    /** Opens the rows from the start; called once per pass. */
    @FunctionalInterface
    public interface RowSource {
        RecordReader open() throws IOException, MalformedRecordException, org.apache.nifi.schema.access.SchemaNotFoundException;
    }

    private final Settings settings;

    public AccessibilityScorer(final Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Scores every origin of the rows; the map keeps the order origins first appeared in. */
    public Map<String, OriginScores> score(final RowSource rows) throws Exception {
        final Map<String, Double> destinationRatio;
        if (settings.twoStep()) {
            final SupplyDemand supplyDemand = new SupplyDemand();
            try (RecordReader reader = rows.open()) {
                addSupplyDemand(reader, supplyDemand);
            }
            destinationRatio = supplyDemand.ratios();
        } else {
            destinationRatio = Map.of();
        }
        final Map<String, OriginScores> origins = new LinkedHashMap<>();
        try (RecordReader reader = rows.open()) {
            addScores(reader, destinationRatio, origins);
        }
        return origins;
    }

    /**
     * One pass over rows: adds them to the origins' accumulators in {@code origins} (created as origins appear).
     *
     * @param destinationRatio 2SFCA step-1 ratios R_j (empty without 2SFCA)
     * @return rows read
     */
    public long addScores(final RecordReader reader, final Map<String, Double> destinationRatio, final Map<String, OriginScores> origins)
            throws IOException, MalformedRecordException, BadRowException {
        Record row;
        long index = 0;
        while ((row = reader.nextRecord()) != null) {
            final String origin = text(row, MatrixRowFields.ORIGIN_ID, index);
            final String destination = text(row, MatrixRowFields.DESTINATION_ID, index);
            final OriginScores scores = origins.computeIfAbsent(origin, o -> newOrigin());
            final Double seconds = duration(row, index);
            if (seconds != null) {
                final double weight = weight(row, settings.destinationWeightField(), index);
                scores.add(destination, seconds, weight, settings.decay().apply(seconds, settings.beta()));
                if (settings.twoStep() && seconds <= settings.twoStepCatchmentSeconds()) {
                    scores.twoStepAccess += destinationRatio.getOrDefault(destination, 0.0);
                }
            }
            index++;
        }
        return index;
    }

    /** An empty accumulator for one origin. */
    public OriginScores newOrigin() {
        return new OriginScores(settings.thresholdsSeconds(), settings.nearestK());
    }

    /**
     * 2SFCA step 1 over one pass of rows: each destination's supply and the demand of the origins within the catchment.
     *
     * @return rows read
     */
    public long addSupplyDemand(final RecordReader reader, final SupplyDemand supplyDemand)
            throws IOException, MalformedRecordException, BadRowException {
        Record row;
        long index = 0;
        while ((row = reader.nextRecord()) != null) {
            text(row, MatrixRowFields.ORIGIN_ID, index);
            final String destination = text(row, MatrixRowFields.DESTINATION_ID, index);
            final Double seconds = duration(row, index);
            final double supply = weight(row, settings.destinationWeightField(), index);
            final double demand = seconds != null && seconds <= settings.twoStepCatchmentSeconds()
                    ? weight(row, settings.originWeightField(), index) : 0.0;
            supplyDemand.add(destination, supply, demand);
            index++;
        }
        return index;
    }

    /** Per destination: its supply S_j and the demand sum of the origins within the catchment, mergeable across tiles. */
    public static final class SupplyDemand {
        private final Map<String, double[]> byDestination = new HashMap<>();

        void add(final String destination, final double supply, final double demand) {
            final double[] entry = byDestination.computeIfAbsent(destination, d -> new double[2]);
            entry[0] = supply;
            entry[1] += demand;
        }

        public void merge(final SupplyDemand other) {
            other.byDestination.forEach((destination, entry) -> add(destination, entry[0], entry[1]));
        }

        public int destinations() {
            return byDestination.size();
        }

        /** Visits each destination's supply and demand (to persist them). */
        public void forEach(final DestinationVisitor visitor) {
            byDestination.forEach((destination, entry) -> visitor.visit(destination, entry[0], entry[1]));
        }

        /** Estimated heap: a map entry, an id and a two-double array per destination. */
        public long estimatedBytes() {
            long bytes = 64;
            for (final String destination : byDestination.keySet()) {
                bytes += 32 + 48 + destination.length() + 32;
            }
            return bytes;
        }

        @FunctionalInterface
        public interface DestinationVisitor {
            void visit(String destination, double supply, double demand);
        }

        /** R_j = S_j / demand within the catchment (0 when no demand reaches j). */
        public Map<String, Double> ratios() {
            final Map<String, Double> ratios = new HashMap<>();
            byDestination.forEach((destination, entry) -> ratios.put(destination, entry[1] > 0 ? entry[0] / entry[1] : 0.0));
            return ratios;
        }
    }

    private static String text(final Record row, final String field, final long index) throws BadRowException {
        final Object value = row.getValue(field);
        if (value == null || value.toString().isBlank()) {
            throw new BadRowException(index, "no " + field);
        }
        return value.toString();
    }

    /** The duration, or null when the pair is not routable (null duration or a status other than OK). */
    private static Double duration(final Record row, final long index) throws BadRowException {
        final Object status = row.getValue(MatrixRowFields.STATUS);
        final Object value = row.getValue(MatrixRowFields.DURATION_S);
        if (value == null || status != null && !MatrixRowFields.STATUS_OK.equals(status.toString())) {
            return null;
        }
        final double seconds;
        try {
            seconds = value instanceof Number number ? number.doubleValue() : Double.parseDouble(value.toString());
        } catch (final NumberFormatException e) {
            throw new BadRowException(index, MatrixRowFields.DURATION_S + " '" + value + "' is not a number");
        }
        if (!Double.isFinite(seconds) || seconds < 0) {
            throw new BadRowException(index, MatrixRowFields.DURATION_S + " " + seconds + " is not a finite non-negative number");
        }
        return seconds;
    }

    private static double weight(final Record row, final String field, final long index) throws BadRowException {
        if (field == null) {
            return 1.0;
        }
        final Object value = row.getValue(field);
        if (value == null) {
            throw new BadRowException(index, "no weight in field '" + field + "'");
        }
        try {
            final double weight = value instanceof Number number ? number.doubleValue() : Double.parseDouble(value.toString());
            if (!Double.isFinite(weight) || weight < 0) {
                throw new BadRowException(index, "weight " + weight + " in field '" + field + "' must be finite and non-negative");
            }
            return weight;
        } catch (final NumberFormatException e) {
            throw new BadRowException(index, "weight '" + value + "' in field '" + field + "' is not a number");
        }
    }
}
