package io.github.nifirouting.matrix;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.TilePlan;

import java.util.BitSet;

/**
 * Asks an engine for the whole matrix of a tile, in as many requests as its limits require, and assembles the
 * answers into one origins x destinations result. Nothing is written until every request succeeded, so a failed
 * tile leaves no partial output.
 */
public final class TileMatrixRouter {

    private TileMatrixRouter() {
    }

    public static MatrixResult route(final RoutingEngineService engine, final CoordinateBlock origins, final CoordinateBlock destinations,
                                     final CallStats stats) throws RoutingException {
        return route(engine, origins, destinations, MatrixOptions.NONE, stats);
    }

    /** The tile's matrix, every request sent with {@code options} and sized to the engine's limits for them. */
    public static MatrixResult route(final RoutingEngineService engine, final CoordinateBlock origins, final CoordinateBlock destinations,
                                     final MatrixOptions options, final CallStats stats) throws RoutingException {
        final int rows = origins.size();
        final int columns = destinations.size();
        if (rows == 0 || columns == 0) {
            return MatrixResult.of(rows, columns, new double[0], new double[0]);
        }
        final MatrixLimits limits = engine.getMatrixLimits(options);
        if (limits.fits(rows, columns)) {
            final MatrixResult result = engine.computeMatrix(origins, destinations, options, stats);
            checkShape(result, rows, columns);
            return result;
        }
        final TilePlan plan = TilePlan.fit(rows, limits);
        final double[] durations = new double[Math.multiplyExact(rows, columns)];
        final double[] distances = new double[durations.length];
        final double[] originSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        final BitSet offNetworkOrigins = new BitSet(rows);
        final BitSet offNetworkDestinations = new BitSet(columns);
        final BitSet estimated = new BitSet();
        for (int rowStart = 0; rowStart < rows; rowStart += plan.originBlockSize()) {
            final int rowCount = Math.min(plan.originBlockSize(), rows - rowStart);
            for (int columnStart = 0; columnStart < columns; columnStart += plan.destinationBlockSize()) {
                final int columnCount = Math.min(plan.destinationBlockSize(), columns - columnStart);
                final MatrixResult part = engine.computeMatrix(origins.slice(rowStart, rowCount), destinations.slice(columnStart, columnCount), options,
                        stats);
                checkShape(part, rowCount, columnCount);
                for (int r = 0; r < rowCount; r++) {
                    for (int c = 0; c < columnCount; c++) {
                        final int cell = (rowStart + r) * columns + columnStart + c;
                        durations[cell] = part.durationSeconds(r, c);
                        distances[cell] = part.distanceMeters(r, c);
                        if (part.isEstimated(r, c)) {
                            estimated.set(cell);
                        }
                    }
                    originSnaps[rowStart + r] = part.sourceSnapMeters(r);
                    if (part.isSourceOffNetwork(r)) {
                        offNetworkOrigins.set(rowStart + r);
                    }
                }
                for (int c = 0; c < columnCount; c++) {
                    destinationSnaps[columnStart + c] = part.destinationSnapMeters(c);
                    if (part.isDestinationOffNetwork(c)) {
                        offNetworkDestinations.set(columnStart + c);
                    }
                }
            }
        }
        return new MatrixResult(rows, columns, durations, distances, originSnaps, destinationSnaps, offNetworkOrigins, offNetworkDestinations,
                estimated);
    }

    /** An engine that answers another shape than asked is broken for this request: retrying may help, writing must not. */
    private static void checkShape(final MatrixResult result, final int rows, final int columns) throws RoutingException {
        if (result.rows() != rows || result.columns() != columns) {
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "engine answered a " + result.rows() + " x " + result.columns()
                    + " matrix for a " + rows + " x " + columns + " request");
        }
    }
}
