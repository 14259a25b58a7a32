package io.github.nifirouting.tiling;

import io.github.nifirouting.coordinates.ReadableValues;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The input schema extended by the fields ChunkCoordinates adds: a reason for invalid records, a role in all-pairs tiles. */
public final class PointRecordSchemas {

    public static final String REASON_FIELD = "reason";
    public static final String RECORD_INDEX_FIELD = "record_index";

    private PointRecordSchemas() {
    }

    /**
     * The input schema with scalar fields as text, plus {@code reason} (string) and {@code record_index} (0-based
     * position in the input, long). Scalars become text because an invalid record's values may not fit the types a
     * reader inferred (e.g. "NaN" in a column inferred as decimal), and the user must see them as they were.
     */
    public static RecordSchema invalidSchema(final RecordSchema input) {
        final List<RecordField> asText = new ArrayList<>();
        for (final RecordField field : input.getFields()) {
            asText.add(isScalar(field) ? new RecordField(field.getFieldName(), RecordFieldType.STRING.getDataType(), true) : field);
        }
        return extend(new SimpleRecordSchema(asText), List.of(new RecordField(REASON_FIELD, RecordFieldType.STRING.getDataType(), false),
                new RecordField(RECORD_INDEX_FIELD, RecordFieldType.LONG.getDataType(), false)));
    }

    /** The input schema plus {@link TileAttributes#ROLE_FIELD} (string). */
    public static RecordSchema roleSchema(final RecordSchema input) {
        return extend(input, List.of(new RecordField(TileAttributes.ROLE_FIELD, RecordFieldType.STRING.getDataType(), false)));
    }

    public static Record invalidRecord(final RecordSchema schema, final Record original, final String reason, final long index) {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final Map.Entry<String, Object> entry : original.toMap().entrySet()) {
            final Object value = entry.getValue();
            final boolean text = schema.getField(entry.getKey()).map(f -> f.getDataType().getFieldType() == RecordFieldType.STRING).orElse(false);
            values.put(entry.getKey(), text && value != null ? ReadableValues.render(value) : value);
        }
        values.put(REASON_FIELD, reason);
        values.put(RECORD_INDEX_FIELD, index);
        return new MapRecord(schema, values);
    }

    public static Record roleRecord(final RecordSchema schema, final Record original, final String role) {
        final Map<String, Object> values = new LinkedHashMap<>(original.toMap());
        values.put(TileAttributes.ROLE_FIELD, role);
        return new MapRecord(schema, values);
    }

    private static boolean isScalar(final RecordField field) {
        final RecordFieldType type = field.getDataType().getFieldType();
        return type != RecordFieldType.RECORD && type != RecordFieldType.ARRAY && type != RecordFieldType.MAP;
    }

    private static RecordSchema extend(final RecordSchema input, final List<RecordField> added) {
        final List<RecordField> fields = new ArrayList<>();
        for (final RecordField field : input.getFields()) {
            if (added.stream().noneMatch(a -> a.getFieldName().equals(field.getFieldName()))) {
                fields.add(field);
            }
        }
        fields.addAll(added);
        return new SimpleRecordSchema(fields);
    }
}
