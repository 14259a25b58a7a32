package io.github.nifirouting.processors;

import io.github.nifirouting.cache.MatrixCacheService;
import io.github.nifirouting.coordinates.CoordinateSetService;
import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.matrix.CachedMatrixRouter;
import io.github.nifirouting.matrix.MatrixRowSink;
import io.github.nifirouting.matrix.MatrixRowWriter;
import io.github.nifirouting.matrix.MatrixRouter;
import io.github.nifirouting.matrix.TilePoints;
import io.github.nifirouting.matrix.TileReader;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.matrix.RequestsAhead;
import io.github.nifirouting.matrix.TileRequests;
import io.github.nifirouting.memory.HeapGuard;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.TileAddress;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
import org.apache.nifi.annotation.behavior.ReadsAttributes;
import org.apache.nifi.annotation.behavior.SupportsBatching;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.annotation.lifecycle.OnStopped;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.MalformedRecordException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.WriteResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.Set;
import java.util.stream.Stream;

@Tags({"routing", "matrix", "drive time", "travel time", "distance", "osrm", "valhalla", "openrouteservice", "graphhopper", "record"})
@CapabilityDescription("Sends one O-D tile (from ChunkCoordinates, or any records with points) to a routing engine service and writes one "
        + "flat row per origin-destination pair through a Record Writer: origin_id, destination_id, duration_s, distance_m, status, "
        + "origin_snap_m, destination_snap_m. A tile of any size is cut into requests that fit the engine's limits and each request's "
        + "rows are written as its answer arrives, so memory is one request, not the tile (two with Request Pipelining, which sends the "
        + "next request, of the same tile or of the next of the tiles taken in one trigger, while the rows are written). Each tile gets its "
        + "own rows FlowFile. Unroutable pairs "
        + "are kept with null values and status UNROUTABLE; pairs involving a record without a valid point get INVALID_COORDINATE, so "
        + "every pair appears exactly once. If any request fails, the tile's rows are discarded: no "
        + "partial output. Engine failures are handled "
        + "the NiFi way: when the engine's circuit breaker is open the processor yields and leaves the tile (and the trigger's tiles not yet routed) queued; transient "
        + "failures (after the engine service's own retries) go to 'retry', penalized, up to Max Retries; permanent ones to 'failure'.")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@SupportsBatching
@SeeAlso(classNames = {"io.github.nifirouting.processors.ChunkCoordinates", "io.github.nifirouting.coordinates.RecordFileCoordinateSet"})
@UseCase(description = "Drive-time matrix from candidate sites to competitor sites",
        configuration = """
                Upstream, ChunkCoordinates cuts the candidate file into O-D tiles against a RecordFileCoordinateSet of competitors. \
                Here, select the same Routing Engine and the same coordinate set as Destination Coordinate Set, a Record Reader that \
                reads the tiles and a Record Writer for the results (e.g. the Parquet writer). Connect 'retry' back to this \
                processor and keep 'failure' for inspection.
                """)
@UseCase(description = "Square matrix among a small set of points",
        configuration = "Send a FlowFile of point records without tile attributes and leave Destination Coordinate Set empty: every "
                + "record is routed to every record.")
@ReadsAttributes({
        @ReadsAttribute(attribute = "tile.mode", description = "chunks, coordinate-set or all-pairs; absent means plain records"),
        @ReadsAttribute(attribute = "tile.destination.offset", description = "First destination of a coordinate-set tile"),
        @ReadsAttribute(attribute = "tile.destination.size", description = "Destinations of a coordinate-set tile"),
        @ReadsAttribute(attribute = "tile.destination.set.version", description = "Coordinate set version the tile was cut against"),
        @ReadsAttribute(attribute = "routing.retry.count", description = "Times this tile was already routed to retry")
})
@WritesAttributes({
        @WritesAttribute(attribute = "routing.engine", description = "Engine name"),
        @WritesAttribute(attribute = "routing.profile", description = "Engine profile"),
        @WritesAttribute(attribute = "routing.requests", description = "Engine requests sent for this tile, retries included"),
        @WritesAttribute(attribute = "routing.retries", description = "Retries the engine service made for this tile"),
        @WritesAttribute(attribute = "routing.cache.hits", description = "With a Result Cache: pairs taken from the cache"),
        @WritesAttribute(attribute = "routing.cache.misses", description = "With a Result Cache: pairs not in the cache"),
        @WritesAttribute(attribute = "routing.latency.ms", description = "Time spent in engine exchanges for this tile"),
        @WritesAttribute(attribute = "routing.wait.ms", description = "Time spent waiting (backoff, Retry-After, rate limit) for this tile"),
        @WritesAttribute(attribute = "routing.pairs.ok", description = "Pairs with a route"),
        @WritesAttribute(attribute = "routing.pairs.unroutable", description = "Pairs without a route"),
        @WritesAttribute(attribute = "routing.pairs.snapped.too.far", description = "Pairs whose ends snapped beyond Max Snap Distance"),
        @WritesAttribute(attribute = "routing.pairs.invalid", description = "Pairs with a record that has no valid point"),
        @WritesAttribute(attribute = "routing.pairs.no.road", description = "Pairs with a point the engine could not place on its network (NO_ROAD)"),
        @WritesAttribute(attribute = "routing.pairs.estimated", description = "Pairs the engine estimated instead of routing (ESTIMATED, OSRM Fallback Speed)"),
        @WritesAttribute(attribute = "routing.request.fill", description = "Pairs per answered engine request divided by the most "
                + "pairs the engine allows in one request (e.g. OSRM Max Table Size squared); absent when the engine has no pair limit"),
        @WritesAttribute(attribute = "record.count", description = "Rows written"),
        @WritesAttribute(attribute = "filename", description = "<input name>-<fragment.index>.<format extension>, unique per tile of an input"),
        @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
        @WritesAttribute(attribute = "routing.retry.count", description = "On retry: times this tile went to retry"),
        @WritesAttribute(attribute = "routing.error", description = "On failure and retry: what went wrong"),
        @WritesAttribute(attribute = "routing.error.kind", description = "On failure and retry: TRANSIENT, RATE_LIMITED, REJECTED, INVALID_TILE or RETRIES_EXHAUSTED")
})
public class InvokeRoutingMatrix extends AbstractProcessor {

    public static final PropertyDescriptor ROUTING_ENGINE = new PropertyDescriptor.Builder()
            .name("Routing Engine")
            .description("The engine service that computes the matrices.")
            .identifiesControllerService(RoutingEngineService.class)
            .required(true)
            .build();

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the tile's records.")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer")
            .description("Writes the matrix rows.")
            .identifiesControllerService(RecordSetWriterFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor DESTINATION_SET = new PropertyDescriptor.Builder()
            .name("Destination Coordinate Set")
            .description("The destinations for coordinate-set tiles (must be the service ChunkCoordinates used) and for plain records. "
                    + "Without it, plain records are routed among themselves.")
            .identifiesControllerService(CoordinateSetService.class)
            .required(false)
            .build();

    public static final PropertyDescriptor MAX_SNAP_DISTANCE = new PropertyDescriptor.Builder()
            .name("Max Snap Distance")
            .description("Farthest, in meters, a point may lie from the road the engine matches it to. Engines whose API bounds snapping "
                    + "get it with every request (OSRM as radiuses, Valhalla as search_cutoff): a point with no road that near gets status "
                    + "NO_ROAD on its pairs and the rest of the tile is routed. With other engines, pairs whose origin or destination was "
                    + "matched farther away get status SNAPPED_TOO_FAR and null values (only when the engine reports snap distances). "
                    + "Empty: no limit here (an OSRM service's Snap Radius still applies).")
            .required(false)
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor EXCLUDE_SELF_PAIRS = new PropertyDescriptor.Builder()
            .name("Exclude Self Pairs")
            .description("Whether pairs whose origin and destination have the same id are left out (they are counted, not written).")
            .allowableValues("true", "false")
            .defaultValue("false")
            .required(true)
            .build();

    public static final PropertyDescriptor MAX_RETRIES = new PropertyDescriptor.Builder()
            .name("Max Retries")
            .description("How many times a tile may go to 'retry' after transient engine failures before it goes to 'failure'.")
            .required(true)
            .defaultValue("10")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor RESULT_CACHE = new PropertyDescriptor.Builder()
            .name("Result Cache")
            .description("Optional cache of earlier results (LocalMatrixCache on this node's disk, or DistributedMatrixCache for a cluster): "
                    + "cached pairs are not asked of the engine again, and only origins and destinations with missing pairs are sent. "
                    + "Snap distances are cached per point, so cached rows get the same status and snap columns as computed ones.")
            .identifiesControllerService(MatrixCacheService.class)
            .required(false)
            .build();

    public static final PropertyDescriptor REQUEST_PIPELINING = new PropertyDescriptor.Builder()
            .name("Request Pipelining")
            .description("Whether a tile's next engine request is sent while the previous answer's rows are written. Tiles larger "
                    + "than one request (e.g. 1M pairs against OSRM's 100 x 100) are then routed without the engine waiting for the "
                    + "writer, which matters most for an engine across a network.")
            .allowableValues(RequestPipelining.class)
            .defaultValue(RequestPipelining.ONE_AHEAD.getValue())
            .required(true)
            .build();

    public static final PropertyDescriptor TILES_PER_TRIGGER = new PropertyDescriptor.Builder()
            .name("Tiles per Trigger")
            .description("Most tiles taken from the queue at once and routed as one stream of requests: with Request Pipelining, the "
                    + "next tile's first request is with the engine while the previous tile's last rows are written, so tiles of a "
                    + "single request (1000 x 1000 against OSRM) do not leave the engine idle while NiFi writes. Each tile still "
                    + "gets its own output and its own failure handling; when the engine's circuit opens, the tiles not yet routed "
                    + "go back to the queue. A trigger takes no more than its fair share of the queue (queued tiles divided by the "
                    + "concurrent tasks, rounded up), so the last tiles of an input are spread over the tasks. 1 takes one tile at a time.")
            .required(true)
            .defaultValue("4")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success")
            .description("Matrix rows of a tile").build();
    public static final Relationship REL_RETRY = new Relationship.Builder().name("retry")
            .description("The tile, penalized, after a transient engine failure; connect back to this processor").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("The tile after a permanent failure or too many retries, with routing.error").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original")
            .description("The tile after its rows were written").build();

    static final String RETRY_COUNT = EngineFailures.RETRY_COUNT;
    static final String ERROR = EngineFailures.ERROR;
    static final String ERROR_KIND = EngineFailures.ERROR_KIND;

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(ROUTING_ENGINE, RECORD_READER, RECORD_WRITER,
                    DESTINATION_SET, MAX_SNAP_DISTANCE, EXCLUDE_SELF_PAIRS, MAX_RETRIES, RESULT_CACHE, REQUEST_PIPELINING, TILES_PER_TRIGGER),
            Stream.concat(PointFields.PROPERTIES.stream(), HeapGuard.PROPERTIES.stream())).toList();

    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_RETRY, REL_FAILURE, REL_ORIGINAL);

    private volatile HeapGuard heapGuard = HeapGuard.shared();
    private volatile HeapGuard.Gate heapGate;
    /** Threads for the request ahead with {@link RequestPipelining#ONE_AHEAD}; null when sequential. */
    private volatile RequestsAhead requestsAhead;

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
        return HeapGuard.validate(context);
    }

    void setHeapGuard(final HeapGuard guard) {
        this.heapGuard = guard;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        heapGate = heapGuard.gate(context);
        if (context.getProperty(REQUEST_PIPELINING).asAllowableValue(RequestPipelining.class) == RequestPipelining.ONE_AHEAD) {
            requestsAhead = RequestsAhead.start(context.getMaxConcurrentTasks(), getClass().getSimpleName() + " " + getIdentifier());
        }
    }

    @OnStopped
    public void onStopped() throws InterruptedException {
        final RequestsAhead threads = requestsAhead;
        requestsAhead = null;
        if (threads != null) {
            threads.close();
        }
    }

    /**
     * How many tiles one trigger takes: Tiles per Trigger, but no more than its fair share of the queue (queued tiles
     * divided by the concurrent tasks, rounded up), so that the last tiles of an input spread over the tasks instead of
     * one task routing them all while the others idle (10 tiles, 2 tasks, 4 per trigger: 4 + 3, then 2 + 1, not 4 + 4 + 2).
     */
    static int tilesToTake(final int tilesPerTrigger, final int queued, final int concurrentTasks) {
        final int share = (queued + Math.max(1, concurrentTasks) - 1) / Math.max(1, concurrentTasks);
        return Math.max(1, Math.min(tilesPerTrigger, share));
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        if (!heapGate.admit(context, session, getLogger())) {
            return;
        }
        final List<FlowFile> flowFiles = session.get(tilesToTake(context.getProperty(TILES_PER_TRIGGER).asInteger(),
                session.getQueueSize().getObjectCount(), context.getMaxConcurrentTasks()));
        if (flowFiles.isEmpty()) {
            return;
        }
        final RoutingEngineService engine = context.getProperty(ROUTING_ENGINE).asControllerService(RoutingEngineService.class);
        final List<TileOutput> tiles = new ArrayList<>();
        for (final FlowFile tile : flowFiles) {
            try {
                tiles.add(new TileOutput(tile, readTile(context, session, tile)));
            } catch (final TileReader.TileException e) {
                fail(session, tile, "INVALID_TILE", e.getMessage());
            }
        }
        if (!tiles.isEmpty()) {
            routeAndWrite(context, session, engine, tiles);
        }
    }

    private TilePoints readTile(final ProcessContext context, final ProcessSession session, final FlowFile tile) throws TileReader.TileException {
        final TileAddress address;
        try {
            address = TileAddress.parse(tile.getAttributes());
        } catch (final TileAddress.InvalidTileAddressException e) {
            throw new TileReader.TileException(e.getMessage());
        }
        final CoordinateBlock destinations = destinations(context, address);
        final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final TileReader tileReader = new TileReader(PointFields.from(context));
        try (InputStream in = session.read(tile);
             RecordReader reader = readers.createRecordReader(tile, in, getLogger())) {
            return tileReader.read(reader, address, destinations);
        } catch (final IOException | MalformedRecordException | SchemaNotFoundException | RuntimeException e) {
            throw new TileReader.TileException("cannot read the tile's records: " + e.getMessage());
        }
    }

    private static CoordinateBlock destinations(final ProcessContext context, final TileAddress address) throws TileReader.TileException {
        if (!context.getProperty(DESTINATION_SET).isSet()) {
            if (address.isCoordinateSetTile()) {
                throw new TileReader.TileException("a coordinate-set tile needs the Destination Coordinate Set property");
            }
            return null;
        }
        if (address.isAllPairsTile()) {
            return null;
        }
        final CoordinateSetService service = context.getProperty(DESTINATION_SET).asControllerService(CoordinateSetService.class);
        if (!address.isCoordinateSetTile()) {
            // Plain records against the whole set: a view of its arrays; requests are cut from it below, so nothing
            // of rows x set size is allocated.
            return service.getCoordinateSet().points();
        }
        final String setId = address.destinationSetId();
        if (setId != null && !setId.equals(context.getProperty(DESTINATION_SET).getValue())) {
            throw new TileReader.TileException("the tile was cut against coordinate set service " + setId
                    + " but this processor uses " + context.getProperty(DESTINATION_SET).getValue());
        }
        return TileReader.destinationSlice(service.getCoordinateSet(address.destinationSetVersion()), address);
    }

    /**
     * Routes the tiles as one stream of engine-sized requests ({@link TileRequests#routeTiles}) and writes each request's
     * rows as its answer arrives: memory is one request (two with a request ahead), not a tile. A tile's rows FlowFile is
     * removed if any of its requests fails, so a tile never leaves partial output; an open circuit sends the failed tile
     * and every tile not yet routed back to the queue and yields.
     */
    private void routeAndWrite(final ProcessContext context, final ProcessSession session, final RoutingEngineService engine,
                               final List<TileOutput> tiles) {
        final RecordSetWriterFactory writers = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final double maxSnap = context.getProperty(MAX_SNAP_DISTANCE).isSet() ? context.getProperty(MAX_SNAP_DISTANCE).asDouble() : Double.POSITIVE_INFINITY;
        final MatrixOptions options = Double.isInfinite(maxSnap) ? MatrixOptions.NONE : MatrixOptions.maxSnap(maxSnap);
        final MatrixRowWriter rowWriter = new MatrixRowWriter(maxSnap, context.getProperty(EXCLUDE_SELF_PAIRS).asBoolean());
        final MatrixCacheService cache = context.getProperty(RESULT_CACHE).asControllerService(MatrixCacheService.class);
        final MatrixRouter matrixRouter = cache == null ? MatrixRouter.of(engine, options)
                : CachedMatrixRouter.around(MatrixRouter.of(engine, options), cache, CachedMatrixRouter.scope(engine, options));
        final MatrixLimits limits = engine.getMatrixLimits(options);
        final List<TileRequests.Tile> stream = new ArrayList<>();
        for (final TileOutput tile : tiles) {
            stream.add(new TileRequests.Tile(tile.points.origins(), tile.points.destinations(), limits,
                    (origins, destinations) -> matrixRouter.route(origins, destinations, tile.stats)));
        }
        TileRequests.routeTiles(stream, requestsAhead, new TileRequests.TileConsumer() {
            @Override
            public void accept(final int index, final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixResult part)
                    throws IOException {
                final TileOutput tile = tiles.get(index);
                rowWriter.writeBlock(origins, destinations, part, tile.open(session, writers), tile.counts);
            }

            @Override
            public void completed(final int index) throws IOException {
                final TileOutput tile = tiles.get(index);
                rowWriter.writeInvalid(tile.points, tile.open(session, writers), tile.counts);
                transferRouted(session, engine, limits, tile, tile.finish());
            }

            @Override
            public boolean failed(final int index, final Exception failure) {
                final TileOutput tile = tiles.get(index);
                tile.discard(session);
                if (failure instanceof RoutingException e && e.kind() == RoutingException.Kind.UNAVAILABLE) {
                    // Open circuit: this tile and the ones not routed yet wait in the queue; tiles already routed stay done.
                    session.adjustCounter("Engine requests", tile.stats.requests(), false);
                    new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).yieldLeaving(context, session,
                            tiles.subList(index, tiles.size()).stream().map(waiting -> waiting.tile).toList(), e);
                    return false;
                }
                if (failure instanceof RoutingException e) {
                    handleEngineFailure(context, session, tile.tile, e, tile.stats);
                } else {
                    fail(session, tile.tile, "WRITE_FAILED", "cannot write the matrix rows: " + failure.getMessage());
                }
                return true;
            }
        });
    }

    /** Transfers a routed tile's rows (with {@code written}: the writer's attributes) and its original, and counts it. */
    private void transferRouted(final ProcessSession session, final RoutingEngineService engine, final MatrixLimits limits,
                                final TileOutput tile, final Map<String, String> written) {
        final CallStats stats = tile.stats;
        final MatrixRowWriter.Counts counts = tile.counts;
        final Map<String, String> attributes = new HashMap<>(written);
        FlowFile original = tile.tile;
        if (stats.cacheUsed()) {
            session.adjustCounter("Cache hits", stats.cacheHits(), false);
            session.adjustCounter("Cache misses", stats.cacheMisses(), false);
            original = session.putAllAttributes(original, Map.of("routing.cache.hits", String.valueOf(stats.cacheHits()),
                    "routing.cache.misses", String.valueOf(stats.cacheMisses())));
            attributes.put("routing.cache.hits", String.valueOf(stats.cacheHits()));
            attributes.put("routing.cache.misses", String.valueOf(stats.cacheMisses()));
        }
        attributes.put("routing.engine", engine.getEngineName());
        attributes.put("routing.profile", engine.getProfile());
        attributes.put("routing.requests", String.valueOf(stats.requests()));
        attributes.put("routing.retries", String.valueOf(stats.retries()));
        attributes.put("routing.latency.ms", String.valueOf(stats.engineMillis()));
        attributes.put("routing.wait.ms", String.valueOf(stats.waitMillis()));
        attributes.put("routing.pairs.ok", String.valueOf(counts.ok));
        attributes.put("routing.pairs.unroutable", String.valueOf(counts.unroutable));
        attributes.put("routing.pairs.snapped.too.far", String.valueOf(counts.snappedTooFar));
        attributes.put("routing.pairs.invalid", String.valueOf(counts.invalid));
        attributes.put("routing.pairs.no.road", String.valueOf(counts.noRoad));
        attributes.put("routing.pairs.estimated", String.valueOf(counts.estimated));
        if (limits.maxElements() < Long.MAX_VALUE && stats.answeredRequests() > 0) {
            attributes.put("routing.request.fill", String.format(java.util.Locale.ROOT, "%.3f",
                    (double) stats.answeredPairs() / stats.answeredRequests() / limits.maxElements()));
        }
        session.transfer(session.putAllAttributes(tile.rows, attributes), REL_SUCCESS);
        session.transfer(session.removeAttribute(original, RETRY_COUNT), REL_ORIGINAL);
        session.adjustCounter("Tiles routed", 1, false);
        session.adjustCounter("Pairs OK", counts.ok, false);
        session.adjustCounter("Pairs unroutable", counts.unroutable + counts.snappedTooFar, false);
        session.adjustCounter("Pairs without road", counts.noRoad, false);
        session.adjustCounter("Pairs estimated", counts.estimated, false);
        session.adjustCounter("Pairs with invalid coordinates", counts.invalid, false);
        session.adjustCounter("Engine requests", stats.requests(), false);
        session.adjustCounter("Engine retries", stats.retries(), false);
    }

    /**
     * One tile of a trigger and its rows FlowFile, opened at its first answer and finished when its last answer is written;
     * tiles are written one after the other, so at most one writer is open at a time.
     */
    private final class TileOutput {
        private final FlowFile tile;
        private final TilePoints points;
        private final CallStats stats = new CallStats();
        private final MatrixRowWriter.Counts counts = new MatrixRowWriter.Counts();
        private FlowFile rows;
        private OutputStream out;
        private RecordSetWriter writer;
        private MatrixRowSink sink;

        TileOutput(final FlowFile tile, final TilePoints points) {
            this.tile = tile;
            this.points = points;
        }

        MatrixRowSink open(final ProcessSession session, final RecordSetWriterFactory writers) throws IOException {
            if (sink == null) {
                rows = session.create(tile);
                out = session.write(rows);
                try {
                    writer = writers.createWriter(getLogger(), writers.getSchema(tile.getAttributes(), MatrixRowWriter.SCHEMA), out, rows);
                } catch (final SchemaNotFoundException e) {
                    throw new IOException("no schema for the matrix rows: " + e.getMessage(), e);
                }
                writer.beginRecordSet();
                sink = MatrixRowSink.of(writer);
            }
            return sink;
        }

        /** Finishes the record set and closes the writer; returns the attributes the rows FlowFile gets from the writing. */
        Map<String, String> finish() throws IOException {
            final Map<String, String> attributes = new HashMap<>();
            try (OutputStream closing = out; RecordSetWriter finishing = writer) {
                final WriteResult result = finishing.finishRecordSet();
                attributes.putAll(result.getAttributes());
                attributes.put("record.count", String.valueOf(result.getRecordCount()));
                attributes.put(CoreAttributes.MIME_TYPE.key(), finishing.getMimeType());
                attributes.put(CoreAttributes.FILENAME.key(), OutputNames.name(tile, rows, finishing.getMimeType()));
            } finally {
                writer = null;
                out = null;
            }
            return attributes;
        }

        /** Drops whatever was written for this tile. */
        void discard(final ProcessSession session) {
            try (OutputStream closing = out; RecordSetWriter closingWriter = writer) {
                // closed by try-with-resources; the content is removed below
            } catch (final IOException | RuntimeException ignored) {
                // the rows are removed anyway
            }
            writer = null;
            out = null;
            if (rows != null) {
                session.remove(rows);
                rows = null;
            }
        }
    }

    private void handleEngineFailure(final ProcessContext context, final ProcessSession session, final FlowFile tile,
                                     final RoutingException e, final CallStats stats) {
        session.adjustCounter("Engine requests", stats.requests(), false);
        new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).route(context, session, tile, e, context.getProperty(MAX_RETRIES).asInteger());
    }

    private void fail(final ProcessSession session, final FlowFile tile, final String kind, final String message) {
        new EngineFailures(REL_RETRY, REL_FAILURE, getLogger()).fail(session, tile, kind, message);
    }
}
