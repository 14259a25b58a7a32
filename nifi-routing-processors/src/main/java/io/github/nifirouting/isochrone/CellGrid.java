package io.github.nifirouting.isochrone;

import io.github.nifirouting.model.ReachableNodes;

import java.util.Arrays;

/**
 * Square cells of {@code spacing} meters on a lattice centred on a site (cell {@code (0, 0)} is centred on it), each
 * holding the travel time at which it counts as reached, in a flat array: the common ground of both strategies, on
 * which polygons are then built the same way. A cell is reached when the road nearest to its centre is reached, provided
 * that road is within {@code reach} meters: the matrix-sampled strategy asks the engine for the time to each cell's
 * centre, which the engine snaps to the nearest road; the engine-native strategy gives each cell the time of the nearest
 * point of the roads it got, which is the same thing computed from the other end.
 */
final class CellGrid {

    private final LocalProjection projection;
    private final double spacing;
    private final int minColumn;
    private final int minRow;
    private final int columns;
    private final int rows;
    private final float[] seconds;

    CellGrid(final LocalProjection projection, final double spacing, final int minColumn, final int maxColumn, final int minRow, final int maxRow) {
        this.projection = projection;
        this.spacing = spacing;
        this.minColumn = minColumn;
        this.minRow = minRow;
        this.columns = maxColumn - minColumn + 1;
        this.rows = maxRow - minRow + 1;
        this.seconds = new float[Math.multiplyExact(columns, rows)];
        Arrays.fill(seconds, Float.POSITIVE_INFINITY);
    }

    /**
     * The cells around a site with the time of the nearest point of {@code reachable}'s roads (or nodes) within
     * {@code reach} meters of their centre. Roads are walked in steps of at most a quarter of the smaller of spacing and
     * reach, so distances are judged to within half a step. Roads beyond {@code maxSeconds} are walked too where the
     * engine gave them (the far ends of roads leaving the reached area), so that a cell nearest to them is not claimed
     * by a farther road reached in time; roads the engine did not give at all are unknown, which can only make cells on
     * the outer edge count as reached through a farther road.
     */
    static CellGrid fromReachable(final double siteLatitude, final double siteLongitude, final ReachableNodes reachable,
                                  final double spacing, final double reach, final double maxSeconds) {
        final LocalProjection projection = new LocalProjection(siteLatitude, siteLongitude);
        final int size = reachable.size();
        final double[] times = reachable.travelSeconds();
        final double[] x = new double[size];
        final double[] y = new double[size];
        // Lines (or nodes) reached within the limit somewhere are used whole; the others are not needed.
        final int lines = reachable.hasRoads() ? reachable.lineCount() : size;
        final int[] starts = reachable.hasRoads() ? reachable.lineStarts() : null;
        final boolean[] used = new boolean[lines];
        double minX = 0, maxX = 0, minY = 0, maxY = 0;
        for (int line = 0; line < lines; line++) {
            final int from = starts == null ? line : starts[line];
            final int to = starts == null ? line + 1 : starts[line + 1];
            for (int i = from; i < to && !used[line]; i++) {
                used[line] = times[i] <= maxSeconds;
            }
            if (!used[line]) {
                continue;
            }
            for (int i = from; i < to; i++) {
                x[i] = projection.x(reachable.longitudes()[i]);
                y[i] = projection.y(reachable.latitudes()[i]);
                minX = Math.min(minX, x[i]);
                maxX = Math.max(maxX, x[i]);
                minY = Math.min(minY, y[i]);
                maxY = Math.max(maxY, y[i]);
            }
        }
        final CellGrid grid = new CellGrid(projection, spacing, (int) Math.floor((minX - reach) / spacing), (int) Math.ceil((maxX + reach) / spacing),
                (int) Math.floor((minY - reach) / spacing), (int) Math.ceil((maxY + reach) / spacing));
        final float[] nearest = new float[grid.seconds.length]; // squared distance to the nearest road point so far
        Arrays.fill(nearest, Float.POSITIVE_INFINITY);
        final double step = Math.min(spacing, reach) / 4;
        for (int line = 0; line < lines; line++) {
            if (!used[line]) {
                continue;
            }
            if (starts == null) {
                grid.spread(x[line], y[line], times[line], reach, nearest);
                continue;
            }
            for (int a = starts[line]; a + 1 < starts[line + 1]; a++) {
                final int b = a + 1;
                final double length = Math.hypot(x[b] - x[a], y[b] - y[a]);
                final int steps = Math.max(1, (int) Math.ceil(length / step));
                for (int s = 0; s < steps || s == steps && b + 1 == starts[line + 1]; s++) {
                    final double f = (double) s / steps;
                    grid.spread(x[a] + f * (x[b] - x[a]), y[a] + f * (y[b] - y[a]), interpolate(times[a], times[b], f), reach, nearest);
                }
            }
        }
        return grid;
    }

    /** Linear in between, and only as far as the finite end where one end cannot be driven to (infinite time). */
    private static double interpolate(final double from, final double to, final double f) {
        if (Double.isInfinite(to)) {
            return f == 1 ? to : from;
        }
        if (Double.isInfinite(from)) {
            return f == 0 ? from : to;
        }
        return from + f * (to - from);
    }

    /** Gives {@code time} to every cell whose centre is within {@code reach} of {@code (px, py)} and nearer to it than to any road point so far. */
    private void spread(final double px, final double py, final double time, final double reach, final float[] nearest) {
        final int fromColumn = Math.max(minColumn, (int) Math.ceil((px - reach) / spacing));
        final int toColumn = Math.min(minColumn + columns - 1, (int) Math.floor((px + reach) / spacing));
        final int fromRow = Math.max(minRow, (int) Math.ceil((py - reach) / spacing));
        final int toRow = Math.min(minRow + rows - 1, (int) Math.floor((py + reach) / spacing));
        final double reachSquared = reach * reach;
        for (int row = fromRow; row <= toRow; row++) {
            final double dy = row * spacing - py;
            for (int column = fromColumn; column <= toColumn; column++) {
                final double dx = column * spacing - px;
                final double squared = dx * dx + dy * dy;
                final int index = (row - minRow) * columns + (column - minColumn);
                if (squared <= reachSquared && (squared < nearest[index] || squared == nearest[index] && time < seconds[index])) {
                    nearest[index] = (float) squared;
                    seconds[index] = (float) time;
                }
            }
        }
    }

    void lower(final int column, final int row, final double time) {
        final int index = (row - minRow) * columns + (column - minColumn);
        if (time < seconds[index]) {
            seconds[index] = (float) time;
        }
    }

    /** Whether any cell is reached within {@code seconds}. */
    boolean anyWithin(final double seconds) {
        for (final float time : this.seconds) {
            if (time <= seconds) {
                return true;
            }
        }
        return false;
    }

    LocalProjection projection() {
        return projection;
    }

    double spacing() {
        return spacing;
    }

    int minColumn() {
        return minColumn;
    }

    int minRow() {
        return minRow;
    }

    int columns() {
        return columns;
    }

    int rows() {
        return rows;
    }

    /** Travel time of the cell at {@code index} (row-major from the lowest row and column), infinite if not reached. */
    float seconds(final int index) {
        return seconds[index];
    }

    /** Longitude of the west edge of column {@code column - minColumn()}; one value per cell edge, shared by neighbours. */
    double[] edgeLongitudes() {
        final double[] edges = new double[columns + 1];
        for (int i = 0; i <= columns; i++) {
            edges[i] = projection.longitude((minColumn + i - 0.5) * spacing);
        }
        return edges;
    }

    /** Latitude of the south edge of row {@code row - minRow()}; one value per cell edge, shared by neighbours. */
    double[] edgeLatitudes() {
        final double[] edges = new double[rows + 1];
        for (int i = 0; i <= rows; i++) {
            edges[i] = projection.latitude((minRow + i - 0.5) * spacing);
        }
        return edges;
    }
}
