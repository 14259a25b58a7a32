package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Matrix pairs per second of the embedded engine on Andorra, plus import and cache-load times:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=EmbeddedEngineBenchmark -Dbenchmark.xmx=512m</pre>
 */
@Tag("benchmark")
class EmbeddedEngineBenchmark {

    @Test
    void andorraMatrices() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        final Path cache = Files.createTempDirectory("graphs");
        try (RoadGraph imported = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false)) {
            System.out.printf("%nEmbedded GraphHopper on andorra.osm.pbf (car): import %d ms, %,d nodes, %,d edges%n", imported.loadMillis(),
                    imported.nodeCount(), imported.edgeCount());
        }
        try (RoadGraph network = RoadGraph.open(andorra, RoadGraph.Mode.CAR, cache, 1000, false)) {
            System.out.printf("cache load %d ms; algorithm: one Dijkstra per origin over a query graph of all snapped points, "
                    + "stopped when every destination is settled%n", network.loadMillis());
            System.out.printf("%12s %12s %14s %12s %14s%n", "matrix", "pairs", "pairs/s", "routable %", "peak heap MB");
            network.matrix(RoadGraphTest.points("w", 50, 99), RoadGraphTest.points("v", 50, 98)); // warm-up
            for (final int size : new int[]{100, 1000, 2000}) {
                final CoordinateBlock origins = RoadGraphTest.points("o", size, 1);
                final CoordinateBlock destinations = RoadGraphTest.points("d", size, 2);
                System.gc();
                ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                final long start = System.nanoTime();
                final MatrixResult m = network.matrix(origins, destinations);
                final double seconds = (System.nanoTime() - start) / 1e9;
                long routable = 0;
                for (int r = 0; r < size; r++) {
                    for (int c = 0; c < size; c++) {
                        routable += m.isRoutable(r, c) ? 1 : 0;
                    }
                }
                final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                System.out.printf("%12s %,12d %,14.0f %12.1f %14.1f%n", size + " x " + size, (long) size * size, size * (double) size / seconds,
                        100.0 * routable / size / size, peak / 1048576.0);
            }
        }
    }
}
