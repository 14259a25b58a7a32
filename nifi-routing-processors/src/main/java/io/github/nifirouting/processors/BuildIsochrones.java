package io.github.nifirouting.processors;

import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.coordinates.PointReading;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.isochrone.SiteIsochrones;
import io.github.nifirouting.isochrone.Thresholds;
import io.github.nifirouting.memory.HeapGuard;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.io.WKBWriter;
import org.locationtech.jts.io.geojson.GeoJsonWriter;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

@Tags({"routing", "isochrone", "catchment", "drive time", "polygon", "geometry", "geoparquet", "jts"})
@CapabilityDescription("Builds catchment polygons (isochrones) for each site of the incoming records, for one or more travel-time thresholds, "
        + "from any routing engine service: with the engine's own isochrones (its isochrone API, or the roads the embedded engine reaches) "
        + "or, for engines with only a matrix API such as OSRM, by sampling a lattice around the site through the matrix API. Both build the "
        + "same thing: square cells of Resolution meters whose nearest road, within Max Road Distance, is reached in time. Travel times stay "
        + "in flat arrays; one JTS geometry per site and threshold is built when it is written, then released. Polygons are valid, keep "
        + "their holes (lakes, mountains), and nest: the polygon of a larger threshold contains the smaller ones. One output record per site "
        + "and threshold: site_id, threshold_s, geometry (WKB, WKT or GeoJSON), area_km2 (on the WGS84 ellipsoid), reached_points (cells), "
        + "strategy, engine, status; a site off the network or with an invalid point gets records with an empty geometry and a status, so "
        + "every site is accounted for.")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@SeeAlso(classNames = {"io.github.nifirouting.parquet.ParquetRecordSetWriter", "io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine"})
@UseCase(description = "5, 10 and 15 minute drive-time catchments of every store as GeoParquet",
        configuration = "Set Thresholds to '5 min, 10 min, 15 min', the embedded GraphHopper engine as Routing Engine, Geometry Format WKB and "
                + "a Parquet writer with Geometry Fields 'geometry'. Open the result with DuckDB spatial, GeoPandas or QGIS.")
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Records written (sites x thresholds)"),
        @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
        @WritesAttribute(attribute = "filename", description = "The input's name with the writer format's extension (and fragment index)"),
        @WritesAttribute(attribute = "isochrone.sites", description = "Sites read"),
        @WritesAttribute(attribute = "isochrone.sites.off.network", description = "Sites the engine could not place on the network"),
        @WritesAttribute(attribute = "isochrone.sites.invalid", description = "Sites without a valid point"),
        @WritesAttribute(attribute = "routing.requests", description = "Engine requests made"),
        @WritesAttribute(attribute = "routing.engine", description = "The engine's name"),
        @WritesAttribute(attribute = "routing.error", description = "On failure and retry: what went wrong"),
        @WritesAttribute(attribute = "routing.error.kind", description = "On failure and retry: the kind of engine failure")
})
public class BuildIsochrones extends AbstractProcessor {

    public static final PropertyDescriptor ROUTING_ENGINE = new PropertyDescriptor.Builder()
            .name("Routing Engine").description("The engine that computes travel times.")
            .identifiesControllerService(RoutingEngineService.class).required(true).build();
    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader").description("Reads the sites.").identifiesControllerService(RecordReaderFactory.class).required(true).build();
    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer").description("Writes the polygons; use the Parquet writer with Geometry Fields 'geometry' for GeoParquet.")
            .identifiesControllerService(RecordSetWriterFactory.class).required(true).build();
    public static final PropertyDescriptor THRESHOLDS = new PropertyDescriptor.Builder()
            .name("Thresholds").description("Travel times, comma-separated, in seconds or with a unit: '5 min, 10 min, 15 min', '600, 1200', '1 h'.")
            .required(true).defaultValue("5 min, 10 min, 15 min").expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();
    public static final PropertyDescriptor STRATEGY = new PropertyDescriptor.Builder()
            .name("Strategy").description("How travel times around a site are obtained.").allowableValues(IsochroneStrategy.class)
            .defaultValue(IsochroneStrategy.ENGINE_NATIVE).required(true).build();
    public static final PropertyDescriptor RESOLUTION = new PropertyDescriptor.Builder()
            .name("Resolution").description("Meters: the side of the square cells polygons are made of, which is also the lattice spacing "
                    + "of the matrix-sampled strategy. Boundaries are accurate to about half a cell; when sampling, each halving costs 4x the "
                    + "samples (engine cost), with the engine-native strategy it costs only polygon building.")
            .required(true).defaultValue("250").addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR).build();
    public static final PropertyDescriptor ROAD_DISTANCE = new PropertyDescriptor.Builder()
            .name("Max Road Distance").description("Meters: land counts as reached when a road reached in time is within this distance "
                    + "(engine native: cells whose centre is this close to a reached road; matrix sampled: samples the engine snaps to a road "
                    + "no farther away, when the engine reports snap distances). Land farther from any reached road (lakes, mountains, "
                    + "large fields) is left out, as holes where it is surrounded. At least Resolution x 0.71, so every cell a road crosses counts.")
            .required(true).defaultValue("300").addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR).build();
    public static final PropertyDescriptor MAX_SPEED = new PropertyDescriptor.Builder()
            .name("Max Speed").description("km/h: the fastest travel to expect, which sets how far the lattice reaches (largest threshold x "
                    + "this speed). Too low cuts polygons off; too high wastes samples.")
            .required(true).defaultValue("90").addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .dependsOn(STRATEGY, IsochroneStrategy.MATRIX_SAMPLED).build();
    public static final PropertyDescriptor SIMPLIFY = new PropertyDescriptor.Builder()
            .name("Simplification Tolerance").description("Meters; 0 keeps every cell corner. Topology-preserving, so polygons stay valid; "
                    + "each simplified polygon is then unioned with the smaller thresholds' so they still nest.")
            .required(true).defaultValue("0").addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR).build();
    public static final PropertyDescriptor GEOMETRY_FORMAT = new PropertyDescriptor.Builder()
            .name("Geometry Format").description("WKB bytes (for GeoParquet), WKT text or GeoJSON text.")
            .allowableValues("WKB", "WKT", "GeoJSON").defaultValue("WKB").required(true).build();
    public static final PropertyDescriptor MAX_RETRIES = new PropertyDescriptor.Builder()
            .name("Max Retries").description("Times a FlowFile may go to retry after transient engine failures before failure.")
            .required(true).defaultValue("10").addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR).build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success").description("Polygons of every site").build();
    public static final Relationship REL_RETRY = new Relationship.Builder().name("retry")
            .description("The input, penalized, after a transient engine failure").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("The input when it cannot be read or the engine rejected the request, with routing.error").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original").description("The input after success").build();

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(ROUTING_ENGINE, RECORD_READER, RECORD_WRITER, THRESHOLDS,
            STRATEGY, RESOLUTION, ROAD_DISTANCE, MAX_SPEED, SIMPLIFY, GEOMETRY_FORMAT, MAX_RETRIES), Stream.concat(PointFields.PROPERTIES.stream(),
            HeapGuard.PROPERTIES.stream())).toList();
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_RETRY, REL_FAILURE, REL_ORIGINAL);

    /** Half the diagonal of a cell: the farthest a road crossing the cell can be from its centre. */
    private static final double MIN_ROAD_DISTANCE_PER_CELL = Math.sqrt(0.5);

    static final String STATUS_OK = "OK";
    static final String STATUS_OFF_NETWORK = "OFF_NETWORK";
    static final String STATUS_INVALID = "INVALID_COORDINATE";

    private volatile HeapGuard.Gate heapGate;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>(HeapGuard.validate(context));
        final String thresholds = context.getProperty(THRESHOLDS).getValue();
        if (thresholds != null && !context.isExpressionLanguagePresent(thresholds)) {
            try {
                Thresholds.parse(thresholds);
            } catch (final IllegalArgumentException e) {
                results.add(new ValidationResult.Builder().subject(THRESHOLDS.getDisplayName()).input(thresholds).valid(false).explanation(e.getMessage()).build());
            }
        }
        final Integer resolution = context.getProperty(RESOLUTION).asInteger();
        final Integer roadDistance = context.getProperty(ROAD_DISTANCE).asInteger();
        if (resolution != null && roadDistance != null && roadDistance < resolution * MIN_ROAD_DISTANCE_PER_CELL) {
            results.add(new ValidationResult.Builder().subject(ROAD_DISTANCE.getDisplayName()).input(String.valueOf(roadDistance)).valid(false)
                    .explanation("must be at least " + (int) Math.ceil(resolution * MIN_ROAD_DISTANCE_PER_CELL) + " m (Resolution x 0.71): a "
                            + "road crossing a cell's corner is that far from its centre, and nearer limits break roads into separate cells").build());
        }
        return results;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        heapGate = HeapGuard.shared().gate(context);
    }

    static RecordSchema schema(final String format) {
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

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        if (!heapGate.admit(context, session, getLogger())) {
            return;
        }
        final FlowFile input = session.get();
        if (input == null) {
            return;
        }
        final RoutingEngineService engine = context.getProperty(ROUTING_ENGINE).asControllerService(RoutingEngineService.class);
        final IsochroneStrategy strategy = IsochroneStrategy.fromValue(context.getProperty(STRATEGY).getValue());
        final String format = context.getProperty(GEOMETRY_FORMAT).getValue();
        final double[] thresholds;
        final SiteIsochrones.Settings settings;
        try {
            thresholds = Thresholds.parse(context.getProperty(THRESHOLDS).evaluateAttributeExpressions(input).getValue());
            settings = new SiteIsochrones.Settings(thresholds, strategy == IsochroneStrategy.MATRIX_SAMPLED,
                    context.getProperty(RESOLUTION).asDouble(),
                    (context.getProperty(MAX_SPEED).isSet() ? context.getProperty(MAX_SPEED).asDouble() : 90.0) / 3.6,
                    context.getProperty(SIMPLIFY).asDouble(), context.getProperty(ROAD_DISTANCE).asDouble());
            SiteIsochrones.check(settings);
        } catch (final IllegalArgumentException e) {
            fail(session, input, "INVALID_CONFIGURATION", e.getMessage());
            return;
        }
        final RecordSchema schema = schema(format);
        final PointFields fields = PointFields.from(context);
        final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final RecordSetWriterFactory writers = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final CallStats stats = new CallStats();
        final long[] counts = new long[3]; // sites, off network, invalid
        FlowFile output = session.create(input);
        final Map<String, String> attributes = new HashMap<>();
        try (InputStream in = session.read(input);
             RecordReader reader = readers.createRecordReader(input, in, getLogger());
             OutputStream out = session.write(output);
             RecordSetWriter writer = writers.createWriter(getLogger(), writers.getSchema(input.getAttributes(), schema), out, output)) {
            writer.beginRecordSet();
            final PointReading point = new PointReading();
            final WKBWriter wkb = new WKBWriter(2, true);
            final GeoJsonWriter geoJson = new GeoJsonWriter();
            geoJson.setEncodeCRS(false);
            Record record;
            while ((record = reader.nextRecord()) != null) {
                counts[0]++;
                fields.read(record, point);
                final String id = point.id() != null ? point.id() : "record-" + (counts[0] - 1);
                if (!point.isValid()) {
                    counts[2]++;
                    writeEmpty(writer, schema, id, thresholds, strategy, engine, STATUS_INVALID);
                    continue;
                }
                final boolean onNetwork = SiteIsochrones.compute(engine, point.latitude(), point.longitude(), settings, stats, polygon -> {
                    final Geometry geometry = polygon.geometry();
                    final Object encoded = switch (format) {
                        case "WKB" -> wkb.write(geometry);
                        case "WKT" -> geometry.toText();
                        default -> geoJson.write(geometry);
                    };
                    write(writer, schema, id, polygon.thresholdSeconds(), encoded, polygon.areaSquareKilometers(), polygon.reachedPoints(),
                            strategy, engine, STATUS_OK);
                });
                if (!onNetwork) {
                    counts[1]++;
                    writeEmpty(writer, schema, id, thresholds, strategy, engine, STATUS_OFF_NETWORK);
                }
            }
            final WriteResult result = writer.finishRecordSet();
            attributes.putAll(result.getAttributes());
            attributes.put("record.count", String.valueOf(result.getRecordCount()));
            attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
            attributes.put(CoreAttributes.FILENAME.key(), OutputNames.name(input, output, writer.getMimeType()));
        } catch (final RoutingException e) {
            session.remove(output);
            handleEngineFailure(context, session, input, e);
            return;
        } catch (final Exception e) {
            session.remove(output);
            fail(session, input, "INVALID_INPUT", "cannot build isochrones: " + e.getMessage());
            return;
        }
        attributes.put("isochrone.sites", String.valueOf(counts[0]));
        attributes.put("isochrone.sites.off.network", String.valueOf(counts[1]));
        attributes.put("isochrone.sites.invalid", String.valueOf(counts[2]));
        attributes.put("routing.requests", String.valueOf(stats.requests()));
        attributes.put("routing.engine", engine.getEngineName());
        output = session.putAllAttributes(output, attributes);
        session.transfer(output, REL_SUCCESS);
        session.transfer(session.removeAttribute(input, InvokeRoutingMatrix.RETRY_COUNT), REL_ORIGINAL);
        session.adjustCounter("Sites", counts[0], false);
        session.adjustCounter("Sites off the network", counts[1], false);
        session.adjustCounter("Sites with invalid points", counts[2], false);
        session.adjustCounter("Isochrones", (counts[0] - counts[1] - counts[2]) * thresholds.length, false);
    }

    private static void write(final RecordSetWriter writer, final RecordSchema schema, final String id, final double threshold, final Object geometry,
                              final double area, final int reached, final IsochroneStrategy strategy, final RoutingEngineService engine,
                              final String status) {
        final Map<String, Object> values = new HashMap<>();
        values.put("site_id", id);
        values.put("threshold_s", threshold);
        values.put("geometry", geometry);
        values.put("area_km2", area);
        values.put("reached_points", reached);
        values.put("strategy", strategy.getValue());
        values.put("engine", engine.getEngineName());
        values.put("status", status);
        try {
            writer.write(new MapRecord(schema, values));
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeEmpty(final RecordSetWriter writer, final RecordSchema schema, final String id, final double[] thresholds,
                                   final IsochroneStrategy strategy, final RoutingEngineService engine, final String status) {
        for (final double threshold : thresholds) {
            write(writer, schema, id, threshold, null, 0, 0, strategy, engine, status);
        }
    }

    private void handleEngineFailure(final ProcessContext context, final ProcessSession session, final FlowFile input, final RoutingException e) {
        new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).route(context, session, input, e, context.getProperty(MAX_RETRIES).asInteger());
    }

    private void fail(final ProcessSession session, final FlowFile input, final String kind, final String message) {
        new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).fail(session, input, kind, message);
    }
}
