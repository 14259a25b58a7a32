package io.github.nifirouting.processors;

import io.github.nifirouting.memory.HeapGuard;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChunkCoordinatesHeapGuardTest {

    @Test
    void leavesFlowFilesQueuedWhileHeapIsHighAndResumesBelowTheLowerWatermark() throws Exception {
        final AtomicReference<Double> heap = new AtomicReference<>(0.50);
        final ChunkCoordinates processor = new ChunkCoordinates();
        processor.setHeapGuard(new HeapGuard(heap::get));
        final TestRunner runner = TestRunners.newTestRunner(processor);
        final CSVReader reader = new CSVReader();
        runner.addControllerService("csv", reader);
        runner.setProperty(reader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(reader);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ChunkCoordinates.RECORD_READER, "csv");
        runner.setProperty(ChunkCoordinates.RECORD_WRITER, "json");
        runner.setProperty(HeapGuard.PAUSE_THRESHOLD, "85");
        runner.setProperty(HeapGuard.RESUME_THRESHOLD, "70");

        runner.enqueue(ChunkCoordinatesTest.sites(3));
        runner.enqueue(ChunkCoordinatesTest.sites(3));
        runner.enqueue(ChunkCoordinatesTest.sites(3));
        runner.run(1, false, true);
        assertEquals(1, runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).size());

        heap.set(0.90);
        runner.run(1, false, false);
        runner.run(1, false, false);
        assertEquals(2, runner.getQueueSize().getObjectCount(), "nothing taken while the heap is high");
        assertEquals(2, runner.getCounterValue(HeapGuard.YIELD_COUNTER).intValue());

        heap.set(0.80); // below pause, above resume: still paused (hysteresis)
        runner.run(1, false, false);
        assertEquals(2, runner.getQueueSize().getObjectCount());

        heap.set(0.60);
        runner.run(2, true, false);
        assertEquals(0, runner.getQueueSize().getObjectCount());
        assertEquals(3, runner.getFlowFilesForRelationship(ChunkCoordinates.REL_ORIGINAL).size());
        runner.assertTransferCount(ChunkCoordinates.REL_FAILURE, 0);
    }

    @Test
    void resumeMustBeBelowPause() {
        final TestRunner runner = TestRunners.newTestRunner(ChunkCoordinates.class);
        runner.setProperty(HeapGuard.PAUSE_THRESHOLD, "80");
        runner.setProperty(HeapGuard.RESUME_THRESHOLD, "80");
        runner.assertNotValid();
    }
}
