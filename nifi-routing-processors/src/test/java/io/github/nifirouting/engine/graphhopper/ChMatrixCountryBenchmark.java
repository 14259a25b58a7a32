package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.example.SyntheticCountryNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The contraction-hierarchies matrix on the generated country: CH preparation time, graph size on disk, and 1000 x 1000
 * matrices on concurrent tasks with and without a 30-minute cutoff.
 */
@Tag("benchmark")
class ChMatrixCountryBenchmark {

    @Test
    void generatedCountry() throws Exception {
        final int size = Integer.getInteger("benchmark.country.size", 2240);
        final Path dir = Path.of(System.getProperty("benchmark.country.dir", "target/country")).toAbsolutePath();
        final Path file = dir.resolve("country-" + size + ".osm");
        final SyntheticCountryNetwork country = new SyntheticCountryNetwork(size, 17);
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(dir);
            final long start = System.nanoTime();
            country.write(file);
            System.out.printf("%nGenerated %,d junctions into %s (%,d MB) in %.1f s%n", country.nodeCount(), file, Files.size(file) >> 20,
                    (System.nanoTime() - start) / 1e9);
        }
        final Path cacheRoot = Path.of(System.getProperty("benchmark.ch.cache", "target/country-ch")).toAbsolutePath();
        final Path location = cacheRoot.resolve(RoadGraph.cacheKey(file, RoadGraph.Mode.CAR));
        final String seed = System.getProperty("benchmark.country.seed.graph");
        if (seed != null && !Files.exists(location.resolve("properties"))) {
            copyGraph(Path.of(seed), location);
            System.out.printf("%nCopied the imported graph without CH from %s to %s: GraphHopper prepares the missing CH on load%n", seed, location);
        }
        try (RoadGraph graph = RoadGraph.open(file, RoadGraph.Mode.CAR, cacheRoot, 1000, false)) {
            System.out.printf("%nGenerated country %s: %s %,d ms, %,d graph nodes, %,d edges, %,d shortcuts, %,d MB on disk, turn costs %s%n",
                    file.getFileName(), graph.importedNow() ? "import + CH preparation" : "load (+ CH preparation if missing)",
                    graph.loadMillis(), graph.nodeCount(), graph.edgeCount(), graph.chGraph().getShortcuts(), graph.bytesOnDisk() >> 20,
                    graph.hasTurnCosts());
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
