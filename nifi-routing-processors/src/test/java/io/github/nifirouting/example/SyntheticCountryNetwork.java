package io.github.nifirouting.example;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a country-sized synthetic road network as OSM XML, streaming (memory is one grid line, whatever the size), so
 * the embedded engine and OSRM can be measured on the same millions of nodes without a downloaded extract.
 * <p>
 * The country is a square grid of {@code size} x {@code size} junctions about 150 m apart with a road-class
 * hierarchy like a real one: every 160th line is a motorway (120 km/h) and every 40th a trunk road (100 km/h), both
 * crossing the whole country (the long-distance roads); every 10th a primary (80), every 5th a secondary (60), the
 * rest residential streets (30) with about 3% of their segments missing, so routes detour. Junctions of two
 * secondary-or-better roads every 50 lines get a {@code no_left_turn} restriction with a probability of one third.
 * Coordinates are jittered a little so roads are not perfectly straight. Deterministic for a given size and seed.
 */
public final class SyntheticCountryNetwork {

    public static final double ORIGIN_LATITUDE = 47.0;
    public static final double ORIGIN_LONGITUDE = 6.0;
    /** Junction spacing in degrees of latitude (about 150 m). */
    public static final double SPACING = 0.00135;
    /** Junctions per OSM way on roads without gaps; restrictions sit where such ways meet. */
    static final int WAY_LENGTH = 50;

    private final int size;
    private final long seed;

    public SyntheticCountryNetwork(final int size, final long seed) {
        if (size < 2 * WAY_LENGTH + 1) {
            throw new IllegalArgumentException("the grid needs at least " + (2 * WAY_LENGTH + 1) + " junctions a side");
        }
        this.size = size;
        this.seed = seed;
    }

    /** Road junctions (OSM nodes) in the network. */
    public long nodeCount() {
        return (long) size * size;
    }

    public double minLatitude() {
        return ORIGIN_LATITUDE;
    }

    public double maxLatitude() {
        return ORIGIN_LATITUDE + (size - 1) * SPACING;
    }

    public double minLongitude() {
        return ORIGIN_LONGITUDE;
    }

    public double maxLongitude() {
        return ORIGIN_LONGITUDE + (size - 1) * lonSpacing();
    }

    /** Latitude of grid row {@code row} (fractions lie between junctions), before jitter. */
    public double latitude(final double row) {
        return ORIGIN_LATITUDE + row * SPACING;
    }

    /** Longitude of grid column {@code column}, before jitter. */
    public double longitude(final double column) {
        return ORIGIN_LONGITUDE + column * lonSpacing();
    }

    private static double lonSpacing() {
        return SPACING / Math.cos(Math.toRadians(ORIGIN_LATITUDE + 1.5));
    }

    /** The road class of grid line {@code line} (rows and columns alike). */
    static String highway(final int line) {
        if (line % 160 == 0) {
            return "motorway";
        } else if (line % 40 == 0) {
            return "trunk";
        } else if (line % 10 == 0) {
            return "primary";
        } else if (line % 5 == 0) {
            return "secondary";
        }
        return "residential";
    }

    private static int maxSpeed(final String highway) {
        return switch (highway) {
            case "motorway" -> 120;
            case "trunk" -> 100;
            case "primary" -> 80;
            case "secondary" -> 60;
            default -> 30;
        };
    }

    /** Writes the network to {@code file} (OSM XML; GraphHopper and osrm-extract read it by the .osm extension). */
    public Path write(final Path file) throws IOException {
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 20)) {
            final StringBuilder line = new StringBuilder(128);
            out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"nifi-routing synthetic country\">\n");
            out.write("  <bounds minlat=\"" + (minLatitude() - 0.01) + "\" minlon=\"" + (minLongitude() - 0.01) + "\" maxlat=\""
                    + (maxLatitude() + 0.01) + "\" maxlon=\"" + (maxLongitude() + 0.01) + "\"/>\n");
            final Random jitter = new Random(seed);
            for (int row = 0; row < size; row++) {
                for (int column = 0; column < size; column++) {
                    final double latitude = ORIGIN_LATITUDE + row * SPACING + (jitter.nextDouble() - 0.5) * SPACING * 0.2;
                    final double longitude = ORIGIN_LONGITUDE + column * lonSpacing() + (jitter.nextDouble() - 0.5) * lonSpacing() * 0.2;
                    line.setLength(0);
                    line.append("  <node id=\"").append(nodeId(row, column)).append("\" version=\"1\" lat=\"");
                    appendCoordinate(line, latitude).append("\" lon=\"");
                    appendCoordinate(line, longitude).append("\"/>\n");
                    out.append(line);
                }
            }
            final Random gaps = new Random(seed + 1);
            for (int direction = 0; direction < 2; direction++) {
                for (int roadLine = 0; roadLine < size; roadLine++) {
                    writeLine(out, line, gaps, roadLine, direction == 0);
                }
            }
            final Random restrictions = new Random(seed + 2);
            long relationId = 1;
            for (int row = WAY_LENGTH; row < size - 1; row += WAY_LENGTH) {
                for (int column = WAY_LENGTH; column < size - 1; column += WAY_LENGTH) {
                    if (restrictions.nextInt(3) != 0) {
                        continue;
                    }
                    // Eastbound on the row, arriving at the junction, may not turn left (north) into the column.
                    out.write("  <relation id=\"" + relationId++ + "\" version=\"1\">\n");
                    out.write("    <member type=\"way\" ref=\"" + wayId(true, row, column - WAY_LENGTH) + "\" role=\"from\"/>\n");
                    out.write("    <member type=\"node\" ref=\"" + nodeId(row, column) + "\" role=\"via\"/>\n");
                    out.write("    <member type=\"way\" ref=\"" + wayId(false, column, row) + "\" role=\"to\"/>\n");
                    out.write("    <tag k=\"type\" v=\"restriction\"/>\n    <tag k=\"restriction\" v=\"no_left_turn\"/>\n  </relation>\n");
                }
            }
            out.write("</osm>\n");
        }
        return file;
    }

    /**
     * One grid line as ways of {@link #WAY_LENGTH} junctions; residential lines lose about 3% of their segments, every
     * other class is continuous (so restriction ways start and end at fixed junctions).
     */
    private void writeLine(final BufferedWriter out, final StringBuilder line, final Random gaps, final int roadLine,
                           final boolean eastWest) throws IOException {
        final String highway = highway(roadLine);
        final boolean residential = highway.equals("residential");
        int start = 0;
        for (int i = 1; i < size; i++) {
            final boolean gap = residential && gaps.nextDouble() < 0.03;
            if (gap || i == size - 1 || i - start == WAY_LENGTH) {
                final int end = gap ? i - 1 : i;
                if (end > start) {
                    line.setLength(0);
                    line.append("  <way id=\"").append(wayId(eastWest, roadLine, start)).append("\" version=\"1\">\n");
                    for (int k = start; k <= end; k++) {
                        line.append("    <nd ref=\"").append(eastWest ? nodeId(roadLine, k) : nodeId(k, roadLine)).append("\"/>\n");
                    }
                    line.append("    <tag k=\"highway\" v=\"").append(highway).append("\"/>\n");
                    line.append("    <tag k=\"maxspeed\" v=\"").append(maxSpeed(highway)).append("\"/>\n");
                    if (highway.equals("motorway")) {
                        line.append("    <tag k=\"oneway\" v=\"no\"/>\n"); // one way for both directions keeps the grid simple
                    }
                    line.append("    <tag k=\"ref\" v=\"").append(eastWest ? "R" : "C").append(roadLine).append("\"/>\n  </way>\n");
                    out.append(line);
                }
                start = gap ? i : end;
            }
        }
    }

    /** Ways are numbered by their line and first junction, so restrictions can name them without a lookup. */
    private long wayId(final boolean eastWest, final int roadLine, final int start) {
        return ((eastWest ? 0L : 1L) * size + roadLine) * size + start + 1;
    }

    private long nodeId(final int row, final int column) {
        return (long) row * size + column + 1;
    }

    /** Seven decimals without String.format, which would dominate the time for millions of nodes. */
    private static StringBuilder appendCoordinate(final StringBuilder line, final double degrees) {
        final long scaled = Math.round(degrees * 1e7);
        line.append(scaled / 10_000_000).append('.');
        final String fraction = Long.toString(Math.abs(scaled % 10_000_000));
        for (int pad = fraction.length(); pad < 7; pad++) {
            line.append('0');
        }
        return line.append(fraction);
    }

    /** Writes a network: {@code java SyntheticCountryNetwork <file.osm> <junctions per side> [seed]}. */
    public static void main(final String[] args) throws IOException {
        final SyntheticCountryNetwork network = new SyntheticCountryNetwork(Integer.parseInt(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 17);
        final long start = System.nanoTime();
        network.write(Path.of(args[0]));
        System.out.printf("%,d junctions written to %s in %.1f s%n", network.nodeCount(), args[0], (System.nanoTime() - start) / 1e9);
    }
}
