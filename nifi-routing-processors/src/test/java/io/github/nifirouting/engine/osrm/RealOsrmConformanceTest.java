package io.github.nifirouting.engine.osrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.parquet.ParquetRecordSetWriter;
import io.github.nifirouting.processors.ChunkCoordinates;
import io.github.nifirouting.processors.InvokeRoutingMatrix;
import io.github.nifirouting.processors.TilingMode;
import io.github.nifirouting.testsupport.CsvServices;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.testsupport.RealOsrm;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockFlowFile;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conformance with a real osrm-routed (v6.0.0, Andorra, car, CH) started by the test: every row InvokeRoutingMatrix
 * writes through ChunkCoordinates -> InvokeRoutingMatrix -> Parquet equals OSRM's own {@code /table} answer for the same
 * coordinates (asked with plain-text coordinates, one request per tile): durations and distances exactly (same-segment
 * negatives as 0, the documented rule), null cells as UNROUTABLE, snap distances as the waypoint distances. Skipped
 * without OSRM (see {@link RealOsrm}), failed with CI=true.
 */
class RealOsrmConformanceTest {

    /** Andorra's inhabited valleys and beyond: minLat, minLon, maxLat, maxLon. */
    private static final double[] BOX = {42.43, 1.42, 42.65, 1.78};

    @TempDir
    static Path dir;
    private static Path home;
    private static Path osrm;
    /** Why OSRM cannot run here, or null; every test is reported skipped with it (a class-level skip shows 0 tests). */
    private static String missingOsrm;

    @BeforeAll
    static void prepare() throws Exception {
        try {
            home = RealOsrm.require();
        } catch (final TestAbortedException e) {
            missingOsrm = e.getMessage();
            return;
        }
        osrm = RealOsrm.prepare(home, OsmExtracts.require("andorra.osm.pbf"), dir);
    }

    @BeforeEach
    void requireOsrm() {
        Assumptions.assumeTrue(missingOsrm == null, () -> missingOsrm);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 1000})
    void everyCellEqualsOsrmsOwnTable(final int tableSize) throws Exception {
        // 3 tiles of 100 x 100, and one full 1000 x 1000 request (the whole table the server allows)
        final int origins = tableSize == 100 ? 300 : 1000;
        final int destinations = tableSize == 100 ? 100 : 1000;
        try (RealOsrm server = RealOsrm.start(home, osrm, tableSize)) {
            final List<double[]> originPoints = randomPoints("o", origins, 1);
            final List<double[]> destinationPoints = randomPoints("d", destinations, 2);
            // a pair osrm-routed answers with duration 0 and distance -1.3 m (found by the benchmark), so the rule is exercised
            originPoints.set(0, new double[]{42.53159, 1.47338});
            destinationPoints.set(0, new double[]{42.52726, 1.47736});
            final long start = System.nanoTime();
            final Run run = route(server, "t" + tableSize, originPoints, destinationPoints, Map.of());
            final long routed = System.nanoTime();
            final Comparison comparison = compare(server, run);
            System.out.printf(Locale.ROOT, "real OSRM --max-table-size %d: %d tiles (%d failed), %,d cells compared, %,d mismatches, %d negative "
                            + "values taken as 0, %,d null cells, fill %s, %.1f s through the processors, %.1f s routing and reading the rows, "
                            + "(%.1f s reading), %.1f s asking OSRM and comparing%n", tableSize, run.tiles, run.failed,
                    comparison.cells, comparison.mismatchCount, comparison.clamped, comparison.nulls, run.fill, run.seconds,
                    (routed - start) / 1e9, run.readSeconds, (System.nanoTime() - routed) / 1e9);
            assertEquals(0, run.failed, "tiles failed: " + run.errors);
            assertEquals((long) origins * destinations, comparison.cells, "every pair compared");
            assertTrue(comparison.clamped >= 1, "the planted same-segment pair has a negative distance");
            assertEquals(0, comparison.mismatchCount, comparison.mismatchCount + " mismatches, first: "
                    + comparison.mismatches.subList(0, Math.min(5, comparison.mismatches.size())));
        }
    }

    /**
     * The default sends coordinates as polyline6(...) (so the test above checks the encoder against the server's decoding);
     * the text encoding gives the same answers. Snap differences up to 0.25 m are counted apart, as a diagnosis.
     */
    @Test
    void textCoordinatesGiveTheSameAnswers() throws Exception {
        try (RealOsrm server = RealOsrm.start(home, osrm, 100)) {
            final Run run = route(server, "polyline", randomPoints("o", 200, 5), randomPoints("d", 100, 6),
                    Map.of(OsrmRoutingEngine.COORDINATE_ENCODING.getName(), OsrmRoutingEngine.ENCODING_TEXT.getValue()));
            final Comparison comparison = compare(server, run);
            final List<String> beyondSnapTolerance = new ArrayList<>();
            double largestSnapDifference = 0;
            for (final String mismatch : comparison.mismatches) {
                beyondSnapTolerance.add(mismatch);
            }
            for (final Row[] pair : comparison.pairs) {
                final boolean valuesEqual = java.util.Objects.equals(pair[0].duration, pair[1].duration)
                        && java.util.Objects.equals(pair[0].distance, pair[1].distance) && pair[0].status.equals(pair[1].status);
                final double snapDifference = Math.max(Math.abs(pair[0].originSnap - pair[1].originSnap), Math.abs(pair[0].destinationSnap - pair[1].destinationSnap));
                largestSnapDifference = Math.max(largestSnapDifference, snapDifference);
                if (valuesEqual && snapDifference <= 0.25) {
                    beyondSnapTolerance.remove("expected " + pair[0] + " got " + pair[1]);
                }
            }
            System.out.printf(Locale.ROOT, "real OSRM with text coordinates: %,d cells compared, %,d differ only in snap distance (largest %.3f m), %,d differ "
                    + "beyond that, %d tiles failed%n", comparison.cells, comparison.mismatches.size() - beyondSnapTolerance.size(),
                    largestSnapDifference, beyondSnapTolerance.size(), run.failed);
            assertEquals(0, run.failed);
            assertEquals(200L * 100, comparison.cells);
            assertEquals(0, comparison.mismatchCount, comparison.mismatchCount + " mismatches");
            assertTrue(beyondSnapTolerance.isEmpty(), beyondSnapTolerance.subList(0, Math.min(5, beyondSnapTolerance.size())).toString());
        }
    }

    /**
     * InvokeRoutingMatrix's Max Snap Distance reaches osrm-routed as radiuses (the service has no Snap Radius): the one point
     * without a road within 5 km gets NO_ROAD on its 100 pairs, the other 9,900 equal OSRM's own table. Without Max Snap
     * Distance the same point is snapped to a road far away and routed, so the radius is what isolates it.
     */
    @Test
    void anUnsnappableOriginGetsNoRoadAndTheRestOfItsTileIsRouted() throws Exception {
        try (RealOsrm server = RealOsrm.start(home, osrm, 100)) {
            // points on roads (snapped by the server), so only the planted point is beyond the Max Snap Distance
            final List<double[]> originPoints = onRoads(server, randomPoints("o", 100, 3));
            // 50 km south of Andorra, outside the extract: no road within 5 km
            originPoints.set(37, new double[]{42.0, 1.0});
            final List<double[]> destinationPoints = onRoads(server, randomPoints("d", 100, 4));
            final Run run = route(server, "bad", originPoints, destinationPoints, Map.of(),
                    Map.of(InvokeRoutingMatrix.MAX_SNAP_DISTANCE.getName(), "5000"), true);
            long ok = 0;
            long noRoad = 0;
            long other = 0;
            for (final Row row : run.rows) {
                switch (row.status) {
                    case MatrixRowFields.STATUS_OK -> ok++;
                    case MatrixRowFields.STATUS_NO_ROAD -> {
                        noRoad++;
                        assertEquals("o37", row.origin);
                        assertTrue(row.duration == null && row.distance == null);
                    }
                    default -> other++;
                }
            }
            // the routed pairs against OSRM's own table for the tile without the point
            final Comparison comparison = compare(server, run, Set.of("o37"));
            System.out.printf(Locale.ROOT, "real OSRM, 100 x 100 tile with one unsnappable origin (Max Snap Distance 5000 m sent as radiuses): "
                    + "%,d OK, %,d NO_ROAD, %,d other, %d tiles failed, %d requests, fill %s; the OK pairs against OSRM's own table: %,d "
                    + "compared, %,d mismatches%n", ok, noRoad, other, run.failed, run.requests, run.fill, comparison.cells, comparison.mismatchCount);
            assertEquals(0, run.failed, () -> "tiles failed: " + run.errors);
            assertEquals(100, noRoad);
            assertEquals(9_900, ok, "random Andorra points on roads are all connected");
            assertEquals(0, other);
            assertEquals(9_900, comparison.cells);
            assertEquals(0, comparison.mismatchCount, comparison.mismatches.subList(0, Math.min(5, comparison.mismatches.size())).toString());

            final Run unlimited = route(server, "far", originPoints, destinationPoints, Map.of());
            final Row far = unlimited.rows.stream().filter(row -> row.origin.equals("o37")).findFirst().orElseThrow();
            System.out.printf(Locale.ROOT, "the same point without Max Snap Distance: snapped %.0f m away, status %s%n", far.originSnap, far.status);
            assertTrue(far.originSnap > 5000, "OSRM snaps the point to a road beyond 5 km when no radius is sent: " + far);
        }
    }

    /** Each point moved to where the server's /nearest puts it. */
    static List<double[]> onRoads(final RealOsrm server, final List<double[]> points) throws IOException, InterruptedException {
        final HttpClient http = HttpClient.newHttpClient();
        final ObjectMapper mapper = new ObjectMapper();
        final List<double[]> snapped = new ArrayList<>(points.size());
        for (final double[] point : points) {
            final HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + String.format(Locale.ROOT,
                    "/nearest/v1/driving/%.6f,%.6f", point[1], point[0]))).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            final JsonNode location = mapper.readTree(response.body()).get("waypoints").get(0).get("location");
            snapped.add(new double[]{round5(location.get(1).asDouble()), round5(location.get(0).asDouble())});
        }
        return snapped;
    }

    record Row(String origin, String destination, Double duration, Double distance, String status, Double originSnap, Double destinationSnap) {
    }

    static final class Run {
        final List<Row> rows = new ArrayList<>();
        final Map<String, double[]> points = new LinkedHashMap<>();
        /** The Parquet outputs, as files (with reading the rows). */
        final List<Path> outputs = new ArrayList<>();
        final List<MockFlowFile> tileFlowFiles = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        int tiles;
        int failed;
        long requests;
        String fill;
        double seconds;
        /** Reading the written rows back (DuckDB over the Parquet outputs). */
        double readSeconds;
    }

    static List<double[]> randomPoints(final String prefix, final int count, final long seed) {
        final Random random = new Random(seed);
        final List<double[]> points = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            points.add(new double[]{round5(BOX[0] + random.nextDouble() * (BOX[2] - BOX[0])), round5(BOX[1] + random.nextDouble() * (BOX[3] - BOX[1]))});
        }
        return points;
    }

    /**
     * 5 decimals (about 1 m): NiFi's CSVReader infers "float" for such columns, and a float holds 7 significant digits,
     * so a 6th decimal would not survive the reading (the route values would, snap distances would move by up to 0.4 m).
     */
    private static double round5(final double value) {
        return Math.round(value * 1e5) / 1e5;
    }

    private static String csv(final String prefix, final List<double[]> points, final Map<String, double[]> into) {
        final StringBuilder text = new StringBuilder("id,latitude,longitude\n");
        for (int i = 0; i < points.size(); i++) {
            text.append(String.format(Locale.ROOT, "%s%d,%.6f,%.6f%n", prefix, i, points.get(i)[0], points.get(i)[1]));
            into.put(prefix + i, points.get(i));
        }
        return text.toString();
    }

    /** ChunkCoordinates -> InvokeRoutingMatrix -> Parquet against the real server, as the processor tests wire them. */
    static Run route(final RealOsrm server, final String name, final List<double[]> originPoints, final List<double[]> destinationPoints,
                     final Map<String, String> engineProperties) throws Exception {
        return route(server, name, originPoints, destinationPoints, engineProperties, true);
    }

    /** @param readRows whether to read the written rows back (benchmarks only time the processors) */
    static Run route(final RealOsrm server, final String name, final List<double[]> originPoints, final List<double[]> destinationPoints,
                     final Map<String, String> engineProperties, final boolean readRows) throws Exception {
        return route(server, name, originPoints, destinationPoints, engineProperties, Map.of(), readRows);
    }

    /** @param invokerProperties InvokeRoutingMatrix properties beyond the wiring, e.g. its Max Snap Distance */
    static Run route(final RealOsrm server, final String name, final List<double[]> originPoints, final List<double[]> destinationPoints,
                     final Map<String, String> engineProperties, final Map<String, String> invokerProperties, final boolean readRows) throws Exception {
        final Run run = new Run();
        final String sites = csv("o", originPoints, run.points);
        final Path destinationFile = Files.writeString(dir.resolve(name + "-destinations.csv"), csv("d", destinationPoints, run.points));
        final TestRunner chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        final TestRunner invoker = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        for (final TestRunner runner : List.of(chunker, invoker)) {
            CsvServices.addTextReader(runner);
            final JsonTreeReader jsonReader = new JsonTreeReader();
            runner.addControllerService("json-reader", jsonReader);
            runner.enableControllerService(jsonReader);
            final JsonRecordSetWriter json = new JsonRecordSetWriter();
            runner.addControllerService("json", json);
            runner.enableControllerService(json);
            CsvServices.addCoordinateSet(runner, "destinations", destinationFile);
            final OsrmRoutingEngine engine = new OsrmRoutingEngine();
            runner.addControllerService("osrm", engine);
            runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.setProperty(engine, OsrmRoutingEngine.MAX_TABLE_SIZE, String.valueOf(server.maxTableSize()));
            runner.setProperty(engine, AbstractHttpRoutingEngine.READ_TIMEOUT, "120 sec");
            engineProperties.forEach((property, value) -> runner.setProperty(engine, property, value));
            runner.enableControllerService(engine);
        }
        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "json");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "destinations");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "osrm");
        chunker.setProperty(ChunkCoordinates.CHUNK_SIZE, String.valueOf(Math.min(server.maxTableSize(), originPoints.size())));
        chunker.enqueue(sites);
        chunker.run();
        final List<MockFlowFile> tiles = chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
        run.tiles = tiles.size();

        final ParquetRecordSetWriter parquet = new ParquetRecordSetWriter();
        invoker.addControllerService("parquet", parquet);
        invoker.enableControllerService(parquet);
        invoker.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "osrm");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_READER, "json-reader");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "parquet");
        invoker.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "destinations");
        invokerProperties.forEach(invoker::setProperty);
        tiles.forEach(tile -> invoker.enqueue(tile.toByteArray(), tile.getAttributes()));
        final long start = System.nanoTime();
        invoker.run(tiles.size());
        run.seconds = (System.nanoTime() - start) / 1e9;
        run.failed = invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE).size()
                + invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY).size();
        for (final var relationship : List.of(InvokeRoutingMatrix.REL_FAILURE, InvokeRoutingMatrix.REL_RETRY)) {
            invoker.getFlowFilesForRelationship(relationship).forEach(failed -> run.errors.add(failed.getAttribute("routing.error")));
        }

        if (!readRows) {
            for (final MockFlowFile out : invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS)) {
                run.requests += Long.parseLong(out.getAttribute("routing.requests"));
                run.fill = out.getAttribute("routing.request.fill");
            }
            run.tileFlowFiles.addAll(tiles);
            return run;
        }
        final long readStart = System.nanoTime();
        int file = 0;
        for (final MockFlowFile out : invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS)) {
            run.requests += Long.parseLong(out.getAttribute("routing.requests"));
            run.fill = out.getAttribute("routing.request.fill");
            run.outputs.add(Files.write(dir.resolve(name + "-rows-" + file++ + ".parquet"), out.toByteArray()));
        }
        final long written = invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).stream()
                .mapToLong(out -> Long.parseLong(out.getAttribute("record.count"))).sum();
        if (written <= MAX_ROWS_AS_OBJECTS) {
            try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
                 ResultSet result = sql.executeQuery("SELECT origin_id, destination_id, duration_s, distance_m, status, origin_snap_m, "
                         + "destination_snap_m FROM " + parquet(run.outputs))) {
                while (result.next()) {
                    run.rows.add(new Row(result.getString(1), result.getString(2), (Double) result.getObject(3), (Double) result.getObject(4),
                            result.getString(5), (Double) result.getObject(6), (Double) result.getObject(7)));
                }
            }
        }
        run.readSeconds = (System.nanoTime() - readStart) / 1e9;
        return run;
    }

    private static String parquet(final List<Path> files) {
        return "read_parquet([" + String.join(", ", files.stream().map(file -> "'" + file + "'").toList()) + "], file_row_number = true)";
    }

    /**
     * @param mismatchCount cells whose written row differs from OSRM's answer (or is missing or repeated)
     * @param mismatches    the first of them, as text
     * @param pairs         {expected, written} for those first mismatching cells
     */
    record Comparison(long cells, long clamped, long nulls, long mismatchCount, List<String> mismatches, List<Row[]> pairs) {
    }

    /** Mismatching cells described in full; beyond them only counted. */
    private static final int MISMATCHES_SHOWN = 1000;
    /** Runs up to this many rows are also read into {@link Run#rows} (tests that look at single rows); larger ones are compared in DuckDB. */
    private static final long MAX_ROWS_AS_OBJECTS = 100_000;
    private static final String COLUMNS = "origin_id, destination_id, duration_s, distance_m, status, origin_snap_m, destination_snap_m";

    static Comparison compare(final RealOsrm server, final Run run) throws Exception {
        return compare(server, run, Set.of());
    }

    /**
     * Asks the server for each output's table (its origins and destinations in the order written, with plain-text coordinates)
     * and compares every written row with it: OSRM's answer goes into a DuckDB table and one join over the Parquet outputs
     * finds the cells that differ, so a 1,000,000-cell table is compared without a Java object per row.
     *
     * @param leftOut origins not asked of OSRM and not compared (a point the test made unsnappable)
     */
    static Comparison compare(final RealOsrm server, final Run run, final Set<String> leftOut) throws Exception {
        final HttpClient http = HttpClient.newHttpClient();
        final ObjectMapper mapper = new ObjectMapper();
        long cells = 0;
        long clamped = 0;
        long nulls = 0;
        try (DuckDBConnection db = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE expected (origin_id VARCHAR, destination_id VARCHAR, duration_s DOUBLE, distance_m DOUBLE, status VARCHAR, "
                    + "origin_snap_m DOUBLE, destination_snap_m DOUBLE)");
            try (DuckDBAppender expected = db.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "expected")) {
                for (final Path output : run.outputs) {
                    final List<String> origins = ids(sql, output, "origin_id");
                    origins.removeAll(leftOut);
                    final List<String> destinations = ids(sql, output, "destination_id");
                    final JsonNode table = osrmTable(server, http, mapper, run, origins, destinations);
                    final JsonNode durations = table.get("durations");
                    final JsonNode distances = table.get("distances");
                    for (int r = 0; r < origins.size(); r++) {
                        final double originSnap = table.get("sources").get(r).get("distance").asDouble();
                        for (int c = 0; c < destinations.size(); c++) {
                            cells++;
                            final JsonNode duration = durations.get(r).get(c);
                            final JsonNode distance = distances.get(r).get(c);
                            nulls += duration.isNull() ? 1 : 0;
                            clamped += (!duration.isNull() && duration.asDouble() < 0 ? 1 : 0) + (!distance.isNull() && distance.asDouble() < 0 ? 1 : 0);
                            expected.beginRow().append(origins.get(r)).append(destinations.get(c))
                                    .append(duration.isNull() ? null : accepted(duration.asDouble()))
                                    .append(distance.isNull() || duration.isNull() ? null : accepted(distance.asDouble()))
                                    .append(duration.isNull() ? MatrixRowFields.STATUS_UNROUTABLE : MatrixRowFields.STATUS_OK)
                                    .append(originSnap).append(table.get("destinations").get(c).get("distance").asDouble())
                                    .endRow();
                        }
                    }
                }
            }
            sql.execute("CREATE TABLE written AS SELECT " + COLUMNS + " FROM " + parquet(run.outputs) + (leftOut.isEmpty() ? ""
                    : " WHERE origin_id NOT IN (" + String.join(", ", leftOut.stream().map(id -> "'" + id + "'").toList()) + ")"));
            final long writtenRows;
            try (ResultSet count = sql.executeQuery("SELECT count(*) FROM written")) {
                count.next();
                writtenRows = count.getLong(1);
            }
            // one join: a cell missing on either side or differing in any column is a mismatch
            sql.execute("CREATE TABLE mismatches AS SELECT e.origin_id, e.destination_id, e.duration_s, e.distance_m, e.status, e.origin_snap_m, "
                    + "e.destination_snap_m, w.origin_id AS w_origin_id, w.destination_id AS w_destination_id, w.duration_s AS w_duration_s, "
                    + "w.distance_m AS w_distance_m, w.status AS w_status, w.origin_snap_m AS w_origin_snap_m, w.destination_snap_m AS w_destination_snap_m "
                    + "FROM expected e FULL JOIN written w ON e.origin_id = w.origin_id AND e.destination_id = w.destination_id "
                    + "WHERE e.status IS DISTINCT FROM w.status OR e.duration_s IS DISTINCT FROM w.duration_s OR e.distance_m IS DISTINCT FROM w.distance_m "
                    + "OR e.origin_snap_m IS DISTINCT FROM w.origin_snap_m OR e.destination_snap_m IS DISTINCT FROM w.destination_snap_m");
            final long mismatchCount;
            try (ResultSet count = sql.executeQuery("SELECT count(*) FROM mismatches")) {
                count.next();
                // every expected pair matched, yet more rows than cells: pairs written twice
                mismatchCount = count.getLong(1) + Math.max(0, writtenRows - cells);
            }
            final List<String> mismatches = new ArrayList<>();
            final List<Row[]> pairs = new ArrayList<>();
            try (ResultSet result = sql.executeQuery("SELECT * FROM mismatches LIMIT " + MISMATCHES_SHOWN)) {
                while (result.next()) {
                    final Row expected = row(result, 1);
                    final Row got = row(result, 8);
                    mismatches.add("expected " + expected + " got " + got);
                    pairs.add(new Row[]{expected, got});
                }
            }
            return new Comparison(cells, clamped, nulls, mismatchCount, mismatches, pairs);
        }
    }

    /** The output's ids of one side in the order they were first written. */
    private static List<String> ids(final Statement sql, final Path output, final String column) throws Exception {
        final List<String> ids = new ArrayList<>();
        try (ResultSet result = sql.executeQuery("SELECT " + column + " FROM " + parquet(List.of(output)) + " GROUP BY " + column
                + " ORDER BY min(file_row_number)")) {
            while (result.next()) {
                ids.add(result.getString(1));
            }
        }
        return ids;
    }

    private static JsonNode osrmTable(final RealOsrm server, final HttpClient http, final ObjectMapper mapper, final Run run, final List<String> origins,
                                      final List<String> destinations) throws IOException, InterruptedException {
        final String url = server.tableUrl(origins.stream().map(run.points::get).toList(), destinations.stream().map(run.points::get).toList());
        final HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        final JsonNode table = mapper.readTree(response.body());
        assertEquals("Ok", table.path("code").asText(), new String(response.body(), 0, Math.min(300, response.body().length)));
        return table;
    }

    private static Row row(final ResultSet result, final int first) throws Exception {
        return new Row(result.getString(first), result.getString(first + 1), (Double) result.getObject(first + 2), (Double) result.getObject(first + 3),
                result.getString(first + 4), (Double) result.getObject(first + 5), (Double) result.getObject(first + 6));
    }

    /** The documented rule (JsonMatrices.settleNegatives): same-segment negatives count as 0. */
    private static double accepted(final double value) {
        return value < 0 ? 0.0 : value;
    }
}
