package io.github.nifirouting.parquet;

import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

@Tags({"parquet", "geoparquet", "record", "writer", "recordset", "geometry", "wkb", "columnar"})
@CapabilityDescription("Writes records as an Apache Parquet file into the FlowFile content, streaming: memory is one row group being "
        + "assembled (Row Group Size) plus a page per column, whatever the number of records. Works in any NiFi 2.x with only this "
        + "bundle (no Hadoop): compression is done by snappy-java, zstd-jni or the JDK. Geometry Fields (JTS geometries, WKB bytes "
        + "or WKT text) are written as WKB with GeoParquet 1.1 file metadata (version, primary_column, per column encoding, "
        + "geometry_types and bbox; coordinates in OGC:CRS84 lon/lat, the GeoParquet default), so DuckDB spatial, GeoPandas and "
        + "QGIS open them as geometry. The schema is the records' schema. InvokeRoutingMatrix writes its rows into this writer value "
        + "by value, without a record per row (the same file as through records).")
@SeeAlso(classNames = {"io.github.nifirouting.parquet.ParquetRecordReaderService", "io.github.nifirouting.processors.InvokeRoutingMatrix"})
public class ParquetRecordSetWriter extends AbstractControllerService implements RecordSetWriterFactory {

    public static final PropertyDescriptor COMPRESSION = new PropertyDescriptor.Builder()
            .name("Compression")
            .description("Page compression. SNAPPY is fast with a good ratio; ZSTD is smaller; GZIP needs no native library.")
            .allowableValues("SNAPPY", "ZSTD", "GZIP", "UNCOMPRESSED")
            .defaultValue("SNAPPY")
            .required(true)
            .build();

    public static final PropertyDescriptor ROW_GROUP_SIZE = new PropertyDescriptor.Builder()
            .name("Row Group Size")
            .description("Data buffered in memory before a row group is written: the writer's memory bound. Parquet's own default is "
                    + "128 MB; a small value suits NiFi, where many writers may be open at once.")
            .defaultValue("16 MB")
            .required(true)
            .addValidator(StandardValidators.createDataSizeBoundsValidator(64 * 1024, 1024L * 1024 * 1024))
            .build();

    public static final PropertyDescriptor PAGE_SIZE = new PropertyDescriptor.Builder()
            .name("Page Size")
            .description("Target size of a page within a column chunk (the unit of compression and encoding).")
            .defaultValue("1 MB")
            .required(true)
            .addValidator(StandardValidators.createDataSizeBoundsValidator(1024, 64L * 1024 * 1024))
            .build();

    public static final PropertyDescriptor ZSTD_LEVEL = new PropertyDescriptor.Builder()
            .name("ZSTD Level")
            .description("ZSTD compression level, when Compression is ZSTD: 1 is the fastest, 3 zstd's default, up to 22 the smallest. "
                    + "On matrix rows level 1 writes files no larger than level 3 for less CPU (docs/parquet.md).")
            .defaultValue("3")
            .required(true)
            .addValidator(StandardValidators.createLongValidator(1, 22, true))
            .dependsOn(COMPRESSION, "ZSTD")
            .build();

    public static final PropertyDescriptor DICTIONARY_ENCODING = new PropertyDescriptor.Builder()
            .name("Dictionary Encoding")
            .description("Which columns are dictionary-encoded: repeated values (ids, statuses) become small integers.")
            .allowableValues(DictionaryEncoding.class)
            .defaultValue(DictionaryEncoding.ALL)
            .required(true)
            .build();

    public static final PropertyDescriptor GEOMETRY_FIELDS = new PropertyDescriptor.Builder()
            .name("Geometry Fields")
            .description("Comma-separated top-level fields holding geometries (JTS Geometry objects, WKB bytes, or WKT / hex WKB text), "
                    + "written as WKB with GeoParquet metadata. Empty: a plain Parquet file.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor PRIMARY_GEOMETRY_FIELD = new PropertyDescriptor.Builder()
            .name("Primary Geometry Field")
            .description("The GeoParquet primary_column. Default: the first of Geometry Fields.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(COMPRESSION, ZSTD_LEVEL, ROW_GROUP_SIZE, PAGE_SIZE, DICTIONARY_ENCODING,
            GEOMETRY_FIELDS, PRIMARY_GEOMETRY_FIELD);

    private volatile ParquetRecordWriter.Settings settings;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) {
        final String geometry = context.getProperty(GEOMETRY_FIELDS).getValue();
        settings = new ParquetRecordWriter.Settings(
                CompressionCodecName.valueOf(context.getProperty(COMPRESSION).getValue()),
                context.getProperty(ROW_GROUP_SIZE).asDataSize(DataUnit.B).longValue(),
                context.getProperty(PAGE_SIZE).asDataSize(DataUnit.B).intValue(),
                context.getProperty(DICTIONARY_ENCODING).asAllowableValue(DictionaryEncoding.class),
                context.getProperty(ZSTD_LEVEL).asInteger(),
                geometry == null ? List.of() : Arrays.stream(geometry.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                context.getProperty(PRIMARY_GEOMETRY_FIELD).getValue());
    }

    @Override
    public RecordSchema getSchema(final Map<String, String> variables, final RecordSchema readSchema) {
        return readSchema;
    }

    @Override
    public RecordSetWriter createWriter(final ComponentLog logger, final RecordSchema schema, final OutputStream out,
                                        final Map<String, String> variables) throws IOException {
        return new ParquetRecordWriter(schema, out, settings);
    }
}
