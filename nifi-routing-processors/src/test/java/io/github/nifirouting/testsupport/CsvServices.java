package io.github.nifirouting.testsupport;

import io.github.nifirouting.coordinates.RecordFileCoordinateSet;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.TestRunner;

import java.nio.file.Path;

/**
 * The CSV services most processor tests wire, enabled: a reader that keeps ids and coordinates as written (string fields
 * from the header; the bundle refuses CSVReader's inferred schema), a writer, and a coordinate set read through the reader.
 */
public final class CsvServices {

    public static final String READER = "csv";
    public static final String WRITER = "csv-writer";

    private CsvServices() {
    }

    public static void addTextReader(final TestRunner runner) throws InitializationException {
        final CSVReader reader = new CSVReader();
        runner.addControllerService(READER, reader);
        runner.setProperty(reader, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(reader);
    }

    public static void addTextReaderAndWriter(final TestRunner runner) throws InitializationException {
        addTextReader(runner);
        final CSVRecordSetWriter writer = new CSVRecordSetWriter();
        runner.addControllerService(WRITER, writer);
        runner.enableControllerService(writer);
    }

    /** A {@link RecordFileCoordinateSet} on {@code file} read through {@link #READER} (add the reader first). */
    public static void addCoordinateSet(final TestRunner runner, final String id, final Path file) throws InitializationException {
        final RecordFileCoordinateSet set = new RecordFileCoordinateSet();
        runner.addControllerService(id, set);
        runner.setProperty(set, RecordFileCoordinateSet.FILE_PATH, file.toString());
        runner.setProperty(set, RecordFileCoordinateSet.RECORD_READER, READER);
        runner.enableControllerService(set);
    }
}
