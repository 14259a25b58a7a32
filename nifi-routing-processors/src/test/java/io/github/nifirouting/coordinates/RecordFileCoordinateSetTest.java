package io.github.nifirouting.coordinates;

import io.github.nifirouting.model.CoordinateSet;
import io.github.nifirouting.testsupport.ServiceValidation;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordFileCoordinateSetTest {

    @TempDir
    Path dir;

    private TestRunner runner;
    private RecordFileCoordinateSet service;

    /** Controller services need a processor to be tested with; this one does nothing. */
    public static class NoopProcessor extends AbstractProcessor {
        @Override
        public void onTrigger(final ProcessContext context, final ProcessSession session) {
        }
    }

    @BeforeEach
    void setUp() throws InitializationException {
        runner = TestRunners.newTestRunner(NoopProcessor.class);
        final CSVReader reader = new CSVReader();
        runner.addControllerService("csv", reader);
        runner.setProperty(reader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(reader);
        service = new RecordFileCoordinateSet();
        runner.addControllerService("set", service);
        runner.setProperty(service, RecordFileCoordinateSet.RECORD_READER, "csv");
    }

    private void enable(final Path file) {
        runner.setProperty(service, RecordFileCoordinateSet.FILE_PATH, file.toString());
        runner.enableControllerService(service);
    }

    @Test
    void loadsValidPointsInOrderAndCountsInvalid() throws IOException {
        final Path file = dir.resolve("competitors.csv");
        Files.writeString(file, "id,latitude,longitude\nc1,42.5,1.5\nc2,91,1.5\nc3,42.6,1.6\nc1,42.7,1.7\nc4,0,0\n");
        enable(file);
        final CoordinateSet set = service.getCoordinateSet();
        assertEquals(2, set.size());
        assertEquals(3, set.invalidCount(), "out of range, duplicate id, null island");
        assertEquals("c1", set.points().id(0));
        assertEquals(42.6, set.points().latitude(1));
        assertEquals(1.6, set.points().longitude(1));
        assertSame(set, service.getCoordinateSet(), "an unchanged file is not read again");
    }

    @Test
    void reloadsWhenTheFileChangesWithANewVersion() throws IOException {
        final Path file = dir.resolve("competitors.csv");
        Files.writeString(file, "id,latitude,longitude\nc1,42.5,1.5\n");
        enable(file);
        final CoordinateSet first = service.getCoordinateSet();
        Files.writeString(file, "id,latitude,longitude\nc1,42.5,1.5\nc2,42.6,1.6\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        final CoordinateSet second = service.getCoordinateSet();
        assertEquals(2, second.size());
        assertNotEquals(first.version(), second.version());
    }

    @Test
    void identicalCopiesWithDifferentModificationTimesHaveTheSameVersion() throws Exception {
        final String content = "id,latitude,longitude\nc1,42.5,1.5\nc2,42.6,1.6\n";
        final Path nodeA = Files.writeString(dir.resolve("node-a.csv"), content);
        final Path nodeB = Files.writeString(dir.resolve("node-b.csv"), content);
        Files.setLastModifiedTime(nodeA, FileTime.fromMillis(1_600_000_000_000L));
        Files.setLastModifiedTime(nodeB, FileTime.fromMillis(1_700_000_000_000L));
        enable(nodeA);
        final CoordinateSet onA = service.getCoordinateSet();
        final RecordFileCoordinateSet otherNode = new RecordFileCoordinateSet();
        runner.addControllerService("set-b", otherNode);
        runner.setProperty(otherNode, RecordFileCoordinateSet.RECORD_READER, "csv");
        runner.setProperty(otherNode, RecordFileCoordinateSet.FILE_PATH, nodeB.toString());
        runner.enableControllerService(otherNode);
        assertEquals(onA.version(), otherNode.getCoordinateSet().version(), "the version is the content's, not the file's");
        assertTrue(onA.version().startsWith("2-"), onA.version());

        Files.setLastModifiedTime(nodeA, FileTime.fromMillis(1_650_000_000_000L)); // touched or copied again: same content
        assertSame(onA, service.getCoordinateSet(), "same content, same set and version");
    }

    @Test
    void aChangedFileKeepsThePreviousVersionsForTheirTilesUpToRetainedVersions() throws IOException {
        final Path file = dir.resolve("competitors.csv");
        Files.writeString(file, "id,latitude,longitude\nc1,42.5,1.5\nc2,42.6,1.6\n");
        runner.setProperty(service, RecordFileCoordinateSet.RETAINED_VERSIONS, "1");
        enable(file);
        final CoordinateSet first = service.getCoordinateSet();
        rewrite(file, "id,latitude,longitude\nc0,42.4,1.4\nc1,42.5,1.5\nc2,42.6,1.6\n");
        final CoordinateSet second = service.getCoordinateSet();
        assertNotEquals(first.version(), second.version());
        assertSame(first, service.getCoordinateSet(first.version()), "tiles cut against the first version still find their points");
        assertEquals("c1", service.getCoordinateSet(first.version()).points().id(0));
        rewrite(file, "id,latitude,longitude\nc9,42.9,1.9\n");
        final CoordinateSet third = service.getCoordinateSet();
        assertSame(second, service.getCoordinateSet(second.version()));
        assertSame(third, service.getCoordinateSet(first.version()), "beyond Retained Versions: the current set, whose version differs");
    }

    private static void rewrite(final Path file, final String content) throws IOException {
        final long before = Files.getLastModifiedTime(file).toMillis();
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(before + 2000));
    }

    @Test
    void honoursKeepForDuplicateIdsAndBoundingBox() throws IOException {
        final Path file = dir.resolve("competitors.csv");
        Files.writeString(file, "id,latitude,longitude\nc1,42.5,1.5\nc1,42.6,1.6\nfar,48.8,2.3\n");
        runner.setProperty(service, RecordFileCoordinateSet.DUPLICATE_IDS, "keep");
        runner.setProperty(service, PointFields.BOUNDING_BOX, "1.4,42.4,1.8,42.7");
        enable(file);
        assertEquals(2, service.getCoordinateSet().size());
        assertEquals(1, service.getCoordinateSet().invalidCount());
    }

    @Test
    void verifyReportsSizeAndFailsOnMissingFile() throws IOException {
        final Path file = dir.resolve("competitors.csv");
        Files.writeString(file, "id,latitude,longitude\nc1,42.5,1.5\nc2,42.6,1.6\n");
        final List<ConfigVerificationResult> ok = verify(file);
        assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, ok.get(0).getOutcome());
        assertTrue(ok.get(0).getExplanation().contains("Read 2 valid points"), ok.get(0).getExplanation());

        final List<ConfigVerificationResult> missing = verify(dir.resolve("missing.csv"));
        assertEquals(ConfigVerificationResult.Outcome.FAILED, missing.get(0).getOutcome());
    }

    @Test
    void missingFileIsInvalidBeforeEnablingAndNamesTheAbsolutePath() throws IOException {
        final Path missing = dir.resolve("competitors").resolve("competitors.csv");
        runner.setProperty(service, RecordFileCoordinateSet.FILE_PATH, missing.toString());
        runner.assertNotValid(service);
        assertEquals(List.of("coordinate file not found: looked for " + missing.toAbsolutePath() + " (its directory "
                + missing.getParent().toAbsolutePath() + " does not exist either)"), ServiceValidation.problems(runner, service));

        Files.createDirectories(missing.getParent());
        runner.setProperty(service, RecordFileCoordinateSet.FILE_PATH, missing.getParent().toString());
        assertEquals(List.of("coordinate file " + missing.getParent().toAbsolutePath() + " is not a file but a directory"),
                ServiceValidation.problems(runner, service));

        Files.writeString(missing, "id,latitude,longitude\nc1,42.5,1.5\n");
        runner.setProperty(service, RecordFileCoordinateSet.FILE_PATH, missing.toString());
        runner.assertValid(service);
    }

    @Test
    void misspeltHeaderIsNamedOnceWhenLoading() throws IOException {
        final Path file = dir.resolve("competitors.csv");
        Files.writeString(file, "ID,Latitude ,Longitude\nc1,42.5,1.5\nc2,42.6,1.6\n");
        final List<ConfigVerificationResult> results = verify(file);
        assertEquals(ConfigVerificationResult.Outcome.FAILED, results.get(0).getOutcome());
        final String explanation = results.get(0).getExplanation();
        assertTrue(explanation.contains("no field 'id' (Id Field): did you mean 'ID'?"), explanation);
        assertTrue(explanation.contains("no field 'latitude' (Latitude Field): did you mean 'Latitude'?"), explanation);
        assertTrue(explanation.contains("found the fields ['ID', 'Latitude', 'Longitude']"), explanation);
    }

    @Test
    void millionPointsStayUnder64Megabytes() throws IOException {
        final Path file = dir.resolve("million.csv");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id,latitude,longitude\n");
            for (int i = 0; i < 1_000_000; i++) {
                out.write("site-" + i + "," + (40 + (i % 10_000) * 1e-4) + "," + (1 + (i / 10_000) * 1e-3) + "\n");
            }
        }
        final long before = usedHeapAfterGc();
        enable(file);
        final CoordinateSet set = service.getCoordinateSet();
        final long after = usedHeapAfterGc();
        assertEquals(1_000_000, set.size());
        final long retained = set.points().retainedBytes();
        System.out.printf("coordinate set of %,d points: %,d bytes in arrays (%.1f B/point), heap growth after GC %,d bytes%n",
                set.size(), retained, retained / (double) set.size(), after - before);
        assertTrue(retained < 64L * 1024 * 1024, "retained " + retained);
        assertTrue(after - before < 64L * 1024 * 1024, "heap growth " + (after - before));
        assertEquals("site-999999", set.points().id(999_999));
    }

    private List<ConfigVerificationResult> verify(final Path file) {
        final Map<PropertyDescriptor, String> properties = Map.of(RecordFileCoordinateSet.FILE_PATH, file.toString(),
                RecordFileCoordinateSet.RECORD_READER, "csv");
        final MockConfigurationContext context = new MockConfigurationContext(service, properties,
                runner.getProcessContext().getControllerServiceLookup(), Map.of());
        return service.verify(context, runner.getLogger(), Map.of());
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
