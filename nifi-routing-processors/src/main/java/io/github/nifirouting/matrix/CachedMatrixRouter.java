package io.github.nifirouting.matrix;

import io.github.nifirouting.cache.MatrixCacheService;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;

import java.io.IOException;
import java.util.BitSet;

/**
 * Routes a tile through a result cache: cached pairs are taken from it, and only the origins and destinations that
 * still miss a pair are sent to the engine (their sub-matrix), whose answers are stored for next time. A run that adds
 * new destinations to cached origins asks the engine for the new columns only. Snap distances are cached per point, so
 * rows served from the cache get the same status and snap columns as computed ones.
 */
public final class CachedMatrixRouter {

    /** Pairs found in and missing from the cache for one tile. */
    public record CacheOutcome(long hits, long misses) {
    }

    private CachedMatrixRouter() {
    }

    /**
     * The cache scope of an engine service: results of different engines, profiles, services or result-deciding settings
     * ({@link RoutingEngineService#getResultScope()}) never mix.
     */
    public static String scope(final RoutingEngineService engine) {
        return scope(engine, MatrixOptions.NONE);
    }

    /** {@link #scope(RoutingEngineService)} for requests sent with a processor's {@code options} (a max snap distance decides NO_ROAD). */
    public static String scope(final RoutingEngineService engine, final MatrixOptions options) {
        final String engineScope = engine.getEngineName() + "|" + engine.getProfile() + "|" + engine.getIdentifier() + "|" + engine.getResultScope();
        return options.hasMaxSnap() ? engineScope + "|maxSnap=" + options.maxSnapMeters() : engineScope;
    }

    /**
     * {@code inner} behind the result cache: hits and misses are recorded into the call's {@link CallStats}; a cache that
     * fails is a TRANSIENT failure of the tile (routing around a broken disk would hide it).
     */
    public static MatrixRouter around(final MatrixRouter inner, final MatrixCacheService cache, final String scope) {
        return (origins, destinations, stats) -> {
            final CacheOutcome[] outcome = new CacheOutcome[1];
            try {
                return route(inner, cache, scope, origins, destinations, stats, outcome);
            } catch (final IOException e) {
                throw new RoutingException(RoutingException.Kind.TRANSIENT, "result cache failed: " + e.getMessage(), null, e);
            } finally {
                if (outcome[0] != null) {
                    stats.recordCache(outcome[0].hits(), outcome[0].misses());
                }
            }
        };
    }

    private static MatrixResult route(final MatrixRouter inner, final MatrixCacheService cache, final String scope, final CoordinateBlock origins,
                                      final CoordinateBlock destinations, final CallStats stats, final CacheOutcome[] outcome)
            throws RoutingException, IOException {
        final int rows = origins.size();
        final int columns = destinations.size();
        final int cells = Math.multiplyExact(rows, columns);
        final double[] durations = new double[cells];
        final double[] distances = new double[cells];
        final BitSet hits = new BitSet(cells);
        cache.lookup(scope, origins, destinations, durations, distances, hits);
        final long found = hits.cardinality();
        outcome[0] = new CacheOutcome(found, cells - found);
        // Snap distances decide a row's status (Max Snap Distance) and fill its snap columns: a point without a cached
        // snap distance is asked again, so a cached row is written exactly as a computed one.
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        final BitSet originSnapsFound = new BitSet(rows);
        final BitSet destinationSnapsFound = new BitSet(columns);
        cache.lookupSnaps(scope, origins, true, sourceSnaps, originSnapsFound);
        cache.lookupSnaps(scope, destinations, false, destinationSnaps, destinationSnapsFound);
        final boolean[] rowMisses = new boolean[rows];
        final boolean[] columnMisses = new boolean[columns];
        for (int r = 0; r < rows; r++) {
            rowMisses[r] = !originSnapsFound.get(r);
        }
        for (int c = 0; c < columns; c++) {
            columnMisses[c] = !destinationSnapsFound.get(c);
        }
        for (int cell = hits.nextClearBit(0); cell < cells; cell = hits.nextClearBit(cell + 1)) {
            rowMisses[cell / columns] = true;
            columnMisses[cell % columns] = true;
        }
        final int[] missingRows = indexes(rowMisses);
        final int[] missingColumns = indexes(columnMisses);
        if (missingRows.length == 0 && missingColumns.length == 0) {
            return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
        }
        // Only snap distances may be missing on one side: one pair of the other side is enough to learn them.
        final int[] requestRows = missingRows.length > 0 ? missingRows : new int[]{0};
        final int[] requestColumns = missingColumns.length > 0 ? missingColumns : new int[]{0};
        final CoordinateBlock subOrigins = subset(origins, requestRows, requestRows.length);
        final CoordinateBlock subDestinations = subset(destinations, requestColumns, requestColumns.length);
        final MatrixResult computed = inner.route(subOrigins, subDestinations, stats);
        // Only routed answers are cached: a point off the network or an estimated cell is asked again next time
        // (the engine's data or the service's settings may have changed), and keeps its mark in this tile.
        final BitSet offNetworkOrigins = new BitSet(rows);
        final BitSet offNetworkDestinations = new BitSet(columns);
        final BitSet estimated = new BitSet();
        final BitSet store = new BitSet();
        for (int i = 0; i < requestRows.length; i++) {
            sourceSnaps[requestRows[i]] = computed.sourceSnapMeters(i);
            if (computed.isSourceOffNetwork(i)) {
                offNetworkOrigins.set(requestRows[i]);
            }
            for (int j = 0; j < requestColumns.length; j++) {
                final int cell = requestRows[i] * columns + requestColumns[j];
                durations[cell] = computed.durationSeconds(i, j);
                distances[cell] = computed.distanceMeters(i, j);
                if (computed.isEstimated(i, j)) {
                    estimated.set(cell);
                } else if (!computed.isSourceOffNetwork(i) && !computed.isDestinationOffNetwork(j)) {
                    store.set(i * requestColumns.length + j);
                }
            }
        }
        for (int j = 0; j < requestColumns.length; j++) {
            destinationSnaps[requestColumns[j]] = computed.destinationSnapMeters(j);
            if (computed.isDestinationOffNetwork(j)) {
                offNetworkDestinations.set(requestColumns[j]);
            }
        }
        cache.store(scope, subOrigins, subDestinations, computed, store);
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps, offNetworkOrigins, offNetworkDestinations,
                estimated);
    }

    private static int[] indexes(final boolean[] flags) {
        int count = 0;
        for (final boolean flag : flags) {
            count += flag ? 1 : 0;
        }
        final int[] indexes = new int[count];
        int next = 0;
        for (int i = 0; i < flags.length; i++) {
            if (flags[i]) {
                indexes[next++] = i;
            }
        }
        return indexes;
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
