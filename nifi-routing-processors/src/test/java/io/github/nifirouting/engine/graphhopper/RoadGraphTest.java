package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.GHRequest;
import com.graphhopper.GHResponse;
import io.github.nifirouting.example.SyntheticCountryNetwork;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded engine on the real Andorra and north-Bayreuth extracts. */
class RoadGraphTest {

    @TempDir
    static Path cache;

    private static Path andorra;
    private static RoadGraph network;

    @BeforeAll
    static void importAndorra() throws Exception {
        andorra = OsmExtracts.require("andorra.osm.pbf");
        network = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false);
        System.out.printf("andorra car: imported in %d ms, %,d nodes, %,d edges, bbox %s%n", network.loadMillis(), network.nodeCount(),
                network.edgeCount(), network.bounds());
    }

    @AfterAll
    static void close() {
        if (network != null) {
            network.close();
        }
    }

    /** Random points inside Andorra's built-up valleys (where roads are), deterministic. */
    static CoordinateBlock points(final String prefix, final int count, final long seed) {
        final Random random = new Random(seed);
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(count);
        for (int i = 0; i < count; i++) {
            builder.add(prefix + i, 42.46 + random.nextDouble() * 0.12, 1.46 + random.nextDouble() * 0.12);
        }
        return builder.build();
    }

    @Test
    void importsOnceThenLoadsFromCacheAndRebuildsWhenTheFileChanges() throws Exception {
        assertTrue(network.importedNow());
        try (RoadGraph again = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false)) {
            assertFalse(again.importedNow(), "the second open loads the cached graph");
            assertEquals(network.nodeCount(), again.nodeCount());
            System.out.printf("andorra car: loaded from cache in %d ms%n", again.loadMillis());
        }
        final Path copy = Files.copy(andorra, cache.resolve("andorra-copy.osm.pbf"));
        final String before = RoadGraph.cacheKey(copy, RoadGraph.Mode.CAR);
        Files.setLastModifiedTime(copy, FileTime.fromMillis(Files.getLastModifiedTime(copy).toMillis() + 60_000));
        assertNotEquals(before, RoadGraph.cacheKey(copy, RoadGraph.Mode.CAR), "a touched file gets a new graph");
        assertNotEquals(before, RoadGraph.cacheKey(copy, RoadGraph.Mode.FOOT), "another profile gets a new graph");
    }

    @Test
    void selfIsZeroAndTriangleInequalityHoldsOnASample() {
        final CoordinateBlock points = points("p", 30, 7);
        final MatrixResult m = network.matrix(points, points);
        int checked = 0;
        for (int a = 0; a < 30; a++) {
            if (!m.isRoutable(a, a)) {
                continue;
            }
            assertEquals(0.0, m.durationSeconds(a, a), 1e-9);
            assertEquals(0.0, m.distanceMeters(a, a), 1e-9);
            for (int b = 0; b < 30; b++) {
                for (int c = 0; c < 30; c++) {
                    if (m.isRoutable(a, b) && m.isRoutable(b, c) && m.isRoutable(a, c)) {
                        // Paths minimise GraphHopper's weight (time plus a distance term), so time obeys the triangle inequality
                        // only up to that term: allow 10%.
                        assertTrue(m.durationSeconds(a, c) <= 1.10 * (m.durationSeconds(a, b) + m.durationSeconds(b, c)) + 1,
                                a + "->" + c + " vs via " + b);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void offNetworkPointsAreUnroutableWithTheirSnapDistance() {
        final CoordinateBlock points = CoordinateBlock.of(new String[]{"town", "sea"}, new double[]{42.5078, 43.5}, new double[]{1.5211, 3.5});
        final MatrixResult m = network.matrix(points, points);
        assertTrue(m.isRoutable(0, 0));
        assertFalse(m.isRoutable(0, 1));
        assertFalse(m.isRoutable(1, 0));
        assertFalse(m.isRoutable(1, 1));
        assertTrue(m.sourceSnapMeters(0) < 200, "Andorra la Vella is on a road: " + m.sourceSnapMeters(0));
        assertTrue(Double.isNaN(m.sourceSnapMeters(1)) || m.sourceSnapMeters(1) > 1000);
        final ReachableNodes none = network.reachable(43.5, 3.5, 600);
        assertEquals(0, none.size());
    }

    @Test
    void hundredByHundredMatrixMatchesGraphHoppersOwnRoutes() {
        final CoordinateBlock origins = points("o", 100, 1);
        final CoordinateBlock destinations = points("d", 100, 2);
        final long start = System.nanoTime();
        final MatrixResult m = network.matrix(origins, destinations);
        final double millis = (System.nanoTime() - start) / 1e6;
        int routable = 0;
        for (int i = 0; i < 10_000; i++) {
            routable += m.isRoutable(i / 100, i % 100) ? 1 : 0;
        }
        System.out.printf("100 x 100 matrix in %.0f ms, %d routable pairs%n", millis, routable);
        assertTrue(routable > 5000, "most pairs in Andorra's valleys are routable: " + routable);
        final Random random = new Random(3);
        int compared = 0;
        for (int k = 0; k < 60; k++) {
            final int r = random.nextInt(100);
            final int c = random.nextInt(100);
            final GHResponse route = network.hopper().route(new GHRequest(origins.latitude(r), origins.longitude(r),
                    destinations.latitude(c), destinations.longitude(c)).setProfile("car"));
            final boolean snappedWithinLimit = m.sourceSnapMeters(r) <= 1000 && m.destinationSnapMeters(c) <= 1000;
            if (route.hasErrors() || !snappedWithinLimit) {
                // GraphHopper's own router snaps at any distance; the engine refuses points beyond Max Snap Distance.
                assertFalse(m.isRoutable(r, c) && !snappedWithinLimit, "a point beyond the snap limit must be unroutable");
                continue;
            }
            assertTrue(m.isRoutable(r, c), "GraphHopper routes " + r + "->" + c + " but the matrix does not");
            final double seconds = route.getBest().getTime() / 1000.0;
            assertEquals(seconds, m.durationSeconds(r, c), Math.max(1.0, seconds * 0.005), "duration " + r + "->" + c);
            assertEquals(route.getBest().getDistance(), m.distanceMeters(r, c), Math.max(2.0, route.getBest().getDistance() * 0.005));
            compared++;
        }
        assertTrue(compared >= 30, "compared " + compared);
    }

    @Test
    void concurrentSearchesOnOneGraphAgree() throws Exception {
        final CoordinateBlock points = points("c", 40, 11);
        final MatrixResult expected = network.matrix(points, points);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        final List<Future<MatrixResult>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            results.add(pool.submit(() -> network.matrix(points, points)));
        }
        for (final Future<MatrixResult> result : results) {
            final MatrixResult m = result.get();
            for (int i = 0; i < 1600; i++) {
                assertEquals(expected.durationSeconds(i / 40, i % 40), m.durationSeconds(i / 40, i % 40), 0.0);
            }
        }
        pool.shutdown();
    }

    @Test
    void reachableRoadsRespectTheTimeLimitAndFollowTheRoadGeometry() {
        final ReachableNodes ten = network.reachable(42.5078, 1.5211, 600);
        final ReachableNodes five = network.reachable(42.5078, 1.5211, 300);
        assertTrue(ten.hasRoads() && five.hasRoads());
        assertTrue(ten.lineCount() > five.lineCount() && five.lineCount() > 50, ten.lineCount() + " vs " + five.lineCount());
        int pillars = 0;
        for (int line = 0; line < ten.lineCount(); line++) {
            final int from = ten.lineStarts()[line];
            final int to = ten.lineStarts()[line + 1];
            assertTrue(to - from >= 2, "a road has two ends");
            pillars += to - from - 2;
            double earliest = Double.POSITIVE_INFINITY;
            for (int i = from; i < to; i++) {
                earliest = Math.min(earliest, ten.travelSeconds()[i]);
                assertTrue(Math.abs(ten.latitudes()[i] - 42.5078) < 0.2 && Math.abs(ten.longitudes()[i] - 1.5211) < 0.2);
            }
            assertTrue(earliest <= 600, "every road given is reached within the limit somewhere: " + earliest);
        }
        assertTrue(pillars > ten.lineCount(), "mountain roads bend: more pillar points than roads (" + pillars + ")");
        // The same place is reached at the same time whatever the limit.
        double fiveEarliest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < five.size(); i++) {
            fiveEarliest = Math.min(fiveEarliest, five.travelSeconds()[i]);
        }
        assertEquals(0, fiveEarliest, 1e-9, "the snapped site itself is at 0 s");
    }

    @Test
    void reachableRoadsAgreeWithTheMatrixAndDoNotStopEarly() {
        // The search runs by weight, not time: it must not stop at the first node past the limit while faster ones remain.
        final ReachableNodes wide = network.reachable(42.5450, 1.5150, 1200);
        final ReachableNodes limited = network.reachable(42.5450, 1.5150, 600);
        final java.util.Set<String> limitedPoints = new java.util.HashSet<>();
        for (int i = 0; i < limited.size(); i++) {
            limitedPoints.add(limited.latitudes()[i] + "," + limited.longitudes()[i]);
        }
        final CoordinateBlock.Builder vertices = new CoordinateBlock.Builder();
        final List<Double> vertexSeconds = new ArrayList<>();
        int inTime = 0;
        for (int i = 0; i < wide.size(); i += 7) {
            if (wide.travelSeconds()[i] <= 590) {
                inTime++;
                assertTrue(limitedPoints.contains(wide.latitudes()[i] + "," + wide.longitudes()[i]),
                        "reached in " + wide.travelSeconds()[i] + " s, so within the 600 s search too");
            }
            if (Double.isFinite(wide.travelSeconds()[i])) {
                vertices.add("v" + i, wide.latitudes()[i], wide.longitudes()[i]);
                vertexSeconds.add(wide.travelSeconds()[i]);
            }
        }
        assertTrue(inTime > 100, "vertices reached in time: " + inTime);
        // Times along roads match the matrix's time to the same points (snapped back onto the same road).
        final MatrixResult matrix = network.matrix(CoordinateBlock.of(new String[]{"site"}, new double[]{42.5450}, new double[]{1.5150}), vertices.build());
        int agree = 0;
        for (int c = 0; c < matrix.columns(); c++) {
            if (Math.abs(matrix.durationSeconds(0, c) - vertexSeconds.get(c)) <= Math.max(1, vertexSeconds.get(c) * 0.01)) {
                agree++;
            }
        }
        System.out.printf("reachable vs matrix: %d of %d road vertices within 1 s or 1%%%n", agree, matrix.columns());
        assertTrue(agree >= matrix.columns() * 0.95, agree + " of " + matrix.columns());
    }

    @Test
    void pairsPastTheCutoffAreMarkedAndTheRestAreUnchanged() {
        final CoordinateBlock origins = points("o", 30, 21);
        final CoordinateBlock destinations = points("d", 40, 22);
        final MatrixResult full = network.matrix(origins, destinations);
        final MatrixResult cut = network.matrix(origins, destinations, new Cutoff(900, Double.POSITIVE_INFINITY));
        int within = 0;
        int beyond = 0;
        for (int r = 0; r < 30; r++) {
            for (int c = 0; c < 40; c++) {
                if (!full.isRoutable(r, c)) {
                    assertFalse(cut.isRoutable(r, c));
                } else if (full.durationSeconds(r, c) <= 900) {
                    assertEquals(full.durationSeconds(r, c), cut.durationSeconds(r, c), 1e-9, r + "->" + c);
                    assertEquals(full.distanceMeters(r, c), cut.distanceMeters(r, c), 1e-9);
                    within++;
                } else {
                    // Either beyond the cutoff, or reached by a path that weighs more (more distance) but keeps within the time.
                    assertTrue(cut.isBeyondCutoff(r, c) && !cut.isRoutable(r, c) || cut.durationSeconds(r, c) <= 900,
                            r + "->" + c + " takes " + full.durationSeconds(r, c) + ", cut " + cut.durationSeconds(r, c));
                    beyond += cut.isBeyondCutoff(r, c) ? 1 : 0;
                }
            }
        }
        assertTrue(within > 50 && beyond > 50, within + " within, " + beyond + " beyond");
        final MatrixResult byDistance = network.matrix(origins, destinations, new Cutoff(Double.POSITIVE_INFINITY, 3000));
        for (int r = 0; r < 30; r++) {
            for (int c = 0; c < 40; c++) {
                if (full.isRoutable(r, c) && full.distanceMeters(r, c) <= 3000) {
                    assertEquals(full.distanceMeters(r, c), byDistance.distanceMeters(r, c), 1e-9, r + "->" + c);
                } else if (full.isRoutable(r, c)) {
                    assertTrue(byDistance.isBeyondCutoff(r, c) || byDistance.distanceMeters(r, c) <= 3000, r + "->" + c);
                }
            }
        }
    }

    @Test
    void searchMemoryGrowsWithWhatTheSearchVisitsNotWithTheGraph() {
        final com.graphhopper.storage.index.Snap snap = network.snap(42.5078, 1.5211);
        final com.graphhopper.routing.querygraph.QueryGraph queryGraph = com.graphhopper.routing.querygraph.QueryGraph.create(network.baseGraph(), snap);
        final SearchSpace space = new SearchSpace();
        final BoundedDijkstra search = new BoundedDijkstra(queryGraph, queryGraph.wrapWeighting(network.weighting()), space);
        search.run(snap.getClosestNode(), node -> false, 0, new Cutoff(60, Double.POSITIVE_INFINITY));
        final int oneMinute = space.slotCount();
        search.run(snap.getClosestNode(), node -> false, 0, Cutoff.NONE);
        final int everything = space.slotCount();
        System.out.printf("search states: %d within 1 min, %d without cutoff, graph %d nodes, %d edges%n", oneMinute, everything,
                network.nodeCount(), network.edgeCount());
        assertTrue(oneMinute > 10 && oneMinute * 10 < everything, oneMinute + " vs " + everything);
        assertTrue(search.wasCut() == false && everything <= 2 * network.edgeCount() + 10, "at most one state per directed edge");
    }

    @Test
    void turnRestrictionsMakeRoutesLegalAndNeverShorter() throws Exception {
        assertTrue(network.hasTurnCosts(), "car honours OSM turn restrictions");
        // The Andorra fixture has no restriction relations; the generated country has no_left_turn and no_right_turn ones
        // at some settlements' central junctions.
        final SyntheticCountryNetwork country = new SyntheticCountryNetwork(24, 17);
        final Path file = country.write(cache.resolve("country-24.osm"));
        // From the main street just west of every village's, town's and city's centre to the streets just north (a left
        // turn for eastbound traffic) and just south (a right turn) of it.
        final List<SyntheticCountryNetwork.CentralJunction> junctions = country.centralJunctions().stream()
                .filter(junction -> !junction.place().equals("hamlet")).toList();
        final CoordinateBlock.Builder from = new CoordinateBlock.Builder();
        final CoordinateBlock.Builder to = new CoordinateBlock.Builder();
        for (int i = 0; i < junctions.size(); i++) {
            final SyntheticCountryNetwork.CentralJunction junction = junctions.get(i);
            from.add("f" + i, junction.fromLatitude(), junction.fromLongitude());
            to.add("l" + i, junction.leftLatitude(), junction.leftLongitude());
            to.add("r" + i, junction.rightLatitude(), junction.rightLongitude());
        }
        final CoordinateBlock origins = from.build();
        final CoordinateBlock destinations = to.build();
        // The Dijkstra's graphs (no contraction hierarchy, to keep the test short); ChMatrixSearchTest holds the CH matrix
        // equal to the Dijkstra's.
        try (RoadGraph legal = RoadGraph.open(file, RoadGraph.Mode.CAR, cache, 1000, false, true, false);
             RoadGraph free = RoadGraph.open(file, RoadGraph.Mode.CAR, cache, 1000, false, false, false)) {
            assertTrue(legal.hasTurnCosts() && !free.hasTurnCosts());
            final MatrixResult withTurns = legal.matrix(origins, destinations);
            final MatrixResult ignoringTurns = free.matrix(origins, destinations);
            int restricted = 0;
            int turns = 0;
            for (int i = 0; i < origins.size(); i++) {
                final String restriction = junctions.get(i).restriction();
                for (int turn = 0; turn < 2; turn++) {
                    final int d = 2 * i + turn;
                    if (!ignoringTurns.isRoutable(i, d)) {
                        continue; // a settlement cut off from the network (GraphHopper drops small subnetworks)
                    }
                    turns++;
                    assertTrue(withTurns.isRoutable(i, d), destinations.id(d));
                    assertTrue(withTurns.durationSeconds(i, d) >= ignoringTurns.durationSeconds(i, d) - 0.5, destinations.id(d));
                    final boolean forbidden = (turn == 0 ? "no_left_turn" : "no_right_turn").equals(restriction);
                    restricted += forbidden ? 1 : 0;
                    assertEquals(forbidden, withTurns.durationSeconds(i, d) > ignoringTurns.durationSeconds(i, d) + 10,
                            "exactly the restricted turns force a detour: " + destinations.id(d) + " " + restriction + ", "
                                    + withTurns.durationSeconds(i, d) + " s legal, " + ignoringTurns.durationSeconds(i, d) + " s ignoring turns");
                    // GraphHopper's own router agrees with the edge-based matrix.
                    final GHResponse route = legal.hopper().route(new GHRequest(origins.latitude(i), origins.longitude(i),
                            destinations.latitude(d), destinations.longitude(d)).setProfile("car"));
                    assertEquals(route.getBest().getTime() / 1000.0, withTurns.durationSeconds(i, d), 1.0, destinations.id(d));
                }
            }
            System.out.printf("%d central junctions, %d turns routed, %d of them restricted%n", junctions.size(), turns, restricted);
            assertTrue(restricted >= 5 && turns >= junctions.size(), restricted + " restricted turns of " + turns);
        }
    }

    @Test
    void monacoImportsAndRoutes() throws Exception {
        final Path monaco = OsmExtracts.require("monaco.osm.pbf");
        try (RoadGraph other = RoadGraph.open(monaco, RoadGraph.Mode.CAR, cache, 1000, false)) {
            // Fontvieille harbour and Larvotto beach, at the two ends of the principality.
            final CoordinateBlock points = CoordinateBlock.of(new String[]{"a", "b"}, new double[]{43.7300, 43.7475}, new double[]{7.4180, 7.4355});
            final MatrixResult m = other.matrix(points, points);
            assertTrue(m.isRoutable(0, 1), "Fontvieille and Larvotto are connected");
            assertTrue(m.durationSeconds(0, 1) > 60 && m.durationSeconds(0, 1) < 1800, "duration " + m.durationSeconds(0, 1));
            assertTrue(m.distanceMeters(0, 1) > 2000 && m.distanceMeters(0, 1) < 10000, "distance " + m.distanceMeters(0, 1));
            System.out.printf("monaco: %,d nodes; a->b %.0f s, %.0f m%n", other.nodeCount(), m.durationSeconds(0, 1), m.distanceMeters(0, 1));
        }
    }
}
