package io.github.nifirouting.processors;

import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.coordinates.PointReading;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.isochrone.IsochronePolygons;
import io.github.nifirouting.isochrone.IsochroneRowWriter;
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
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.IOException;
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
        + "every site is accounted for. Sites are computed in batches of Batch Size, each committed with the input's progress "
        + "(isochrone.sites.next): a site the engine rejects goes to failure on its own with its reason while the others continue, and a "
        + "transient failure or an open circuit retries only the sites not yet written.")
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
        @WritesAttribute(attribute = "isochrone.sites.failed", description = "Sites of the batch sent to failure on their own"),
        @WritesAttribute(attribute = BuildIsochrones.SITES_FIRST, description = "On success: index of the batch's first site in the input"),
        @WritesAttribute(attribute = BuildIsochrones.SITES_NEXT, description = "On an input between batches (queue, retry): the next site to compute"),
        @WritesAttribute(attribute = BuildIsochrones.SITE_INDEX, description = "On a failed site: its index in the input"),
        @WritesAttribute(attribute = BuildIsochrones.SITE_ID, description = "On a failed site: its id"),
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

    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size").description("Sites computed and committed per session. An input with more sites goes back to its queue "
                    + "with isochrone.sites.next after each batch, so a failure, an open circuit or a restart repeats at most the "
                    + "unfinished batch's sites, never sites already written.")
            .required(true).defaultValue("100").addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR).build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success")
            .description("Polygons of the sites of one batch").build();
    public static final Relationship REL_RETRY = new Relationship.Builder().name("retry")
            .description("The input, penalized, after a transient engine failure, with isochrone.sites.next at the first site not yet "
                    + "written").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("A site the engine rejected, on its own (its input record, with routing.error and isochrone.site.index); or the "
                    + "input when it cannot be read, the configuration cannot work, or retries are exhausted").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original").description("The input after its last site").build();

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(ROUTING_ENGINE, RECORD_READER, RECORD_WRITER, THRESHOLDS,
            STRATEGY, RESOLUTION, ROAD_DISTANCE, MAX_SPEED, SIMPLIFY, GEOMETRY_FORMAT, BATCH_SIZE, MAX_RETRIES), Stream.concat(PointFields.PROPERTIES.stream(),
            HeapGuard.PROPERTIES.stream())).toList();
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_RETRY, REL_FAILURE, REL_ORIGINAL);

    /** Half the diagonal of a cell: the farthest a road crossing the cell can be from its centre. */
    private static final double MIN_ROAD_DISTANCE_PER_CELL = Math.sqrt(0.5);

    static final String STATUS_OK = IsochroneRowWriter.STATUS_OK;
    static final String STATUS_OFF_NETWORK = IsochroneRowWriter.STATUS_OFF_NETWORK;
    static final String STATUS_INVALID = IsochroneRowWriter.STATUS_INVALID;

    /** On an input between batches: the index of the next site to compute. */
    public static final String SITES_NEXT = "isochrone.sites.next";
    /** On an output: the index of its first site in the input. */
    public static final String SITES_FIRST = "isochrone.sites.first";
    /** On a failed site: its index in the input. */
    public static final String SITE_INDEX = "isochrone.site.index";
    /** On a failed site: its id. */
    public static final String SITE_ID = "isochrone.site.id";

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
        return IsochroneRowWriter.schema(format);
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
        final double[] thresholds;
        final SiteIsochrones.Settings settings;
        final long firstSite;
        try {
            thresholds = Thresholds.parse(context.getProperty(THRESHOLDS).evaluateAttributeExpressions(input).getValue());
            settings = new SiteIsochrones.Settings(thresholds, strategy == IsochroneStrategy.MATRIX_SAMPLED,
                    context.getProperty(RESOLUTION).asDouble(),
                    (context.getProperty(MAX_SPEED).isSet() ? context.getProperty(MAX_SPEED).asDouble() : 90.0) / 3.6,
                    context.getProperty(SIMPLIFY).asDouble(), context.getProperty(ROAD_DISTANCE).asDouble());
            SiteIsochrones.check(settings);
            if (!settings.sampled() && !engine.supportsIsochrones() && !engine.supportsReachability()) {
                // A configuration that fails every site: the input goes to failure once, not each site on its own.
                throw new IllegalArgumentException(engine.getEngineName() + " has neither an isochrone API nor reachability: use the "
                        + "matrix-sampled strategy");
            }
            firstSite = nextSite(input);
        } catch (final IllegalArgumentException e) {
            fail(session, input, "INVALID_CONFIGURATION", e.getMessage());
            return;
        }
        final IsochroneRowWriter rowWriter = new IsochroneRowWriter(context.getProperty(GEOMETRY_FORMAT).getValue(), strategy.getValue(),
                engine.getEngineName(), thresholds);
        new SiteBatch(context, session, input, engine, settings, rowWriter, firstSite, context.getProperty(BATCH_SIZE).asInteger()).run();
    }

    private static long nextSite(final FlowFile input) {
        final String next = input.getAttribute(SITES_NEXT);
        try {
            return next == null ? 0 : Long.parseLong(next.trim());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("attribute " + SITES_NEXT + " '" + next + "' is not a site index");
        }
    }

    /**
     * The sites {@code [firstSite, firstSite + batchSize)} of one input, in one session: their rows go to one output, a site
     * the engine rejects goes to failure on its own, and the input goes back to its queue with the next site to do, or to
     * original after its last site. A transient failure or an open circuit keeps the sites already done (committed with the
     * cursor) and retries only the rest.
     */
    private final class SiteBatch {
        private final ProcessContext context;
        private final ProcessSession session;
        private final FlowFile input;
        private final RoutingEngineService engine;
        private final SiteIsochrones.Settings settings;
        private final IsochroneRowWriter rowWriter;
        private final long firstSite;
        private final int batchSize;
        private final IsochroneRowWriter.Counts counts = new IsochroneRowWriter.Counts();
        private final CallStats stats = new CallStats();
        private final List<FlowFile> failedSites = new ArrayList<>();

        SiteBatch(final ProcessContext context, final ProcessSession session, final FlowFile input, final RoutingEngineService engine,
                  final SiteIsochrones.Settings settings, final IsochroneRowWriter rowWriter, final long firstSite, final int batchSize) {
            this.context = context;
            this.session = session;
            this.input = input;
            this.engine = engine;
            this.settings = settings;
            this.rowWriter = rowWriter;
            this.firstSite = firstSite;
            this.batchSize = batchSize;
        }

        void run() {
            final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
            final RecordSetWriterFactory writers = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
            final PointFields fields = PointFields.from(context);
            FlowFile output = session.create(input);
            final Map<String, String> attributes = new HashMap<>();
            long site = firstSite;
            boolean moreSites = false;
            RoutingException stoppedBy = null;
            try (InputStream in = session.read(input);
                 RecordReader reader = readers.createRecordReader(input, in, getLogger());
                 OutputStream out = session.write(output);
                 RecordSetWriter writer = writers.createWriter(getLogger(), writers.getSchema(input.getAttributes(), rowWriter.schema()), out, output)) {
                writer.beginRecordSet();
                for (long skipped = 0; skipped < firstSite && reader.nextRecord() != null; skipped++) {
                    // sites of earlier batches, already written
                }
                final PointReading point = new PointReading();
                Record record;
                while ((record = reader.nextRecord()) != null) {
                    if (site - firstSite == batchSize) {
                        moreSites = true;
                        break;
                    }
                    fields.read(record, point);
                    final String id = point.id() != null ? point.id() : "record-" + site;
                    try {
                        computeSite(writer, id, point);
                    } catch (final RoutingException e) {
                        if (e.kind() != RoutingException.Kind.REJECTED) {
                            stoppedBy = e;
                            break;
                        }
                        failSite(writers, reader.getSchema(), record, site, id, e);
                    }
                    site++;
                }
                final WriteResult result = writer.finishRecordSet();
                attributes.putAll(result.getAttributes());
                attributes.put("record.count", String.valueOf(result.getRecordCount()));
                attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
                attributes.put(CoreAttributes.FILENAME.key(), batchName(OutputNames.name(input, output, writer.getMimeType()),
                        writer.getMimeType(), firstSite, moreSites || stoppedBy != null));
            } catch (final Exception e) {
                session.remove(output);
                session.remove(failedSites);
                fail(session, input, "INVALID_INPUT", "cannot build isochrones (site " + site + "): " + e.getMessage());
                return;
            }
            final long done = site - firstSite;
            if (done == 0 && stoppedBy != null) {
                // Nothing of this batch was done: the input as it came, routed like any engine failure.
                session.remove(output);
                session.remove(failedSites);
                handleEngineFailure(context, session, input, stoppedBy);
                return;
            }
            attributes.put("isochrone.sites", String.valueOf(counts.sites));
            attributes.put("isochrone.sites.off.network", String.valueOf(counts.offNetwork));
            attributes.put("isochrone.sites.invalid", String.valueOf(counts.invalid));
            attributes.put("isochrone.sites.failed", String.valueOf(failedSites.size()));
            attributes.put(SITES_FIRST, String.valueOf(firstSite));
            attributes.put("routing.requests", String.valueOf(stats.requests()));
            attributes.put("routing.engine", engine.getEngineName());
            session.transfer(session.putAllAttributes(output, attributes), REL_SUCCESS);
            session.transfer(failedSites, REL_FAILURE);
            session.adjustCounter("Sites", counts.sites, false);
            session.adjustCounter("Sites off the network", counts.offNetwork, false);
            session.adjustCounter("Sites with invalid points", counts.invalid, false);
            session.adjustCounter("Sites failed", failedSites.size(), false);
            session.adjustCounter("Isochrones", counts.isochrones, false);
            // Progress resets the retry count: Max Retries bounds consecutive failures, not failures over a long input.
            final FlowFile progressed = session.removeAttribute(session.putAttribute(input, SITES_NEXT, String.valueOf(site)),
                    InvokeRoutingMatrix.RETRY_COUNT);
            if (stoppedBy != null) {
                if (stoppedBy.kind() == RoutingException.Kind.UNAVAILABLE) {
                    new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).yieldLeaving(context, session, List.of(progressed), stoppedBy);
                } else {
                    handleEngineFailure(context, session, progressed, stoppedBy);
                }
            } else if (moreSites) {
                session.transfer(progressed);
            } else {
                session.transfer(session.removeAttribute(progressed, SITES_NEXT), REL_ORIGINAL);
            }
        }

        private void computeSite(final RecordSetWriter writer, final String id, final PointReading point) throws RoutingException, IOException {
            if (!point.isValid()) {
                rowWriter.writeInvalid(writer, id, counts);
                return;
            }
            // Polygons are kept until the site is complete, so a site that fails half-way writes nothing.
            final List<IsochronePolygons.Result> polygons = new ArrayList<>(settings.thresholdsSeconds().length);
            if (SiteIsochrones.compute(engine, point.latitude(), point.longitude(), settings, stats, polygons::add)) {
                rowWriter.writeSite(writer, id, polygons, counts);
            } else {
                rowWriter.writeOffNetwork(writer, id, counts);
            }
        }

        /** A site the engine rejects goes to failure on its own: its input record, with the reason. */
        private void failSite(final RecordSetWriterFactory writers, final RecordSchema inputSchema, final Record record, final long site,
                              final String id, final RoutingException e) throws IOException, SchemaNotFoundException {
            final FlowFile failed = session.create(input);
            final String mimeType;
            try (OutputStream out = session.write(failed);
                 RecordSetWriter writer = writers.createWriter(getLogger(), writers.getSchema(input.getAttributes(), inputSchema), out, failed)) {
                writer.beginRecordSet();
                writer.write(record);
                writer.finishRecordSet();
                mimeType = writer.getMimeType();
            }
            getLogger().error("Site {} (index {}) of {} failed ({}): {}", id, site, input, e.kind(), e.getMessage());
            failedSites.add(session.putAllAttributes(failed, Map.of(InvokeRoutingMatrix.ERROR, String.valueOf(e.getMessage()),
                    InvokeRoutingMatrix.ERROR_KIND, e.kind().name(), SITE_INDEX, String.valueOf(site), SITE_ID, id, "record.count", "1", CoreAttributes.MIME_TYPE.key(), mimeType)));
        }
    }

    /** Outputs of an input done in several batches are named apart: {@code <name>-sites-<first site>.<ext>}. */
    private static String batchName(final String name, final String mimeType, final long firstSite, final boolean partial) {
        if (firstSite == 0 && !partial) {
            return name;
        }
        final String extension = OutputNames.extension(mimeType);
        return name.substring(0, name.length() - extension.length()) + "-sites-" + firstSite + extension;
    }

    private void handleEngineFailure(final ProcessContext context, final ProcessSession session, final FlowFile input, final RoutingException e) {
        new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).route(context, session, input, e, context.getProperty(MAX_RETRIES).asInteger());
    }

    private void fail(final ProcessSession session, final FlowFile input, final String kind, final String message) {
        new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).fail(session, input, kind, message);
    }
}
