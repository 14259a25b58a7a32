package io.github.nifirouting.example;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Writes a country-sized synthetic road network as OSM XML, streaming, so the embedded engine and OSRM can be measured
 * on the same millions of road nodes without a downloaded extract. Deterministic for a given size and seed.
 * <p>
 * The country is a square of {@code sideKilometres} divided into 3 km cells. Each cell holds one settlement (hamlet,
 * village, town or city, jittered off the cell's centre) with its own street network: blocks of varied size (rows and
 * columns a random 70-240 m apart, points jittered), the streets a random spanning tree of that lattice plus a few loops
 * (so most streets branch off others and end), short cul-de-sacs at the edge, some one-way streets, and curved streets
 * (shape points). A main street crosses each
 * settlement west-east and south-north; its ends are the settlement's four gates. Between neighbouring settlements run
 * curvy rural roads (a shape point every 30-100 m: OSM nodes of degree 2, which GraphHopper keeps as pillar nodes) whose
 * class follows the settlements' importance (unclassified up to trunk), with dead-end farm spurs. Motorways are a few
 * long-distance corridors across the whole country, dual carriageway (two oneway ways), joined to the rest only at
 * interchanges every 10-20 km (motorway_link roads to a hub and a feeder road to the nearest settlement's gate) and
 * where two motorways cross; every other road crossing a motorway does so on a bridge without sharing a node. Segment
 * lengths and speed limits vary, so equal-weight alternatives are rare. Some town centres carry a {@code no_left_turn}
 * or {@code no_right_turn} relation.
 * <p>
 * Memory is bounded by one settlement or one motorway: the file is written in three passes (nodes, ways, relations),
 * each regenerating every piece from its own seed.
 */
public final class SyntheticCountryNetwork {

    public static final double ORIGIN_LATITUDE = 47.0;
    public static final double ORIGIN_LONGITUDE = 6.0;
    private static final double METERS_PER_DEGREE = 111_320.0;
    /** One settlement per cell. */
    static final double CELL_METERS = 3000;
    private static final double MOTORWAY_SPACING_METERS = 70_000;
    /** Half the distance between the two carriageways. */
    private static final double CARRIAGEWAY_OFFSET = 12;

    private static final long SETTLEMENT_IDS = 1L << 16;
    private static final long ROAD_NODE_BASE = 1L << 40;
    private static final long ROAD_WAY_BASE = 1L << 40;
    private static final long MOTORWAY_NODE_BASE = 1L << 42;
    private static final long MOTORWAY_WAY_BASE = 1L << 42;
    private static final long CROSSING_HUB_BASE = 1L << 43;

    private static final String[] PLACE_NAMES = {"hamlet", "village", "town", "city"};

    private final int sideKilometres;
    private final long seed;
    private final int cells;
    private final double side;
    private final Motorway[] motorways;
    private final int horizontalMotorways;
    private Stats stats;

    /** What one pass over the network wrote: OSM nodes, ways, restriction relations and kilometres per highway class. */
    public record Stats(long nodes, long ways, long restrictions, Map<String, Double> kilometresByHighway) {
    }

    /**
     * A settlement's central junction (the main streets' crossing): points on the street arriving from the west (travelling
     * east) and on the streets leaving north (a left turn) and south (a right turn), and the restriction there (or null).
     */
    public record CentralJunction(String place, double fromLatitude, double fromLongitude, double leftLatitude, double leftLongitude,
                                  double rightLatitude, double rightLongitude, String restriction) {
    }

    public SyntheticCountryNetwork(final int sideKilometres, final long seed) {
        if (sideKilometres < 12 || sideKilometres > 6000) {
            // Below 12 km there is no room for a motorway interchange; above 6000 km settlement ids would reach the roads' range.
            throw new IllegalArgumentException("the country's side must be 12 to 6000 km: " + sideKilometres);
        }
        this.sideKilometres = sideKilometres;
        this.seed = seed;
        this.cells = (int) (sideKilometres * 1000 / CELL_METERS);
        this.side = cells * CELL_METERS;
        final int perDirection = Math.max(1, (int) Math.round(side / MOTORWAY_SPACING_METERS));
        this.horizontalMotorways = perDirection;
        this.motorways = new Motorway[2 * perDirection];
        for (int k = 0; k < motorways.length; k++) {
            motorways[k] = new Motorway(k, k < perDirection, k % perDirection, perDirection);
        }
    }

    public int sideKilometres() {
        return sideKilometres;
    }

    /** OSM road nodes in the network (junctions and shape points); generates the network without writing it if not yet written. */
    public long nodeCount() {
        return stats().nodes();
    }

    /** What the network holds, counted by generating it without writing (or taken from the last {@link #write(Path)}). */
    public Stats stats() {
        if (stats == null) {
            final Counter counter = new Counter();
            generate(counter);
            stats = counter.stats();
        }
        return stats;
    }

    public double minLatitude() {
        return latitude(0);
    }

    public double maxLatitude() {
        return latitude(side);
    }

    public double minLongitude() {
        return longitude(0);
    }

    public double maxLongitude() {
        return longitude(side);
    }

    private static double latitude(final double y) {
        return ORIGIN_LATITUDE + y / METERS_PER_DEGREE;
    }

    private double longitude(final double x) {
        return ORIGIN_LONGITUDE + x / (METERS_PER_DEGREE * Math.cos(Math.toRadians(ORIGIN_LATITUDE + side / METERS_PER_DEGREE / 2)));
    }

    /** Writes the network to {@code file} (OSM XML; GraphHopper and osrm-extract read it by the .osm extension). */
    public Path write(final Path file) throws IOException {
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 20)) {
            out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"nifi-routing synthetic country\">\n");
            out.write("  <bounds minlat=\"" + minLatitude() + "\" minlon=\"" + minLongitude() + "\" maxlat=\"" + maxLatitude()
                    + "\" maxlon=\"" + maxLongitude() + "\"/>\n");
            final XmlSink xml = new XmlSink(out);
            generate(xml);
            out.write("</osm>\n");
            stats = xml.counter.stats();
        } catch (final UncheckedIOException e) {
            throw e.getCause();
        }
        return file;
    }

    /** Every settlement's central junction, with its restriction if it has one (for tests of turn restrictions). */
    public List<CentralJunction> centralJunctions() {
        final List<CentralJunction> junctions = new ArrayList<>();
        for (int cy = 0; cy < cells; cy++) {
            for (int cx = 0; cx < cells; cx++) {
                junctions.add(settlement(cx, cy).centre);
            }
        }
        return junctions;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Passes

    private void generate(final Sink sink) {
        for (int pass = 0; pass < 3; pass++) {
            for (int cy = 0; cy < cells; cy++) {
                for (int cx = 0; cx < cells; cx++) {
                    settlement(cx, cy).emit(sink, pass);
                    for (int direction = 0; direction < 3; direction++) {
                        final Chunk road = road(cx, cy, direction);
                        if (road != null) {
                            road.emit(sink, pass);
                        }
                    }
                }
            }
            for (final Motorway motorway : motorways) {
                motorway.chunk().emit(sink, pass);
            }
        }
    }

    private interface Sink {
        void node(long id, double x, double y);

        void way(long id, long[] refs, double length, String highway, String tags);

        void restriction(long id, String type, long fromWay, long via, long toWay);
    }

    private static final class Counter implements Sink {
        long nodes;
        long ways;
        long restrictions;
        final Map<String, Double> kilometres = new TreeMap<>();

        @Override
        public void node(final long id, final double x, final double y) {
            nodes++;
        }

        @Override
        public void way(final long id, final long[] refs, final double length, final String highway, final String tags) {
            ways++;
            kilometres.merge(highway, length / 1000, Double::sum);
        }

        @Override
        public void restriction(final long id, final String type, final long fromWay, final long via, final long toWay) {
            restrictions++;
        }

        Stats stats() {
            return new Stats(nodes, ways, restrictions, Map.copyOf(kilometres));
        }
    }

    private final class XmlSink implements Sink {
        private final BufferedWriter out;
        private final StringBuilder line = new StringBuilder(4096);
        final Counter counter = new Counter();

        XmlSink(final BufferedWriter out) {
            this.out = out;
        }

        @Override
        public void node(final long id, final double x, final double y) {
            counter.node(id, x, y);
            line.setLength(0);
            line.append("  <node id=\"").append(id).append("\" version=\"1\" lat=\"");
            appendCoordinate(line, latitude(y)).append("\" lon=\"");
            appendCoordinate(line, longitude(x)).append("\"/>\n");
            flush();
        }

        @Override
        public void way(final long id, final long[] refs, final double length, final String highway, final String tags) {
            counter.way(id, refs, length, highway, tags);
            line.setLength(0);
            line.append("  <way id=\"").append(id).append("\" version=\"1\">\n");
            for (final long ref : refs) {
                line.append("    <nd ref=\"").append(ref).append("\"/>\n");
            }
            line.append("    <tag k=\"highway\" v=\"").append(highway).append("\"/>\n").append(tags).append("  </way>\n");
            flush();
        }

        @Override
        public void restriction(final long id, final String type, final long fromWay, final long via, final long toWay) {
            counter.restriction(id, type, fromWay, via, toWay);
            line.setLength(0);
            line.append("  <relation id=\"").append(id).append("\" version=\"1\">\n")
                    .append("    <member type=\"way\" ref=\"").append(fromWay).append("\" role=\"from\"/>\n")
                    .append("    <member type=\"node\" ref=\"").append(via).append("\" role=\"via\"/>\n")
                    .append("    <member type=\"way\" ref=\"").append(toWay).append("\" role=\"to\"/>\n")
                    .append("    <tag k=\"type\" v=\"restriction\"/>\n    <tag k=\"restriction\" v=\"").append(type).append("\"/>\n  </relation>\n");
            flush();
        }

        private void flush() {
            try {
                out.append(line);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }
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

    // ---------------------------------------------------------------------------------------------------------------
    // One piece of the network: its nodes, ways and restrictions, regenerated from its seed in every pass.

    /** {@code tags}: the way's tags other than highway, as OSM XML lines. */
    private record WayRecord(long id, long[] refs, double length, String highway, String tags) {
    }

    private record Restriction(String type, long fromWay, long via, long toWay) {
    }

    private final class Chunk {
        /** Every node of the chunk, in the order they were made (written as they are, not as a polyline). */
        private final Line nodes = new Line();
        private final List<WayRecord> ways = new ArrayList<>();
        private final List<Restriction> restrictions = new ArrayList<>();
        private long nextNodeId;
        private long nextWayId;

        Chunk(final long firstNodeId, final long firstWayId) {
            this.nextNodeId = firstNodeId;
            this.nextWayId = firstWayId;
        }

        long node(final double x, final double y) {
            return node(nextNodeId++, x, y);
        }

        long node(final long id, final double x, final double y) {
            nodes.add(id, x, y);
            return id;
        }

        /**
         * A road along {@code line}: split where a segment crosses a motorway (that segment becomes its own way, a bridge);
         * returns the id of the last way (the one ending at the line's last node).
         */
        long road(final Line line, final String highway, final String tags, final int crossingCheck) {
            long last = -1;
            int start = 0;
            for (int i = 0; i + 1 < line.size; i++) {
                if (crossesMotorway(line.xs[i], line.ys[i], line.xs[i + 1], line.ys[i + 1], crossingCheck)) {
                    if (i > start) {
                        way(line, start, i, highway, tags);
                    }
                    last = way(line, i, i + 1, highway, tags + "    <tag k=\"bridge\" v=\"yes\"/>\n    <tag k=\"layer\" v=\"1\"/>\n");
                    start = i + 1;
                }
            }
            if (start < line.size - 1) {
                last = way(line, start, line.size - 1, highway, tags);
            }
            return last;
        }

        private long way(final Line line, final int from, final int to, final String highway, final String tags) {
            final long id = nextWayId++;
            double length = 0;
            for (int i = from; i < to; i++) {
                length += Math.hypot(line.xs[i + 1] - line.xs[i], line.ys[i + 1] - line.ys[i]);
            }
            ways.add(new WayRecord(id, Arrays.copyOfRange(line.ids, from, to + 1), length, highway, tags));
            return id;
        }

        void restriction(final String type, final long fromWay, final long via, final long toWay) {
            restrictions.add(new Restriction(type, fromWay, via, toWay));
        }

        void emit(final Sink sink, final int pass) {
            if (pass == 0) {
                for (int i = 0; i < nodes.size; i++) {
                    sink.node(nodes.ids[i], nodes.xs[i], nodes.ys[i]);
                }
            } else if (pass == 1) {
                for (final WayRecord way : ways) {
                    sink.way(way.id(), way.refs(), way.length(), way.highway(), way.tags());
                }
            } else {
                for (final Restriction r : restrictions) {
                    // The relation is named after its from-way, which is unique.
                    sink.restriction(r.fromWay(), r.type(), r.fromWay(), r.via(), r.toWay());
                }
            }
        }
    }

    /** A polyline of node ids and coordinates, built point by point with optional curved shape points in between. */
    private static final class Line {
        long[] ids = new long[64];
        double[] xs = new double[64];
        double[] ys = new double[64];
        int size;

        Line add(final long id, final double x, final double y) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                xs = Arrays.copyOf(xs, size * 2);
                ys = Arrays.copyOf(ys, size * 2);
            }
            ids[size] = id;
            xs[size] = x;
            ys[size] = y;
            size++;
            return this;
        }

        /** Adds {@code shapes} shape points bending the segment from the last point to (x, y) sideways, then that point. */
        Line curveTo(final Chunk chunk, final Random random, final int shapes, final long id, final double x, final double y) {
            final double x0 = xs[size - 1];
            final double y0 = ys[size - 1];
            final double length = Math.hypot(x - x0, y - y0);
            final double bend = (random.nextDouble() - 0.5) * 0.16 * length;
            for (int s = 1; s <= shapes; s++) {
                final double t = s / (shapes + 1.0);
                final double side = bend * Math.sin(Math.PI * t);
                final double px = x0 + (x - x0) * t - (y - y0) / length * side;
                final double py = y0 + (y - y0) * t + (x - x0) / length * side;
                add(chunk.node(px, py), px, py);
            }
            return add(id, x, y);
        }

        Line reversed() {
            final Line reversed = new Line();
            for (int i = size - 1; i >= 0; i--) {
                reversed.add(ids[i], xs[i], ys[i]);
            }
            return reversed;
        }
    }

    private Random random(final int kind, final long a, final long b) {
        long h = seed * 0x9E3779B97F4A7C15L + kind;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + a;
        h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL + b;
        h ^= h >>> 32;
        return new Random(h);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Settlements

    /** Where a settlement is and how big: cheap, so roads and interchanges can find their neighbours' gates. */
    private record Place(int cx, int cy, double x, double y, double radius, int importance) {

        double gateX(final int gate) {
            return x + (gate == 1 ? radius : gate == 2 ? -radius : 0);
        }

        double gateY(final int gate) {
            return y + (gate == 3 ? radius : gate == 4 ? -radius : 0);
        }
    }

    private static final int EAST = 1;
    private static final int WEST = 2;
    private static final int NORTH = 3;
    private static final int SOUTH = 4;

    private Place place(final int cx, final int cy) {
        final Random random = random(1, cx, cy);
        final double roll = random.nextDouble();
        final int importance = roll < 0.30 ? 0 : roll < 0.62 ? 1 : roll < 0.88 ? 2 : 3;
        final double[] minRadius = {150, 300, 550, 900};
        final double[] maxRadius = {300, 550, 900, 1200};
        double radius = minRadius[importance] + random.nextDouble() * (maxRadius[importance] - minRadius[importance]);
        double x = (cx + 0.5) * CELL_METERS + (random.nextDouble() - 0.5) * 600;
        double y = (cy + 0.5) * CELL_METERS + (random.nextDouble() - 0.5) * 600;
        // Keep clear of motorway corridors: shrink the settlement, and move it away if it sits on the corridor.
        for (final Motorway motorway : motorways) {
            final double offset = motorway.offset(x, y);
            if (Math.abs(offset) < radius + 150) {
                final double away = Math.max(Math.abs(offset), 350);
                radius = Math.max(150, away - 150);
                final double shift = (offset >= 0 ? 1 : -1) * (away - Math.abs(offset));
                if (motorway.horizontal) {
                    y += shift;
                } else {
                    x += shift;
                }
            }
        }
        return new Place(cx, cy, x, y, radius, importance);
    }

    private long settlementNodeBase(final int cx, final int cy) {
        return 1 + ((long) cy * cells + cx) * SETTLEMENT_IDS;
    }

    private long gateId(final Place place, final int gate) {
        return settlementNodeBase(place.cx, place.cy) + gate;
    }

    private record Settlement(Chunk chunk, CentralJunction centre) {
        void emit(final Sink sink, final int pass) {
            chunk.emit(sink, pass);
        }
    }

    /** Random offsets from 0 outwards both ways, {@code min}-{@code max} apart, up to {@code limit}; sorted, 0 included. */
    private static double[] offsets(final Random random, final double limit, final double min, final double max) {
        final List<Double> values = new ArrayList<>();
        values.add(0.0);
        for (final int sign : new int[]{1, -1}) {
            double at = 0;
            while (true) {
                at += min + random.nextDouble() * (max - min);
                if (at > limit - 40) {
                    break;
                }
                values.add(sign * at);
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private Settlement settlement(final int cx, final int cy) {
        final Place place = place(cx, cy);
        final Random random = random(2, cx, cy);
        final long base = settlementNodeBase(cx, cy);
        final int importance = place.importance;
        final double minSpacing = new double[]{110, 95, 80, 70}[importance];
        final double maxSpacing = new double[]{240, 220, 190, 160}[importance];
        final double[] columnOffsets = offsets(random, place.radius, minSpacing, maxSpacing);
        final double[] rowOffsets = offsets(random, place.radius, minSpacing, maxSpacing);
        final int columns = columnOffsets.length;
        final int rows = rowOffsets.length;
        final int centreColumn = Arrays.binarySearch(columnOffsets, 0.0);
        final int centreRow = Arrays.binarySearch(rowOffsets, 0.0);
        final Chunk chunk = new Chunk(base + 5 + (long) rows * columns, settlementWayBase(cx, cy));
        final long[][] id = new long[rows][columns];
        final double[][] px = new double[rows][columns];
        final double[][] py = new double[rows][columns];
        final double limit = place.radius * place.radius * 0.9;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                final boolean onMainStreet = i == centreRow || j == centreColumn;
                if (!onMainStreet && columnOffsets[j] * columnOffsets[j] + rowOffsets[i] * rowOffsets[i] > limit) {
                    continue;
                }
                final boolean centre = i == centreRow && j == centreColumn;
                final double jitter = centre ? 0 : 0.15 * minSpacing;
                px[i][j] = place.x + columnOffsets[j] + (random.nextDouble() - 0.5) * 2 * jitter;
                py[i][j] = place.y + rowOffsets[i] + (random.nextDouble() - 0.5) * 2 * jitter;
                id[i][j] = chunk.node(centre ? base : base + 5 + (long) i * columns + j, px[i][j], py[i][j]);
            }
        }
        for (int gate = EAST; gate <= SOUTH; gate++) {
            chunk.node(base + gate, place.gateX(gate), place.gateY(gate));
        }
        final String mainHighway = importance >= 2 ? "secondary" : importance == 1 ? "tertiary" : "unclassified";
        final String mainTags = "    <tag k=\"maxspeed\" v=\"50\"/>\n    <tag k=\"name\" v=\"Main street " + cx + "/" + cy + "\"/>\n";
        // Main streets: gate -> centre for each of the four halves, so that the centre ends all four ways.
        final long[] halves = new long[5];
        final Line[] halfLines = new Line[5];
        for (int gate = EAST; gate <= SOUTH; gate++) {
            final Line line = new Line().add(base + gate, place.gateX(gate), place.gateY(gate));
            final int steps = gate == EAST || gate == WEST ? columns : rows;
            for (int k = steps - 1; k >= 0; k--) {
                // From the outermost lattice point on this side inwards to the centre.
                final int i = gate == NORTH ? k : gate == SOUTH ? rows - 1 - k : centreRow;
                final int j = gate == EAST ? k : gate == WEST ? columns - 1 - k : centreColumn;
                final boolean onThisSide = switch (gate) {
                    case EAST -> j > centreColumn;
                    case WEST -> j < centreColumn;
                    case NORTH -> i > centreRow;
                    default -> i < centreRow;
                };
                if (onThisSide) {
                    line.curveTo(chunk, random, 1 + random.nextInt(2), id[i][j], px[i][j], py[i][j]);
                }
            }
            line.curveTo(chunk, random, random.nextInt(2), base, place.x, place.y);
            halfLines[gate] = line;
            halves[gate] = chunk.road(line, mainHighway, mainTags, -1);
        }
        // Streets: a random spanning tree of the lattice (the main streets first) plus some of the remaining segments as
        // loops, so most streets branch off others and end, as in real towns, and cities are more meshed than villages.
        final boolean[][][] present = streetSegments(random, id, centreRow, centreColumn, new double[]{0.08, 0.12, 0.2, 0.3}[importance]);
        final double oneway = importance >= 2 ? 0.12 : importance == 1 ? 0.04 : 0;
        for (int direction = 0; direction < 2; direction++) {
            final int lines = direction == 0 ? rows : columns;
            final int along = direction == 0 ? columns : rows;
            for (int l = 0; l < lines; l++) {
                if (l == (direction == 0 ? centreRow : centreColumn)) {
                    continue;
                }
                Line run = null;
                for (int k = 0; k < along; k++) {
                    final int i = direction == 0 ? l : k;
                    final int j = direction == 0 ? k : l;
                    if (id[i][j] == 0) {
                        continue;
                    }
                    final boolean segment = run != null && present[direction][direction == 0 ? i : i - 1][direction == 0 ? j - 1 : j];
                    if (!segment) {
                        writeStreet(chunk, random, run, oneway);
                        run = new Line().add(id[i][j], px[i][j], py[i][j]);
                    } else {
                        run.curveTo(chunk, random, 1 + random.nextInt(3), id[i][j], px[i][j], py[i][j]);
                    }
                    // A cul-de-sac off the last point of a row at the settlement's edge.
                    final boolean edge = k == along - 1 || id[direction == 0 ? i : k + 1][direction == 0 ? k + 1 : j] == 0;
                    if (edge && random.nextDouble() < 0.2) {
                        final double length = 50 + random.nextDouble() * 90;
                        final double ex = px[i][j] + (direction == 0 ? length : (random.nextDouble() - 0.5) * 40);
                        final double ey = py[i][j] + (direction == 0 ? (random.nextDouble() - 0.5) * 40 : length);
                        final Line spur = new Line().add(id[i][j], px[i][j], py[i][j]);
                        final long end = chunk.node(ex, ey);
                        spur.curveTo(chunk, random, 1, end, ex, ey);
                        chunk.road(spur, "residential", "    <tag k=\"maxspeed\" v=\"30\"/>\n", -1);
                    }
                }
                writeStreet(chunk, random, run, oneway);
            }
        }
        // A turn restriction at some town centres: eastbound on the west half, no left (north) or no right (south) turn.
        String restriction = null;
        if (importance >= 1 && random.nextDouble() < 0.3) {
            restriction = random.nextBoolean() ? "no_left_turn" : "no_right_turn";
            chunk.restriction(restriction, halves[WEST], base, restriction.equals("no_left_turn") ? halves[NORTH] : halves[SOUTH]);
        }
        final Line west = halfLines[WEST];
        final Line north = halfLines[NORTH];
        final Line south = halfLines[SOUTH];
        final CentralJunction centre = new CentralJunction(PLACE_NAMES[importance],
                latitude((west.ys[west.size - 2] + place.y) / 2), longitude((west.xs[west.size - 2] + place.x) / 2),
                latitude((north.ys[north.size - 2] + place.y) / 2), longitude((north.xs[north.size - 2] + place.x) / 2),
                latitude((south.ys[south.size - 2] + place.y) / 2), longitude((south.xs[south.size - 2] + place.x) / 2), restriction);
        return new Settlement(chunk, centre);
    }

    /**
     * Which lattice segments are streets: [0][i][j] from (i, j) east to (i, j + 1), [1][i][j] from (i, j) north to
     * (i + 1, j). The main streets, then the other segments in random order wherever they join two parts not yet connected
     * (a random spanning tree), else with probability {@code loops}.
     */
    private static boolean[][][] streetSegments(final Random random, final long[][] id, final int centreRow, final int centreColumn,
                                                final double loops) {
        final int rows = id.length;
        final int columns = id[0].length;
        final boolean[][][] present = new boolean[2][rows][columns];
        final int[] parent = new int[rows * columns];
        for (int p = 0; p < parent.length; p++) {
            parent[p] = p;
        }
        final List<int[]> candidates = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                for (int direction = 0; direction < 2; direction++) {
                    final int i2 = direction == 0 ? i : i + 1;
                    final int j2 = direction == 0 ? j + 1 : j;
                    if (i2 >= rows || j2 >= columns || id[i][j] == 0 || id[i2][j2] == 0) {
                        continue;
                    }
                    if ((direction == 0 && i == centreRow) || (direction == 1 && j == centreColumn)) {
                        union(parent, i * columns + j, i2 * columns + j2); // main street: written as the four halves
                    } else {
                        candidates.add(new int[]{direction, i, j, i2, j2});
                    }
                }
            }
        }
        java.util.Collections.shuffle(candidates, random);
        for (final int[] c : candidates) {
            final boolean joins = union(parent, c[1] * columns + c[2], c[3] * columns + c[4]);
            present[c[0]][c[1]][c[2]] = joins || random.nextDouble() < loops;
        }
        return present;
    }

    private static boolean union(final int[] parent, final int a, final int b) {
        final int ra = root(parent, a);
        final int rb = root(parent, b);
        parent[ra] = rb;
        return ra != rb;
    }

    private static int root(final int[] parent, final int p) {
        int r = p;
        while (parent[r] != r) {
            parent[r] = parent[parent[r]];
            r = parent[r];
        }
        return r;
    }

    private void writeStreet(final Chunk chunk, final Random random, final Line run, final double oneway) {
        if (run == null || run.size < 2) {
            return;
        }
        final double roll = random.nextDouble();
        final int maxSpeed = roll < 0.5 ? 30 : roll < 0.7 ? 40 : 50;
        String tags = "    <tag k=\"maxspeed\" v=\"" + maxSpeed + "\"/>\n";
        Line line = run;
        if (random.nextDouble() < oneway) {
            tags += "    <tag k=\"oneway\" v=\"yes\"/>\n";
            line = random.nextBoolean() ? run : run.reversed();
        }
        chunk.road(line, "residential", tags, -1);
    }

    /** Way ids of a settlement: the same range as its node ids (ways and nodes are numbered apart in OSM). */
    private long settlementWayBase(final int cx, final int cy) {
        return 1 + ((long) cy * cells + cx) * SETTLEMENT_IDS;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Roads between settlements

    /** The road from cell (cx, cy) to its east (0) or north (1) neighbour, or across the cell square (2); null if none. */
    private Chunk road(final int cx, final int cy, final int direction) {
        if ((direction != 1 && cx + 1 >= cells) || (direction != 0 && cy + 1 >= cells)) {
            return null;
        }
        final Random random = random(3 + direction, cx, cy);
        final Place from;
        final Place to;
        final int fromGate;
        final int toGate;
        if (direction == 0) {
            from = place(cx, cy);
            to = place(cx + 1, cy);
            fromGate = EAST;
            toGate = WEST;
        } else if (direction == 1) {
            from = place(cx, cy);
            to = place(cx, cy + 1);
            fromGate = NORTH;
            toGate = SOUTH;
        } else {
            if (random.nextDouble() >= 0.25) {
                return null;
            }
            final boolean rising = random.nextBoolean();
            from = rising ? place(cx, cy) : place(cx + 1, cy);
            to = rising ? place(cx + 1, cy + 1) : place(cx, cy + 1);
            fromGate = NORTH;
            toGate = SOUTH;
        }
        final int high = Math.max(from.importance, to.importance);
        final int low = Math.min(from.importance, to.importance) - (direction == 2 ? 1 : 0);
        if (high <= 1 && random.nextDouble() < 0.2) {
            return null;
        }
        final String highway;
        final int[] speeds;
        if (low >= 3) {
            highway = "trunk";
            speeds = new int[]{90, 100, 110};
        } else if (low == 2) {
            highway = "primary";
            speeds = new int[]{80, 90, 100};
        } else if (low == 1) {
            highway = "secondary";
            speeds = new int[]{70, 80, 90};
        } else if (high >= 1) {
            highway = "tertiary";
            speeds = new int[]{60, 70, 80};
        } else {
            highway = "unclassified";
            speeds = new int[]{50, 60, 70};
        }
        final long index = ((long) cy * cells + cx) * 3 + direction;
        final Chunk chunk = new Chunk(ROAD_NODE_BASE + index * 4096, ROAD_WAY_BASE + index * 64);
        final Line line = curvyRoad(chunk, random, gateId(from, fromGate), from.gateX(fromGate), from.gateY(fromGate),
                gateId(to, toGate), to.gateX(toGate), to.gateY(toGate));
        chunk.road(line, highway, "    <tag k=\"maxspeed\" v=\"" + speeds[random.nextInt(speeds.length)] + "\"/>\n", -1);
        // A farm road: a dead end off one of the road's shape points.
        if (line.size > 4 && random.nextDouble() < 0.6) {
            final int at = 1 + random.nextInt(line.size - 2);
            final double length = 300 + random.nextDouble() * 1200;
            final double angle = random.nextDouble() * 2 * Math.PI;
            final double ex = line.xs[at] + Math.cos(angle) * length;
            final double ey = line.ys[at] + Math.sin(angle) * length;
            final long end = chunk.nextNodeId++;
            final Line spur = curvyRoad(chunk, random, line.ids[at], line.xs[at], line.ys[at], end, ex, ey);
            chunk.node(end, ex, ey);
            chunk.road(spur, "unclassified", "    <tag k=\"maxspeed\" v=\"50\"/>\n", -1);
        }
        return chunk;
    }

    /** A road from one node to another with a shape point every 30-100 m, bending in a broad curve and smaller wiggles. */
    private static Line curvyRoad(final Chunk chunk, final Random random, final long fromId, final double x0, final double y0,
                                  final long toId, final double x1, final double y1) {
        final Line line = new Line().add(fromId, x0, y0);
        final double length = Math.hypot(x1 - x0, y1 - y0);
        final double nx = -(y1 - y0) / length;
        final double ny = (x1 - x0) / length;
        final double bend = (random.nextDouble() - 0.5) * 0.25 * length;
        final double wiggle = 10 + random.nextDouble() * 50;
        final double waves = 1 + random.nextInt(6);
        final double phase = random.nextDouble() * 2 * Math.PI;
        double at = 0;
        while (true) {
            at += 30 + random.nextDouble() * 70;
            if (at > length - 30) {
                break;
            }
            final double t = at / length;
            final double side = Math.sin(Math.PI * t) * (bend + wiggle * Math.sin(2 * Math.PI * waves * t + phase));
            final double x = x0 + (x1 - x0) * t + nx * side;
            final double y = y0 + (y1 - y0) * t + ny * side;
            line.add(chunk.node(x, y), x, y);
        }
        return line.add(toId, x1, y1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Motorways

    /**
     * Whether the segment crosses a motorway's centre line. {@code check}: -1 every motorway, 0 none, k + 1 (vertical
     * motorway k) the horizontal motorways.
     */
    private boolean crossesMotorway(final double x0, final double y0, final double x1, final double y1, final int check) {
        if (check == 0) {
            return false;
        }
        for (final Motorway motorway : motorways) {
            if (check > 0 && !motorway.horizontal) {
                continue; // a vertical motorway bridges the horizontal ones only; horizontal ones never leave the ground
            }
            final double a = motorway.offset(x0, y0);
            final double b = motorway.offset(x1, y1);
            if ((a < 0) != (b < 0)) {
                return true;
            }
        }
        return false;
    }

    private final class Motorway {
        final int index;
        final boolean horizontal;
        final double base;
        final double amplitude1;
        final double wavelength1;
        final double phase1;
        final double amplitude2;
        final double wavelength2;
        final double phase2;

        Motorway(final int index, final boolean horizontal, final int k, final int perDirection) {
            final Random random = random(5, index, 0);
            this.index = index;
            this.horizontal = horizontal;
            final double spacing = side / perDirection;
            this.base = (k + 0.5) * spacing + (random.nextDouble() - 0.5) * 0.2 * spacing;
            this.amplitude1 = 1500 + random.nextDouble() * 2500;
            this.wavelength1 = 80_000 + random.nextDouble() * 60_000;
            this.phase1 = random.nextDouble() * 2 * Math.PI;
            this.amplitude2 = 300 + random.nextDouble() * 600;
            this.wavelength2 = 15_000 + random.nextDouble() * 15_000;
            this.phase2 = random.nextDouble() * 2 * Math.PI;
        }

        /** The centre line's cross coordinate (y for a horizontal motorway) at along-coordinate {@code t}. */
        double cross(final double t) {
            return base + amplitude1 * Math.sin(2 * Math.PI * t / wavelength1 + phase1) + amplitude2 * Math.sin(2 * Math.PI * t / wavelength2 + phase2);
        }

        /** Signed distance across the corridor (north or east of the centre line is positive). */
        double offset(final double x, final double y) {
            return horizontal ? y - cross(x) : x - cross(y);
        }

        double pointX(final double t, final double across) {
            return horizontal ? t : cross(t) + across;
        }

        double pointY(final double t, final double across) {
            return horizontal ? cross(t) + across : t;
        }

        /** Along-coordinate where this horizontal motorway crosses the vertical motorway {@code other}. */
        double crossing(final Motorway other) {
            double x = other.base;
            for (int i = 0; i < 50; i++) {
                x = other.cross(cross(x));
            }
            return x;
        }

        Chunk chunk() {
            final Random random = random(6, index, 0);
            final long nodeBase = MOTORWAY_NODE_BASE + (long) index * (1L << 24);
            final Chunk chunk = new Chunk(nodeBase + (1L << 22), MOTORWAY_WAY_BASE + (long) index * (1L << 24));
            // Centre-line samples every 60-120 m; the forward carriageway on the right of the direction of increasing t.
            final List<Double> samples = new ArrayList<>();
            for (double t = 0; t < side; t += 60 + random.nextDouble() * 60) {
                samples.add(t);
            }
            samples.add(side);
            final int n = samples.size();
            final Line forward = new Line();
            final Line backward = new Line();
            for (int i = 0; i < n; i++) {
                final double t = samples.get(i);
                final double dt = 1;
                final double dx = pointX(t + dt, 0) - pointX(t - dt, 0);
                final double dy = pointY(t + dt, 0) - pointY(t - dt, 0);
                final double norm = Math.hypot(dx, dy);
                final double leftX = -dy / norm;
                final double leftY = dx / norm;
                final double cx = pointX(t, 0);
                final double cy = pointY(t, 0);
                forward.add(chunk.node(nodeBase + 2L * i, cx - leftX * CARRIAGEWAY_OFFSET, cy - leftY * CARRIAGEWAY_OFFSET),
                        cx - leftX * CARRIAGEWAY_OFFSET, cy - leftY * CARRIAGEWAY_OFFSET);
                backward.add(chunk.node(nodeBase + 2L * i + 1, cx + leftX * CARRIAGEWAY_OFFSET, cy + leftY * CARRIAGEWAY_OFFSET),
                        cx + leftX * CARRIAGEWAY_OFFSET, cy + leftY * CARRIAGEWAY_OFFSET);
            }
            final Line backwardInTravelOrder = backward.reversed();
            final String ref = "    <tag k=\"ref\" v=\"A" + (index + 1) + "\"/>\n";
            final String motorwayTags = "    <tag k=\"oneway\" v=\"yes\"/>\n    <tag k=\"maxspeed\" v=\"" + (random.nextInt(4) == 0 ? 100 : 120)
                    + "\"/>\n" + ref;
            final int bridgeCheck = horizontal ? 0 : index + 1;
            for (final Line carriageway : new Line[]{forward, backwardInTravelOrder}) {
                for (int start = 0; start < n - 1; start += 400) {
                    final Line part = new Line();
                    for (int i = start; i <= Math.min(n - 1, start + 400); i++) {
                        part.add(carriageway.ids[i], carriageway.xs[i], carriageway.ys[i]);
                    }
                    chunk.road(part, "motorway", motorwayTags, bridgeCheck);
                }
            }
            final String linkTags = "    <tag k=\"oneway\" v=\"yes\"/>\n    <tag k=\"maxspeed\" v=\"60\"/>\n";
            // Turn-around links at the borders, so neither carriageway is a dead end.
            chunk.road(new Line().add(forward.ids[n - 1], forward.xs[n - 1], forward.ys[n - 1]).add(backward.ids[n - 1], backward.xs[n - 1],
                    backward.ys[n - 1]), "motorway_link", linkTags, 0);
            chunk.road(new Line().add(backward.ids[0], backward.xs[0], backward.ys[0]).add(forward.ids[0], forward.xs[0], forward.ys[0]),
                    "motorway_link", linkTags, 0);
            // Interchanges with the other motorways (hubs named by the crossing) and with the local roads every 10-20 km.
            final List<double[]> crossings = new ArrayList<>();
            for (final Motorway other : motorways) {
                if (other.horizontal == horizontal) {
                    continue;
                }
                final Motorway h = horizontal ? this : other;
                final Motorway v = horizontal ? other : this;
                final double x = h.crossing(v);
                final double y = h.cross(x);
                final long hub = CROSSING_HUB_BASE + h.index * 256L + v.index;
                final double hubX = x + 300;
                final double hubY = y + 300;
                if (horizontal) {
                    chunk.node(hub, hubX, hubY);
                }
                crossings.add(new double[]{horizontal ? x : y, hub, hubX, hubY});
            }
            for (final double[] crossing : crossings) {
                interchange(chunk, random, samples, forward, backward, crossing[0], (long) crossing[1], crossing[2], crossing[3], linkTags);
            }
            for (double t = 5000 + random.nextDouble() * 7000; t < side - 5000; t += 10_000 + random.nextDouble() * 10_000) {
                boolean nearCrossing = false;
                for (final double[] crossing : crossings) {
                    nearCrossing |= Math.abs(crossing[0] - t) < 4000;
                }
                if (nearCrossing) {
                    continue;
                }
                // The nearest gate of the settlements around, and a hub on its side of the motorway.
                final int cellX = (int) (pointX(t, 0) / CELL_METERS);
                final int cellY = (int) (pointY(t, 0) / CELL_METERS);
                Place best = null;
                int bestGate = 0;
                double bestDistance = Double.POSITIVE_INFINITY;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        if (cellX + dx < 0 || cellY + dy < 0 || cellX + dx >= cells || cellY + dy >= cells) {
                            continue;
                        }
                        final Place place = place(cellX + dx, cellY + dy);
                        for (int gate = EAST; gate <= SOUTH; gate++) {
                            final double distance = Math.hypot(place.gateX(gate) - pointX(t, 0), place.gateY(gate) - pointY(t, 0));
                            if (distance < bestDistance) {
                                best = place;
                                bestGate = gate;
                                bestDistance = distance;
                            }
                        }
                    }
                }
                if (best == null) {
                    continue;
                }
                final double gateX = best.gateX(bestGate);
                final double gateY = best.gateY(bestGate);
                final double gateSide = offset(gateX, gateY) >= 0 ? 1 : -1;
                final double hubX = pointX(t, 0) + (horizontal ? 0 : gateSide * 250);
                final double hubY = pointY(t, 0) + (horizontal ? gateSide * 250 : 0);
                final long hub = chunk.node(hubX, hubY);
                interchange(chunk, random, samples, forward, backward, t, hub, hubX, hubY, linkTags);
                final Line feeder = curvyRoad(chunk, random, hub, hubX, hubY, gateId(best, bestGate), gateX, gateY);
                chunk.road(feeder, "primary", "    <tag k=\"maxspeed\" v=\"80\"/>\n", -1);
            }
            return chunk;
        }

        /** Exit and entry links between both carriageways and the hub, 400 m before and after {@code t}. */
        private void interchange(final Chunk chunk, final Random random, final List<Double> samples, final Line forward, final Line backward,
                                 final double t, final long hub, final double hubX, final double hubY, final String linkTags) {
            final int before = nearest(samples, t - 400);
            final int after = nearest(samples, t + 400);
            final double hubSide = offset(hubX, hubY) >= 0 ? 1 : -1;
            // forward travels towards increasing t: exit before, entry after; backward the other way round.
            link(chunk, random, forward, before, hubSide, hub, hubX, hubY, true, linkTags);
            link(chunk, random, forward, after, hubSide, hub, hubX, hubY, false, linkTags);
            link(chunk, random, backward, after, hubSide, hub, hubX, hubY, true, linkTags);
            link(chunk, random, backward, before, hubSide, hub, hubX, hubY, false, linkTags);
        }

        private void link(final Chunk chunk, final Random random, final Line carriageway, final int at, final double hubSide, final long hub,
                          final double hubX, final double hubY, final boolean exit, final String linkTags) {
            final double x = carriageway.xs[at];
            final double y = carriageway.ys[at];
            // A point 60 m beyond the carriageway on the hub's side, so a link from the far carriageway bridges the near one
            // in one segment.
            final double bx = horizontal ? x + (hubX - x) * 0.3 : cross(y) + hubSide * 60;
            final double by = horizontal ? cross(x) + hubSide * 60 : y + (hubY - y) * 0.3;
            final long shape = chunk.node(bx, by);
            final Line line = new Line().add(carriageway.ids[at], x, y).add(shape, bx, by).curveTo(chunk, random, 2, hub, hubX, hubY);
            chunk.road(exit ? line : line.reversed(), "motorway_link", linkTags, -1);
        }
    }

    private static int nearest(final List<Double> samples, final double t) {
        int best = 0;
        for (int i = 1; i < samples.size(); i++) {
            if (Math.abs(samples.get(i) - t) < Math.abs(samples.get(best) - t)) {
                best = i;
            }
        }
        return best;
    }

    /** Writes a network: {@code java SyntheticCountryNetwork <file.osm> <side in km> [seed]}. */
    public static void main(final String[] args) throws IOException {
        final SyntheticCountryNetwork network = new SyntheticCountryNetwork(Integer.parseInt(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 17);
        final long start = System.nanoTime();
        network.write(Path.of(args[0]));
        final Stats stats = network.stats();
        System.out.printf("%,d OSM nodes, %,d ways, %,d restrictions written to %s in %.1f s; km by highway: %s%n", stats.nodes(), stats.ways(),
                stats.restrictions(), args[0], (System.nanoTime() - start) / 1e9, stats.kilometresByHighway());
    }
}
