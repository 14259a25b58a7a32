package io.github.nifirouting.isochrone;

import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.WKBWriter;
import org.locationtech.jts.io.geojson.GeoJsonWriter;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the isochrone rows of a site, one per threshold: site_id, threshold_s, geometry (WKB, WKT or GeoJSON), area_km2,
 * reached_points, strategy, engine, status. A site is written whole or not at all: its polygons are handed over only
 * once all of them were built, so a site whose engine call fails leaves no rows. Knows nothing of NiFi sessions.
 */
public final class IsochroneRowWriter {

    public static final String STATUS_OK = "OK";
    public static final String STATUS_OFF_NETWORK = "OFF_NETWORK";
    public static final String STATUS_INVALID = "INVALID_COORDINATE";

    /** Sites written by outcome. */
    public static final class Counts {
        public long sites;
        public long offNetwork;
        public long invalid;
        public long isochrones;
    }

    private final RecordSchema schema;
    private final String format;
    private final String strategy;
    private final String engineName;
    private final double[] thresholds;
    private final WKBWriter wkb = new WKBWriter(2, true);
    private final GeoJsonWriter geoJson = new GeoJsonWriter();

    /** @param format WKB, WKT or GeoJSON */
    public IsochroneRowWriter(final String format, final String strategy, final String engineName, final double[] thresholds) {
        this.schema = schema(format);
        this.format = format;
        this.strategy = strategy;
        this.engineName = engineName;
        this.thresholds = thresholds.clone();
        geoJson.setEncodeCRS(false);
    }

    public static RecordSchema schema(final String format) {
        return new SimpleRecordSchema(List.of(
                new RecordField("site_id", RecordFieldType.STRING.getDataType(), false),
                new RecordField("threshold_s", RecordFieldType.DOUBLE.getDataType(), false),
                new RecordField("geometry", "WKB".equals(format) ? RecordFieldType.ARRAY.getArrayDataType(RecordFieldType.BYTE.getDataType())
                        : RecordFieldType.STRING.getDataType(), true),
                new RecordField("area_km2", RecordFieldType.DOUBLE.getDataType(), false),
                new RecordField("reached_points", RecordFieldType.INT.getDataType(), false),
                new RecordField("strategy", RecordFieldType.STRING.getDataType(), false),
                new RecordField("engine", RecordFieldType.STRING.getDataType(), false),
                new RecordField("status", RecordFieldType.STRING.getDataType(), false)));
    }

    public RecordSchema schema() {
        return schema;
    }

    /** The polygons of a site on the network, smallest threshold first. */
    public void writeSite(final RecordSetWriter writer, final String siteId, final List<IsochronePolygons.Result> polygons,
                          final Counts counts) throws IOException {
        for (final IsochronePolygons.Result polygon : polygons) {
            row(writer, siteId, polygon.thresholdSeconds(), encode(polygon.geometry()), polygon.areaSquareKilometers(),
                    polygon.reachedPoints(), STATUS_OK);
        }
        counts.sites++;
        counts.isochrones += polygons.size();
    }

    /** A site the engine could not place on the network: one empty row per threshold. */
    public void writeOffNetwork(final RecordSetWriter writer, final String siteId, final Counts counts) throws IOException {
        writeEmpty(writer, siteId, STATUS_OFF_NETWORK);
        counts.sites++;
        counts.offNetwork++;
    }

    /** A site without a valid point: one empty row per threshold. */
    public void writeInvalid(final RecordSetWriter writer, final String siteId, final Counts counts) throws IOException {
        writeEmpty(writer, siteId, STATUS_INVALID);
        counts.sites++;
        counts.invalid++;
    }

    private void writeEmpty(final RecordSetWriter writer, final String siteId, final String status) throws IOException {
        for (final double threshold : thresholds) {
            row(writer, siteId, threshold, null, 0, 0, status);
        }
    }

    private Object encode(final Geometry geometry) {
        return switch (format) {
            case "WKB" -> wkb.write(geometry);
            case "WKT" -> geometry.toText();
            default -> geoJson.write(geometry);
        };
    }

    private void row(final RecordSetWriter writer, final String siteId, final double threshold, final Object geometry, final double area,
                     final int reached, final String status) throws IOException {
        final Map<String, Object> values = new HashMap<>(16);
        values.put("site_id", siteId);
        values.put("threshold_s", threshold);
        values.put("geometry", geometry);
        values.put("area_km2", area);
        values.put("reached_points", reached);
        values.put("strategy", strategy);
        values.put("engine", engineName);
        values.put("status", status);
        writer.write(new MapRecord(schema, values));
    }
}
