package io.github.nifirouting.accessibility;

import io.github.nifirouting.cache.LocalMatrixCache;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.serialization.RecordReaderFactory;
import io.github.nifirouting.testsupport.GeneratedLines;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * Scoring 10 million matrix rows (NiFi's CSV reader, all scores including 2SFCA, so the rows are read twice) and the
 * result cache's cost per pair:
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=AccessibilityBenchmark -Dbenchmark.xmx=256m</pre>
 */
@Tag("benchmark")
class AccessibilityBenchmark {

    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    @Test
    void tenMillionRowsAndCacheLookups() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoopProcessor.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final RecordReaderFactory readers = (RecordReaderFactory) runner.getControllerService("csv");
        final int origins = 10_000;
        final int destinations = 1_000;
        final AccessibilityScorer scorer = new AccessibilityScorer(new AccessibilityScorer.Settings(new double[]{300, 600, 900},
                DecayFunction.EXPONENTIAL, 0.1, 3, "weight", "population", 900));
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        final long start = System.nanoTime();
        final Map<String, OriginScores> scores = scorer.score(() -> readers.createRecordReader(Map.of(),
                new BufferedInputStream(generatedRows(origins, destinations), 1 << 16), -1, runner.getLogger()));
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "%nScoreAccessibility core: %,d rows (%,d origins x %,d destinations, read twice for 2SFCA) in %.1f s = "
                + "%,.0f rows/s, peak heap %.1f MB, max heap %d MB%n", (long) origins * destinations, scores.size(), destinations, seconds,
                (double) origins * destinations / seconds, peak / 1048576.0, Runtime.getRuntime().maxMemory() >> 20);

        final LocalMatrixCache cache = new LocalMatrixCache();
        runner.addControllerService("cache", cache);
        runner.setProperty(cache, LocalMatrixCache.DIRECTORY, Files.createTempDirectory("cache").toString());
        runner.setProperty(cache, LocalMatrixCache.MAX_SIZE, "128 MB");
        runner.enableControllerService(cache);
        final CoordinateBlock.Builder o = new CoordinateBlock.Builder(1000);
        final CoordinateBlock.Builder d = new CoordinateBlock.Builder(1000);
        for (int i = 0; i < 1000; i++) {
            o.add("o" + i, 47 + i * 1e-4, 8.0);
            d.add("d" + i, 47.5, 8 + i * 1e-4);
        }
        final CoordinateBlock originBlock = o.build();
        final CoordinateBlock destinationBlock = d.build();
        final BitSet all = new BitSet();
        all.set(0, 1_000_000);
        long t0 = System.nanoTime();
        cache.store("bench", originBlock, destinationBlock, MatrixResult.of(1000, 1000, new double[1_000_000], new double[1_000_000]), all);
        final double storeNs = (System.nanoTime() - t0) / 1e6;
        final double[] durations = new double[1_000_000];
        final double[] distances = new double[1_000_000];
        final BitSet hits = new BitSet();
        t0 = System.nanoTime();
        final long found = cache.lookup("bench", originBlock, destinationBlock, durations, distances, hits);
        final double lookupNs = (System.nanoTime() - t0) / 1e6;
        System.out.printf(Locale.ROOT, "LocalMatrixCache: store %.0f ns/pair, lookup %.0f ns/pair (%,d of 1,000,000 found), %,d bytes on disk%n",
                storeNs, lookupNs, found, cache.bytesOnDisk());
    }

    /** CSV matrix rows generated as they are read. */
    private static InputStream generatedRows(final int origins, final int destinations) {
        return new GeneratedLines("origin_id,destination_id,duration_s,distance_m,status,weight,population\n", (long) origins * destinations, next -> {
            final long o = next / destinations;
            final long d = next % destinations;
            final long seconds = (o * 7919 + d * 104729) % 3600;
            return "o" + o + ",d" + d + "," + seconds + "," + seconds * 12 + ",OK," + (d % 50 + 1) + "," + (o % 900 + 100) + "\n";
        });
    }
}
