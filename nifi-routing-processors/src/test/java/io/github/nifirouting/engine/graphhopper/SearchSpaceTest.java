package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.storage.index.Snap;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search space's two layouts on the Andorra extract, edge-based (car with turn costs) and node-based (car without):
 * a search kept sparse, one dense from its first state and one that switches on the way settle the same nodes in the
 * same order with bit-identical weight, time and distance; small searches stay sparse, large ones switch, and the dense
 * arrays go at the end of the request. (RoadGraphTest's expectations run with the default, switching space.)
 */
class SearchSpaceTest {

    @TempDir
    static Path cache;

    private static RoadGraph edgeBased;
    private static RoadGraph nodeBased;

    @BeforeAll
    static void importAndorra() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        edgeBased = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false);
        nodeBased = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false, false);
    }

    @AfterAll
    static void close() {
        edgeBased.close();
        nodeBased.close();
    }

    private static final Cutoff[] CUTOFFS = {Cutoff.NONE, new Cutoff(60, Double.POSITIVE_INFINITY), new Cutoff(900, Double.POSITIVE_INFINITY),
            new Cutoff(Double.POSITIVE_INFINITY, 3000), Cutoff.NONE};

    @Test
    void edgeBasedSearchesAreIdenticalInBothLayouts() {
        assertTrue(edgeBased.hasTurnCosts());
        compareLayouts(edgeBased);
    }

    @Test
    void nodeBasedSearchesAreIdenticalInBothLayouts() {
        assertFalse(nodeBased.hasTurnCosts());
        compareLayouts(nodeBased);
    }

    /** Every origin and cutoff in turn on the same three spaces, so each also starts clean after a search of the other layout. */
    private static void compareLayouts(final RoadGraph roads) {
        final List<Snap> snaps = new ArrayList<>();
        final CoordinateBlock points = RoadGraphTest.points("s", 40, 5);
        for (int i = 0; i < points.size(); i++) {
            final Snap snap = roads.snap(points.latitude(i), points.longitude(i));
            if (roads.withinSnapLimit(snap)) {
                snaps.add(snap);
            }
        }
        final QueryGraph graph = QueryGraph.create(roads.baseGraph(), snaps);
        final SearchSpace sparse = new SearchSpace(Double.POSITIVE_INFINITY);
        final SearchSpace dense = new SearchSpace(0);
        final SearchSpace switching = new SearchSpace();
        // Keeps so few sparse slots that every switch lets the sparse arrays go one by one, as a country-wide search does.
        final SearchSpace switchingAndDropping = new SearchSpace(SearchSpace.DENSE_FRACTION, 64);
        final BoundedDijkstra[] searches = {new BoundedDijkstra(graph, graph.wrapWeighting(roads.weighting()), sparse),
                new BoundedDijkstra(graph, graph.wrapWeighting(roads.weighting()), dense),
                new BoundedDijkstra(graph, graph.wrapWeighting(roads.weighting()), switching),
                new BoundedDijkstra(graph, graph.wrapWeighting(roads.weighting()), switchingAndDropping)};
        int compared = 0;
        int switchedSearches = 0;
        int sparseSearches = 0;
        for (final Snap origin : snaps) {
            for (final Cutoff cutoff : CUTOFFS) {
                for (final BoundedDijkstra search : searches) {
                    search.run(origin.getClosestNode(), node -> false, 0, cutoff);
                }
                assertFalse(sparse.isDense());
                assertTrue(dense.isDense());
                final String what = "origin " + origin.getClosestNode() + ", " + cutoff;
                assertSame(sparse, searches[0], dense, searches[1], what + ", dense from the start");
                assertSame(sparse, searches[0], switching, searches[2], what + ", switching");
                assertSame(sparse, searches[0], switchingAndDropping, searches[3], what + ", switching and dropping the sparse arrays");
                compared += sparse.settledNodeCount();
                if (switching.isDense()) {
                    switchedSearches++;
                    assertTrue(switching.slotCount() >= SearchSpace.DENSE_FRACTION * keyCount(graph, roads), what);
                } else {
                    sparseSearches++;
                    assertTrue(switching.slotCount() <= SearchSpace.DENSE_FRACTION * keyCount(graph, roads) + 1, what);
                }
            }
        }
        System.out.printf("%s: %,d settled nodes compared; the switching space went dense in %d searches, stayed sparse in %d "
                        + "(key space %,d, switch at %,.0f states)%n", roads.hasTurnCosts() ? "edge-based" : "node-based", compared,
                switchedSearches, sparseSearches, keyCount(graph, roads), SearchSpace.DENSE_FRACTION * keyCount(graph, roads));
        assertTrue(switchedSearches > 10 && sparseSearches > 10, switchedSearches + " dense, " + sparseSearches + " sparse");
        assertEquals(switchedSearches, switching.denseSwitches());
        assertEquals(switchedSearches, switchingAndDropping.denseSwitches());
    }

    private static int keyCount(final QueryGraph graph, final RoadGraph roads) {
        return roads.hasTurnCosts() ? 2 * graph.getEdges() : graph.getNodes();
    }

    private static void assertSame(final SearchSpace expected, final BoundedDijkstra expectedSearch, final SearchSpace actual,
                                   final BoundedDijkstra actualSearch, final String what) {
        assertEquals(expectedSearch.wasCut(), actualSearch.wasCut(), what);
        assertEquals(expected.slotCount(), actual.slotCount(), what);
        assertEquals(expected.settledNodeCount(), actual.settledNodeCount(), what);
        final int count = expected.settledNodeCount();
        final int[] expectedNodes = new int[count];
        final int[] actualNodes = new int[count];
        final double[] expectedValues = new double[3 * count];
        final double[] actualValues = new double[3 * count];
        for (int i = 0; i < count; i++) {
            expectedNodes[i] = expected.settledNode(i);
            actualNodes[i] = actual.settledNode(i);
            final int e = expected.arrival(expectedNodes[i]);
            final int a = actual.arrival(expectedNodes[i]);
            assertTrue(a >= 0, what + ": node " + expectedNodes[i] + " settled");
            expectedValues[3 * i] = expected.weight[e];
            expectedValues[3 * i + 1] = expected.millis[e];
            expectedValues[3 * i + 2] = expected.meters[e];
            actualValues[3 * i] = actual.weight[a];
            actualValues[3 * i + 1] = actual.millis[a];
            actualValues[3 * i + 2] = actual.meters[a];
            assertEquals(expected.edge[e], actual.edge[a], what);
        }
        assertArrayEquals(expectedNodes, actualNodes, what + ": settled in the same order");
        assertArrayEquals(expectedValues, actualValues, 0.0, what + ": bit-identical weight, time and distance");
    }

    @Test
    void smallSearchesStaySparseLargeOnesGoDenseAndTheDenseArraysGoWithTheRequest() {
        final Snap snap = edgeBased.snap(42.5078, 1.5211);
        final QueryGraph graph = QueryGraph.create(edgeBased.baseGraph(), snap);
        final SearchSpace space = new SearchSpace();
        final BoundedDijkstra search = new BoundedDijkstra(graph, graph.wrapWeighting(edgeBased.weighting()), space);
        final long empty = space.bytesHeld();
        search.run(snap.getClosestNode(), node -> false, 0, new Cutoff(60, Double.POSITIVE_INFINITY));
        assertFalse(space.isDense(), "a 1-minute search touches " + space.slotCount() + " states");
        assertEquals(empty, space.bytesHeld(), "and fits the initial arrays");
        search.run(snap.getClosestNode(), node -> false, 0, Cutoff.NONE);
        assertTrue(space.isDense(), "the whole network: " + space.slotCount() + " states");
        final long denseArrays = (long) (2 * graph.getEdges() + 1) * SearchSpace.BYTES_PER_SLOT + 4L * graph.getNodes();
        System.out.printf("search space: %,d bytes empty, %,d bytes during an uncut search (dense arrays %,d bytes)%n", empty,
                space.bytesHeld(), denseArrays);
        // The rest is the initial sparse arrays (kept for the next search) and the heap, which grows with stale entries in both layouts.
        assertTrue(space.bytesHeld() >= denseArrays, space.bytesHeld() + " vs " + denseArrays);
        search.run(snap.getClosestNode(), node -> false, 0, new Cutoff(60, Double.POSITIVE_INFINITY));
        assertFalse(space.isDense(), "every search starts sparse");
        space.trim();
        assertTrue(space.bytesHeld() < denseArrays, "the request's dense arrays are freed: " + space.bytesHeld());
        assertEquals(1, space.denseSwitches(), "one search of three went dense");
    }

    @Test
    void matricesOnTheThreadsSpaceSwitchAndMatchAMatrixOfSmallSearches() {
        // The Dijkstra matrix (contraction hierarchies use their own search state). Uncut searches on Andorra touch the whole network and switch; 15-minute ones mostly stay sparse. Pairs within the
        // cutoff must be equal either way (see RoadGraphTest#pairsPastTheCutoffAreMarkedAndTheRestAreUnchanged).
        final CoordinateBlock origins = RoadGraphTest.points("o", 20, 31);
        final CoordinateBlock destinations = RoadGraphTest.points("d", 30, 32);
        final int before = edgeBased.searchSpace().denseSwitches();
        final MatrixResult full = edgeBased.matrix(origins, destinations, Cutoff.NONE, MatrixAlgorithm.DIJKSTRA);
        final int switched = edgeBased.searchSpace().denseSwitches() - before;
        final MatrixResult cut = edgeBased.matrix(origins, destinations, new Cutoff(120, Double.POSITIVE_INFINITY), MatrixAlgorithm.DIJKSTRA);
        assertEquals(switched, edgeBased.searchSpace().denseSwitches() - before, "two-minute searches stay sparse");
        assertTrue(switched > 0, "uncut searches switched");
        int within = 0;
        for (int r = 0; r < origins.size(); r++) {
            for (int c = 0; c < destinations.size(); c++) {
                if (full.isRoutable(r, c) && full.durationSeconds(r, c) <= 120) {
                    assertEquals(full.durationSeconds(r, c), cut.durationSeconds(r, c), 0.0);
                    assertEquals(full.distanceMeters(r, c), cut.distanceMeters(r, c), 0.0);
                    within++;
                }
            }
        }
        assertTrue(within > 5, "pairs within two minutes: " + within);
    }
}
