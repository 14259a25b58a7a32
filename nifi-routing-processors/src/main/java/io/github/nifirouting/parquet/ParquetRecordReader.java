package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.record.DataType;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.serialization.record.type.ArrayDataType;
import org.apache.nifi.serialization.record.type.MapDataType;
import org.apache.nifi.serialization.record.type.RecordDataType;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Parquet file record by record. Parquet keeps its index in a footer at the end, so the FlowFile content is
 * first copied to a temporary file (disk, not heap); then one row group at a time is decoded. The temporary file is
 * deleted on close.
 */
final class ParquetRecordReader implements RecordReader {

    private final Path file;
    private final ParquetFileReader reader;
    private final MessageType parquetSchema;
    private final RecordSchema schema;
    private final MessageColumnIO columnIO;
    private org.apache.parquet.io.RecordReader<Group> rows;
    private long rowsLeft;

    ParquetRecordReader(final InputStream in) throws IOException {
        file = Files.createTempFile("nifi-routing-parquet-", ".parquet");
        try {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            reader = ParquetFileReader.open(new LocalInputFile(file), org.apache.parquet.HadoopFreeReadOptions.of(Codecs.INSTANCE));
        } catch (final IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e instanceof IOException io ? io : new IOException("not a Parquet file: " + e.getMessage(), e);
        }
        parquetSchema = reader.getFooter().getFileMetaData().getSchema();
        schema = ParquetSchemas.toNiFi(parquetSchema);
        columnIO = new ColumnIOFactory().getColumnIO(parquetSchema);
    }

    /** The file's key-value metadata, e.g. the GeoParquet {@code geo} document. */
    Map<String, String> keyValueMetadata() {
        return reader.getFooter().getFileMetaData().getKeyValueMetaData();
    }

    @Override
    public Record nextRecord(final boolean coerceTypes, final boolean dropUnknownFields) throws IOException {
        while (rowsLeft == 0) {
            final PageReadStore rowGroup = reader.readNextRowGroup();
            if (rowGroup == null) {
                return null;
            }
            rowsLeft = rowGroup.getRowCount();
            rows = columnIO.getRecordReader(rowGroup, new GroupRecordConverter(parquetSchema));
        }
        rowsLeft--;
        return toRecord(rows.read(), schema, parquetSchema);
    }

    @Override
    public RecordSchema getSchema() {
        return schema;
    }

    private static Record toRecord(final Group group, final RecordSchema recordSchema, final GroupType type) {
        final Map<String, Object> values = new LinkedHashMap<>();
        final List<RecordField> fields = recordSchema.getFields();
        for (int i = 0; i < fields.size(); i++) {
            final RecordField field = fields.get(i);
            values.put(field.getFieldName(), group.getFieldRepetitionCount(i) == 0 ? null
                    : value(group, i, 0, field.getDataType(), type.getType(i)));
        }
        return new MapRecord(recordSchema, values);
    }

    private static Object value(final Group group, final int field, final int index, final DataType dataType, final Type type) {
        return switch (dataType.getFieldType()) {
            case BOOLEAN -> group.getBoolean(field, index);
            case INT -> group.getInteger(field, index);
            case LONG -> group.getLong(field, index);
            case FLOAT -> group.getFloat(field, index);
            case DOUBLE -> group.getDouble(field, index);
            case DATE -> Date.valueOf(LocalDate.ofEpochDay(group.getInteger(field, index)));
            case TIME -> new Time(group.getInteger(field, index));
            case TIMESTAMP -> new Timestamp(group.getLong(field, index));
            case STRING -> group.getString(field, index);
            case RECORD -> toRecord(group.getGroup(field, index), ((RecordDataType) dataType).getChildSchema(), type.asGroupType());
            case ARRAY -> {
                final DataType element = ((ArrayDataType) dataType).getElementType();
                if (element.getFieldType() == RecordFieldType.BYTE) {
                    yield group.getBinary(field, index).getBytes();
                }
                final Group list = group.getGroup(field, index);
                final int count = list.getFieldRepetitionCount(0);
                final Object[] elements = new Object[count];
                final GroupType repeated = type.asGroupType().getType(0).asGroupType();
                for (int k = 0; k < count; k++) {
                    final Group item = list.getGroup(0, k);
                    elements[k] = item.getFieldRepetitionCount(0) == 0 ? null : value(item, 0, 0, element, repeated.getType(0));
                }
                yield elements;
            }
            case MAP -> {
                final Group map = group.getGroup(field, index);
                final int count = map.getFieldRepetitionCount(0);
                final Map<String, Object> entries = new HashMap<>();
                final GroupType keyValue = type.asGroupType().getType(0).asGroupType();
                for (int k = 0; k < count; k++) {
                    final Group entry = map.getGroup(0, k);
                    entries.put(entry.getString(0, 0), entry.getFieldRepetitionCount(1) == 0 ? null
                            : value(entry, 1, 0, ((MapDataType) dataType).getValueType(), keyValue.getType(1)));
                }
                yield entries;
            }
            default -> group.getValueToString(field, index);
        };
    }

    @Override
    public void close() throws IOException {
        try {
            reader.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
