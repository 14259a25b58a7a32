package io.github.nifirouting.example;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Writes a small synthetic town as OSM XML, so the example and tests run on a fresh clone without any downloaded
 * extract: a grid of streets (every fifth line a primary road with a higher speed limit), a ring of missing
 * segments that forces detours, and a separate island network that cannot be reached from the town (so some
 * pairs are unroutable). Deterministic for a given seed.
 */
public final class SyntheticRoadNetwork {

    /** South-west corner of the town: open countryside in the Swiss plateau, far from null island. */
    public static final double ORIGIN_LATITUDE = 47.0;
    public static final double ORIGIN_LONGITUDE = 8.0;
    /** Grid spacing in degrees of latitude (about 222 m). */
    public static final double SPACING = 0.002;

    private final int gridSize;
    private final long seed;

    public SyntheticRoadNetwork(final int gridSize, final long seed) {
        if (gridSize < 5) {
            throw new IllegalArgumentException("grid must be at least 5 x 5");
        }
        this.gridSize = gridSize;
        this.seed = seed;
    }

    public double minLatitude() {
        return ORIGIN_LATITUDE;
    }

    public double maxLatitude() {
        return ORIGIN_LATITUDE + (gridSize - 1) * SPACING;
    }

    public double minLongitude() {
        return ORIGIN_LONGITUDE;
    }

    public double maxLongitude() {
        return ORIGIN_LONGITUDE + (gridSize - 1) * lonSpacing();
    }

    /** Longitude spacing that makes grid cells square on the ground. */
    private static double lonSpacing() {
        return SPACING / Math.cos(Math.toRadians(ORIGIN_LATITUDE));
    }

    /** Writes the network to {@code file} (OSM XML, GraphHopper reads it by the .osm extension). */
    public Path write(final Path file) throws IOException {
        final Random random = new Random(seed);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"nifi-routing synthetic\">\n");
            out.write(String.format(Locale.ROOT, "  <bounds minlat=\"%.6f\" minlon=\"%.6f\" maxlat=\"%.6f\" maxlon=\"%.6f\"/>%n",
                    minLatitude() - 0.01, minLongitude() - 0.01, maxLatitude() + 0.02, maxLongitude() + 0.02));
            for (int row = 0; row < gridSize; row++) {
                for (int column = 0; column < gridSize; column++) {
                    node(out, nodeId(row, column), ORIGIN_LATITUDE + row * SPACING, ORIGIN_LONGITUDE + column * lonSpacing());
                }
            }
            // An island: a small square road loop north-east of the town, not connected to it.
            final double islandLat = maxLatitude() + 0.01;
            final double islandLon = maxLongitude() + 0.01;
            final long islandBase = (long) gridSize * gridSize + 1;
            node(out, islandBase, islandLat, islandLon);
            node(out, islandBase + 1, islandLat + SPACING, islandLon);
            node(out, islandBase + 2, islandLat + SPACING, islandLon + lonSpacing());
            node(out, islandBase + 3, islandLat, islandLon + lonSpacing());

            long wayId = 1;
            for (int row = 0; row < gridSize; row++) {
                wayId = street(out, wayId, random, row, true);
            }
            for (int column = 0; column < gridSize; column++) {
                wayId = street(out, wayId, random, column, false);
            }
            out.write("  <way id=\"" + wayId + "\" version=\"1\">\n");
            for (final long ref : new long[]{islandBase, islandBase + 1, islandBase + 2, islandBase + 3, islandBase}) {
                out.write("    <nd ref=\"" + ref + "\"/>\n");
            }
            out.write("    <tag k=\"highway\" v=\"residential\"/>\n    <tag k=\"name\" v=\"Island Loop\"/>\n  </way>\n");
            out.write("</osm>\n");
        }
        return file;
    }

    /**
     * One grid line as ways between gaps: about 3% of segments are missing (roadworks, rivers), which makes routes
     * longer than grid distances without disconnecting the town (lines every fifth are never interrupted).
     */
    private long street(final BufferedWriter out, long wayId, final Random random, final int line, final boolean eastWest) throws IOException {
        final boolean primary = line % 5 == 0;
        int start = 0;
        for (int i = 1; i < gridSize; i++) {
            final boolean gap = !primary && random.nextDouble() < 0.03;
            if (gap || i == gridSize - 1) {
                final int end = gap ? i - 1 : i;
                if (end > start) {
                    out.write("  <way id=\"" + wayId++ + "\" version=\"1\">\n");
                    for (int k = start; k <= end; k++) {
                        out.write("    <nd ref=\"" + (eastWest ? nodeId(line, k) : nodeId(k, line)) + "\"/>\n");
                    }
                    out.write("    <tag k=\"highway\" v=\"" + (primary ? "primary" : "residential") + "\"/>\n");
                    out.write("    <tag k=\"maxspeed\" v=\"" + (primary ? "70" : "30") + "\"/>\n");
                    out.write("    <tag k=\"name\" v=\"" + (eastWest ? "Row " : "Column ") + line + "\"/>\n  </way>\n");
                }
                start = i;
            }
        }
        return wayId;
    }

    private long nodeId(final int row, final int column) {
        return (long) row * gridSize + column + 1;
    }

    private static void node(final BufferedWriter out, final long id, final double latitude, final double longitude) throws IOException {
        out.write(String.format(Locale.ROOT, "  <node id=\"%d\" version=\"1\" lat=\"%.7f\" lon=\"%.7f\"/>%n", id, latitude, longitude));
    }

    /** Writes {@code count} sites as CSV (id,latitude,longitude,name): most inside the town, a few in the countryside. */
    public Path writeSites(final Path file, final String prefix, final int count, final long siteSeed) throws IOException {
        final Random random = new Random(siteSeed);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("id,latitude,longitude,name\n");
            for (int i = 0; i < count; i++) {
                final double latitude = minLatitude() + random.nextDouble() * (maxLatitude() - minLatitude());
                final double longitude = minLongitude() + random.nextDouble() * (maxLongitude() - minLongitude());
                out.write(String.format(Locale.ROOT, "%s%d,%.6f,%.6f,%s %d%n", prefix, i, latitude, longitude, prefix, i));
            }
        }
        return file;
    }
}
