package io.github.nifirouting.processors;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.testsupport.HaversineTestEngine;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17's catchment run: 10,000 sites through BuildIsochrones (default Batch Size 100: 100 batches) with 5% of the batches
 * failing transiently half-way (scripted engine: the in-process haversine engine, matrix-sampled 5 and 10 minute
 * isochrones). 'retry' is connected back, as in the catchment template. Prints triggers, retries, engine calls, and checks
 * every site's isochrones are written exactly once. In-process TestRunner.
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=CatchmentBatchBenchmark -Dbenchmark.xmx=512m [-Dbench.sites=10000]</pre>
 */
@Tag("benchmark")
class CatchmentBatchBenchmark {

    @Test
    void tenThousandSitesWithFivePercentOfBatchesFailingTransiently() throws Exception {
        final int sites = Integer.getInteger("bench.sites", 10_000);
        final int batchSize = 100;
        final HaversineTestEngine engine = new HaversineTestEngine();
        // One engine call per site; a failing batch fails at its middle site, once.
        final TreeSet<Integer> failingBatches = new TreeSet<>();
        for (int batch = 3; batch < sites / batchSize; batch += 20) {
            failingBatches.add(batch);
        }
        for (int site = 0; site < sites; site++) {
            if (site % batchSize == batchSize / 2 && failingBatches.contains(site / batchSize)) {
                engine.failNext(new RoutingException(RoutingException.Kind.TRANSIENT, "503 Service Unavailable"));
            }
            engine.answerNext();
        }
        final TestRunner runner = BuildIsochronesBatchTest.runner(engine, batchSize);
        runner.setProperty(BuildIsochrones.THRESHOLDS, "5 min, 10 min");
        runner.removeProperty(BuildIsochrones.BATCH_SIZE); // the default
        final long start = System.nanoTime();
        final BuildIsochronesBatchTest.Outcome outcome = BuildIsochronesBatchTest.runToTheEnd(runner, BuildIsochronesBatchTest.sites(sites));
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.gc();
        final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        final long writtenOnce = outcome.rowsPerSite().values().stream().filter(rows -> rows == 2).count();
        final long writtenOtherwise = outcome.rowsPerSite().values().stream().filter(rows -> rows != 2).count();
        System.out.printf(Locale.ROOT, "%nCatchment batches: %,d sites, Batch Size %d (%d batches), %d batches failing transiently (%.0f%%)%n",
                sites, batchSize, sites / batchSize, failingBatches.size(), 100.0 * failingBatches.size() / (sites / batchSize));
        System.out.printf(Locale.ROOT, "%-40s %,d%n", "triggers", outcome.triggers());
        System.out.printf(Locale.ROOT, "%-40s %,d%n", "inputs routed to retry", outcome.retries());
        System.out.printf(Locale.ROOT, "%-40s %,d (sites + failed calls: %,d)%n", "engine calls", engine.calls(), sites + failingBatches.size());
        System.out.printf(Locale.ROOT, "%-40s %,d%n", "sites written exactly once (2 rows)", writtenOnce);
        System.out.printf(Locale.ROOT, "%-40s %,d%n", "sites missing or written twice", sites - writtenOnce + writtenOtherwise);
        System.out.printf(Locale.ROOT, "%-40s %,d%n", "sites sent to failure", outcome.failedSites().size());
        System.out.printf(Locale.ROOT, "%-40s %.1f s; heap after GC %.1f MB%n", "time", seconds, heap / 1e6);
        assertEquals(sites, writtenOnce);
        assertEquals(0, writtenOtherwise);
        assertTrue(outcome.failedSites().isEmpty());
        assertEquals(1, outcome.originals());
        assertEquals(sites + failingBatches.size(), engine.calls(), "no site computed twice");
    }
}
