package io.github.nifirouting.systemtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inputs and checks for the catchment-isochrones job: a file of sites in Andorra (one with an invalid point) is cut into
 * chunks of {@code chunk.size} sites, and each chunk becomes a GeoParquet file with a polygon per site and threshold (5,
 * 10, 15 min by default), read back with DuckDB: one file per chunk, every valid site and threshold once, non-empty and
 * nested polygons, GeoParquet metadata naming the geometry column; the invalid site in the invalid output with a reason.
 */
final class CatchmentIsochronesChecks implements FlowChecks {

    private static final List<String> VALID_SITES = List.of("andorra-la-vella,42.5063,1.5218", "encamp,42.5360,1.5830",
            "ordino,42.5560,1.5330", "sant-julia,42.4630,1.4910");
    private static final String INVALID_SITE = "nowhere";
    private static final int THRESHOLDS = 3;

    private final Path osmFile;
    private final Path graphCache;
    private final int chunkSize;

    /** {@code chunkSize}: the template's chunk.size the run sets (the checks expect one output file per chunk). */
    CatchmentIsochronesChecks(final Path osmFile, final Path graphCache, final int chunkSize) {
        this.osmFile = osmFile;
        this.graphCache = graphCache;
        this.chunkSize = chunkSize;
    }

    @Override
    public Map<String, String> prepare(final Path workDir) throws IOException {
        final StringBuilder sites = new StringBuilder("id,latitude,longitude\n");
        VALID_SITES.forEach(site -> sites.append(site).append('\n'));
        sites.append(INVALID_SITE).append(",95.0,1.52\n");
        final Path input = Files.createDirectories(workDir.resolve("input"));
        Files.move(Files.writeString(workDir.resolve("stores.csv.tmp"), sites), input.resolve("stores.csv"));
        final Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("input.directory", input.toString());
        parameters.put("output.directory", workDir.resolve("output").toString());
        parameters.put("invalid.directory", workDir.resolve("invalid").toString());
        parameters.put("failure.directory", workDir.resolve("failure").toString());
        parameters.put("chunk.size", Integer.toString(chunkSize));
        parameters.put("osm.file", osmFile.toString());
        parameters.put("graph.cache.directory", graphCache.toString());
        return parameters;
    }

    @Override
    public void verify(final Path workDir, final FlowRunner.RunResult result) throws Exception {
        assertTrue(files(workDir.resolve("failure")).isEmpty(), "nothing failed, but found " + files(workDir.resolve("failure")));
        final List<Path> outputs = files(workDir.resolve("output"));
        final int chunks = (VALID_SITES.size() + chunkSize - 1) / chunkSize;
        assertEquals(chunks, outputs.size(), "one GeoParquet file per chunk of " + chunkSize + " sites: " + outputs);
        final List<String> quoted = outputs.stream().map(f -> "'" + f.toString().replace("'", "''") + "'").toList();
        final String file = "[" + String.join(", ", quoted) + "]";
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            try (ResultSet rows = sql.executeQuery("SELECT count(*), count(DISTINCT (site_id, threshold_s)), count(DISTINCT threshold_s), "
                    + "count(*) FILTER (WHERE status = 'OK' AND octet_length(geometry) > 0 AND area_km2 > 0), "
                    + "count(*) FILTER (WHERE site_id = '" + INVALID_SITE + "') "
                    + "FROM read_parquet(" + file + ")")) {
                rows.next();
                System.out.printf("Catchments: %d files, %d rows, %d thresholds, %d polygons%n", outputs.size(), rows.getLong(1),
                        rows.getLong(3), rows.getLong(4));
                final int sites = VALID_SITES.size();
                assertEquals(sites * THRESHOLDS, rows.getLong(1), "one row per valid site and threshold");
                assertEquals(sites * THRESHOLDS, rows.getLong(2), "no site and threshold twice");
                assertEquals(THRESHOLDS, rows.getLong(3), "the template's default thresholds");
                assertEquals(sites * THRESHOLDS, rows.getLong(4), "a polygon with an area for every valid site and threshold");
                assertEquals(0, rows.getLong(5), "the invalid site is not routed");
            }
            try (ResultSet shrinking = sql.executeQuery("SELECT site_id, threshold_s, area_km2, previous FROM (SELECT site_id, threshold_s, "
                    + "area_km2, lag(area_km2) OVER (PARTITION BY site_id ORDER BY threshold_s) AS previous FROM read_parquet(" + file + ") "
                    + "WHERE status = 'OK') WHERE previous IS NOT NULL AND area_km2 < previous")) {
                assertTrue(!shrinking.next(), "a longer threshold never covers less area");
            }
            for (final String one : quoted) {
                try (ResultSet geo = sql.executeQuery("SELECT decode(value) FROM parquet_kv_metadata(" + one + ") "
                        + "WHERE decode(key) = 'geo'")) {
                    assertTrue(geo.next(), "GeoParquet 'geo' metadata present in " + one);
                    final String metadata = geo.getString(1);
                    assertTrue(metadata.contains("\"primary_column\"") && metadata.contains("\"geometry\"") && metadata.contains("WKB"),
                            "GeoParquet metadata names the WKB geometry column: " + metadata);
                }
            }
            final List<Path> invalid = files(workDir.resolve("invalid"));
            assertEquals(1, invalid.size(), "one file of invalid sites: " + invalid);
            try (ResultSet rows = sql.executeQuery("SELECT id, reason FROM read_csv('" + invalid.get(0).toString().replace("'", "''")
                    + "', header = true, all_varchar = true)")) {
                assertTrue(rows.next(), "the invalid site is in the invalid output");
                assertEquals(INVALID_SITE, rows.getString(1));
                assertTrue(rows.getString(2) != null && !rows.getString(2).isBlank(), "with a reason");
                assertTrue(!rows.next(), "and only it");
            }
        }
    }

    private static List<Path> files(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
