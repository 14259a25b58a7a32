package io.github.nifirouting.matrix;

import io.github.nifirouting.cache.MatrixCacheService;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.apache.nifi.controller.AbstractControllerService;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The result cache as a decorator: what it takes from the cache, what it asks the router it wraps, and a failing cache. */
class CachedMatrixRouterTest {

    private static final CoordinateBlock ORIGINS = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.1}, new double[]{8.0, 8.1});
    private static final CoordinateBlock DESTINATIONS = CoordinateBlock.of(new String[]{"c", "d"}, new double[]{47.2, 47.3}, new double[]{8.2, 8.3});

    /** Pairs and snaps in maps keyed by id; fails every call when told to. */
    static final class MapCache extends AbstractControllerService implements MatrixCacheService {
        final Map<String, double[]> pairs = new HashMap<>();
        final Map<String, Double> snaps = new HashMap<>();
        boolean failing;

        @Override
        public long lookup(final String scope, final CoordinateBlock origins, final CoordinateBlock destinations, final double[] durations,
                           final double[] distances, final BitSet hits) throws IOException {
            check();
            for (int r = 0; r < origins.size(); r++) {
                for (int c = 0; c < destinations.size(); c++) {
                    final double[] value = pairs.get(origins.id(r) + ">" + destinations.id(c));
                    if (value != null) {
                        durations[r * destinations.size() + c] = value[0];
                        distances[r * destinations.size() + c] = value[1];
                        hits.set(r * destinations.size() + c);
                    }
                }
            }
            return hits.cardinality();
        }

        @Override
        public long lookupSnaps(final String scope, final CoordinateBlock points, final boolean asOrigins, final double[] snapMeters,
                                final BitSet found) throws IOException {
            check();
            for (int i = 0; i < points.size(); i++) {
                final Double snap = snaps.get((asOrigins ? "o:" : "d:") + points.id(i));
                if (snap != null) {
                    snapMeters[i] = snap;
                    found.set(i);
                }
            }
            return found.cardinality();
        }

        @Override
        public void store(final String scope, final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixResult result,
                          final BitSet stored) throws IOException {
            check();
            for (int r = 0; r < origins.size(); r++) {
                snaps.put("o:" + origins.id(r), result.sourceSnapMeters(r));
                for (int c = 0; c < destinations.size(); c++) {
                    if (stored.get(r * destinations.size() + c)) {
                        pairs.put(origins.id(r) + ">" + destinations.id(c), new double[]{result.durationSeconds(r, c), result.distanceMeters(r, c)});
                    }
                }
            }
            for (int c = 0; c < destinations.size(); c++) {
                snaps.put("d:" + destinations.id(c), result.destinationSnapMeters(c));
            }
        }

        private void check() throws IOException {
            if (failing) {
                throw new IOException("disk full");
            }
        }
    }

    private static MatrixRouter counting(final AtomicInteger calls) {
        return (origins, destinations, stats) -> {
            calls.incrementAndGet();
            final int cells = origins.size() * destinations.size();
            final double[] durations = new double[cells];
            for (int i = 0; i < cells; i++) {
                durations[i] = 100 + i;
            }
            return new MatrixResult(origins.size(), destinations.size(), durations, durations.clone(), new double[origins.size()],
                    new double[destinations.size()]);
        };
    }

    @Test
    void secondTileComesFromTheCacheAndStatsSaySo() throws Exception {
        final MapCache cache = new MapCache();
        final AtomicInteger calls = new AtomicInteger();
        final MatrixRouter router = CachedMatrixRouter.around(counting(calls), cache, "scope");
        final CallStats first = new CallStats();
        final MatrixResult computed = router.route(ORIGINS, DESTINATIONS, first);
        assertEquals(1, calls.get());
        assertTrue(first.cacheUsed());
        assertEquals(0, first.cacheHits());
        assertEquals(4, first.cacheMisses());

        final CallStats second = new CallStats();
        final MatrixResult cached = router.route(ORIGINS, DESTINATIONS, second);
        assertEquals(1, calls.get(), "nothing asked again");
        assertEquals(4, second.cacheHits());
        assertEquals(0, second.cacheMisses());
        assertEquals(computed.durationSeconds(1, 1), cached.durationSeconds(1, 1));
    }

    @Test
    void aFailingCacheIsATransientFailureOfTheTile() {
        final MapCache cache = new MapCache();
        cache.failing = true;
        final AtomicInteger calls = new AtomicInteger();
        final RoutingException failure = assertThrows(RoutingException.class,
                () -> CachedMatrixRouter.around(counting(calls), cache, "scope").route(ORIGINS, DESTINATIONS, new CallStats()));
        assertEquals(RoutingException.Kind.TRANSIENT, failure.kind());
        assertTrue(failure.getMessage().contains("result cache failed: disk full"), failure.getMessage());
        assertEquals(0, calls.get(), "the engine is not asked around a broken cache");
    }
}
