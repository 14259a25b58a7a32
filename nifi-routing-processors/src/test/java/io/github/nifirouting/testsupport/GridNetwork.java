package io.github.nifirouting.testsupport;

import io.github.nifirouting.model.ReachableNodes;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * A deterministic synthetic road network for isochrone tests: a square grid of streets {@link #BLOCK_METERS} apart
 * around {@link #ORIGIN_LATITUDE}/{@link #ORIGIN_LONGITUDE}, every fifth street an arterial at twice the speed, and a
 * square lake east of the origin where no street runs (so catchments around it must have a hole). Routing is exact:
 * Dijkstra over the junctions, points snapped to the nearest street, travel along the street from the snapped point.
 * The same model answers the in-process test engine and the OSRM-format stub server, so both strategies and both
 * transports can be compared on one ground truth.
 */
public final class GridNetwork {

    public static final double ORIGIN_LATITUDE = 47.0;
    public static final double ORIGIN_LONGITUDE = 8.0;
    public static final double BLOCK_METERS = 400;
    /** Junctions run from -HALF to HALF in both directions: a 40 km square. */
    public static final int HALF = 50;
    public static final double STREET_SPEED = 40 / 3.6;
    public static final double ARTERIAL_SPEED = 80 / 3.6;
    /** The lake: junctions with |i - LAKE_COLUMN| < LAKE_HALF and |j| < LAKE_HALF are missing (a 3.2 km square without streets). */
    public static final int LAKE_COLUMN = 10;
    public static final int LAKE_HALF = 4;
    private static final double METERS_PER_DEGREE_LAT = 111_180.0;
    private static final double METERS_PER_DEGREE_LON = METERS_PER_DEGREE_LAT * Math.cos(Math.toRadians(ORIGIN_LATITUDE));
    private static final int SIDE = 2 * HALF + 1;

    /** A point snapped onto the street from junction {@code a} to junction {@code b}, at {@code fraction} of the way. */
    public record Snap(int a, int b, double fraction, double distanceMeters) {
    }

    /** Travel times (s) and meters to every junction from a snapped point; infinite where not reached. */
    public record Tree(Snap from, double[] seconds, double[] meters) {
    }

    public static double x(final double longitude) {
        return (longitude - ORIGIN_LONGITUDE) * METERS_PER_DEGREE_LON;
    }

    public static double y(final double latitude) {
        return (latitude - ORIGIN_LATITUDE) * METERS_PER_DEGREE_LAT;
    }

    public static double longitude(final double x) {
        return ORIGIN_LONGITUDE + x / METERS_PER_DEGREE_LON;
    }

    public static double latitude(final double y) {
        return ORIGIN_LATITUDE + y / METERS_PER_DEGREE_LAT;
    }

    static boolean exists(final int i, final int j) {
        return Math.abs(i) <= HALF && Math.abs(j) <= HALF && !(Math.abs(i - LAKE_COLUMN) < LAKE_HALF && Math.abs(j) < LAKE_HALF);
    }

    private static int node(final int i, final int j) {
        return (i + HALF) * SIDE + (j + HALF);
    }

    private static int column(final int node) {
        return node / SIDE - HALF;
    }

    private static int row(final int node) {
        return node % SIDE - HALF;
    }

    /** Speed on the street between two adjacent junctions: arterial along every fifth line. */
    static double speed(final int a, final int b) {
        final boolean horizontal = row(a) == row(b);
        final int line = horizontal ? row(a) : column(a);
        return line % 5 == 0 ? ARTERIAL_SPEED : STREET_SPEED;
    }

    /** The nearest street within {@code maxSnapMeters} (infinite for none), or null. */
    public static Snap snap(final double latitude, final double longitude, final double maxSnapMeters) {
        final double outsideX = x(longitude) / BLOCK_METERS;
        final double outsideY = y(latitude) / BLOCK_METERS;
        // Outside the grid the nearest street point is the nearest point of its boundary street.
        final double px = Math.max(-HALF, Math.min(HALF, outsideX));
        final double py = Math.max(-HALF, Math.min(HALF, outsideY));
        final double outside = Math.hypot(outsideX - px, outsideY - py) * BLOCK_METERS;
        if (outside > maxSnapMeters) {
            return null;
        }
        final Snap inside = snapInside(px, py, maxSnapMeters);
        return inside == null || outside == 0 ? inside : new Snap(inside.a(), inside.b(), inside.fraction(), outside);
    }

    private static Snap snapInside(final double px, final double py, final double maxSnapMeters) {
        final int ci = (int) Math.floor(px);
        final int cj = (int) Math.floor(py);
        Snap best = null;
        // Streets of the cell around the point first; farther ones can only be nearer when some of them are missing.
        final int reach = (int) Math.min(2 * HALF + 2, Math.ceil(maxSnapMeters / BLOCK_METERS) + 1);
        for (int ring = 0; ring <= reach; ring++) {
            for (int i = ci - ring; i <= ci + ring + 1; i++) {
                for (int j = cj - ring; j <= cj + ring + 1; j++) {
                    final boolean onRing = i == ci - ring || i == ci + ring + 1 || j == cj - ring || j == cj + ring + 1;
                    if (ring > 0 && !onRing) {
                        continue;
                    }
                    best = closer(best, i, j, i + 1, j, px, py);
                    best = closer(best, i, j, i, j + 1, px, py);
                }
            }
            if (best != null && best.distanceMeters() <= ring * BLOCK_METERS) {
                break; // anything on a farther ring is at least ring blocks away
            }
        }
        return best == null || best.distanceMeters() > maxSnapMeters ? null : best;
    }

    private static Snap closer(final Snap best, final int ai, final int aj, final int bi, final int bj, final double px, final double py) {
        if (!exists(ai, aj) || !exists(bi, bj)) {
            return best;
        }
        final double fraction = ai == bi ? clamp(py - aj) : clamp(px - ai);
        final double sx = ai + (bi - ai) * fraction;
        final double sy = aj + (bj - aj) * fraction;
        final double distance = Math.hypot(px - sx, py - sy) * BLOCK_METERS;
        return best == null || distance < best.distanceMeters() ? new Snap(node(ai, aj), node(bi, bj), fraction, distance) : best;
    }

    private static double clamp(final double value) {
        return Math.max(0, Math.min(1, value));
    }

    /** Dijkstra from a snapped point over the whole grid. */
    public static Tree tree(final Snap from) {
        final double[] seconds = new double[SIDE * SIDE];
        final double[] meters = new double[SIDE * SIDE];
        Arrays.fill(seconds, Double.POSITIVE_INFINITY);
        final PriorityQueue<double[]> queue = new PriorityQueue<>((p, q) -> Double.compare(p[0], q[0]));
        final double speed = speed(from.a(), from.b());
        seconds[from.a()] = from.fraction() * BLOCK_METERS / speed;
        meters[from.a()] = from.fraction() * BLOCK_METERS;
        seconds[from.b()] = (1 - from.fraction()) * BLOCK_METERS / speed;
        meters[from.b()] = (1 - from.fraction()) * BLOCK_METERS;
        queue.add(new double[]{seconds[from.a()], from.a()});
        queue.add(new double[]{seconds[from.b()], from.b()});
        final boolean[] done = new boolean[SIDE * SIDE];
        while (!queue.isEmpty()) {
            final int node = (int) queue.poll()[1];
            if (done[node]) {
                continue;
            }
            done[node] = true;
            final int i = column(node);
            final int j = row(node);
            for (final int[] step : new int[][]{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
                if (!exists(i + step[0], j + step[1])) {
                    continue;
                }
                final int next = node(i + step[0], j + step[1]);
                final double candidate = seconds[node] + BLOCK_METERS / speed(node, next);
                if (candidate < seconds[next]) {
                    seconds[next] = candidate;
                    meters[next] = meters[node] + BLOCK_METERS;
                    queue.add(new double[]{candidate, next});
                }
            }
        }
        return new Tree(from, seconds, meters);
    }

    /** Seconds and meters from the tree's origin to a snapped point: {@code {seconds, meters}}. */
    public static double[] to(final Tree tree, final Snap to) {
        final double length = BLOCK_METERS;
        final double speed = speed(to.a(), to.b());
        double seconds = tree.seconds()[to.a()] + to.fraction() * length / speed;
        double meters = tree.meters()[to.a()] + to.fraction() * length;
        final double viaB = tree.seconds()[to.b()] + (1 - to.fraction()) * length / speed;
        if (viaB < seconds) {
            seconds = viaB;
            meters = tree.meters()[to.b()] + (1 - to.fraction()) * length;
        }
        final Snap from = tree.from();
        if (from.a() == to.a() && from.b() == to.b()) {
            final double direct = Math.abs(from.fraction() - to.fraction()) * length;
            if (direct / speed < seconds) {
                seconds = direct / speed;
                meters = direct;
            }
        }
        return new double[]{seconds, meters};
    }

    /**
     * The streets reached within {@code maxSeconds}, as polylines with exact times: each street from a junction is split
     * where the arrivals from its two ends meet (and where the origin lies on it), so times are linear on every piece.
     */
    public static ReachableNodes reachable(final Tree tree, final double maxSeconds) {
        final double[] seconds = tree.seconds();
        final RoadLines lines = new RoadLines();
        for (int node = 0; node < seconds.length; node++) {
            final int i = column(node);
            final int j = row(node);
            for (final int[] step : new int[][]{{1, 0}, {0, 1}}) {
                if (!exists(i, j) || !exists(i + step[0], j + step[1])) {
                    continue;
                }
                final int other = node(i + step[0], j + step[1]);
                if (Math.min(seconds[node], seconds[other]) > maxSeconds) {
                    continue;
                }
                final double speed = speed(node, other);
                final double travel = BLOCK_METERS / speed;
                final double[] ax = {i * BLOCK_METERS, j * BLOCK_METERS};
                final double[] bx = {(i + step[0]) * BLOCK_METERS, (j + step[1]) * BLOCK_METERS};
                final Snap from = tree.from();
                if (from.a() == node && from.b() == other) {
                    final double f = from.fraction();
                    lines.line(ax, seconds[node], bx, seconds[other], new double[]{f}, new double[]{0});
                    continue;
                }
                // Where the arrival from this end meets the arrival from the other end.
                final double meet = (seconds[other] - seconds[node] + travel) / (2 * travel);
                if (meet > 0 && meet < 1) {
                    lines.line(ax, seconds[node], bx, seconds[other], new double[]{meet}, new double[]{seconds[node] + meet * travel});
                } else {
                    lines.line(ax, seconds[node], bx, seconds[other], new double[0], new double[0]);
                }
            }
        }
        return lines.build();
    }

    private static final class RoadLines {
        private double[] lat = new double[1024];
        private double[] lon = new double[1024];
        private double[] time = new double[1024];
        private int[] starts = new int[256];
        private int size;
        private int count;

        void line(final double[] a, final double ta, final double[] b, final double tb, final double[] inner, final double[] innerTimes) {
            add(a[0], a[1], ta);
            for (int k = 0; k < inner.length; k++) {
                add(a[0] + inner[k] * (b[0] - a[0]), a[1] + inner[k] * (b[1] - a[1]), innerTimes[k]);
            }
            add(b[0], b[1], tb);
            count++;
            if (count + 1 > starts.length) {
                starts = Arrays.copyOf(starts, starts.length * 2);
            }
            starts[count] = size;
        }

        private void add(final double x, final double y, final double t) {
            if (size == lat.length) {
                lat = Arrays.copyOf(lat, size * 2);
                lon = Arrays.copyOf(lon, size * 2);
                time = Arrays.copyOf(time, size * 2);
            }
            lat[size] = latitude(y);
            lon[size] = longitude(x);
            time[size] = t;
            size++;
        }

        ReachableNodes build() {
            return new ReachableNodes(lat, lon, time, size, Arrays.copyOf(starts, count + 1), count);
        }
    }
}
