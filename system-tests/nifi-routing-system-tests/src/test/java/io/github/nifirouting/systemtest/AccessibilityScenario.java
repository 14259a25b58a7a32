package io.github.nifirouting.systemtest;

import io.github.nifirouting.systemtest.FlowDefinitionBuilder.LoadBalance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.github.nifirouting.systemtest.FlowDefinitionBuilder.RECORD_SERIALIZATION;
import static io.github.nifirouting.systemtest.FlowDefinitionBuilder.STANDARD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accessibility scores in the real NiFi: the drive-time matrix flow's sites x competitors tiles (3 origin chunks x 2
 * destination blocks, routed by the embedded engine on Andorra) go both to PutFile and straight into ScoreAccessibility,
 * which must hold the tiles of each origin chunk in its own sessions (NiFi's session migration, not the mock's) until
 * both destination blocks arrived. Each origin's scores are then recomputed independently from the written matrix rows
 * with DuckDB.
 */
final class AccessibilityScenario implements FlowScenario {

    private static final int ORIGIN_CHUNKS = 3;
    /** The attribute every tile of one origin chunk shares; a cluster partitions ScoreAccessibility's input by it. */
    static final String ORIGIN_CHUNK_ATTRIBUTE = "tile.origin.block.index";
    static final String CACHE_SERVER = "Matrix cache server";
    static final String SCORER = "Score accessibility";

    /**
     * Where the flow runs. On a cluster: the sites are picked up by the primary node only, the tiles may be spread over
     * the nodes (round robin) and the tiles of one origin chunk sent to one node before ScoreAccessibility (partitioned by
     * the chunk's attribute), InvokeRoutingMatrix may use a DistributedMatrixCache on a MapCacheServer at
     * 127.0.0.1:{@code cacheServerPort}, and its run schedule may slow it down (so a node can be killed mid-run).
     */
    record Layout(String label, boolean clustered, boolean loadBalanced, Integer cacheServerPort, String routeSchedule) {
        static final Layout SINGLE_NODE = new Layout("", false, false, null, "0 sec");
    }

    private final NarBundle ours;
    private final DriveTimeMatrixScenario inputs;
    private final Layout layout;

    AccessibilityScenario(final NarBundle ours, final Path osmFile, final Path graphCache) {
        this(ours, osmFile, graphCache, Layout.SINGLE_NODE);
    }

    AccessibilityScenario(final NarBundle ours, final Path osmFile, final Path graphCache, final Layout layout) {
        this.ours = ours;
        this.inputs = new DriveTimeMatrixScenario(ours, osmFile, graphCache);
        this.layout = layout;
    }

    @Override
    public String name() {
        return "accessibility scores (generated)" + (layout.label().isEmpty() ? "" : ", " + layout.label());
    }

    @Override
    public Set<String> unreferencedServicesToEnable() {
        return layout.cacheServerPort() == null ? Set.of() : Set.of(CACHE_SERVER);
    }

    /** With a cache server: waits until one node's MapCacheServer accepts connections on its port. */
    @Override
    public void awaitReady() {
        if (layout.cacheServerPort() == null) {
            return;
        }
        FlowRunner.await("the Distributed Map Cache server on 127.0.0.1:" + layout.cacheServerPort(), Duration.ofMinutes(2), () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), layout.cacheServerPort()), 2000);
                return Boolean.TRUE;
            } catch (final IOException notYet) {
                return null;
            }
        }, () -> "");
    }

    @Override
    public Duration runTimeout() {
        return layout.clustered() ? Duration.ofMinutes(6) : Duration.ofMinutes(2);
    }

    @Override
    public byte[] flowDefinition() {
        final NarBundle.Bundle bundle = ours.bundle();
        final FlowDefinitionBuilder flow = new FlowDefinitionBuilder(name())
                .parameter("input.directory", "/set/by/the/test", "Where sites CSV files are picked up")
                .parameter("competitors.file", "/set/by/the/test", "CSV of competitor sites: id, latitude, longitude")
                .parameter("osm.file", "/set/by/the/test", "OpenStreetMap extract for the embedded engine")
                .parameter("graph.cache.directory", "/set/by/the/test", "Where the embedded engine keeps imported graphs")
                .parameter("output.directory", "/set/by/the/test", "Matrix rows as JSON")
                .parameter("scores.directory", "/set/by/the/test", "Scores per origin chunk as JSON")
                .parameter("invalid.directory", "/set/by/the/test", "Sites that failed validation")
                .parameter("failure.directory", "/set/by/the/test", "Anything that could not be processed");

        final var csv = flow.service("CSV reader", "org.apache.nifi.csv.CSVReader", RECORD_SERIALIZATION)
                .property("Skip Header Line", "true")
                // Ids and coordinates as written: schema inference would read ids as numbers and coordinates as float.
                .property("schema-access-strategy", "csv-header-derived");
        final var jsonReader = flow.service("JSON reader", "org.apache.nifi.json.JsonTreeReader", RECORD_SERIALIZATION);
        final var jsonWriter = flow.service("JSON writer", "org.apache.nifi.json.JsonRecordSetWriter", RECORD_SERIALIZATION);
        final var competitors = flow.service("Competitors", "io.github.nifirouting.coordinates.RecordFileCoordinateSet", bundle)
                .property("File Path", "#{competitors.file}")
                .service("Record Reader", csv);
        final var engine = flow.service("Embedded GraphHopper", "io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine", bundle)
                .property("OSM File", "#{osm.file}")
                .property("Graph Cache Directory", "#{graph.cache.directory}")
                .property("Max Matrix Elements", "60");
        FlowDefinitionBuilder.Component cache = null;
        if (layout.cacheServerPort() != null) {
            // Every node runs the server service; on one machine only one node can bind the port, and both nodes' clients
            // talk to that one, which is how a cluster shares one cache.
            flow.service(CACHE_SERVER, "org.apache.nifi.distributed.cache.server.map.MapCacheServer", FlowDefinitionBuilder.DISTRIBUTED_CACHE)
                    .property("Port", Integer.toString(layout.cacheServerPort()));
            final var client = flow.service("Matrix cache client", "org.apache.nifi.distributed.cache.client.MapCacheClientService",
                            FlowDefinitionBuilder.DISTRIBUTED_CACHE)
                    .property("Server Hostname", "127.0.0.1")
                    .property("Server Port", Integer.toString(layout.cacheServerPort()));
            cache = flow.service("Shared matrix cache", "io.github.nifirouting.cache.DistributedMatrixCache", bundle)
                    .service("Distributed Map Cache Client", client);
        }

        final var read = flow.processor("Read sites", "org.apache.nifi.processors.standard.GetFile", STANDARD)
                .property("Input Directory", "#{input.directory}")
                .property("Keep Source File", "false")
                .schedule("1 sec");
        if (layout.clustered()) {
            read.primaryNodeOnly(); // every node sees the same input directory here
        }
        final var chunk = flow.processor("Tile sites x competitors", "io.github.nifirouting.processors.ChunkCoordinates", bundle)
                .service("Record Reader", csv)
                .service("Record Writer", jsonWriter)
                .property("Tiling Mode", "coordinate-set")
                .service("Destination Coordinate Set", competitors)
                .service("Routing Engine", engine)
                .property("Chunk Size", "10")
                // Tiles of one request each (issue 17 sizes tiles by work): keeps the 3 x 2 tile shape these checks expect.
                .property("Max Pairs Per Tile", "60")
                .autoTerminate("original");
        final var route = flow.processor("Route tiles", "io.github.nifirouting.processors.InvokeRoutingMatrix", bundle)
                .service("Routing Engine", engine)
                .service("Record Reader", jsonReader)
                .service("Record Writer", jsonWriter)
                .service("Destination Coordinate Set", competitors)
                .schedule(layout.routeSchedule())
                .autoTerminate("original");
        if (cache != null) {
            route.service("Result Cache", cache);
        }
        final var score = flow.processor(SCORER, "io.github.nifirouting.processors.ScoreAccessibility", bundle)
                .service("Record Reader", jsonReader)
                .service("Record Writer", jsonWriter)
                .property("Thresholds", "5 min, 10 min, 15 min")
                .property("Nearest K", "2")
                .autoTerminate("original");
        final var writeRows = flow.processor("Write matrix rows", "org.apache.nifi.processors.standard.PutFile", STANDARD)
                .property("Directory", "#{output.directory}/${uuid}")
                .autoTerminate("success", "failure");
        final var writeScores = flow.processor("Write scores", "org.apache.nifi.processors.standard.PutFile", STANDARD)
                .property("Directory", "#{scores.directory}/${uuid}")
                .autoTerminate("success", "failure");
        final var writeInvalid = flow.processor("Write invalid sites", "org.apache.nifi.processors.standard.PutFile", STANDARD)
                .property("Directory", "#{invalid.directory}/${uuid}")
                .autoTerminate("success", "failure");
        final var writeFailures = flow.processor("Keep failures", "org.apache.nifi.processors.standard.PutFile", STANDARD)
                .property("Directory", "#{failure.directory}/${uuid}")
                .autoTerminate("success", "failure");

        final LoadBalance tiles = layout.loadBalanced() ? LoadBalance.ROUND_ROBIN : LoadBalance.NONE;
        final LoadBalance chunks = layout.loadBalanced() ? LoadBalance.partitionBy(ORIGIN_CHUNK_ATTRIBUTE) : LoadBalance.NONE;
        flow.connect(read, chunk, 100, "success")
                .connect(chunk, route, 1000, tiles, "success")
                .connect(chunk, writeInvalid, 100, "invalid")
                .connect(chunk, writeFailures, 100, "failure")
                .connect(route, route, 1000, "retry")
                .connect(route, writeRows, 1000, "success")
                .connect(route, score, 1000, chunks, "success")
                .connect(route, writeFailures, 100, "failure")
                .connect(score, writeScores, 100, "success")
                .connect(score, writeFailures, 100, "failure");
        return flow.toJson();
    }

    @Override
    public Map<String, String> prepare(final Path workDir) throws IOException {
        final Map<String, String> parameters = inputs.prepare(workDir);
        if (layout.clustered()) {
            // Relative to each node's home: one graph cache per node, as on separate machines (two JVMs never share one).
            parameters.put("graph.cache.directory", "./state/nifi-routing/graphs");
        }
        parameters.put("scores.directory", workDir.resolve("scores").toString());
        return parameters;
    }

    @Override
    public void verify(final Path workDir, final FlowRunner.RunResult result) throws Exception {
        assertTrue(files(workDir.resolve("failure")).isEmpty(), "nothing failed, but found " + files(workDir.resolve("failure")));
        final List<Path> rowFiles = files(workDir.resolve("output"));
        final List<Path> scoreFiles = files(workDir.resolve("scores"));
        assertEquals(2 * ORIGIN_CHUNKS, rowFiles.size(), "one matrix file per tile");
        assertEquals(ORIGIN_CHUNKS, scoreFiles.size(), "one score file per origin chunk, each from both of its tiles");

        final String expected = "SELECT origin_id, "
                + "count(*) FILTER (WHERE status = 'OK' AND duration_s <= 300) AS c5, "
                + "count(*) FILTER (WHERE status = 'OK' AND duration_s <= 600) AS c10, "
                + "count(*) FILTER (WHERE status = 'OK' AND duration_s <= 900) AS c15, "
                + "coalesce(sum(exp(-0.1 * duration_s / 60)) FILTER (WHERE status = 'OK'), 0) AS gravity, "
                + "arg_min(destination_id, (duration_s, destination_id)) FILTER (WHERE status = 'OK') AS nearest "
                + "FROM read_json_auto(" + list(rowFiles) + ") GROUP BY origin_id";
        final Map<String, Object[]> byOrigin = new HashMap<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery(expected)) {
            while (rows.next()) {
                byOrigin.put(rows.getString(1), new Object[]{rows.getLong(2), rows.getLong(3), rows.getLong(4), rows.getDouble(5), rows.getString(6)});
            }
        }
        assertEquals(DriveTimeMatrixScenario.SITES, byOrigin.size(), "every valid site has matrix rows");
        int scored = 0;
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet scores = sql.executeQuery("SELECT origin_id, count_5min, count_10min, count_15min, gravity, nearest_1_id FROM read_json_auto("
                     + list(scoreFiles) + ")")) {
            while (scores.next()) {
                final String origin = scores.getString(1);
                final Object[] want = byOrigin.remove(origin);
                assertTrue(want != null, "origin " + origin + " scored twice or unknown");
                assertEquals(want[0], scores.getLong(2), origin + " count within 5 min");
                assertEquals(want[1], scores.getLong(3), origin + " count within 10 min");
                assertEquals(want[2], scores.getLong(4), origin + " count within 15 min");
                assertEquals((double) want[3], scores.getDouble(5), 1e-9, origin + " gravity");
                assertEquals(want[4], scores.getString(6), origin + " nearest competitor");
                scored++;
            }
        }
        assertTrue(byOrigin.isEmpty(), "origins without scores: " + byOrigin.keySet());
        System.out.printf("Accessibility: %d origins scored from %d tiles in %d origin chunks, equal to DuckDB's recomputation%n",
                scored, rowFiles.size(), scoreFiles.size());
    }

    private static String list(final List<Path> files) {
        return files.stream().map(file -> "'" + file.toString().replace("'", "''") + "'").collect(Collectors.joining(", ", "[", "]"));
    }

    private static List<Path> files(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return new ArrayList<>(walk.filter(Files::isRegularFile).sorted().toList());
        }
    }
}
