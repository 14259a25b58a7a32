package io.github.nifirouting.processors;

import io.github.nifirouting.testsupport.CsvServices;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.testsupport.FakeOsrmServer;
import io.github.nifirouting.testsupport.FakeOsrmServer.Fault;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ChunkCoordinates -> InvokeRoutingMatrix -> (retry loop) against an OSRM-format server that injects faults: every
 * pair must end up exactly once in the output, or in failure with a reason.
 */
class InvokeRoutingMatrixFaultTest {

    @TempDir
    Path dir;

    private FakeOsrmServer server;
    private TestRunner chunker;
    private TestRunner invoker;
    private OsrmRoutingEngine engine;
    private Path sites;
    private Path competitors;

    @BeforeEach
    void setUp() throws Exception {
        server = new FakeOsrmServer(2024).maxTableSize(100).slowMillis(700);
        sites = writePoints(dir.resolve("sites.csv"), "s", 1000, 47.0);
        competitors = writePoints(dir.resolve("competitors.csv"), "c", 1000, 47.3);
        chunker = TestRunners.newTestRunner(ChunkCoordinates.class);
        invoker = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        for (final TestRunner runner : List.of(chunker, invoker)) {
            CsvServices.addTextReaderAndWriter(runner);
            CsvServices.addCoordinateSet(runner, "competitors", competitors);
            final OsrmRoutingEngine osrm = new OsrmRoutingEngine();
            runner.addControllerService("osrm", osrm);
            runner.setProperty(osrm, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
            runner.setProperty(osrm, AbstractHttpRoutingEngine.READ_TIMEOUT, "400 ms");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.INITIAL_BACKOFF, "5 ms");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.MAX_BACKOFF, "40 ms");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.MAX_RETRIES, "2");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.CIRCUIT_WINDOW, "10");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.CIRCUIT_FAILURE_RATE, "90");
            runner.setProperty(osrm, AbstractHttpRoutingEngine.CIRCUIT_OPEN_DURATION, "1 sec");
            runner.enableControllerService(osrm);
            if (runner == invoker) {
                engine = osrm;
            }
        }
        chunker.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        chunker.setProperty(ChunkCoordinates.RECORD_WRITER, "csv-writer");
        chunker.setProperty(ChunkCoordinates.TILING_MODE, TilingMode.COORDINATE_SET.getValue());
        chunker.setProperty(ChunkCoordinates.DESTINATION_SET, "competitors");
        chunker.setProperty(ChunkCoordinates.ROUTING_ENGINE, "osrm");
        chunker.setProperty(ChunkCoordinates.CHUNK_SIZE, "100");
        // One request per tile, so a fault costs one request's work: the fault figures stay comparable with earlier runs.
        chunker.setProperty(ChunkCoordinates.MAX_PAIRS_PER_TILE, "10000");
        invoker.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "osrm");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        invoker.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "csv-writer");
        invoker.setProperty(InvokeRoutingMatrix.DESTINATION_SET, "competitors");
        invoker.setProperty(InvokeRoutingMatrix.MAX_RETRIES, "30");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    private static Path writePoints(final Path file, final String prefix, final int count, final double baseLatitude) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id,latitude,longitude\n");
            for (int i = 0; i < count; i++) {
                out.write(String.format(Locale.ROOT, "%s%d,%.5f,%.5f%n", prefix, i, baseLatitude + (i % 40) * 0.004, 8.0 + (i / 40) * 0.004));
            }
        }
        return file;
    }

    private List<MockFlowFile> tiles() throws Exception {
        chunker.enqueue(sites);
        chunker.run();
        chunker.assertTransferCount(ChunkCoordinates.REL_FAILURE, 0);
        return chunker.getFlowFilesForRelationship(ChunkCoordinates.REL_SUCCESS);
    }

    @Test
    void millionPairsUnderTwentyPercentFaultsEndUpExactlyOnce() throws Exception {
        final List<MockFlowFile> tiles = tiles();
        assertEquals(100, tiles.size(), "1000 sites in chunks of 100 x 1000 competitors in blocks of 100");
        server.faultRate(0.20);
        final long start = System.nanoTime();
        final List<MockFlowFile> success = new ArrayList<>();
        final List<MockFlowFile> failure = new ArrayList<>();
        for (final MockFlowFile tile : tiles) {
            // content and attributes only: FlowFile ids of another runner's session would clash with this one's
            invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        }
        int rounds = 0;
        while (invoker.getQueueSize().getObjectCount() > 0 && rounds < 300) {
            invoker.run(invoker.getQueueSize().getObjectCount(), true, rounds == 0);
            success.addAll(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS));
            failure.addAll(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_FAILURE));
            final List<MockFlowFile> retries = new ArrayList<>(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY));
            invoker.clearTransferState();
            retries.forEach(invoker::enqueue);
            rounds++;
            if (invoker.getQueueSize().getObjectCount() > 0 && engine.getMatrixLimits() != null) {
                Thread.sleep(50); // lets an open circuit go half-open, as NiFi's yield would
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;

        final BitSet seen = new BitSet(1_000_000);
        long written = 0;
        long duplicated = 0;
        long wrongValues = 0;
        for (final MockFlowFile rows : success) {
            final String[] lines = new String(rows.toByteArray(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i < lines.length; i++) {
                final String[] fields = lines[i].split(",", -1);
                final int origin = Integer.parseInt(fields[0].substring(1));
                final int destination = Integer.parseInt(fields[1].substring(1));
                final int pair = origin * 1000 + destination;
                if (seen.get(pair)) {
                    duplicated++;
                }
                seen.set(pair);
                written++;
                final double expected = FakeOsrmServer.durationSeconds(47.0 + (origin % 40) * 0.004, 8.0 + (origin / 40) * 0.004,
                        47.3 + (destination % 40) * 0.004, 8.0 + (destination / 40) * 0.004);
                if (!MatrixRowFields.STATUS_OK.equals(fields[4]) || Math.abs(Double.parseDouble(fields[2]) - expected) > 0.051) {
                    wrongValues++;
                }
            }
        }
        long failedPairs = 0;
        for (final MockFlowFile failed : failure) {
            assertTrue(failed.getAttribute("routing.error") != null, "failure carries a reason");
            failedPairs += Long.parseLong(failed.getAttribute("tile.origin.size")) * Long.parseLong(failed.getAttribute("tile.destination.size"));
        }
        System.out.printf(Locale.ROOT, "%nFault run: %d rounds, %.1f s; server requests %d (%d faults injected: %s)%n", rounds, seconds,
                server.requests(), server.injectedTotal(), faultSummary());
        System.out.printf(Locale.ROOT, "%12s %12s %12s %12s %12s%n", "expected", "written", "failed", "duplicated", "wrong values");
        System.out.printf(Locale.ROOT, "%,12d %,12d %,12d %,12d %,12d%n", 1_000_000, written, failedPairs, duplicated, wrongValues);
        assertEquals(0, duplicated);
        assertEquals(0, wrongValues);
        assertEquals(1_000_000, written + failedPairs, "every pair written once or failed with a reason");
        assertEquals(1_000_000, seen.cardinality() + failedPairs);
        assertEquals(0, invoker.getQueueSize().getObjectCount());
    }

    private String faultSummary() {
        final StringBuilder summary = new StringBuilder();
        for (final Fault fault : Fault.values()) {
            summary.append(fault).append('=').append(server.injected(fault)).append(' ');
        }
        return summary.toString().trim();
    }

    @Test
    void sustainedOutageOpensTheCircuitYieldsAndCompletesAfterRecovery() throws Exception {
        final List<MockFlowFile> tiles = tiles().subList(0, 20);
        server.setDown(true);
        for (final MockFlowFile tile : tiles) {
            // content and attributes only: FlowFile ids of another runner's session would clash with this one's
            invoker.enqueue(tile.toByteArray(), tile.getAttributes());
        }
        // While down: a few calls open the circuit, then every trigger yields without calling the engine.
        for (int i = 0; i < 30; i++) {
            invoker.run(1, false, i == 0);
            final List<MockFlowFile> retries = new ArrayList<>(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY));
            invoker.clearTransferState();
            retries.forEach(invoker::enqueue);
        }
        final long requestsWhileDown = server.requests();
        final long yields = invoker.getCounterValue("Yields on open circuit") == null ? 0 : invoker.getCounterValue("Yields on open circuit");
        System.out.printf("outage: 30 triggers, %d engine requests, %d yields on the open circuit%n", requestsWhileDown, yields);
        assertTrue(yields >= 20, "the processor yields instead of calling the engine: " + yields);
        assertTrue(requestsWhileDown <= 30, "calls while open do not reach the engine: " + requestsWhileDown);
        assertEquals(20, invoker.getQueueSize().getObjectCount(), "nothing lost, nothing failed: all tiles still queued");

        server.setDown(false);
        Thread.sleep(1100); // the circuit's open duration
        int rounds = 0;
        long written = 0;
        while (invoker.getQueueSize().getObjectCount() > 0 && rounds < 50) {
            invoker.run(invoker.getQueueSize().getObjectCount(), true, false);
            for (final MockFlowFile rows : invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS)) {
                written += Long.parseLong(rows.getAttribute("record.count"));
            }
            final List<MockFlowFile> retries = new ArrayList<>(invoker.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_RETRY));
            invoker.assertTransferCount(InvokeRoutingMatrix.REL_FAILURE, 0);
            invoker.clearTransferState();
            retries.forEach(invoker::enqueue);
            rounds++;
        }
        assertEquals(20 * 100 * 100, written, "the run completes after recovery");
    }
}
