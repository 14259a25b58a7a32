package io.github.nifirouting.tiling;

import io.github.nifirouting.coordinates.InputFieldCheck;
import io.github.nifirouting.coordinates.InputFieldsException;
import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.coordinates.PointValidator;
import io.github.nifirouting.coordinates.DuplicateIdPolicy;
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.MalformedRecordException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.IOException;

/**
 * Streams point records into chunks and O-D tiles, independent of any NiFi session so it can also be driven
 * by benchmarks. Every method reads its input once, record by record, and keeps no records: memory is the
 * open writers plus, when duplicate ids are checked, one 64-bit fingerprint per id.
 * <p>
 * Verdicts are not remembered between passes: each pass validates again with a fresh {@link PointValidator},
 * which reaches the same verdicts because validation is deterministic in input order.
 */
public final class PointTiler {

    /** Opens the input from its beginning; called once per pass. */
    @FunctionalInterface
    public interface RecordSource {
        RecordReader open() throws IOException, MalformedRecordException, SchemaNotFoundException;
    }

    /** Where outputs go: numbered outputs (chunks or tiles) and one optional output of invalid records. */
    public interface Sink {
        RecordSetWriter openOutput(int index, RecordSchema schema) throws IOException, SchemaNotFoundException;

        /** Called after the last record of output {@code index}; the sink finishes and closes the writer. */
        void closeOutput(int index, RecordSetWriter writer, long records) throws IOException;

        RecordSetWriter openInvalid(RecordSchema schema) throws IOException, SchemaNotFoundException;

        void closeInvalid(RecordSetWriter writer, long records) throws IOException;
    }

    /** What a validating pass found. */
    public record Scan(long read, long valid, long invalid, long dropped, RecordSchema schema) {
    }

    /** Input that could not be read as records, with the position where reading failed. */
    public static final class InputException extends Exception {
        private final long recordIndex;

        InputException(final long recordIndex, final Exception cause) {
            super((recordIndex < 0 ? "cannot open the input as records: " : "cannot read record " + recordIndex + " of the input: ")
                    + describe(cause), cause);
            this.recordIndex = recordIndex;
        }

        /** The message of the exception and of its root cause, which usually names what is wrong with the data. */
        private static String describe(final Throwable cause) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == cause || root.getMessage() == null ? String.valueOf(cause.getMessage())
                    : cause.getMessage() + " (" + root.getMessage() + ")";
        }

        /** 0-based index of the record that failed to read, or -1 when the reader failed while opening. */
        public long recordIndex() {
            return recordIndex;
        }
    }

    private final PointFields fields;
    private final DuplicateIdPolicy duplicatePolicy;

    public PointTiler(final PointFields fields, final DuplicateIdPolicy duplicatePolicy) {
        this.fields = fields;
        this.duplicatePolicy = duplicatePolicy;
    }

    /**
     * Pass 1: validates and counts, writing nothing, so malformed input is found before any output exists.
     *
     * @param typedBySource whether the values' types come from the content itself (JSON), see {@link InputFieldCheck}
     * @throws InputFieldsException when the configured fields are missing from the input or typed so they lose values
     */
    public Scan scan(final RecordSource source, final boolean typedBySource) throws InputException, InputFieldsException, IOException {
        final PointValidator validator = new PointValidator(fields, duplicatePolicy);
        long read = 0;
        long valid = 0;
        long invalid = 0;
        long dropped = 0;
        try (RecordReader reader = openReader(source)) {
            final RecordSchema schema = reader.getSchema();
            InputFieldCheck.check(fields, schema, typedBySource);
            Record record;
            while ((record = next(reader, read)) != null) {
                switch (validator.validate(record)) {
                    case VALID -> valid++;
                    case INVALID -> invalid++;
                    case DROPPED_DUPLICATE -> dropped++;
                }
                read++;
            }
            return new Scan(read, valid, invalid, dropped, schema);
        } catch (final MalformedRecordException e) {
            throw new InputException(read, e);
        }
    }

    /**
     * Writes valid records into consecutive outputs of {@code chunkSize} and, if {@code writeInvalid}, invalid
     * records with their reason into the invalid output. One chunk writer is open at a time.
     */
    public void writeChunks(final RecordSource source, final int chunkSize, final boolean writeInvalid, final Sink sink)
            throws InputException, IOException, SchemaNotFoundException {
        writeChunks(source, chunkSize, 0, Integer.MAX_VALUE, writeInvalid, sink);
    }

    /**
     * Writes only chunks {@code [firstChunk, endChunk)}: the valid records before them are read and skipped, and reading
     * stops after the last one unless invalid records are written too (they may come later in the input). Chunk indexes
     * are those of a full run, since validation is deterministic, so a run cut into several ranges writes the same chunks.
     */
    public void writeChunks(final RecordSource source, final int chunkSize, final int firstChunk, final int endChunk,
                            final boolean writeInvalid, final Sink sink) throws InputException, IOException, SchemaNotFoundException {
        final long firstValid = (long) firstChunk * chunkSize;
        final long endValid = (long) endChunk * chunkSize;
        final PointValidator validator = new PointValidator(fields, duplicatePolicy);
        long read = 0;
        long valid = 0;
        try (RecordReader reader = openReader(source);
             InvalidOutput invalid = new InvalidOutput(sink, writeInvalid, reader.getSchema())) {
            final RecordSchema schema = reader.getSchema();
            RecordSetWriter chunk = null;
            int chunkIndex = -1;
            long inChunk = 0;
            Record record;
            while ((record = next(reader, read)) != null) {
                final PointValidator.Verdict verdict = validator.validate(record);
                if (verdict == PointValidator.Verdict.VALID && (valid < firstValid || valid >= endValid)) {
                    valid++;
                    if (valid >= endValid && !writeInvalid) {
                        break;
                    }
                } else if (verdict == PointValidator.Verdict.VALID) {
                    if (chunk == null) {
                        chunkIndex = (int) (valid / chunkSize);
                        chunk = sink.openOutput(chunkIndex, schema);
                        chunk.beginRecordSet();
                    }
                    chunk.write(record);
                    inChunk++;
                    valid++;
                    if (inChunk == chunkSize) {
                        sink.closeOutput(chunkIndex, chunk, inChunk);
                        chunk = null;
                        inChunk = 0;
                        if (valid >= endValid && !writeInvalid) {
                            break;
                        }
                    }
                } else if (verdict == PointValidator.Verdict.INVALID) {
                    invalid.write(record, validator.reading().message(), read);
                }
                read++;
            }
            if (chunk != null) {
                sink.closeOutput(chunkIndex, chunk, inChunk);
            }
        } catch (final MalformedRecordException e) {
            throw new InputException(read, e);
        }
    }

    /**
     * Writes all-pairs tiles {@code [firstTile, firstTile + tileCount)} in one pass. Tile {@code t} pairs origin block
     * {@code t / blocks} with destination block {@code t % blocks}; its records are those of both blocks, marked with
     * their role in {@link TileAttributes#ROLE_FIELD} ({@code both} on the diagonal). At most {@code tileCount} writers
     * are open at once.
     */
    public void writeAllPairsTiles(final RecordSource source, final int blockSize, final int blocks, final int firstTile,
                                   final int tileCount, final boolean writeInvalid, final Sink sink)
            throws InputException, IOException, SchemaNotFoundException {
        final PointValidator validator = new PointValidator(fields, duplicatePolicy);
        final RecordSetWriter[] writers = new RecordSetWriter[tileCount];
        final long[] counts = new long[tileCount];
        long read = 0;
        long valid = 0;
        try (RecordReader reader = openReader(source);
             InvalidOutput invalid = new InvalidOutput(sink, writeInvalid, reader.getSchema())) {
            final RecordSchema schema = PointRecordSchemas.roleSchema(reader.getSchema());
            for (int k = 0; k < tileCount; k++) {
                writers[k] = sink.openOutput(firstTile + k, schema);
                writers[k].beginRecordSet();
            }
            Record record;
            while ((record = next(reader, read)) != null) {
                final PointValidator.Verdict verdict = validator.validate(record);
                if (verdict == PointValidator.Verdict.VALID) {
                    final long block = valid / blockSize;
                    for (int k = 0; k < tileCount; k++) {
                        final int tile = firstTile + k;
                        final int originBlock = tile / blocks;
                        final int destinationBlock = tile % blocks;
                        final String role = originBlock == block
                                ? (destinationBlock == block ? TileAttributes.ROLE_BOTH : TileAttributes.ROLE_ORIGIN)
                                : destinationBlock == block ? TileAttributes.ROLE_DESTINATION : null;
                        if (role != null) {
                            writers[k].write(PointRecordSchemas.roleRecord(schema, record, role));
                            counts[k]++;
                        }
                    }
                    valid++;
                } else if (verdict == PointValidator.Verdict.INVALID) {
                    invalid.write(record, validator.reading().message(), read);
                }
                read++;
            }
            for (int k = 0; k < tileCount; k++) {
                sink.closeOutput(firstTile + k, writers[k], counts[k]);
                writers[k] = null;
            }
        } catch (final MalformedRecordException e) {
            throw new InputException(read, e);
        }
    }

    private static RecordReader openReader(final RecordSource source) throws IOException, InputException {
        try {
            return source.open();
        } catch (final MalformedRecordException | SchemaNotFoundException | RuntimeException e) {
            // Readers that infer a schema read ahead when opened, so some format errors surface here.
            throw new InputException(-1, e);
        }
    }

    private static Record next(final RecordReader reader, final long index) throws IOException, MalformedRecordException {
        try {
            // Values as the reader found them, not coerced to the schema: a JSON reader would otherwise turn the id "01"
            // of a field inferred as choice[double, string] into 1.0. Unknown fields are kept.
            return reader.nextRecord(false, false);
        } catch (final RuntimeException e) {
            // Readers signal some format errors (e.g. a CSV quote left open) with unchecked exceptions.
            throw new MalformedRecordException("record " + index + ": " + e.getMessage(), e);
        }
    }

    /** The invalid-records output, opened on the first invalid record only. */
    private static final class InvalidOutput implements AutoCloseable {
        private final Sink sink;
        private final boolean enabled;
        private final RecordSchema schema;
        private RecordSetWriter writer;
        private long count;

        InvalidOutput(final Sink sink, final boolean enabled, final RecordSchema inputSchema) {
            this.sink = sink;
            this.enabled = enabled;
            this.schema = PointRecordSchemas.invalidSchema(inputSchema);
        }

        void write(final Record record, final String reason, final long index) throws IOException, SchemaNotFoundException {
            if (!enabled) {
                return;
            }
            if (writer == null) {
                writer = sink.openInvalid(schema);
                writer.beginRecordSet();
            }
            writer.write(PointRecordSchemas.invalidRecord(schema, record, reason, index));
            count++;
        }

        @Override
        public void close() throws IOException {
            if (writer != null) {
                sink.closeInvalid(writer, count);
                writer = null;
            }
        }
    }
}
