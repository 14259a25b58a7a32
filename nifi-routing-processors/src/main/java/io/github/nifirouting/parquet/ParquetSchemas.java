package io.github.nifirouting.parquet;

import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.DataType;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.serialization.record.type.ArrayDataType;
import org.apache.nifi.serialization.record.type.MapDataType;
import org.apache.nifi.serialization.record.type.RecordDataType;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps NiFi record schemas to Parquet schemas and back. Every column is optional (NiFi values may be null);
 * lists and maps use the standard three-level LIST and MAP layouts that DuckDB, Spark and pandas read.
 */
final class ParquetSchemas {

    private ParquetSchemas() {
    }

    static MessageType toParquet(final RecordSchema schema, final GeometryColumns geometry) {
        final List<Type> fields = new ArrayList<>();
        for (final RecordField field : schema.getFields()) {
            fields.add(geometry.isGeometry(field.getFieldName())
                    ? Types.optional(PrimitiveTypeName.BINARY).named(field.getFieldName())
                    : toParquet(field.getFieldName(), field.getDataType(), Type.Repetition.OPTIONAL));
        }
        return new MessageType("record", fields);
    }

    static Type toParquet(final String name, final DataType type, final Type.Repetition repetition) {
        return switch (type.getFieldType()) {
            case BOOLEAN -> Types.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
            case BYTE, SHORT, INT -> Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
            case LONG -> Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
            case FLOAT -> Types.primitive(PrimitiveTypeName.FLOAT, repetition).named(name);
            case DOUBLE, DECIMAL -> Types.primitive(PrimitiveTypeName.DOUBLE, repetition).named(name);
            case DATE -> Types.primitive(PrimitiveTypeName.INT32, repetition).as(LogicalTypeAnnotation.dateType()).named(name);
            case TIME -> Types.primitive(PrimitiveTypeName.INT32, repetition)
                    .as(LogicalTypeAnnotation.timeType(false, LogicalTypeAnnotation.TimeUnit.MILLIS)).named(name);
            case TIMESTAMP -> Types.primitive(PrimitiveTypeName.INT64, repetition)
                    .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS)).named(name);
            case RECORD -> {
                final RecordSchema child = ((RecordDataType) type).getChildSchema();
                final List<Type> fields = new ArrayList<>();
                for (final RecordField field : child.getFields()) {
                    fields.add(toParquet(field.getFieldName(), field.getDataType(), Type.Repetition.OPTIONAL));
                }
                yield new GroupType(repetition, name, fields);
            }
            case ARRAY -> {
                final DataType element = ((ArrayDataType) type).getElementType();
                if (element.getFieldType() == RecordFieldType.BYTE) {
                    yield Types.primitive(PrimitiveTypeName.BINARY, repetition).named(name);
                }
                yield Types.list(repetition).element(toParquet("element", element, Type.Repetition.OPTIONAL)).named(name);
            }
            case MAP -> Types.map(repetition)
                    .key(Types.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("key"))
                    .value(toParquet("value", ((MapDataType) type).getValueType(), Type.Repetition.OPTIONAL))
                    .named(name);
            default -> Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType()).named(name);
        };
    }

    /** The NiFi schema of a Parquet file's columns, for the reader. */
    static RecordSchema toNiFi(final GroupType group) {
        final List<RecordField> fields = new ArrayList<>();
        for (final Type field : group.getFields()) {
            fields.add(new RecordField(field.getName(), toNiFi(field), true));
        }
        return new SimpleRecordSchema(fields);
    }

    static DataType toNiFi(final Type type) {
        final LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        if (!type.isPrimitive()) {
            final GroupType group = type.asGroupType();
            if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
                final GroupType repeated = group.getType(0).asGroupType();
                return RecordFieldType.ARRAY.getArrayDataType(toNiFi(repeated.getFieldCount() == 1 ? repeated.getType(0) : repeated));
            }
            if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
                return RecordFieldType.MAP.getMapDataType(toNiFi(group.getType(0).asGroupType().getType(1)));
            }
            return RecordFieldType.RECORD.getRecordDataType(toNiFi(group));
        }
        final PrimitiveType primitive = type.asPrimitiveType();
        return switch (primitive.getPrimitiveTypeName()) {
            case BOOLEAN -> RecordFieldType.BOOLEAN.getDataType();
            case INT32 -> logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation ? RecordFieldType.DATE.getDataType()
                    : logical instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation ? RecordFieldType.TIME.getDataType()
                    : RecordFieldType.INT.getDataType();
            case INT64 -> logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ? RecordFieldType.TIMESTAMP.getDataType()
                    : RecordFieldType.LONG.getDataType();
            case FLOAT -> RecordFieldType.FLOAT.getDataType();
            case DOUBLE -> RecordFieldType.DOUBLE.getDataType();
            case BINARY, FIXED_LEN_BYTE_ARRAY -> logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                    || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation
                    ? RecordFieldType.STRING.getDataType()
                    : RecordFieldType.ARRAY.getArrayDataType(RecordFieldType.BYTE.getDataType());
            case INT96 -> RecordFieldType.TIMESTAMP.getDataType();
        };
    }
}
