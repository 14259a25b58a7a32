package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contraction-hierarchies matrix against the Dijkstra matrix on Andorra, for random pairs plus points off the
 * network, beyond the snap limit and on the same spot: the same durations and distances (up to float rounding of the
 * stored shortcut distances and the whole-ms rounding of split edges), the same statuses with and without cutoffs, with turn costs (edge-based) and without.
 */
class ChMatrixSearchTest {

    @TempDir
    static Path cache;

    private static RoadGraph turns;
    private static RoadGraph noTurns;

    @BeforeAll
    static void importAndorra() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        turns = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false);
        noTurns = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false, false);
    }

    @AfterAll
    static void close() {
        if (turns != null) {
            turns.close();
        }
        if (noTurns != null) {
            noTurns.close();
        }
    }

    /** Random Andorra points, one far off any road (unsnappable), one a few km into the mountains (beyond 1000 m), one repeated. */
    private static CoordinateBlock points(final String prefix, final int count, final long seed) {
        final CoordinateBlock random = RoadGraphTest.points(prefix, count, seed);
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(count + 3);
        for (int i = 0; i < count; i++) {
            builder.add(random.id(i), random.latitude(i), random.longitude(i));
        }
        builder.add(prefix + "-ocean", 38.0, 5.0);
        builder.add(prefix + "-mountain", 42.6312, 1.4450);
        builder.add(prefix + "-again", random.latitude(3), random.longitude(3));
        return builder.build();
    }

    @Test
    void edgeBasedMatchesDijkstra() {
        assertTrue(turns.hasTurnCosts());
        compareAll(turns, 1);
    }

    @Test
    void nodeBasedMatchesDijkstra() {
        assertTrue(!noTurns.hasTurnCosts());
        compareAll(noTurns, 2);
    }

    private static void compareAll(final RoadGraph graph, final long seed) {
        final CoordinateBlock origins = points("o", 60, 100 + seed);
        final CoordinateBlock destinations = points("d", 80, 200 + seed);
        final int routable = compare(graph, origins, destinations, Cutoff.NONE);
        assertTrue(routable > 60 * 80 / 3, routable + " routable pairs");
        compare(graph, origins, destinations, new Cutoff(600, Double.POSITIVE_INFINITY));
        compare(graph, origins, destinations, new Cutoff(Double.POSITIVE_INFINITY, 5000));
        compare(graph, origins, destinations, new Cutoff(900, 8000));
    }

    /** Asserts both algorithms agree; returns the number of routable pairs. */
    private static int compare(final RoadGraph graph, final CoordinateBlock origins, final CoordinateBlock destinations, final Cutoff cutoff) {
        final MatrixResult dijkstra = graph.matrix(origins, destinations, cutoff, MatrixAlgorithm.DIJKSTRA);
        final MatrixResult ch = graph.matrix(origins, destinations, cutoff, MatrixAlgorithm.CONTRACTION_HIERARCHIES);
        final MatrixResult uncut = cutoff.isLimited() ? graph.matrix(origins, destinations, Cutoff.NONE, MatrixAlgorithm.DIJKSTRA) : dijkstra;
        for (int r = 0; r < origins.size(); r++) {
            assertEquals(dijkstra.sourceSnapMeters(r), ch.sourceSnapMeters(r), 0.0);
        }
        for (int c = 0; c < destinations.size(); c++) {
            assertEquals(dijkstra.destinationSnapMeters(c), ch.destinationSnapMeters(c), 0.0);
        }
        int routable = 0;
        int beyond = 0;
        for (int r = 0; r < origins.size(); r++) {
            for (int c = 0; c < destinations.size(); c++) {
                final String pair = origins.id(r) + "->" + destinations.id(c) + " " + cutoff;
                if (dijkstra.isRoutable(r, c)) {
                    routable++;
                    assertTrue(ch.isRoutable(r, c), pair + ": CH found no route, Dijkstra " + dijkstra.durationSeconds(r, c) + " s");
                    // A road with a snapped point on it is two virtual edges in the Dijkstra's query graph, each rounded to whole
                    // ms, but one original edge inside a shortcut: a few ms and cm apart on the same route.
                    assertEquals(dijkstra.durationSeconds(r, c), ch.durationSeconds(r, c), 0.01, pair);
                    final double meters = dijkstra.distanceMeters(r, c);
                    assertEquals(meters, ch.distanceMeters(r, c), 0.1 + meters * 1e-6, pair);
                } else if (!uncut.isRoutable(r, c) && !uncut.isBeyondCutoff(r, c)) {
                    // No route at all: the Dijkstra calls it beyond the cutoff when its search was cut, CH knows there is none.
                    assertTrue(!ch.isRoutable(r, c) && (!ch.isBeyondCutoff(r, c) || dijkstra.isBeyondCutoff(r, c)), pair);
                } else {
                    beyond++;
                    assertTrue(ch.isBeyondCutoff(r, c) && !ch.isRoutable(r, c), pair + ": Dijkstra beyond, CH " + ch.durationSeconds(r, c));
                }
            }
        }
        if (cutoff.isLimited()) {
            assertTrue(beyond > 100 && routable > 100, routable + " within, " + beyond + " beyond " + cutoff);
        }
        return routable;
    }
}
