package io.github.nifirouting.isochrone;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.model.CoordinateBlock;
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
 * Isochrones per second and peak heap for 1,000 sites x 3 thresholds on Andorra with the embedded engine, each polygon
 * encoded as WKB as BuildIsochrones writes it:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=IsochroneBenchmark -Dbenchmark.xmx=256m</pre>
 */
@Tag("benchmark")
class IsochroneBenchmark {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    @Test
    void thousandSitesThreeThresholds() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final EmbeddedGraphHopperEngine engine = new EmbeddedGraphHopperEngine();
        runner.addControllerService("graphhopper", engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, OsmExtracts.require("andorra.osm.pbf").toString());
        runner.setProperty(engine, EmbeddedGraphHopperEngine.GRAPH_CACHE_DIRECTORY, Files.createTempDirectory("graphs").toString());
        runner.enableControllerService(engine);
        final Random random = new Random(5);
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(1000);
        for (int i = 0; i < 1000; i++) {
            builder.add("s" + i, 42.46 + random.nextDouble() * 0.12, 1.46 + random.nextDouble() * 0.12);
        }
        final CoordinateBlock sites = builder.build();
        System.out.printf("%nBuildIsochrones core, andorra, 1,000 sites x 3 thresholds (5, 10, 15 min), max heap %d MB%n",
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%16s %10s %12s %14s %14s %14s%n", "strategy", "sites", "isochrones", "isochrones/s", "seconds", "peak heap MB");
        for (final boolean sampled : new boolean[]{false, true}) {
            final int count = sampled ? 100 : 1000; // sampling costs one matrix row of ~10,000 samples per site
            final SiteIsochrones.Settings settings = new SiteIsochrones.Settings(new double[]{300, 600, 900}, sampled, 250, 90 / 3.6, 0);
            System.gc();
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            final long[] polygons = {0};
            final WKBWriter wkb = new WKBWriter(2, true);
            final long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                SiteIsochrones.compute(engine, sites.latitude(i), sites.longitude(i), settings, new CallStats(), polygon -> {
                    wkb.write(polygon.result().geometry());
                    polygons[0]++;
                });
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            System.out.printf("%16s %,10d %,12d %,14.1f %14.1f %14.1f%n", sampled ? "matrix-sampled" : "engine-native", count, polygons[0],
                    polygons[0] / seconds, seconds, peak / 1048576.0);
        }
    }
}
