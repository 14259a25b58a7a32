package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.SizeStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveComparator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Parquet file of flat rows (top-level strings and doubles) whose strings the caller hands over as dictionary ids, with
 * the pages encoded here rather than value by value in parquet-java's column writers. For millions of rows whose strings
 * repeat in a pattern the caller knows (a matrix tile: one origin id for a whole row of pairs, the same destination ids in
 * every row), the string columns then cost an array store per row instead of a hash, an equality check and a statistics
 * comparison per value, and the doubles a store instead of four calls.
 *
 * <p>Layout: strings dictionary-encoded (PLAIN_DICTIONARY, one dictionary per row group, its ids RLE / bit-packed), doubles
 * plain, data pages v1 with RLE definition levels, as parquet-java's {@code ParquetWriter} writes under the "All But
 * Floating Point" dictionary setting. Pages, statistics, column and offset indexes, compression and the file itself
 * go through parquet-java ({@link ColumnChunkPageWriteStore}, {@link ParquetFileWriter}, {@link Statistics}). The file
 * differs from the record path's in where pages and row groups are cut (every column's page ends at the same row, at
 * most the page row-count limit and Page Size / 8 rows; a row group ends when its compressed pages and dictionaries
 * reach the Row Group Size, or after a row whose strings grew a dictionary past the Page Size) and in that a column's
 * dictionary is never abandoned for plain encoding: the row group ends instead. {@code DictionaryRowsTest} reads the
 * files back with parquet-java and DuckDB.
 *
 * <p>Ids are valid within one {@link #generation()}: a new row group starts new dictionaries. A field not set in a row is
 * null; a NaN double is null. Not thread-safe. After a failed write the file is abandoned: closing writes no footer.
 */
public final class DictionaryRows {

    private static final int NULL_ID = -1;

    private final RowGroupFile file;
    private final List<ColumnDescriptor> descriptors;
    private final long rowGroupBytes;
    private final int dictionaryBytesLimit;
    private final Runnable countRow;
    private final String[] names;
    /** By field: whether it is a string (dictionary) field, and whether its Parquet column is optional (has definition levels). */
    private final boolean[] text;
    private final boolean[] optional;
    /** By string field: the current row group's dictionary. */
    private final Dictionary[] dictionaries;
    /** The current page, by field: the rows' dictionary ids (strings) or values (doubles). */
    private final int[][] ids;
    private final double[][] numbers;
    private final int rowsPerPage;
    /** Bit i set: field i was set in the current row; every field's bit. */
    private long setInRow;
    private final long allFields;
    private final boolean anyRequired;
    private int rowInPage;
    /** Scratch for one column's definition levels and non-null ids while a page is encoded. */
    private final int[] levels;
    private final int[] values;
    private final HybridRuns page = new HybridRuns();

    private ColumnChunkPageWriteStore pages;
    private PageWriter[] pageWriters;
    private long rowsInGroup;
    private int generation;
    /** Whether an entry was added to a dictionary since the last check of their sizes. */
    private boolean dictionaryGrew;
    private boolean failed;
    private boolean closed;

    /**
     * @param codecs released when the file is closed (as {@code ParquetWriter} releases its codec factory)
     */
    DictionaryRows(final RecordSchema recordSchema, final OutputFile out, final MessageType schema, final ParquetProperties properties,
                   final CompressionCodecFactory codecs, final CompressionCodecName codec, final long rowGroupBytes, final Runnable countRow)
            throws IOException {
        final List<RecordField> fields = recordSchema.getFields();
        this.descriptors = schema.getColumns();
        if (descriptors.size() != fields.size() || fields.size() > Long.SIZE) {
            throw new IllegalArgumentException("schema " + recordSchema.getFieldNames() + " is not flat");
        }
        this.rowGroupBytes = rowGroupBytes;
        this.dictionaryBytesLimit = properties.getDictionaryPageSizeThreshold();
        this.countRow = countRow;
        this.names = new String[fields.size()];
        this.text = new boolean[fields.size()];
        this.optional = new boolean[fields.size()];
        this.dictionaries = new Dictionary[fields.size()];
        this.ids = new int[fields.size()][];
        this.numbers = new double[fields.size()][];
        this.rowsPerPage = Math.max(1, Math.min(properties.getPageRowCountLimit(), properties.getPageSizeThreshold() / Double.BYTES));
        for (int field = 0; field < fields.size(); field++) {
            names[field] = fields.get(field).getFieldName();
            text[field] = fields.get(field).getDataType().getFieldType() == RecordFieldType.STRING;
            optional[field] = descriptors.get(field).getMaxDefinitionLevel() > 0;
            if (text[field]) {
                dictionaries[field] = new Dictionary(descriptors.get(field).getPrimitiveType().comparator());
                ids[field] = new int[rowsPerPage];
            } else {
                numbers[field] = new double[rowsPerPage];
            }
        }
        this.allFields = fields.size() == Long.SIZE ? -1L : (1L << fields.size()) - 1;
        boolean required = false;
        for (final boolean field : optional) {
            required |= !field;
        }
        this.anyRequired = required;
        this.levels = new int[rowsPerPage];
        this.values = new int[rowsPerPage];
        this.file = new RowGroupFile(out, schema, properties, codecs, codec, rowGroupBytes);
        startRowGroup();
    }

    /**
     * The id of {@code value} in the string field's dictionary of the current row group, added if new. Valid while
     * {@link #generation()} stays the same.
     */
    public int id(final int field, final String value) {
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        final Dictionary dictionary = dictionaries[field];
        final int size = dictionary.size();
        final int id = dictionary.id(value);
        dictionaryGrew |= dictionary.size() != size;
        return id;
    }

    /** Changes when a row group ends, and with it every dictionary: ids from {@link #id} must then be asked for again. */
    public int generation() {
        return generation;
    }

    /** Sets a STRING field of the current row to the value of a dictionary id from {@link #id} of this generation. */
    public void text(final int field, final int id) {
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        if (id < 0 || id >= dictionaries[field].size()) {
            throw new IllegalArgumentException("field " + names[field] + ": " + id + " is not an id of the current dictionary");
        }
        mark(field);
        ids[field][rowInPage] = id;
    }

    /** Sets a DOUBLE field of the current row; NaN is null. */
    public void number(final int field, final double value) {
        if (text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a double field");
        }
        mark(field);
        numbers[field][rowInPage] = value;
    }

    private void mark(final int field) {
        final long bit = 1L << field;
        if ((setInRow & bit) != 0) {
            throw new IllegalStateException("field " + names[field] + " was already set in this row");
        }
        setInRow |= bit;
    }

    /** Writes the current row (fields not set are null) and starts the next one. */
    public void endRow() throws IOException {
        endRows(1);
    }

    /**
     * Rows that fit in the current page: what the column-wise setters below may fill before {@link #endRows}. Always at
     * least 1.
     */
    public int pageRoom() {
        return rowsPerPage - rowInPage;
    }

    /** Sets a STRING field of the next {@code count} rows (at most {@link #pageRoom()}) to one dictionary id. */
    public void textRun(final int field, final int id, final int count) {
        checkRoom(count);
        text(field, id);
        Arrays.fill(ids[field], rowInPage + 1, rowInPage + count, id);
    }

    /** Sets a STRING field of the next {@code count} rows (at most {@link #pageRoom()}) to {@code from[offset..offset+count)}. */
    public void texts(final int field, final int[] from, final int offset, final int count) {
        checkRoom(count);
        if (!text[field]) {
            throw new IllegalArgumentException("field " + names[field] + " is not a string field");
        }
        final int size = dictionaries[field].size();
        for (int index = offset; index < offset + count; index++) {
            if (from[index] < 0 || from[index] >= size) {
                throw new IllegalArgumentException("field " + names[field] + ": " + from[index] + " is not an id of the current dictionary");
            }
        }
        mark(field);
        System.arraycopy(from, offset, ids[field], rowInPage, count);
    }

    /** Sets a DOUBLE field of the next {@code count} rows (at most {@link #pageRoom()}) to {@code from[offset..offset+count)}; NaN is null. */
    public void numbers(final int field, final double[] from, final int offset, final int count) {
        checkRoom(count);
        number(field, from[offset]);
        System.arraycopy(from, offset + 1, numbers[field], rowInPage + 1, count - 1);
    }

    /** Sets a DOUBLE field of the next {@code count} rows (at most {@link #pageRoom()}) to one value; NaN is null. */
    public void numberRun(final int field, final double value, final int count) {
        checkRoom(count);
        number(field, value);
        Arrays.fill(numbers[field], rowInPage + 1, rowInPage + count, value);
    }

    private void checkRoom(final int count) {
        if (count < 1 || count > pageRoom()) {
            throw new IllegalArgumentException(count + " rows do not fit in the page's room of " + pageRoom());
        }
    }

    /**
     * Writes the next {@code count} rows (at most {@link #pageRoom()}), whose fields were set by the column-wise setters
     * above (fields not set are null), and starts the row after them.
     */
    public void endRows(final int count) throws IOException {
        checkRoom(count);
        final int end = rowInPage + count;
        if (setInRow != allFields) {
            for (int field = 0; field < names.length; field++) {
                if ((setInRow & (1L << field)) == 0) {
                    if (text[field]) {
                        Arrays.fill(ids[field], rowInPage, end, NULL_ID);
                    } else {
                        Arrays.fill(numbers[field], rowInPage, end, Double.NaN);
                    }
                }
            }
        }
        for (int field = 0; anyRequired && field < names.length; field++) {
            for (int row = rowInPage; !optional[field] && row < end; row++) {
                if (text[field] ? ids[field][row] == NULL_ID : Double.isNaN(numbers[field][row])) {
                    failed = true;
                    throw new IllegalArgumentException("field " + names[field] + " is required but a row has no value for it");
                }
            }
        }
        setInRow = 0;
        rowInPage = end;
        rowsInGroup += count;
        for (int row = 0; row < count; row++) {
            countRow.run();
        }
        try {
            if (rowInPage == rowsPerPage) {
                writePages();
                if (bufferedBytes() >= rowGroupBytes) {
                    flushRowGroup();
                    startRowGroup();
                }
            }
            if (dictionaryGrew && anyDictionaryFull()) {
                writePages();
                flushRowGroup();
                startRowGroup();
            }
        } catch (final IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    private boolean anyDictionaryFull() {
        dictionaryGrew = false;
        for (final Dictionary dictionary : dictionaries) {
            if (dictionary != null && dictionary.bytes > dictionaryBytesLimit) {
                return true;
            }
        }
        return false;
    }

    /** What the row group holds so far: compressed pages and the dictionaries (written uncompressed size). */
    private long bufferedBytes() {
        long bytes = 0;
        for (int field = 0; field < names.length; field++) {
            bytes += pageWriters[field].getMemSize();
            if (dictionaries[field] != null) {
                bytes += dictionaries[field].bytes;
            }
        }
        return bytes;
    }

    private void startRowGroup() {
        pages = file.newPageStore();
        pageWriters = new PageWriter[descriptors.size()];
        for (int field = 0; field < pageWriters.length; field++) {
            pageWriters[field] = pages.getPageWriter(descriptors.get(field));
            if (dictionaries[field] != null) {
                dictionaries[field].clear();
            }
        }
        generation++;
    }

    /** Encodes the current page of every column and hands it to its page writer (which compresses it). */
    private void writePages() throws IOException {
        if (rowInPage == 0) {
            return;
        }
        for (int field = 0; field < names.length; field++) {
            if (text[field]) {
                writeTextPage(field);
            } else {
                writeNumberPage(field);
            }
        }
        rowInPage = 0;
    }

    private void writeNumberPage(final int field) throws IOException {
        final double[] column = numbers[field];
        final int rows = rowInPage;
        int nulls = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int row = 0; row < rows; row++) {
            final double value = column[row];
            // NaN (null) fails both comparisons.
            if (value < min) {
                min = value;
            }
            if (value > max) {
                max = value;
            }
            if (value != value) {
                nulls++;
            }
        }
        page.clear();
        if (optional[field]) {
            putDefinitionLevels(rows, nulls, row -> column[row] == column[row]);
        }
        page.putDoublesNotNaN(column, rows);
        final Statistics<?> statistics = Statistics.createStats(descriptors.get(field).getPrimitiveType());
        if (nulls < rows) {
            statistics.updateStats(min);
            statistics.updateStats(max);
        }
        statistics.incrementNumNulls(nulls);
        pageWriters[field].writePage(page.bytes(), rows, rows, statistics, sizeStatistics(field, 0), null, Encoding.BIT_PACKED, Encoding.RLE,
                Encoding.PLAIN);
    }

    private void writeTextPage(final int field) throws IOException {
        final int[] column = ids[field];
        final Dictionary dictionary = dictionaries[field];
        final int rows = rowInPage;
        int count = 0;
        long textBytes = 0;
        int min = NULL_ID;
        int max = NULL_ID;
        // Strings are compared once per distinct id in the page, not once per row.
        final int pageNumber = ++dictionary.pages;
        final int[] seenInPage = dictionary.seenInPage;
        final int[] lengths = dictionary.lengths;
        for (int row = 0; row < rows; row++) {
            final int id = column[row];
            if (id != NULL_ID) {
                values[count++] = id;
                textBytes += lengths[id];
                if (seenInPage[id] != pageNumber) {
                    seenInPage[id] = pageNumber;
                    if (min == NULL_ID || dictionary.compare(id, min) < 0) {
                        min = id;
                    }
                    if (max == NULL_ID || dictionary.compare(id, max) > 0) {
                        max = id;
                    }
                }
            }
        }
        final int nulls = rows - count;
        page.clear();
        if (optional[field]) {
            putDefinitionLevels(rows, nulls, row -> column[row] != NULL_ID);
        }
        final Statistics<?> statistics = Statistics.createStats(descriptors.get(field).getPrimitiveType());
        final Encoding encoding;
        if (count > 0) {
            statistics.updateStats(dictionary.value(min));
            statistics.updateStats(dictionary.value(max));
            final int bitWidth = HybridRuns.bitWidth(dictionary.size() - 1);
            page.putByte(bitWidth);
            page.putHybrid(values, count, bitWidth);
            encoding = Encoding.PLAIN_DICTIONARY;
        } else {
            // No value: nothing refers to the dictionary (parquet-java writes such a page plain too).
            encoding = Encoding.PLAIN;
        }
        statistics.incrementNumNulls(nulls);
        pageWriters[field].writePage(page.bytes(), rows, rows, statistics, sizeStatistics(field, textBytes), null, Encoding.BIT_PACKED,
                Encoding.RLE, encoding);
    }

    private interface RowPredicate {
        boolean test(int row);
    }

    /** Puts a data page v1's definition levels (4-byte length, then the runs; one run when the page has no null or only nulls). */
    private void putDefinitionLevels(final int rows, final int nulls, final RowPredicate present) {
        final int length = page.reserveInt();
        if (nulls == 0 || nulls == rows) {
            page.putRleRun(rows, nulls == 0 ? 1 : 0, 1);
        } else {
            for (int row = 0; row < rows; row++) {
                levels[row] = present.test(row) ? 1 : 0;
            }
            page.putHybrid(levels, rows, 1);
        }
        page.putIntAt(length, page.size() - length - Integer.BYTES);
    }

    /** Level histograms are omitted for flat optional columns (max levels 0 and 1), as parquet-java does. */
    private SizeStatistics sizeStatistics(final int field, final long textBytes) {
        return new SizeStatistics(descriptors.get(field).getPrimitiveType(), textBytes, new ArrayList<>(), new ArrayList<>());
    }

    private void flushRowGroup() throws IOException {
        try {
            writePages();
            if (rowsInGroup > 0) {
                for (int field = 0; field < names.length; field++) {
                    final Dictionary dictionary = dictionaries[field];
                    if (dictionary != null && dictionary.size() > 0) {
                        pageWriters[field].writeDictionaryPage(new DictionaryPage(dictionary.plainPage(), dictionary.size(),
                                Encoding.PLAIN_DICTIONARY));
                    }
                }
                file.write(pages, rowsInGroup);
                rowsInGroup = 0;
            }
        } finally {
            pages.close();
        }
    }

    /** Flushes the last row group and writes the footer (no key-value metadata, as the record path's writer). */
    void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!failed) {
                flushRowGroup();
            } else {
                pages.close();
            }
        } finally {
            file.close(!failed);
        }
    }

    /** One string column's dictionary for one row group: ids in order of first use. */
    private static final class Dictionary {
        private final PrimitiveComparator<Binary> comparator;
        private final Map<String, Integer> idsByValue = new HashMap<>();
        private Binary[] entries = new Binary[256];
        /** By id: the entry's UTF-8 length, and the last page (of {@link #pages}) whose statistics counted it. */
        private int[] lengths = new int[256];
        private int[] seenInPage = new int[256];
        private int pages;
        private int size;
        /** Size of the plain-encoded dictionary page: 4-byte length and UTF-8 bytes per entry. */
        private long bytes;

        Dictionary(final PrimitiveComparator<Binary> comparator) {
            this.comparator = comparator;
        }

        int id(final String value) {
            final Integer known = idsByValue.get(value);
            if (known != null) {
                return known;
            }
            if (size == entries.length) {
                entries = Arrays.copyOf(entries, size * 2);
                lengths = Arrays.copyOf(lengths, size * 2);
                seenInPage = Arrays.copyOf(seenInPage, size * 2);
            }
            final Binary utf8 = Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
            entries[size] = utf8;
            lengths[size] = utf8.length();
            bytes += Integer.BYTES + utf8.length();
            idsByValue.put(value, size);
            return size++;
        }

        int size() {
            return size;
        }

        Binary value(final int id) {
            return entries[id];
        }

        int compare(final int left, final int right) {
            return comparator.compare(entries[left], entries[right]);
        }

        BytesInput plainPage() {
            final HybridRuns plain = new HybridRuns();
            for (int id = 0; id < size; id++) {
                final byte[] utf8 = entries[id].getBytesUnsafe();
                plain.putIntLittleEndian(utf8.length);
                plain.putBytes(utf8);
            }
            return plain.bytes();
        }

        void clear() {
            idsByValue.clear();
            Arrays.fill(entries, 0, size, null);
            size = 0;
            bytes = 0;
        }
    }
}
