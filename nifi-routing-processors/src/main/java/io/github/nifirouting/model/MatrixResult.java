package io.github.nifirouting.model;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Travel times and distances for {@code rows} origins x {@code columns} destinations, row-major in flat
 * arrays. An unroutable cell is {@link Double#NaN}; a cell the engine did not reach within its cutoff (e.g. the
 * embedded engine's Max Travel Time) has duration {@link #BEYOND_CUTOFF}. Snap distances say how far each input point was from
 * the network where it was matched ({@code NaN} when the engine does not report it).
 * <p>
 * Two marks refine a cell beyond routable / unroutable: a point the engine could not place on its network at all
 * ({@link #isSourceOffNetwork}, {@link #isDestinationOffNetwork}: its pairs get their own status, the rest of the
 * matrix is routed), and a cell the engine estimated instead of routing ({@link #isEstimated}, OSRM's
 * {@code fallback_speed}).
 */
public final class MatrixResult {

    private final int rows;
    private final int columns;
    private final double[] durationsSeconds;
    private final double[] distancesMeters;
    private final double[] sourceSnapMeters;
    private final double[] destinationSnapMeters;
    private final BitSet offNetworkSources;
    private final BitSet offNetworkDestinations;
    private final BitSet estimatedCells;

    /** Duration of a pair the engine did not reach within its cutoff (its distance is NaN). */
    public static final double BEYOND_CUTOFF = Double.POSITIVE_INFINITY;

    public MatrixResult(final int rows, final int columns, final double[] durationsSeconds, final double[] distancesMeters,
                        final double[] sourceSnapMeters, final double[] destinationSnapMeters) {
        this(rows, columns, durationsSeconds, distancesMeters, sourceSnapMeters, destinationSnapMeters, new BitSet(), new BitSet(), new BitSet());
    }

    /**
     * @param offNetworkSources      rows whose origin the engine could not place on its network
     * @param offNetworkDestinations columns whose destination the engine could not place on its network
     * @param estimatedCells         row-major cells the engine estimated rather than routed
     */
    public MatrixResult(final int rows, final int columns, final double[] durationsSeconds, final double[] distancesMeters,
                        final double[] sourceSnapMeters, final double[] destinationSnapMeters, final BitSet offNetworkSources,
                        final BitSet offNetworkDestinations, final BitSet estimatedCells) {
        final long cells = (long) rows * columns;
        if (rows < 0 || columns < 0 || durationsSeconds.length != cells || distancesMeters.length != cells) {
            throw new IllegalArgumentException("a " + rows + " x " + columns + " matrix needs " + cells + " cells, got "
                    + durationsSeconds.length + " durations and " + distancesMeters.length + " distances");
        }
        if (sourceSnapMeters.length != rows || destinationSnapMeters.length != columns) {
            throw new IllegalArgumentException("snap distances must match the matrix shape " + rows + " x " + columns);
        }
        this.rows = rows;
        this.columns = columns;
        this.durationsSeconds = durationsSeconds;
        this.distancesMeters = distancesMeters;
        this.sourceSnapMeters = sourceSnapMeters;
        this.destinationSnapMeters = destinationSnapMeters;
        this.offNetworkSources = offNetworkSources;
        this.offNetworkDestinations = offNetworkDestinations;
        this.estimatedCells = estimatedCells;
    }

    /** A matrix whose snap distances are unknown. */
    public static MatrixResult of(final int rows, final int columns, final double[] durationsSeconds, final double[] distancesMeters) {
        return new MatrixResult(rows, columns, durationsSeconds, distancesMeters, nanArray(rows), nanArray(columns));
    }

    public static double[] nanArray(final int length) {
        final double[] values = new double[length];
        Arrays.fill(values, Double.NaN);
        return values;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    public double durationSeconds(final int row, final int column) {
        return durationsSeconds[cell(row, column)];
    }

    public double distanceMeters(final int row, final int column) {
        return distancesMeters[cell(row, column)];
    }

    public boolean isRoutable(final int row, final int column) {
        return Double.isFinite(durationsSeconds[cell(row, column)]);
    }

    /** Whether the engine stopped searching at its cutoff before reaching this pair (not routable, status BEYOND_CUTOFF). */
    public boolean isBeyondCutoff(final int row, final int column) {
        return durationsSeconds[cell(row, column)] == BEYOND_CUTOFF;
    }

    public double sourceSnapMeters(final int row) {
        return sourceSnapMeters[row];
    }

    public double destinationSnapMeters(final int column) {
        return destinationSnapMeters[column];
    }

    /** Whether the engine could not place this origin on its network (none of its pairs has values). */
    public boolean isSourceOffNetwork(final int row) {
        return offNetworkSources.get(row);
    }

    /** Whether the engine could not place this destination on its network (none of its pairs has values). */
    public boolean isDestinationOffNetwork(final int column) {
        return offNetworkDestinations.get(column);
    }

    /** Whether the engine estimated this cell (e.g. OSRM's fallback_speed) instead of routing it. */
    public boolean isEstimated(final int row, final int column) {
        return estimatedCells.get(cell(row, column));
    }

    /** Whether any cell or point carries a mark (off-network point, estimated cell). */
    public boolean hasMarks() {
        return !offNetworkSources.isEmpty() || !offNetworkDestinations.isEmpty() || !estimatedCells.isEmpty();
    }

    private int cell(final int row, final int column) {
        if (row < 0 || row >= rows || column < 0 || column >= columns) {
            throw new IndexOutOfBoundsException("cell (" + row + ", " + column + ") of a " + rows + " x " + columns + " matrix");
        }
        return row * columns + column;
    }
}
