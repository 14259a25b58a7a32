package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.record.DataType;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.serialization.record.type.ArrayDataType;
import org.apache.nifi.serialization.record.type.MapDataType;
import org.apache.nifi.serialization.record.type.RecordDataType;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

import java.math.BigDecimal;
import java.sql.Time;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Writes NiFi records through Parquet's record consumer, one value at a time: nothing but the row group is buffered. */
final class RecordWriteSupport extends WriteSupport<Record> {

    private final RecordSchema schema;
    private final MessageType parquetSchema;
    private final GeometryColumns geometry;
    private RecordConsumer consumer;
    /** By top-level field index: a geometry column (looked up once, not per value). */
    private final boolean[] geometryField;
    /** By top-level field index: the last string written and its UTF-8 Binary (a matrix repeats its origin id per row). */
    private final String[] lastText;
    private final Binary[] lastBinary;

    RecordWriteSupport(final RecordSchema schema, final GeometryColumns geometry) {
        this.schema = schema;
        this.geometry = geometry;
        this.parquetSchema = ParquetSchemas.toParquet(schema, geometry);
        final List<RecordField> fields = schema.getFields();
        this.geometryField = new boolean[fields.size()];
        for (int index = 0; index < fields.size(); index++) {
            geometryField[index] = geometry.isGeometry(fields.get(index).getFieldName());
        }
        this.lastText = new String[fields.size()];
        this.lastBinary = new Binary[fields.size()];
    }

    MessageType parquetSchema() {
        return parquetSchema;
    }

    @Override
    public WriteContext init(final org.apache.hadoop.conf.Configuration configuration) {
        return new WriteContext(parquetSchema, Map.of());
    }

    @Override
    public WriteContext init(final ParquetConfiguration configuration) {
        return new WriteContext(parquetSchema, Map.of());
    }

    @Override
    public void prepareForWrite(final RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
    }

    @Override
    public FinalizedWriteContext finalizeWrite() {
        return new FinalizedWriteContext(geometry.isEmpty() ? Map.of() : Map.of(GeometryColumns.GEO_KEY, geometry.geoMetadata()));
    }

    @Override
    public void write(final Record record) {
        consumer.startMessage();
        writeFields(schema, record, true);
        consumer.endMessage();
    }

    private void writeFields(final RecordSchema recordSchema, final Record record, final boolean topLevel) {
        final List<RecordField> fields = recordSchema.getFields();
        for (int index = 0; index < fields.size(); index++) {
            final RecordField field = fields.get(index);
            final Object value = record.getValue(field);
            if (value == null) {
                continue;
            }
            consumer.startField(field.getFieldName(), index);
            if (topLevel && geometryField[index]) {
                consumer.addBinary(Binary.fromConstantByteArray(geometry.toWkb(field.getFieldName(), value)));
            } else if (topLevel && field.getDataType().getFieldType() == RecordFieldType.STRING) {
                consumer.addBinary(topLevelText(index, value.toString()));
            } else {
                writeValue(field.getFieldName(), field.getDataType(), value);
            }
            consumer.endField(field.getFieldName(), index);
        }
    }

    /** The same bytes as {@code Binary.fromString}; the previous value's Binary again when the text repeats (Parquet copies what it keeps). */
    private Binary topLevelText(final int index, final String text) {
        if (!text.equals(lastText[index])) {
            lastText[index] = text;
            lastBinary[index] = Binary.fromConstantByteArray(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return lastBinary[index];
    }

    private void writeValue(final String name, final DataType type, final Object value) {
        switch (type.getFieldType()) {
            case BOOLEAN -> consumer.addBoolean(value instanceof Boolean b ? b : Boolean.parseBoolean(value.toString()));
            case BYTE, SHORT, INT -> consumer.addInteger(value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim()));
            case LONG -> consumer.addLong(value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim()));
            case FLOAT -> consumer.addFloat(value instanceof Number n ? n.floatValue() : Float.parseFloat(value.toString().trim()));
            case DOUBLE, DECIMAL -> consumer.addDouble(value instanceof Number n ? n.doubleValue() : new BigDecimal(value.toString().trim()).doubleValue());
            case DATE -> consumer.addInteger((int) localDate(name, value).toEpochDay());
            case TIME -> consumer.addInteger(millisOfDay(name, value));
            case TIMESTAMP -> consumer.addLong(epochMillis(name, value));
            case RECORD -> {
                consumer.startGroup();
                writeFields(((RecordDataType) type).getChildSchema(), (Record) value, false);
                consumer.endGroup();
            }
            case ARRAY -> writeArray(name, (ArrayDataType) type, value);
            case MAP -> writeMap(name, (MapDataType) type, (Map<?, ?>) value);
            default -> consumer.addBinary(Binary.fromString(value.toString()));
        }
    }

    private void writeArray(final String name, final ArrayDataType type, final Object value) {
        if (type.getElementType().getFieldType() == RecordFieldType.BYTE) {
            consumer.addBinary(Binary.fromConstantByteArray(bytes(value)));
            return;
        }
        final Object[] elements = value instanceof Object[] array ? array : value instanceof Collection<?> list ? list.toArray() : new Object[]{value};
        consumer.startGroup();
        if (elements.length > 0) {
            consumer.startField("list", 0);
            for (final Object element : elements) {
                consumer.startGroup();
                if (element != null) {
                    consumer.startField("element", 0);
                    writeValue(name, type.getElementType(), element);
                    consumer.endField("element", 0);
                }
                consumer.endGroup();
            }
            consumer.endField("list", 0);
        }
        consumer.endGroup();
    }

    private void writeMap(final String name, final MapDataType type, final Map<?, ?> map) {
        consumer.startGroup();
        if (!map.isEmpty()) {
            consumer.startField("key_value", 0);
            for (final Map.Entry<?, ?> entry : map.entrySet()) {
                consumer.startGroup();
                consumer.startField("key", 0);
                consumer.addBinary(Binary.fromString(String.valueOf(entry.getKey())));
                consumer.endField("key", 0);
                if (entry.getValue() != null) {
                    consumer.startField("value", 1);
                    writeValue(name, type.getValueType(), entry.getValue());
                    consumer.endField("value", 1);
                }
                consumer.endGroup();
            }
            consumer.endField("key_value", 0);
        }
        consumer.endGroup();
    }

    private static byte[] bytes(final Object value) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        if (value instanceof Object[] boxed) {
            final byte[] bytes = new byte[boxed.length];
            for (int i = 0; i < boxed.length; i++) {
                bytes[i] = ((Number) boxed[i]).byteValue();
            }
            return bytes;
        }
        return value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static LocalDate localDate(final String name, final Object value) {
        if (value instanceof java.sql.Date date) {
            return date.toLocalDate();
        }
        if (value instanceof LocalDate date) {
            return date;
        }
        if (value instanceof Date date) {
            return Instant.ofEpochMilli(date.getTime()).atZone(ZoneOffset.UTC).toLocalDate();
        }
        if (value instanceof Number days) {
            return LocalDate.ofEpochDay(days.longValue());
        }
        return LocalDate.parse(value.toString().trim());
    }

    private static int millisOfDay(final String name, final Object value) {
        if (value instanceof Time time) {
            return (int) (time.toLocalTime().toNanoOfDay() / 1_000_000);
        }
        if (value instanceof LocalTime time) {
            return (int) (time.toNanoOfDay() / 1_000_000);
        }
        if (value instanceof Number millis) {
            return millis.intValue();
        }
        return (int) (LocalTime.parse(value.toString().trim()).toNanoOfDay() / 1_000_000);
    }

    private static long epochMillis(final String name, final Object value) {
        if (value instanceof Date date) {
            return date.getTime();
        }
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof LocalDateTime time) {
            return time.toInstant(ZoneOffset.UTC).toEpochMilli();
        }
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toEpochMilli();
        }
        if (value instanceof ZonedDateTime time) {
            return time.toInstant().toEpochMilli();
        }
        if (value instanceof Number millis) {
            return millis.longValue();
        }
        final String text = value.toString().trim();
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (final RuntimeException notAnInstant) {
            return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
        }
    }
}
