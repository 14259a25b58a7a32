package io.github.nifirouting.isochrone;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.testsupport.GridNetwork;
import io.github.nifirouting.testsupport.GridNetworkTestEngine;
import io.github.nifirouting.testsupport.OsmExtracts;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.locationtech.jts.io.WKBWriter;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.util.Random;

/**
 * Isochrones per second and peak heap for 1,000 sites x 3 thresholds (5, 10, 15 min), both strategies, each polygon encoded
 * as WKB as BuildIsochrones writes it: on the synthetic grid network (in-process test engine) and on Andorra with the
 * embedded engine.
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=IsochroneBenchmark -Dbenchmark.xmx=256m</pre>
 * {@code -Dbenchmark.sites=N} changes the number of sites.
 */
@Tag("benchmark")
class IsochroneBenchmark {

    private static final int SITES = Integer.getInteger("benchmark.sites", 1000);
    private static final double[] THRESHOLDS = {300, 600, 900};

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    @Test
    void gridNetworkTestEngine() {
        final Random random = new Random(5);
        final CoordinateBlock.Builder sites = new CoordinateBlock.Builder(SITES);
        for (int i = 0; i < SITES; i++) {
            sites.add("s" + i, GridNetwork.latitude((random.nextDouble() - 0.5) * 30_000), GridNetwork.longitude((random.nextDouble() - 0.5) * 30_000));
        }
        run("grid network (in-process test engine)", new GridNetworkTestEngine(), sites.build(), 200);
    }

    @Test
    void andorraEmbeddedEngine() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final EmbeddedGraphHopperEngine engine = new EmbeddedGraphHopperEngine();
        runner.addControllerService("graphhopper", engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(engine, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, Files.createTempDirectory("graphs").toString());
        runner.enableControllerService(engine);
        // Random places in the country that are within 300 m of a road (a site is a shop, not a mountain top).
        final Random random = new Random(5);
        final CoordinateBlock.Builder sites = new CoordinateBlock.Builder(SITES);
        while (sites.size() < SITES) {
            final double lat = 42.43 + random.nextDouble() * 0.2;
            final double lon = 1.42 + random.nextDouble() * 0.31;
            final CoordinateBlock point = CoordinateBlock.of(new String[]{"p"}, new double[]{lat}, new double[]{lon});
            final MatrixResult snap = engine.computeMatrix(point, point);
            if (snap.sourceSnapMeters(0) <= 300) {
                sites.add("s" + sites.size(), lat, lon);
            }
        }
        run("andorra (embedded GraphHopper)", engine, sites.build(), 250);
    }

    private static void run(final String network, final RoutingEngineService engine, final CoordinateBlock sites, final double resolution) {
        System.out.printf("%nBuildIsochrones core on %s: %,d sites x 3 thresholds (5, 10, 15 min), Resolution %.0f m, Max Road Distance 300 m, "
                + "max heap %d MB%n", network, sites.size(), resolution, Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%16s %10s %12s %14s %10s %10s %8s %14s %20s%n", "strategy", "on network", "isochrones", "isochrones/s", "seconds",
                "requests", "WKB MB", "peak heap MB", "live heap MB (GC)");
        for (final boolean sampled : new boolean[]{false, true}) {
            final SiteIsochrones.Settings settings = new SiteIsochrones.Settings(THRESHOLDS, sampled, resolution, 90 / 3.6, 0, 300);
            System.gc();
            final long baseline = usedHeap();
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            final long[] polygons = {0, 0};
            final WKBWriter wkb = new WKBWriter(2, true);
            final CallStats stats = new CallStats();
            int onNetwork = 0;
            long live = 0;
            long gcNanos = 0;
            final long start = System.nanoTime();
            for (int i = 0; i < sites.size(); i++) {
                if (i % 100 == 99) {
                    // Live heap: what stays after a full collection, sampled every 100 sites (GC time not counted).
                    final long gcStart = System.nanoTime();
                    System.gc();
                    live = Math.max(live, usedHeap());
                    gcNanos += System.nanoTime() - gcStart;
                }
                try {
                    onNetwork += SiteIsochrones.compute(engine, sites.latitude(i), sites.longitude(i), settings, stats, polygon -> {
                        polygons[1] += wkb.write(polygon.geometry()).length;
                        polygons[0]++;
                    }) ? 1 : 0;
                } catch (final Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            final double seconds = (System.nanoTime() - start - gcNanos) / 1e9;
            final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            System.out.printf("%16s %10d %,12d %,14.1f %10.1f %,10d %8.1f %14.1f %20s%n", sampled ? "matrix-sampled" : "engine-native", onNetwork,
                    polygons[0], polygons[0] / seconds, seconds, stats.requests(), polygons[1] / 1048576.0, peak / 1048576.0,
                    String.format("%.1f (%.1f before)", live / 1048576.0, baseline / 1048576.0));
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getUsage().getUsed()).sum();
    }
}
