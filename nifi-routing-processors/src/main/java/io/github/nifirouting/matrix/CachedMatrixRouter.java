package io.github.nifirouting.matrix;

import io.github.nifirouting.cache.MatrixCacheService;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.util.BitSet;

/**
 * Routes a tile through a result cache: cached pairs are taken from it, and only the origins and destinations that
 * still miss a pair are sent to the engine (their sub-matrix), whose answers are stored for next time. A run that adds
 * new destinations to cached origins asks the engine for the new columns only.
 */
public final class CachedMatrixRouter {

    /** Pairs found in and missing from the cache for one tile. */
    public record CacheOutcome(long hits, long misses) {
    }

    private CachedMatrixRouter() {
    }

    /** The cache scope of an engine service: results of different engines, profiles or services never mix. */
    public static String scope(final RoutingEngineService engine) {
        return engine.getEngineName() + "|" + engine.getProfile() + "|" + engine.getIdentifier();
    }

    public static MatrixResult route(final RoutingEngineService engine, final MatrixCacheService cache, final CoordinateBlock origins,
                                     final CoordinateBlock destinations, final CallStats stats, final CacheOutcome[] outcome)
            throws RoutingException, IOException {
        final int rows = origins.size();
        final int columns = destinations.size();
        final int cells = Math.multiplyExact(rows, columns);
        final double[] durations = new double[cells];
        final double[] distances = new double[cells];
        final BitSet hits = new BitSet(cells);
        final String scope = scope(engine);
        cache.lookup(scope, origins, destinations, durations, distances, hits);
        final long found = hits.cardinality();
        outcome[0] = new CacheOutcome(found, cells - found);
        if (found == cells) {
            return MatrixResult.of(rows, columns, durations, distances);
        }
        final int[] missingRows = new int[rows];
        final int[] missingColumns = new int[columns];
        int rowCount = 0;
        final boolean[] columnMisses = new boolean[columns];
        for (int r = 0; r < rows; r++) {
            boolean rowMisses = false;
            for (int c = 0; c < columns; c++) {
                if (!hits.get(r * columns + c)) {
                    rowMisses = true;
                    columnMisses[c] = true;
                }
            }
            if (rowMisses) {
                missingRows[rowCount++] = r;
            }
        }
        int columnCount = 0;
        for (int c = 0; c < columns; c++) {
            if (columnMisses[c]) {
                missingColumns[columnCount++] = c;
            }
        }
        final CoordinateBlock subOrigins = subset(origins, missingRows, rowCount);
        final CoordinateBlock subDestinations = subset(destinations, missingColumns, columnCount);
        final MatrixResult computed = TileMatrixRouter.route(engine, subOrigins, subDestinations, stats);
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        for (int i = 0; i < rowCount; i++) {
            sourceSnaps[missingRows[i]] = computed.sourceSnapMeters(i);
            for (int j = 0; j < columnCount; j++) {
                final int cell = missingRows[i] * columns + missingColumns[j];
                durations[cell] = computed.durationSeconds(i, j);
                distances[cell] = computed.distanceMeters(i, j);
            }
        }
        for (int j = 0; j < columnCount; j++) {
            destinationSnaps[missingColumns[j]] = computed.destinationSnapMeters(j);
        }
        final BitSet all = new BitSet();
        all.set(0, rowCount * columnCount);
        cache.store(scope, subOrigins, subDestinations, computed, all);
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
    }

    private static CoordinateBlock subset(final CoordinateBlock block, final int[] indexes, final int count) {
        if (count == block.size()) {
            return block;
        }
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(count);
        for (int i = 0; i < count; i++) {
            builder.add(block.id(indexes[i]), block.latitude(indexes[i]), block.longitude(indexes[i]));
        }
        return builder.build();
    }
}
