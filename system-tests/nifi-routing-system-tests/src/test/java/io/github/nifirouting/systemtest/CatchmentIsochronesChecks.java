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
 * Inputs and checks for the catchment-isochrones job: a file of sites in Andorra (one with an invalid point) becomes
 * one GeoParquet file with a polygon per site and threshold (5, 10, 15 min by default), read back with DuckDB: every
 * site and threshold once, non-empty and nested polygons for the valid sites, an empty geometry with a status for the
 * invalid one, and GeoParquet metadata naming the geometry column.
 */
final class CatchmentIsochronesChecks implements FlowChecks {

    private static final List<String> VALID_SITES = List.of("andorra-la-vella,42.5063,1.5218", "encamp,42.5360,1.5830",
            "ordino,42.5560,1.5330", "sant-julia,42.4630,1.4910");
    private static final String INVALID_SITE = "nowhere";
    private static final int THRESHOLDS = 3;

    private final Path osmFile;
    private final Path graphCache;

    CatchmentIsochronesChecks(final Path osmFile, final Path graphCache) {
        this.osmFile = osmFile;
        this.graphCache = graphCache;
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
        parameters.put("failure.directory", workDir.resolve("failure").toString());
        parameters.put("osm.file", osmFile.toString());
        parameters.put("graph.cache.directory", graphCache.toString());
        return parameters;
    }

    @Override
    public void verify(final Path workDir, final FlowRunner.RunResult result) throws Exception {
        assertTrue(files(workDir.resolve("failure")).isEmpty(), "nothing failed, but found " + files(workDir.resolve("failure")));
        final List<Path> outputs = files(workDir.resolve("output"));
        assertEquals(1, outputs.size(), "one GeoParquet file for the one site file: " + outputs);
        final String file = "'" + outputs.get(0).toString().replace("'", "''") + "'";
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            try (ResultSet rows = sql.executeQuery("SELECT count(*), count(DISTINCT (site_id, threshold_s)), count(DISTINCT threshold_s), "
                    + "count(*) FILTER (WHERE status = 'OK' AND octet_length(geometry) > 0 AND area_km2 > 0), "
                    + "count(*) FILTER (WHERE site_id = '" + INVALID_SITE + "' AND status <> 'OK' AND coalesce(octet_length(geometry), 0) = 0) "
                    + "FROM read_parquet(" + file + ")")) {
                rows.next();
                System.out.printf("Catchments: %d rows, %d thresholds, %d polygons%n", rows.getLong(1), rows.getLong(3), rows.getLong(4));
                final int sites = VALID_SITES.size() + 1;
                assertEquals(sites * THRESHOLDS, rows.getLong(1), "one row per site and threshold");
                assertEquals(sites * THRESHOLDS, rows.getLong(2), "no site and threshold twice");
                assertEquals(THRESHOLDS, rows.getLong(3), "the template's default thresholds");
                assertEquals(VALID_SITES.size() * THRESHOLDS, rows.getLong(4), "a polygon with an area for every valid site and threshold");
                assertEquals(THRESHOLDS, rows.getLong(5), "the invalid site is kept, with empty geometries and a status");
            }
            try (ResultSet shrinking = sql.executeQuery("SELECT site_id, threshold_s, area_km2, previous FROM (SELECT site_id, threshold_s, "
                    + "area_km2, lag(area_km2) OVER (PARTITION BY site_id ORDER BY threshold_s) AS previous FROM read_parquet(" + file + ") "
                    + "WHERE status = 'OK') WHERE previous IS NOT NULL AND area_km2 < previous")) {
                assertTrue(!shrinking.next(), "a longer threshold never covers less area");
            }
            try (ResultSet geo = sql.executeQuery("SELECT decode(value) FROM parquet_kv_metadata(" + file + ") "
                    + "WHERE decode(key) = 'geo'")) {
                assertTrue(geo.next(), "GeoParquet 'geo' metadata present");
                final String metadata = geo.getString(1);
                assertTrue(metadata.contains("\"primary_column\"") && metadata.contains("\"geometry\"") && metadata.contains("WKB"),
                        "GeoParquet metadata names the WKB geometry column: " + metadata);
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
