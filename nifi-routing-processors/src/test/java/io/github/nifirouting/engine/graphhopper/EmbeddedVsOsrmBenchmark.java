package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.OsmExtracts;
import io.github.nifirouting.testsupport.RealOsrm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Embedded durations against a real OSRM v6.0.0 (car, CH) on Andorra for points within 100 m of a road (by both
 * engines' snapping), with turn restrictions and costs (the default) and without them (as before):
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=EmbeddedVsOsrmBenchmark</pre>
 */
@Tag("benchmark")
class EmbeddedVsOsrmBenchmark {

    @TempDir
    Path work;

    @Test
    void andorraAgainstOsrm() throws Exception {
        final Path andorra = OsmExtracts.require("andorra.osm.pbf");
        final CoordinateBlock candidates = RoadGraphTest.points("p", 400, 41);
        final Path osrmHome = RealOsrm.require();
        try (RealOsrm osrm = RealOsrm.start(osrmHome, RealOsrm.prepare(osrmHome, andorra, work), 10000);
             RoadGraph legal = RoadGraph.open(andorra, RoadGraph.Mode.CAR, work.resolve("graphs"), 1000, false, true);
             RoadGraph free = RoadGraph.open(andorra, RoadGraph.Mode.CAR, work.resolve("graphs"), 1000, false, false)) {
            // Keep the points both engines place within 100 m of a road.
            final MatrixResult osrmSnaps = osrm.table(candidates, CoordinateBlock.of(new String[]{"x"}, new double[]{candidates.latitude(0)},
                    new double[]{candidates.longitude(0)}));
            final MatrixResult embeddedSnaps = legal.matrix(candidates, CoordinateBlock.of(new String[0], new double[0], new double[0]));
            final CoordinateBlock.Builder near = new CoordinateBlock.Builder();
            for (int i = 0; i < candidates.size(); i++) {
                if (osrmSnaps.sourceSnapMeters(i) <= 100 && embeddedSnaps.sourceSnapMeters(i) <= 100) {
                    near.add(candidates.id(i), candidates.latitude(i), candidates.longitude(i));
                }
            }
            final CoordinateBlock points = near.build();
            final MatrixResult reference = osrm.table(points, points);
            System.out.printf("%nAndorra, car: %d of %d random valley points within 100 m of a road; OSRM v6.0.0 CH as reference%n",
                    points.size(), candidates.size());
            System.out.printf("%-34s %8s %10s %10s %10s %10s%n", "embedded engine", "pairs", "median", "median |d|", "p95 |d|", "p95 d");
            report("turn restrictions + costs (now)", legal.matrix(points, points), reference);
            report("no turn costs (before)", free.matrix(points, points), reference);
        }
    }

    /** Relative differences (embedded - OSRM) / OSRM over pairs both route, of at least 60 s by OSRM. */
    private static void report(final String label, final MatrixResult embedded, final MatrixResult osrm) {
        final double[] relative = new double[embedded.rows() * embedded.columns()];
        int count = 0;
        for (int r = 0; r < embedded.rows(); r++) {
            for (int c = 0; c < embedded.columns(); c++) {
                if (r != c && embedded.isRoutable(r, c) && osrm.isRoutable(r, c) && osrm.durationSeconds(r, c) >= 60) {
                    relative[count++] = (embedded.durationSeconds(r, c) - osrm.durationSeconds(r, c)) / osrm.durationSeconds(r, c);
                }
            }
        }
        final double[] signed = Arrays.copyOf(relative, count);
        final double[] absolute = Arrays.stream(signed).map(Math::abs).toArray();
        Arrays.sort(signed);
        Arrays.sort(absolute);
        System.out.printf("%-34s %,8d %9.1f%% %9.1f%% %9.1f%% %9.1f%%%n", label, count, 100 * signed[count / 2], 100 * absolute[count / 2],
                100 * absolute[(int) (count * 0.95)], 100 * signed[(int) (count * 0.95)]);
    }
}
