package io.github.nifirouting.cache;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.matrix.CachedMatrixRouter;
import io.github.nifirouting.matrix.MatrixRouter;
import io.github.nifirouting.coordinates.RecordFileCoordinateSet;
import io.github.nifirouting.processors.InvokeRoutingMatrix;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.distributed.cache.client.Deserializer;
import org.apache.nifi.distributed.cache.client.DistributedMapCacheClient;
import org.apache.nifi.distributed.cache.client.Serializer;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatrixCacheTest {

    @TempDir
    Path dir;

    private TestRunner runner;
    private HaversineTestEngine engine;
    private RecordFileCoordinateSet competitors;
    private Path competitorFile;

    /** An in-memory Distributed Map Cache Client, as NiFi's MapCacheClientService would behave against one server. */
    public static class InMemoryMapCacheClient extends AbstractControllerService implements DistributedMapCacheClient {
        final Map<String, byte[]> entries = new ConcurrentHashMap<>();

        private static <T> String key(final T key, final Serializer<T> serializer) throws IOException {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            serializer.serialize(key, out);
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        private static <T> byte[] bytes(final T value, final Serializer<T> serializer) throws IOException {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            serializer.serialize(value, out);
            return out.toByteArray();
        }

        @Override
        public <K, V> boolean putIfAbsent(final K key, final V value, final Serializer<K> ks, final Serializer<V> vs) throws IOException {
            return entries.putIfAbsent(key(key, ks), bytes(value, vs)) == null;
        }

        @Override
        public <K, V> V getAndPutIfAbsent(final K key, final V value, final Serializer<K> ks, final Serializer<V> vs, final Deserializer<V> vd) throws IOException {
            final byte[] previous = entries.putIfAbsent(key(key, ks), bytes(value, vs));
            return previous == null ? null : vd.deserialize(previous);
        }

        @Override
        public <K> boolean containsKey(final K key, final Serializer<K> ks) throws IOException {
            return entries.containsKey(key(key, ks));
        }

        @Override
        public <K, V> void put(final K key, final V value, final Serializer<K> ks, final Serializer<V> vs) throws IOException {
            entries.put(key(key, ks), bytes(value, vs));
        }

        @Override
        public <K, V> V get(final K key, final Serializer<K> ks, final Deserializer<V> vd) throws IOException {
            final byte[] value = entries.get(key(key, ks));
            return value == null ? null : vd.deserialize(value);
        }

        @Override
        public void close() {
        }

        @Override
        public <K> boolean remove(final K key, final Serializer<K> ks) throws IOException {
            return entries.remove(key(key, ks)) != null;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        runner = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        engine = new HaversineTestEngine();
        runner.addControllerService("engine", engine);
        runner.enableControllerService(engine);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json", writer);
        runner.enableControllerService(writer);
        competitorFile = dir.resolve("competitors.csv");
        Files.writeString(competitorFile, "id,latitude,longitude\nc1,47.01,8.0\nc2,47.02,8.0\n");
        competitors = new RecordFileCoordinateSet();
        runner.addControllerService("competitors", competitors);
        runner.setProperty(competitors, RecordFileCoordinateSet.FILE_PATH, competitorFile.toString());
        runner.setProperty(competitors, RecordFileCoordinateSet.RECORD_READER, "csv");
        runner.enableControllerService(competitors);
        runner.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "engine");
        runner.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        runner.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "json");
        runner.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
        runner.setProperty(InvokeRoutingMatrix.RESULT_CACHE, "cache");
    }

    private LocalMatrixCache localCache(final String maxSize) {
        final LocalMatrixCache cache = new LocalMatrixCache();
        try {
            runner.addControllerService("cache", cache);
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
        runner.setProperty(cache, LocalMatrixCache.DIRECTORY, dir.resolve("cache").toString());
        runner.setProperty(cache, LocalMatrixCache.MAX_SIZE, maxSize);
        runner.enableControllerService(cache);
        return cache;
    }

    private MockFlowFile route() {
        runner.clearTransferState();
        runner.enqueue("id,latitude,longitude\na,47.0,8.0\nb,47.0,8.01\n");
        runner.run();
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        return runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0);
    }

    @Test
    void secondIdenticalRunSendsNoEngineRequests() {
        localCache("1 MB");
        route().assertAttributeEquals("routing.cache.misses", "4");
        assertEquals(1, engine.calls());
        final MockFlowFile second = route();
        second.assertAttributeEquals("routing.cache.hits", "4");
        second.assertAttributeEquals("routing.cache.misses", "0");
        second.assertAttributeEquals("routing.requests", "0");
        assertEquals(1, engine.calls(), "no engine request the second time");
        assertEquals(4, runner.getCounterValue("Cache hits").intValue());
    }

    @Test
    void cachedPairsKeepTheirSnapDistancesSoRowsAreIdenticalToAnUncachedRun() {
        localCache("1 MB");
        engine.snapMeters(80);
        runner.setProperty(InvokeRoutingMatrix.MAX_SNAP_DISTANCE, "50");
        final MockFlowFile first = route();
        assertTrue(first.getContent().contains("SNAPPED_TOO_FAR"), first.getContent());
        assertTrue(first.getContent().contains("\"origin_snap_m\":80.0"), first.getContent());
        final MockFlowFile second = route();
        second.assertAttributeEquals("routing.requests", "0");
        assertEquals(first.getContent(), second.getContent(), "the same rows, statuses and snap distances from the cache");
    }

    @Test
    void pairsCachedWithoutSnapDistancesAskOneColumnToLearnTheOriginsSnaps() throws Exception {
        final LocalMatrixCache cache = localCache("1 MB");
        engine.snapMeters(7);
        final CoordinateBlock origins = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{47.0, 47.0}, new double[]{8.0, 8.01});
        final CoordinateBlock destinations = CoordinateBlock.of(new String[]{"c1", "c2"}, new double[]{47.01, 47.02}, new double[]{8.0, 8.0});
        // Pairs only, as a cache written before snap distances were kept would hold them.
        final PairKeys keys = new PairKeys(io.github.nifirouting.matrix.CachedMatrixRouter.scope(engine), 5);
        final long[] pairKeys = new long[4];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                pairKeys[r * 2 + c] = keys.key(origins.latitude(r), origins.longitude(r), destinations.latitude(c), destinations.longitude(c));
            }
        }
        cache.putAll(pairKeys, new double[]{1, 2, 3, 4}, new double[]{10, 20, 30, 40}, 4);
        final MatrixRouter router = CachedMatrixRouter.around(MatrixRouter.of(engine), cache, CachedMatrixRouter.scope(engine));
        final CallStats stats = new CallStats();
        final MatrixResult result = router.route(origins, destinations, stats);
        assertEquals(4, stats.cacheHits());
        assertEquals(2 * 2, engine.cellsRequested(), "both sides lack snap distances: the tile is asked once");
        assertEquals(7.0, result.sourceSnapMeters(1));
        assertEquals(7.0, result.destinationSnapMeters(0));

        // Now only the destinations' snap distances are missing: one origin row is enough to learn them.
        final CoordinateBlock newDestinations = CoordinateBlock.of(new String[]{"c3", "c4"}, new double[]{47.03, 47.04}, new double[]{8.0, 8.0});
        final long[] newKeys = new long[4];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                newKeys[r * 2 + c] = keys.key(origins.latitude(r), origins.longitude(r), newDestinations.latitude(c), newDestinations.longitude(c));
            }
        }
        cache.putAll(newKeys, new double[]{5, 6, 7, 8}, new double[]{50, 60, 70, 80}, 4);
        final MatrixResult second = router.route(origins, newDestinations, new CallStats());
        assertEquals(4 + 2, engine.cellsRequested(), "1 origin x 2 destinations");
        assertEquals(7.0, second.destinationSnapMeters(1));
        assertEquals(7.0, second.sourceSnapMeters(1), "from the cache");
    }

    @Test
    void halfOverlappingRunAsksOnlyForTheNewPairs() throws Exception {
        localCache("1 MB");
        route();
        assertEquals(4, engine.cellsRequested());
        // c2 stays, c3 is new: only the column of c3 is asked for.
        Files.writeString(competitorFile, "id,latitude,longitude\nc2,47.02,8.0\nc3,47.03,8.0\n");
        Files.setLastModifiedTime(competitorFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        final MockFlowFile second = route();
        second.assertAttributeEquals("routing.cache.hits", "2");
        second.assertAttributeEquals("routing.cache.misses", "2");
        assertEquals(4 + 2, engine.cellsRequested(), "2 origins x 1 new destination");
        assertEquals(2, engine.calls());
    }

    @Test
    void survivesARestart() {
        final LocalMatrixCache cache = localCache("1 MB");
        route();
        runner.disableControllerService(cache);
        runner.enableControllerService(cache);
        assertEquals(4 + 4, cache.size(), "4 pairs and the snap distances of 2 origins and 2 destinations, reloaded from disk");
        route().assertAttributeEquals("routing.cache.misses", "0");
        assertEquals(1, engine.calls());
    }

    @Test
    void sizeIsBounded() throws Exception {
        final LocalMatrixCache cache = localCache("2400 B"); // 100 pairs of 24 bytes
        final CoordinateBlock origin = CoordinateBlock.of(new String[]{"o"}, new double[]{47.0}, new double[]{8.0});
        for (int batch = 0; batch < 20; batch++) {
            final CoordinateBlock.Builder destinations = new CoordinateBlock.Builder(50);
            for (int i = 0; i < 50; i++) {
                destinations.add("d" + i, 47.1 + batch * 0.01, 8.0 + i * 0.001);
            }
            final CoordinateBlock block = destinations.build();
            final BitSet all = new BitSet();
            all.set(0, 50);
            cache.store("scope", origin, block, MatrixResult.of(1, 50, new double[50], new double[50]), all);
        }
        assertTrue(cache.size() <= 100, "held " + cache.size());
        assertTrue(cache.bytesOnDisk() <= 2400, "disk " + cache.bytesOnDisk());
        System.out.printf("bounded cache: 1,000 pairs stored into 2,400 B: %d held, %d bytes on disk%n", cache.size(), cache.bytesOnDisk());
    }

    @Test
    void distributedCacheIsSharedThroughTheMapCacheClient() throws Exception {
        final InMemoryMapCacheClient client = new InMemoryMapCacheClient();
        runner.addControllerService("dmc", client);
        runner.enableControllerService(client);
        final DistributedMatrixCache cache = new DistributedMatrixCache();
        runner.addControllerService("cache", cache);
        runner.setProperty(cache, DistributedMatrixCache.CACHE_CLIENT, "dmc");
        runner.enableControllerService(cache);
        route();
        assertEquals(4 + 4, client.entries.size(), "4 pairs and 4 snap distances");
        route().assertAttributeEquals("routing.cache.misses", "0");
        assertEquals(1, engine.calls());
    }
}
