package io.github.nifirouting.processors;

import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Max Held Bytes at work: the tiles of 50 origin chunks arrive destination block by destination block (every chunk's
 * block 0, then every chunk's block 1, ...), the worst order for holding: without a bound all 50 chunks are open at
 * once. With a bound, tiles of new chunks wait in the queue while the open chunks complete. Prints the estimated bytes
 * held at peak, chunks failed (must be 0) and throughput, for an unbounded and a bounded run.
 * <pre>./mvnw -B -pl nifi-routing-processors -Pbenchmark test -Dtest=ScoreAccessibilityHeldBytesBenchmark -Dbenchmark.xmx=512m</pre>
 */
@Tag("benchmark")
class ScoreAccessibilityHeldBytesBenchmark {

    private static final int CHUNKS = 50;
    private static final int ORIGINS_PER_CHUNK = 100;
    private static final int BLOCKS = 10;
    private static final int DESTINATIONS_PER_BLOCK = 20;

    @Test
    void interleavedChunksUnboundedAndBounded() throws Exception {
        run("64 MB");
        run("1 MB");
        run("256 KB");
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void run(final String maxHeldBytes) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ScoreAccessibility.class);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        runner.setProperty(ScoreAccessibility.RECORD_READER, "csv");
        runner.setProperty(ScoreAccessibility.RECORD_WRITER, "json");
        runner.setProperty(ScoreAccessibility.MAX_HELD_BYTES, maxHeldBytes);
        long rows = 0;
        // Unbounded: the last blocks are held back until every chunk is open, to measure the real heap held.
        final boolean measureHeap = maxHeldBytes.equals("64 MB");
        java.util.List<Map.Entry<byte[], Map<String, String>>> lastBlocks = measureHeap ? new java.util.ArrayList<>() : null;
        for (int block = 0; block < BLOCKS; block++) {
            for (int chunk = 0; chunk < CHUNKS; chunk++) {
                final StringBuilder tile = new StringBuilder().append("origin_id,destination_id,duration_s,distance_m,status\n");
                for (int o = chunk * ORIGINS_PER_CHUNK; o < (chunk + 1) * ORIGINS_PER_CHUNK; o++) {
                    for (int d = block * DESTINATIONS_PER_BLOCK; d < (block + 1) * DESTINATIONS_PER_BLOCK; d++) {
                        final long seconds = ((long) o * 7919 + (long) d * 104729) % 3600;
                        tile.append("origin-").append(o).append(",destination-").append(d).append(',').append(seconds).append(',')
                                .append(seconds * 12).append(",OK\n");
                        rows++;
                    }
                }
                final byte[] content = tile.toString().getBytes(StandardCharsets.UTF_8);
                final Map<String, String> attributes = Map.of("fragment.identifier", "bench",
                        "tile.origin.block.index", String.valueOf(chunk), "tile.origin.block.count", String.valueOf(CHUNKS),
                        "tile.destination.block.index", String.valueOf(block), "tile.destination.block.count", String.valueOf(BLOCKS));
                if (measureHeap && block == BLOCKS - 1) {
                    lastBlocks.add(Map.entry(content, attributes));
                } else {
                    runner.enqueue(content, attributes);
                }
            }
        }
        final long heapBefore = liveHeap();
        long heapHolding = 0;
        long estimateHolding = 0;
        long processingNanos = 0;
        int triggers = 0;
        boolean first = true;
        while ((runner.getQueueSize().getObjectCount() > 0 || lastBlocks != null) && triggers < 100_000) {
            final long start = System.nanoTime();
            runner.run(1, false, first);
            processingNanos += System.nanoTime() - start;
            first = false;
            triggers++;
            if (heapHolding == 0 && measureHeap && runner.getQueueSize().getObjectCount() == 0 && lastBlocks != null) {
                // Unbounded: every chunk is open and holds 9 of its 10 tiles (untimed measurement of the real heap held).
                heapHolding = liveHeap() - heapBefore;
                estimateHolding = ((ScoreAccessibility) runner.getProcessor()).peakHeldBytes();
                lastBlocks.forEach(tile -> runner.enqueue(tile.getKey(), tile.getValue()));
                lastBlocks = null;
            }
        }
        final double seconds = processingNanos / 1e9;
        if (heapHolding > 0) {
            System.out.printf(Locale.ROOT, "All %d chunks open: live heap grew %,d bytes after GC (mock FlowFile records and sessions included; "
                    + "content was already in the mock's memory), estimate %,d bytes%n", CHUNKS, heapHolding, estimateHolding);
        }
        final ScoreAccessibility processor = (ScoreAccessibility) runner.getProcessor();
        final long origins = runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS).stream()
                .mapToLong(f -> Long.parseLong(f.getAttribute("record.count"))).sum();
        final Long yields = runner.getCounterValue("Yields on Max Held Bytes");
        System.out.printf(Locale.ROOT, "Max Held Bytes %-7s: %,d rows in %d tiles (%d chunks of %d origins x %d blocks, block-major order), "
                        + "%d triggers in %.1f s = %,.0f rows/s; peak held %,d bytes (estimated); yields at the bound %d; %,d origins scored, "
                        + "%d chunks scored, %d tiles failed%n", maxHeldBytes, rows, CHUNKS * BLOCKS, CHUNKS, ORIGINS_PER_CHUNK, BLOCKS, triggers,
                seconds, rows / seconds, processor.peakHeldBytes(), yields == null ? 0 : yields, origins,
                runner.getFlowFilesForRelationship(ScoreAccessibility.REL_SUCCESS).size(),
                runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).size());
        if (origins != (long) CHUNKS * ORIGINS_PER_CHUNK || !runner.getFlowFilesForRelationship(ScoreAccessibility.REL_FAILURE).isEmpty()) {
            throw new AssertionError("scored " + origins + " origins");
        }
    }
}
