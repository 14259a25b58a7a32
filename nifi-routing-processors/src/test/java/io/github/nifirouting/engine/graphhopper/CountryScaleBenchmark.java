package io.github.nifirouting.engine.graphhopper;

import com.graphhopper.routing.querygraph.QueryGraph;
import com.graphhopper.storage.index.Snap;
import io.github.nifirouting.example.SyntheticCountryNetwork;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedded engine on the generated country (at least 5 million OSM road nodes, written once as OSM XML into
 * target/country, imported once into target/country/graphs or {@code benchmark.graph.cache}) and on Andorra: import time, graph size on disk, live heap
 * per concurrent task beyond the loaded graph during matrices and isochrones, and pairs/s with and without a 30-minute
 * cutoff. Live heap is sampled after a full GC every few seconds while the tasks run. Between the isochrones and the uncut
 * matrix, single searches show the {@link SearchSpace} layouts: a space kept sparse against the default one, which moves
 * a search touching much of the graph to dense arrays.
 * <pre>
 * ./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=CountryScaleBenchmark -Dbenchmark.xmx=6g \
 *     -Dbenchmark.country.size=420 -Dbenchmark.tasks=2 -Dbenchmark.origins=1000 -Dbenchmark.isochrones=1000
 * </pre>
 * {@code benchmark.country.size}: the country's side in km (420: 5.2 million OSM road nodes); {@code benchmark.sample.ms}:
 * the live-heap sampling period (2 s).
 * On a loaded 2-core machine pass fewer origins and isochrones (rates and heap per task do not depend on the count).
 */
@Tag("benchmark")
class CountryScaleBenchmark {

    private static final int TASKS = Integer.getInteger("benchmark.tasks", 2);
    private static final int ORIGINS = Integer.getInteger("benchmark.origins", 1000);
    private static final int UNCUT_ORIGINS = Integer.getInteger("benchmark.uncut.origins", 10);
    private static final int DESTINATIONS = 1000;
    private static final int ISOCHRONES = Integer.getInteger("benchmark.isochrones", 1000);
    private static final double CUTOFF_SECONDS = 30 * 60;
    private static final long SAMPLE_MILLIS = Long.getLong("benchmark.sample.ms", 2000);
    private static final double ISOCHRONE_SECONDS = Integer.getInteger("benchmark.isochrone.minutes", 15) * 60.0;

    @Test
    void generatedCountry() throws Exception {
        final int size = Integer.getInteger("benchmark.country.size", 420);
        final Path dir = Path.of(System.getProperty("benchmark.country.dir", "target/country")).toAbsolutePath();
        Files.createDirectories(dir);
        final SyntheticCountryNetwork country = new SyntheticCountryNetwork(size, 17);
        final Path file = dir.resolve("country-" + size + ".osm");
        if (!Files.isRegularFile(file)) {
            final long start = System.nanoTime();
            country.write(file);
            System.out.printf("%nGenerated %,d OSM road nodes into %s (%,d MB) in %.1f s%n", country.nodeCount(), file, Files.size(file) >> 20,
                    (System.nanoTime() - start) / 1e9);
        }
        final Path cache = Path.of(System.getProperty("benchmark.graph.cache", dir.resolve("graphs").toString())).toAbsolutePath();
        try (RoadGraph graph = RoadGraph.open(file, RoadGraph.Mode.CAR, cache, 1000, false)) {
            System.out.printf("%nGenerated country %s (%,d MB OSM XML, %,d OSM road nodes): %s %,d ms, %,d junctions (GraphHopper tower nodes), "
                            + "%,d edges, %,d MB on disk%n",
                    file.getFileName(), Files.size(file) >> 20, country.nodeCount(), graph.importedNow() ? "import" : "cache load",
                    graph.loadMillis(), graph.nodeCount(), graph.edgeCount(), graph.bytesOnDisk() >> 20);
            measure(graph, seed -> RandomBlocks.uniform(seed, DESTINATIONS, country.minLatitude(), country.maxLatitude(), country.minLongitude(), country.maxLongitude()));
        }
    }

    @Test
    void andorra() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        try (RoadGraph graph = RoadGraph.open(andorra, RoadGraph.Mode.CAR, Files.createTempDirectory("graphs"), 1000, false)) {
            System.out.printf("%nAndorra: import %,d ms, %,d graph nodes, %,d edges, %,d KB on disk%n", graph.loadMillis(), graph.nodeCount(),
                    graph.edgeCount(), graph.bytesOnDisk() >> 10);
            measure(graph, seed -> RoadGraphTest.points("p" + seed, DESTINATIONS, seed));
        }
    }

    private interface Points {
        CoordinateBlock make(long seed);
    }

    private static void measure(final RoadGraph graph, final Points points) throws Exception {
        graph.matrix(RandomBlocks.first(points.make(99), 5), RandomBlocks.first(points.make(98), 50), new Cutoff(600, Double.POSITIVE_INFINITY)); // warm-up
        final long graphHeap = ConcurrentTasks.liveHeap();
        System.out.printf("live heap with the graph loaded: %,d MB; %d concurrent tasks; turn costs: %s%n", graphHeap >> 20, TASKS, graph.hasTurnCosts());
        System.out.printf("%-44s %12s %12s %14s %18s%n", "work per task", "pairs", "seconds", "pairs/s", "live heap/task MB");
        matrices(graph, points, graphHeap, ORIGINS, new Cutoff(CUTOFF_SECONDS, Double.POSITIVE_INFINITY), "30-min cutoff");
        final AtomicLong roads = new AtomicLong();
        final AtomicLong emptyIsochrones = new AtomicLong();
        final AtomicLong spacePeak = new AtomicLong();
        final ConcurrentTasks.Result iso = ConcurrentTasks.run(TASKS, SAMPLE_MILLIS, graphHeap, task -> {
            final CoordinateBlock sites = points.make(1000 + task);
            for (int i = 0; i < ISOCHRONES / TASKS; i++) {
                final ReachableNodes reached = graph.reachable(sites.latitude(i % sites.size()), sites.longitude(i % sites.size()),
                        ISOCHRONE_SECONDS);
                roads.addAndGet(reached.lineCount());
                emptyIsochrones.addAndGet(reached.hasRoads() ? 0 : 1);
            }
            spacePeak.accumulateAndGet(graph.searchSpace().peakBytes(), Math::max);
        });
        final int isochrones = (ISOCHRONES / TASKS) * TASKS;
        System.out.printf("%-44s %12s %12.1f %14s %18.1f   (%.1f isochrones/s, %,d roads per isochrone, %d off the network; "
                        + "search space at most %.1f MB per task)%n",
                (ISOCHRONES / TASKS) + " reachability searches of " + (int) (ISOCHRONE_SECONDS / 60) + " min", "-", iso.seconds(), "-",
                iso.heapPerTask() / 1048576.0, isochrones / iso.seconds(), roads.get() / Math.max(1, isochrones), emptyIsochrones.get(),
                spacePeak.get() / 1048576.0);
        searchSpaceLayouts(graph, points);
        // Last, as it is the slowest: without a cutoff every search may cross the whole country.
        matrices(graph, points, graphHeap, UNCUT_ORIGINS, Cutoff.NONE, "no cutoff");
    }

    /**
     * One search at a time from one origin, 30-minute and uncut, in a space kept sparse (the layout before the dense switch)
     * and in the default switching space: states touched, the layout it ended in, the bytes the space held and the time.
     */
    private static void searchSpaceLayouts(final RoadGraph graph, final Points points) {
        final CoordinateBlock candidates = points.make(77);
        Snap snap = null;
        for (int i = 0; i < candidates.size() && snap == null; i++) {
            final Snap candidate = graph.snap(candidates.latitude(i), candidates.longitude(i));
            snap = graph.withinSnapLimit(candidate) ? candidate : null;
        }
        final QueryGraph queryGraph = QueryGraph.create(graph.baseGraph(), snap);
        final long keys = graph.hasTurnCosts() ? 2L * queryGraph.getEdges() : queryGraph.getNodes();
        final long denseBytes = (keys + 1) * SearchSpace.BYTES_PER_SLOT + 4L * queryGraph.getNodes();
        System.out.printf("search space, one search on one thread (key space %,d states, dense arrays %.1f MB, switch at %,.0f states):%n",
                keys, denseBytes / 1048576.0, keys * SearchSpace.DENSE_FRACTION);
        System.out.printf("  %-26s %-14s %14s %14s %8s %14s %10s%n", "search", "space", "states", "settled nodes", "layout", "space MB", "seconds");
        for (final Cutoff cutoff : new Cutoff[]{new Cutoff(CUTOFF_SECONDS, Double.POSITIVE_INFINITY), Cutoff.NONE}) {
            for (final boolean switching : new boolean[]{false, true}) {
                final SearchSpace space = switching ? new SearchSpace() : new SearchSpace(Double.POSITIVE_INFINITY);
                final BoundedDijkstra search = new BoundedDijkstra(queryGraph, queryGraph.wrapWeighting(graph.weighting()), space);
                final long start = System.nanoTime();
                search.run(snap.getClosestNode(), node -> false, 0, cutoff);
                final double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("  %-26s %-14s %,14d %,14d %8s %14.1f %10.1f%n", cutoff.isLimited() ? "30-min cutoff" : "no cutoff",
                        switching ? "switching" : "sparse only", space.slotCount(), space.settledNodeCount(), space.isDense() ? "dense" : "sparse",
                        space.bytesHeld() / 1048576.0, seconds);
            }
        }
    }

    private static void matrices(final RoadGraph graph, final Points points, final long graphHeap, final int origins, final Cutoff cutoff,
                                 final String label) throws Exception {
        final AtomicLong beyond = new AtomicLong();
        final AtomicLong routable = new AtomicLong();
        final ConcurrentTasks.Result result = ConcurrentTasks.run(TASKS, SAMPLE_MILLIS, graphHeap, task -> {
            final MatrixResult m = graph.matrix(RandomBlocks.first(points.make(10 + task), origins), points.make(20 + task), cutoff);
            for (int r = 0; r < m.rows(); r++) {
                for (int c = 0; c < m.columns(); c++) {
                    beyond.addAndGet(m.isBeyondCutoff(r, c) ? 1 : 0);
                    routable.addAndGet(m.isRoutable(r, c) ? 1 : 0);
                }
            }
        });
        final long pairs = (long) origins * DESTINATIONS * TASKS;
        System.out.printf("%-44s %,12d %12.1f %,14.0f %18.1f   (%.1f%% routable, %.1f%% beyond cutoff)%n",
                origins + " x " + DESTINATIONS + " matrix, " + label, pairs / TASKS, result.seconds(), pairs / result.seconds(),
                result.heapPerTask() / 1048576.0, 100.0 * routable.get() / pairs, 100.0 * beyond.get() / pairs);
    }

}
