package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.matrix.CachedMatrixRouter;
import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.parquet.ParquetRecordSetWriter;
import io.github.nifirouting.processors.ChunkCoordinates;
import io.github.nifirouting.processors.InvokeRoutingMatrix;
import io.github.nifirouting.processors.TilingMode;
import io.github.nifirouting.testsupport.CsvServices;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service in NiFi's test framework, and the whole ChunkCoordinates -> InvokeRoutingMatrix -> Parquet path on it. */
class EmbeddedGraphHopperEngineTest {

    @Test
    void resultCacheScopeChangesWithTheCutoffAndTheRoadData() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        final EmbeddedGraphHopperEngine engine = new EmbeddedGraphHopperEngine();
        runner.addControllerService("graphhopper", engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(engine, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, dir.resolve("graphs").toString());
        runner.enableControllerService(engine);
        final String uncut = CachedMatrixRouter.scope(engine);
        runner.disableControllerService(engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.MAX_TRAVEL_TIME, "30 min");
        runner.enableControllerService(engine);
        final String cut = CachedMatrixRouter.scope(engine);
        runner.disableControllerService(engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("monaco.osm.pbf").toString());
        runner.enableControllerService(engine);
        final String otherRoads = CachedMatrixRouter.scope(engine);
        runner.disableControllerService(engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.MATRIX_ALGORITHM, MatrixAlgorithm.DIJKSTRA);
        runner.enableControllerService(engine);
        final String dijkstra = CachedMatrixRouter.scope(engine);
        runner.disableControllerService(engine);
        assertNotEquals(uncut, cut, "BEYOND_CUTOFF pairs of one cutoff are not served under another");
        assertNotEquals(cut, otherRoads, "pairs of one road network are not served for another");
        assertNotEquals(otherRoads, dijkstra, "the algorithms may differ at the cutoff boundary, so their pairs do not mix");
        assertTrue(cut.startsWith("graphhopper-embedded|car|graphhopper|") && cut.endsWith("|1800.0s|Infinitym|CONTRACTION_HIERARCHIES"), cut);
    }

    @TempDir
    Path dir;

    @Test
    void verifiesAndRoutesTheWholeChainIntoParquet() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        final Path graphs = dir.resolve("graphs");
        final StringBuilder sites = new StringBuilder("id,latitude,longitude\n");
        final StringBuilder competitors = new StringBuilder("id,latitude,longitude\n");
        final AndorraPoints points = new AndorraPoints();
        for (int i = 0; i < 25; i++) {
            sites.append(String.format(Locale.ROOT, "s%d,%.6f,%.6f%n", i, points.lat(i, 1), points.lon(i, 1)));
        }
        for (int i = 0; i < 12; i++) {
            competitors.append(String.format(Locale.ROOT, "c%d,%.6f,%.6f%n", i, points.lat(i, 2), points.lon(i, 2)));
        }
        final Path competitorFile = Files.writeString(dir.resolve("competitors.csv"), competitors);

        final TestRunner chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        final TestRunner invoker = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        EmbeddedGraphHopperEngine engine = null;
        for (final TestRunner runner : List.of(chunker, invoker)) {
            CsvServices.addTextReader(runner);
            final JsonTreeReader jsonReader = new JsonTreeReader();
            runner.addControllerService("json-reader", jsonReader);
            runner.enableControllerService(jsonReader);
            final JsonRecordSetWriter json = new JsonRecordSetWriter();
            runner.addControllerService("json", json);
            runner.enableControllerService(json);
            CsvServices.addCoordinateSet(runner, "competitors", competitorFile);
            engine = new EmbeddedGraphHopperEngine();
            runner.addControllerService("graphhopper", engine);
            runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, andorra.toString());
            runner.setProperty(engine, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, graphs.toString());
            runner.setProperty(engine, EmbeddedGraphHopperEngine.MAX_MATRIX_ELEMENTS, "60");
            runner.setProperty(engine, EmbeddedGraphHopperEngine.MAX_TRAVEL_TIME, "15 min");
            runner.enableControllerService(engine);
        }
        final Map<PropertyDescriptor, String> properties = Map.of(EmbeddedGraphHopperEngine.OSM_FILE, andorra.toString(),
                EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, graphs.toString());
        final List<ConfigVerificationResult> verified = engine.verify(new MockConfigurationContext(engine, properties,
                invoker.getProcessContext().getControllerServiceLookup(), Map.of()), invoker.getLogger(), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, verified.get(0).getOutcome(), verified.get(0).getExplanation());
        assertTrue(verified.get(0).getExplanation().matches(".*graph for profile car: \\d+ nodes, \\d+ edges, bounding box .*"), verified.get(0).getExplanation());

        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "json");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "graphhopper");
        chunker.setProperty(ChunkCoordinates.CHUNK_SIZE, "10");
        // One request per tile (tiles are sized by work since issue 17): keeps the 3 x 2 tile shape checked below.
        chunker.setProperty(ChunkCoordinates.MAX_PAIRS_PER_TILE, "60");
        chunker.enqueue(sites.toString());
        chunker.run();
        final List<MockFlowFile> tiles = chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
        assertEquals(3 * 2, tiles.size(), "origin blocks of 10 (3) x destination blocks of 6 (2) for 60 elements");

        final ParquetRecordSetWriter parquet = new ParquetRecordSetWriter();
        invoker.addControllerService("parquet", parquet);
        invoker.enableControllerService(parquet);
        invoker.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "graphhopper");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_READER, "json-reader");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "parquet");
        invoker.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
        tiles.forEach(tile -> invoker.enqueue(tile.toByteArray(), tile.getAttributes()));
        invoker.run(tiles.size());
        invoker.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, tiles.size());

        long rows = 0;
        long ok = 0;
        long beyond = 0;
        double longest = 0;
        int file = 0;
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            for (final MockFlowFile out : invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS)) {
                final Path parquetFile = Files.write(dir.resolve("rows-" + file++ + ".parquet"), out.toByteArray());
                try (ResultSet result = sql.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = '" + MatrixRowFields.STATUS_OK
                        + "' AND duration_s >= 0), count(*) FILTER (WHERE status = '" + MatrixRowFields.STATUS_BEYOND_CUTOFF
                        + "' AND duration_s IS NULL), coalesce(max(duration_s), 0) FROM read_parquet('" + parquetFile + "')")) {
                    result.next();
                    rows += result.getLong(1);
                    ok += result.getLong(2);
                    beyond += result.getLong(3);
                    longest = Math.max(longest, result.getDouble(4));
                }
            }
        }
        assertEquals(25 * 12, rows, "every site x competitor pair once");
        assertTrue(ok + beyond > rows / 2, "most pairs routable or beyond the cutoff: " + ok + " + " + beyond);
        assertTrue(ok > 0 && beyond > 0, ok + " within 15 min, " + beyond + " beyond");
        assertTrue(longest <= 900, "Max Travel Time bounds every duration: " + longest);
    }

    /** The same deterministic valley points as RoadGraphTest. */
    static final class AndorraPoints {
        double lat(final int i, final long seed) {
            return RoadGraphTest.points("p", i + 1, seed).latitude(i);
        }

        double lon(final int i, final long seed) {
            return RoadGraphTest.points("p", i + 1, seed).longitude(i);
        }
    }
}
