package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.example.SyntheticCountryNetwork;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.OsmExtracts;
import com.graphhopper.routing.ch.PrepareContractionHierarchies;
import com.graphhopper.storage.CHConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The contraction-hierarchies matrix ({@link ChMatrixSearch}) against the Dijkstra ({@link MatrixSearch}): on Andorra,
 * import (with CH) and CH preparation time, size on disk, 1000 x 1000 pairs/s with both algorithms and the live heap per
 * concurrent task beyond the loaded graph; on the generated country, import + CH preparation, size on disk, and 1000 x
 * 1000 matrices on concurrent tasks with and without a 30-minute cutoff. Live heap is sampled after a full GC every
 * {@code benchmark.sample.ms} while the tasks run.
 * <pre>
 * ./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=ChMatrixBenchmark#andorra -Dbenchmark.xmx=1g
 * ./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=ChMatrixBenchmark#generatedCountry -Dbenchmark.xmx=9g \
 *     -Dbenchmark.country.dir=/path/to/country -Dbenchmark.country.size=420 [-Dbenchmark.repeat=3] [-Dbenchmark.country.seed.graph=...]
 * </pre>
 * {@code benchmark.country.seed.graph}: a directory holding the country's graph imported without CH (graph layout 2);
 * it is copied into the cache under the current key and GraphHopper prepares the missing CH on load, so the 5M-junction
 * import need not be repeated. {@code benchmark.prepare.only=true} stops after the import/preparation. {@code benchmark.country.size}
 * is the generated country's side in km (420: 5.2 million OSM road nodes). {@code benchmark.repeat}: each task computes
 * its matrix that many times (pairs/s over all), so that short runs still get live-heap samples.
 */
@Tag("benchmark")
class ChMatrixBenchmark {

    private static final int TASKS = Integer.getInteger("benchmark.tasks", 2);
    private static final int ORIGINS = Integer.getInteger("benchmark.origins", 1000);
    private static final int DESTINATIONS = 1000;
    private static final long SAMPLE_MILLIS = Long.getLong("benchmark.sample.ms", 500);
    /** Each task computes its matrix this many times, so that a fast run still lasts several live-heap samples. */
    private static final int REPEAT = Integer.getInteger("benchmark.repeat", 1);
    private static final Cutoff HALF_HOUR = new Cutoff(30 * 60, Double.POSITIVE_INFINITY);

    @Test
    void andorra() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        try (RoadGraph graph = RoadGraph.open(andorra, RoadGraph.Mode.CAR, Files.createTempDirectory("graphs"), 1000, false)) {
            final long start = System.nanoTime();
            final PrepareContractionHierarchies.Result again = PrepareContractionHierarchies.fromGraph(graph.baseGraph(),
                    CHConfig.edgeBased("benchmark", graph.weighting())).doWork();
            final long prepareMillis = (System.nanoTime() - start) / 1_000_000;
            again.getCHStorage().close();
            System.out.printf("%nAndorra (car, turn costs %s): import + CH preparation %,d ms (CH preparation alone %,d ms), %,d nodes, "
                            + "%,d edges, %,d shortcuts, %,d KB on disk%n", graph.hasTurnCosts(), graph.loadMillis(), prepareMillis,
                    graph.nodeCount(), graph.edgeCount(), graph.shortcutCount(), graph.bytesOnDisk() >> 10);
            measure(graph, seed -> RoadGraphTest.points("p" + seed, DESTINATIONS, seed), true);
        }
    }

    @Test
    void generatedCountry() throws Exception {
        final int size = Integer.getInteger("benchmark.country.size", 420);
        final Path dir = Path.of(System.getProperty("benchmark.country.dir", "target/country")).toAbsolutePath();
        final Path file = dir.resolve("country-" + size + ".osm");
        final SyntheticCountryNetwork country = new SyntheticCountryNetwork(size, 17);
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(dir);
            final long start = System.nanoTime();
            country.write(file);
            System.out.printf("%nGenerated %,d OSM road nodes into %s (%,d MB) in %.1f s%n", country.nodeCount(), file, Files.size(file) >> 20,
                    (System.nanoTime() - start) / 1e9);
        }
        final Path cacheRoot = Path.of(System.getProperty("benchmark.ch.cache", "target/country-ch")).toAbsolutePath();
        final Path location = cacheRoot.resolve(RoadGraph.cacheKey(file, RoadGraph.Mode.CAR));
        final String seed = System.getProperty("benchmark.country.seed.graph");
        if (seed != null && !Files.exists(location.resolve("properties"))) {
            copyGraph(Path.of(seed), location);
            System.out.printf("%nCopied the imported graph without CH from %s to %s: GraphHopper prepares the missing CH on load%n", seed, location);
        }
        // -Dbenchmark.turn.costs=false: node-based graph and CH, to see what edge-based CH costs on the generated grid.
        final boolean turnCosts = Boolean.parseBoolean(System.getProperty("benchmark.turn.costs", "true"));
        try (RoadGraph graph = RoadGraph.open(file, RoadGraph.Mode.CAR, cacheRoot, 1000, false, turnCosts, true)) {
            System.out.printf("%nGenerated country %s (%,d OSM road nodes): %s %,d ms, %,d junctions (GraphHopper tower nodes), %,d edges, "
                            + "%,d shortcuts, %,d MB on disk, turn costs %s%n", file.getFileName(), country.nodeCount(),
                    graph.importedNow() ? "import + CH preparation" : "load (+ CH preparation if missing)", graph.loadMillis(),
                    graph.nodeCount(), graph.edgeCount(), graph.shortcutCount(), graph.bytesOnDisk() >> 20, graph.hasTurnCosts());
            if (!Boolean.getBoolean("benchmark.prepare.only")) {
                measure(graph, s -> RandomBlocks.uniform(s, DESTINATIONS, country.minLatitude(), country.maxLatitude(), country.minLongitude(),
                        country.maxLongitude()), Boolean.getBoolean("benchmark.dijkstra"));
            }
        }
    }

    private interface Points {
        CoordinateBlock make(long seed);
    }

    private static void measure(final RoadGraph graph, final Points points, final boolean withDijkstra) throws Exception {
        final long warm = System.nanoTime();
        graph.matrix(RandomBlocks.first(points.make(99), 50), RandomBlocks.first(points.make(98), 50)); // warm-up, and the shortcut memo is allocated
        System.out.printf("warm-up 50 x 50 %,d ms; shortcut time/distance memo %,d KB (per graph)%n", (System.nanoTime() - warm) / 1_000_000,
                graph.shortcutCosts().bytes() >> 10);
        final long graphHeap = ConcurrentTasks.liveHeap();
        System.out.printf("live heap with the graph loaded: %,d MB; %d concurrent tasks, each its own %d x %d matrix%n", graphHeap >> 20, TASKS,
                ORIGINS, DESTINATIONS);
        System.out.printf("%-48s %12s %10s %12s %18s%n", "work per task", "pairs", "seconds", "pairs/s", "live heap/task MB");
        matrices(graph, points, graphHeap, Cutoff.NONE, MatrixAlgorithm.CONTRACTION_HIERARCHIES, "no cutoff");
        matrices(graph, points, graphHeap, HALF_HOUR, MatrixAlgorithm.CONTRACTION_HIERARCHIES, "30-min cutoff");
        if (withDijkstra) {
            matrices(graph, points, graphHeap, Cutoff.NONE, MatrixAlgorithm.DIJKSTRA, "no cutoff");
            matrices(graph, points, graphHeap, HALF_HOUR, MatrixAlgorithm.DIJKSTRA, "30-min cutoff");
        }
    }

    private static void matrices(final RoadGraph graph, final Points points, final long graphHeap, final Cutoff cutoff,
                                 final MatrixAlgorithm algorithm, final String label) throws Exception {
        final AtomicLong beyond = new AtomicLong();
        final AtomicLong routable = new AtomicLong();
        final ConcurrentTasks.Result result = ConcurrentTasks.run(TASKS, SAMPLE_MILLIS, graphHeap, task -> {
            for (int round = 0; round < REPEAT; round++) {
                // Counted in its own frame, so no local keeps one round's result alive during the next round's search.
                count(graph.matrix(RandomBlocks.first(points.make(10 + task), ORIGINS), points.make(20 + task), cutoff, algorithm), beyond, routable);
            }
        });
        final long pairs = (long) ORIGINS * DESTINATIONS * TASKS * REPEAT;
        System.out.printf("%-48s %,12d %10.1f %,12.0f %18.1f   (%.1f%% routable, %.1f%% beyond cutoff; %d heap samples)%n",
                ORIGINS + " x " + DESTINATIONS + (REPEAT > 1 ? " x" + REPEAT : "") + " " + algorithm.getDisplayName() + ", " + label, pairs / TASKS,
                result.seconds(), pairs / result.seconds(), result.heapPerTask() / 1048576.0, 100.0 * routable.get() / pairs,
                100.0 * beyond.get() / pairs, result.samples());
    }

    private static void count(final MatrixResult m, final AtomicLong beyond, final AtomicLong routable) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.columns(); c++) {
                beyond.addAndGet(m.isBeyondCutoff(r, c) ? 1 : 0);
                routable.addAndGet(m.isRoutable(r, c) ? 1 : 0);
            }
        }
    }

    private static void copyGraph(final Path from, final Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (final Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
