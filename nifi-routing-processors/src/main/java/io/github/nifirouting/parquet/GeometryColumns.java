package io.github.nifirouting.parquet;

import com.fasterxml.jackson.core.JsonGenerator;
import io.github.nifirouting.engine.http.JsonBodies;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.ParseException;
import org.locationtech.jts.io.WKBReader;
import org.locationtech.jts.io.WKBWriter;
import org.locationtech.jts.io.WKTReader;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The geometry columns of one Parquet file: turns JTS geometries, WKB bytes or WKT text into WKB, and collects
 * what the GeoParquet 1.1 {@code geo} metadata needs (geometry types and bounding box per column).
 * Coordinates are longitude/latitude (OGC:CRS84), the GeoParquet default, so {@code crs} is omitted.
 */
final class GeometryColumns {

    static final String GEO_KEY = "geo";
    static final String VERSION = "1.1.0";

    private final String primary;
    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final WKBWriter wkbWriter = new WKBWriter(2, true);
    private final WKBReader wkbReader = new WKBReader();
    private final WKTReader wktReader = new WKTReader();

    private static final class Column {
        final TreeSet<String> types = new TreeSet<>();
        final Envelope bbox = new Envelope();
    }

    GeometryColumns(final List<String> names, final String primary) {
        for (final String name : names) {
            columns.put(name, new Column());
        }
        this.primary = primary == null || primary.isBlank() ? (names.isEmpty() ? null : names.get(0)) : primary;
    }

    boolean isGeometry(final String field) {
        return columns.containsKey(field);
    }

    boolean isEmpty() {
        return columns.isEmpty();
    }

    /** WKB of a value of geometry column {@code field}, recording its type and extent. */
    byte[] toWkb(final String field, final Object value) {
        final Geometry geometry;
        try {
            if (value instanceof Geometry jts) {
                geometry = jts;
            } else if (value instanceof byte[] bytes) {
                geometry = wkbReader.read(bytes);
            } else if (value instanceof Object[] boxed) {
                final byte[] bytes = new byte[boxed.length];
                for (int i = 0; i < boxed.length; i++) {
                    bytes[i] = ((Number) boxed[i]).byteValue();
                }
                geometry = wkbReader.read(bytes);
            } else {
                final String text = value.toString().trim();
                geometry = text.matches("(?i)^[0-9a-f]+$") && text.length() % 2 == 0 ? wkbReader.read(WKBReader.hexToBytes(text)) : wktReader.read(text);
            }
        } catch (final ParseException | RuntimeException e) {
            throw new IllegalArgumentException("geometry field '" + field + "' holds neither a JTS geometry, WKB nor WKT: " + e.getMessage(), e);
        }
        final Column column = columns.get(field);
        column.types.add(geometry.getGeometryType());
        if (!geometry.isEmpty()) {
            column.bbox.expandToInclude(geometry.getEnvelopeInternal());
        }
        return wkbWriter.write(geometry);
    }

    /** The GeoParquet 1.1 file metadata value for the {@code geo} key. */
    String geoMetadata() {
        return new String(JsonBodies.json(json -> {
            json.writeStartObject();
            json.writeStringField("version", VERSION);
            json.writeStringField("primary_column", primary);
            json.writeObjectFieldStart("columns");
            for (final Map.Entry<String, Column> entry : columns.entrySet()) {
                writeColumn(json, entry.getKey(), entry.getValue());
            }
            json.writeEndObject();
            json.writeEndObject();
        }), StandardCharsets.UTF_8);
    }

    private static void writeColumn(final JsonGenerator json, final String name, final Column column) throws java.io.IOException {
        json.writeObjectFieldStart(name);
        json.writeStringField("encoding", "WKB");
        json.writeArrayFieldStart("geometry_types");
        for (final String type : column.types) {
            json.writeString(type);
        }
        json.writeEndArray();
        if (!column.bbox.isNull()) {
            json.writeArrayFieldStart("bbox");
            json.writeNumber(column.bbox.getMinX());
            json.writeNumber(column.bbox.getMinY());
            json.writeNumber(column.bbox.getMaxX());
            json.writeNumber(column.bbox.getMaxY());
            json.writeEndArray();
        }
        json.writeEndObject();
    }
}
