package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private final NarBundle ours;
    private final DriveTimeMatrixScenario inputs;

    AccessibilityScenario(final NarBundle ours, final Path osmFile, final Path graphCache) {
        this.ours = ours;
        this.inputs = new DriveTimeMatrixScenario(ours, osmFile, graphCache);
    }

    @Override
    public String name() {
        return "accessibility scores (generated)";
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

        final var read = flow.processor("Read sites", "org.apache.nifi.processors.standard.GetFile", STANDARD)
                .property("Input Directory", "#{input.directory}")
                .property("Keep Source File", "false")
                .schedule("1 sec");
        final var chunk = flow.processor("Tile sites x competitors", "io.github.nifirouting.processors.ChunkCoordinates", bundle)
                .service("Record Reader", csv)
                .service("Record Writer", jsonWriter)
                .property("Tiling Mode", "coordinate-set")
                .service("Destination Coordinate Set", competitors)
                .service("Routing Engine", engine)
                .property("Chunk Size", "10")
                .autoTerminate("original");
        final var route = flow.processor("Route tiles", "io.github.nifirouting.processors.InvokeRoutingMatrix", bundle)
                .service("Routing Engine", engine)
                .service("Record Reader", jsonReader)
                .service("Record Writer", jsonWriter)
                .service("Destination Coordinate Set", competitors)
                .autoTerminate("original");
        final var score = flow.processor("Score accessibility", "io.github.nifirouting.processors.ScoreAccessibility", bundle)
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

        flow.connect(read, chunk, 100, "success")
                .connect(chunk, route, 1000, "success")
                .connect(chunk, writeInvalid, 100, "invalid")
                .connect(chunk, writeFailures, 100, "failure")
                .connect(route, route, 1000, "retry")
                .connect(route, writeRows, 1000, "success")
                .connect(route, score, 1000, "success")
                .connect(route, writeFailures, 100, "failure")
                .connect(score, writeScores, 100, "success")
                .connect(score, writeFailures, 100, "failure");
        return flow.toJson();
    }

    @Override
    public Map<String, String> prepare(final Path workDir) throws IOException {
        final Map<String, String> parameters = inputs.prepare(workDir);
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
