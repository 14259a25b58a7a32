package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.github.nifirouting.systemtest.FlowDefinitionBuilder.RECORD_SERIALIZATION;
import static io.github.nifirouting.systemtest.FlowDefinitionBuilder.STANDARD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drive-time matrix flow of the project's main use case, generated as a flow definition with a parameter context (the
 * shape the templates have): a sites CSV picked up by GetFile, cut by ChunkCoordinates into O-D tiles against a
 * competitor file (RecordFileCoordinateSet), routed by InvokeRoutingMatrix on the embedded GraphHopper engine over the
 * real Andorra extract, written as Parquet by PutFile; invalid sites and failures go to their own directories. The
 * Parquet output is read back with DuckDB, an independent reader.
 */
final class DriveTimeMatrixScenario implements FlowScenario {

    /** Town centres in Andorra; the sites are scattered around them so most snap to a road. */
    private static final double[][] TOWNS = {{42.5063, 1.5218}, {42.5094, 1.5385}, {42.5360, 1.5830}, {42.5670, 1.5980},
            {42.5560, 1.5330}, {42.5450, 1.5150}, {42.4630, 1.4910}, {42.5770, 1.6680}, {42.5420, 1.7330}, {42.5720, 1.4840}};
    static final int SITES = 25;
    static final int COMPETITORS = 12;
    /** Matrix elements per engine request: small, so the run has several tiles (3 origin blocks x 2 destination blocks). */
    private static final int MAX_MATRIX_ELEMENTS = 60;
    private static final List<String> INVALID_SITE_IDS = List.of("bad-latitude", "no-longitude");

    private final NarBundle ours;
    private final Path osmFile;
    private final Path graphCache;
    private final boolean checkTileCount;

    DriveTimeMatrixScenario(final NarBundle ours, final Path osmFile, final Path graphCache) {
        this(ours, osmFile, graphCache, true);
    }

    /**
     * @param checkTileCount whether to require one output file per tile of this flow's sizing; off for a template that
     *                       runs with these inputs and checks but sizes its tiles differently
     */
    DriveTimeMatrixScenario(final NarBundle ours, final Path osmFile, final Path graphCache, final boolean checkTileCount) {
        this.ours = ours;
        this.osmFile = osmFile;
        this.graphCache = graphCache;
        this.checkTileCount = checkTileCount;
    }

    @Override
    public String name() {
        return "drive-time-matrix (generated)";
    }

    @Override
    public byte[] flowDefinition() {
        final NarBundle.Bundle bundle = ours.bundle();
        final FlowDefinitionBuilder flow = new FlowDefinitionBuilder(name())
                .parameter("input.directory", "/set/by/the/test", "Where sites CSV files are picked up")
                .parameter("competitors.file", "/set/by/the/test", "CSV of competitor sites: id, latitude, longitude")
                .parameter("osm.file", "/set/by/the/test", "OpenStreetMap extract for the embedded engine")
                .parameter("graph.cache.directory", "/set/by/the/test", "Where the embedded engine keeps imported graphs")
                .parameter("output.directory", "/set/by/the/test", "Matrix rows as Parquet")
                .parameter("invalid.directory", "/set/by/the/test", "Sites that failed validation, with a reason")
                .parameter("failure.directory", "/set/by/the/test", "Inputs or tiles that could not be processed");

        final var csv = flow.service("CSV reader", "org.apache.nifi.csv.CSVReader", RECORD_SERIALIZATION)
                .property("Skip Header Line", "true")
                // Ids and coordinates as written: schema inference would read ids as numbers and coordinates as float.
                .property("schema-access-strategy", "csv-header-derived");
        final var jsonReader = flow.service("JSON reader", "org.apache.nifi.json.JsonTreeReader", RECORD_SERIALIZATION);
        final var jsonWriter = flow.service("JSON writer", "org.apache.nifi.json.JsonRecordSetWriter", RECORD_SERIALIZATION);
        final var parquet = flow.service("Parquet writer", ours("io.github.nifirouting.parquet.ParquetRecordSetWriter"), bundle);
        final var competitors = flow.service("Competitors", ours("io.github.nifirouting.coordinates.RecordFileCoordinateSet"), bundle)
                .property("File Path", "#{competitors.file}")
                .service("Record Reader", csv);
        final var engine = flow.service("Embedded GraphHopper", ours("io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine"), bundle)
                .property("OSM File", "#{osm.file}")
                .property("Graph Cache Directory", "#{graph.cache.directory}")
                .property("Max Matrix Elements", Integer.toString(MAX_MATRIX_ELEMENTS));

        final var read = flow.processor("Read sites", "org.apache.nifi.processors.standard.GetFile", STANDARD)
                .property("Input Directory", "#{input.directory}")
                .property("Keep Source File", "false")
                .schedule("1 sec");
        final var chunk = flow.processor("Tile sites x competitors", ours("io.github.nifirouting.processors.ChunkCoordinates"), bundle)
                .service("Record Reader", csv)
                .service("Record Writer", jsonWriter)
                .property("Tiling Mode", "coordinate-set")
                .service("Destination Coordinate Set", competitors)
                .service("Routing Engine", engine)
                .property("Chunk Size", "10")
                // Tiles of one request each (issue 17 sizes tiles by work): keeps the 3 x 2 tile shape these checks expect.
                .property("Max Pairs Per Tile", Integer.toString(MAX_MATRIX_ELEMENTS))
                .autoTerminate("original");
        final var route = flow.processor("Route tiles", ours("io.github.nifirouting.processors.InvokeRoutingMatrix"), bundle)
                .service("Routing Engine", engine)
                .service("Record Reader", jsonReader)
                .service("Record Writer", parquet)
                .service("Destination Coordinate Set", competitors)
                .autoTerminate("original");
        // Tiles keep the input's filename, so each output gets its own directory (UpdateAttribute is not in Maven Central).
        final var writeRows = flow.processor("Write matrix rows", "org.apache.nifi.processors.standard.PutFile", STANDARD)
                .property("Directory", "#{output.directory}/${uuid}")
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
                .connect(route, writeFailures, 100, "failure");
        return flow.toJson();
    }

    @Override
    public Map<String, String> prepare(final Path workDir) throws IOException {
        final Random random = new Random(20240601);
        final StringBuilder sites = new StringBuilder("id,latitude,longitude\n");
        for (int i = 0; i < SITES; i++) {
            final double[] town = TOWNS[i % TOWNS.length];
            sites.append(String.format(Locale.ROOT, "site-%02d,%.6f,%.6f%n", i, town[0] + jitter(random), town[1] + jitter(random)));
        }
        sites.append("bad-latitude,142.5,1.52\n").append("no-longitude,42.51,\n");
        final StringBuilder competitors = new StringBuilder("id,latitude,longitude\n");
        for (int i = 0; i < COMPETITORS; i++) {
            final double[] town = TOWNS[(i * 3 + 1) % TOWNS.length];
            competitors.append(String.format(Locale.ROOT, "competitor-%02d,%.6f,%.6f%n", i, town[0] + jitter(random),
                    town[1] + jitter(random)));
        }
        final Path input = Files.createDirectories(workDir.resolve("input"));
        final Path competitorFile = Files.writeString(workDir.resolve("competitors.csv"), competitors);
        // Written under another name first: GetFile must never see a half-written file.
        Files.move(Files.writeString(workDir.resolve("sites.csv.tmp"), sites), input.resolve("sites.csv"));

        final Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("input.directory", input.toString());
        parameters.put("competitors.file", competitorFile.toString());
        parameters.put("osm.file", osmFile.toString());
        parameters.put("graph.cache.directory", graphCache.toString());
        parameters.put("output.directory", workDir.resolve("output").toString());
        parameters.put("invalid.directory", workDir.resolve("invalid").toString());
        parameters.put("failure.directory", workDir.resolve("failure").toString());
        return parameters;
    }

    @Override
    public void verify(final Path workDir, final FlowRunner.RunResult result) throws Exception {
        assertTrue(files(workDir.resolve("input")).isEmpty(), "GetFile picked up the sites file");
        assertTrue(files(workDir.resolve("failure")).isEmpty(), "nothing failed, but found " + files(workDir.resolve("failure")));

        final List<Path> outputs = files(workDir.resolve("output"));
        assertFalse(outputs.isEmpty(), "no matrix output in " + workDir.resolve("output"));
        if (checkTileCount) {
            assertEquals(6, outputs.size(), "one Parquet file per tile: 3 origin blocks of 10 x 2 destination blocks of 6");
        }
        final String parquetFiles = outputs.stream().map(file -> "'" + file.toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT count(*), count(DISTINCT (origin_id, destination_id)), "
                     + "count(DISTINCT origin_id), count(DISTINCT destination_id), "
                     + "count(*) FILTER (WHERE status = 'OK' AND duration_s > 0 AND distance_m > 0), "
                     + "count(*) FILTER (WHERE status NOT IN ('OK', 'UNROUTABLE')) "
                     + "FROM read_parquet(" + parquetFiles + ")")) {
            rows.next();
            System.out.printf("Matrix: %d rows, %d distinct pairs, %d origins, %d destinations, %d routed%n", rows.getLong(1),
                    rows.getLong(2), rows.getLong(3), rows.getLong(4), rows.getLong(5));
            assertEquals(SITES * COMPETITORS, rows.getLong(1), "one row per valid site x competitor pair");
            assertEquals(SITES * COMPETITORS, rows.getLong(2), "no duplicate pairs");
            assertEquals(SITES, rows.getLong(3), "every valid site is an origin");
            assertEquals(COMPETITORS, rows.getLong(4), "every competitor is a destination");
            assertTrue(rows.getLong(5) > SITES * COMPETITORS / 2, "most pairs are routable in Andorra: " + rows.getLong(5));
            assertEquals(0, rows.getLong(6), "statuses are OK or UNROUTABLE only");
        }

        final List<Path> invalidFiles = files(workDir.resolve("invalid"));
        assertEquals(1, invalidFiles.size(), "one FlowFile of invalid records for the one input");
        final Map<String, String> invalid = new LinkedHashMap<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT CAST(id AS VARCHAR), CAST(reason AS VARCHAR) FROM "
                     + recordsOf(invalidFiles.get(0)))) {
            while (rows.next()) {
                assertTrue(invalid.put(rows.getString(1), rows.getString(2)) == null, "invalid site listed twice: " + rows.getString(1));
                assertTrue(rows.getString(2) != null && !rows.getString(2).isBlank(), "invalid record without reason: " + rows.getString(1));
            }
        }
        assertEquals(Set.copyOf(INVALID_SITE_IDS), invalid.keySet(), "the invalid sites, each once, with reasons " + invalid);
    }

    /** A DuckDB table function reading a record file as the flow's writer wrote it: JSON or CSV. */
    private static String recordsOf(final Path file) throws IOException {
        final String quoted = "'" + file.toString().replace("'", "''") + "'";
        final String start = Files.readString(file).stripLeading();
        return start.startsWith("[") || start.startsWith("{") ? "read_json_auto(" + quoted + ")"
                : "read_csv(" + quoted + ", header = true, all_varchar = true)";
    }

    private String ours(final String type) {
        final boolean present = ours.processors().contains(type) || ours.controllerServices().contains(type);
        assertTrue(present, "the bundle no longer registers " + type + ", which this scenario uses");
        return type;
    }

    private static double jitter(final Random random) {
        return (random.nextDouble() - 0.5) * 0.004;
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
