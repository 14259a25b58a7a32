package io.github.nifirouting.processors;

import io.github.nifirouting.coordinates.CoordinateSetService;
import io.github.nifirouting.coordinates.DuplicateIdPolicy;
import io.github.nifirouting.coordinates.InputFieldsException;
import io.github.nifirouting.coordinates.JsonElementCensus;
import io.github.nifirouting.coordinates.PointFields;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.memory.HeapGuard;
import io.github.nifirouting.model.CoordinateSet;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.TileAddress;
import io.github.nifirouting.model.TilePlan;
import io.github.nifirouting.tiling.PointTiler;
import io.github.nifirouting.tiling.TileBatch;
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
import org.apache.nifi.flowfile.attributes.FragmentAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.WriteResult;
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

@Tags({"routing", "matrix", "tiles", "chunk", "split", "coordinates", "geospatial", "record"})
@CapabilityDescription("Streams a dataset of points (any format a Record Reader handles) into fixed-size chunks or origin-destination "
        + "tiles sized to a routing engine's matrix limits, without holding the dataset in memory. The input is read twice: a first "
        + "pass validates and counts (so malformed input goes to failure before anything is written and fragment.count is known), "
        + "a second pass writes. Records keep their fields unchanged. Points with missing, non-numeric, non-finite, out-of-range, "
        + "(0, 0), likely swapped, out-of-bounding-box coordinates or duplicate ids go to 'invalid' with a 'reason' field; every "
        + "input record ends up in exactly one of the outputs. O-D tiles are sized by work (Max Pairs Per Tile), not by one engine "
        + "request: InvokeRoutingMatrix cuts them into requests. At most Max FlowFiles Per Session outputs are emitted per session; "
        + "an input cut into more goes back to its queue with tiles.next marking the next output, committed with the batch, so a "
        + "restart neither loses nor repeats outputs. "
        + "Problems of the whole input are reported once, with the input routed "
        + "to failure untouched: configured fields missing or misspelt (with the closest field found), a reader that inferred ids as "
        + "numbers or coordinates as float, or a JSON reader that returned fewer records than the input holds objects.")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix", "io.github.nifirouting.coordinates.RecordFileCoordinateSet"})
@UseCase(description = "Tile 10,000 candidate sites against 2,000 competitor sites for an OSRM server with max-table-size 100",
        configuration = """
                Set Tiling Mode to "O-D tiles against a coordinate set". Configure a RecordFileCoordinateSet service reading the \
                competitor file and select it as Destination Coordinate Set. Set Chunk Size to 100 and keep Max Pairs Per Tile at \
                1,000,000: each of the 100 origin chunks is written once as one tile of 100 x 2,000 destinations (100 tiles). \
                Selecting the OSRM engine service as Routing Engine rounds tile blocks to whole 100 x 100 requests; \
                InvokeRoutingMatrix sends each tile as 20 full OSRM requests.
                """)
@UseCase(description = "Split a large point file into chunks for isochrones or batch geocoding",
        configuration = "Set Tiling Mode to \"Chunks\" and Chunk Size to the records wanted per FlowFile.")
@WritesAttributes({
        @WritesAttribute(attribute = "fragment.identifier", description = "Shared by all chunks/tiles of one input FlowFile"),
        @WritesAttribute(attribute = "fragment.index", description = "0-based position of the chunk/tile"),
        @WritesAttribute(attribute = "fragment.count", description = "Number of chunks/tiles cut from the input"),
        @WritesAttribute(attribute = "segment.original.filename", description = "The input's filename"),
        @WritesAttribute(attribute = "record.count", description = "Records in the FlowFile"),
        @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
        @WritesAttribute(attribute = "tile.mode", description = "chunks, coordinate-set or all-pairs"),
        @WritesAttribute(attribute = "tile.origin.block.index", description = "Index of the origin block (chunk)"),
        @WritesAttribute(attribute = "tile.origin.block.count", description = "Number of origin blocks"),
        @WritesAttribute(attribute = "tile.origin.offset", description = "Offset of the first origin among the valid input points"),
        @WritesAttribute(attribute = "tile.origin.size", description = "Number of origins in the tile"),
        @WritesAttribute(attribute = "tile.destination.block.index", description = "Index of the destination block (tiles only)"),
        @WritesAttribute(attribute = "tile.destination.block.count", description = "Number of destination blocks (tiles only)"),
        @WritesAttribute(attribute = "tile.destination.offset", description = "Offset of the first destination (tiles only)"),
        @WritesAttribute(attribute = "tile.destination.size", description = "Number of destinations (tiles only)"),
        @WritesAttribute(attribute = "tile.destination.set.id", description = "Identifier of the coordinate set service (coordinate-set tiles)"),
        @WritesAttribute(attribute = "tile.destination.set.version", description = "Version of the coordinate set the tile was cut against"),
        @WritesAttribute(attribute = TileBatch.NEXT, description = "On an input sent back to its queue between batches: the next "
                + "output to emit"),
        @WritesAttribute(attribute = TileBatch.SET_VERSION, description = "On an input sent back to its queue: the coordinate set "
                + "version its tiles are cut against"),
        @WritesAttribute(attribute = ChunkCoordinates.RECORDS_READ, description = "On original: records read from the input; on failure when the reader lost records: the records it returned"),
        @WritesAttribute(attribute = "chunk.records.valid", description = "On original: valid records"),
        @WritesAttribute(attribute = "chunk.records.invalid", description = "On original and invalid: records routed to invalid"),
        @WritesAttribute(attribute = "chunk.records.dropped", description = "On original: duplicate-id records dropped (policy Drop)"),
        @WritesAttribute(attribute = "chunk.error", description = "On failure: what was wrong with the input"),
        @WritesAttribute(attribute = "chunk.error.record.index", description = "On failure: 0-based index of the record that could not be read "
                + "(for a JSON reader that lost records: of the first array element that is not an object)"),
        @WritesAttribute(attribute = ChunkCoordinates.FIELDS_MISSING, description = "On failure: the configured field names the input does "
                + "not have, comma-separated (empty when a field is present but typed so that it loses values)"),
        @WritesAttribute(attribute = ChunkCoordinates.FIELDS_FOUND, description = "On failure for missing or lossy fields: the fields the "
                + "Record Reader found, comma-separated"),
        @WritesAttribute(attribute = ChunkCoordinates.INPUT_OBJECTS, description = "On failure when the reader returned fewer records "
                + "than the JSON input holds objects: the top-level objects, counted independently of the reader"),
        @WritesAttribute(attribute = ChunkCoordinates.RECORDS_MISSING, description = "On failure: how many of those objects the reader "
                + "did not return (NiFi's JSON readers skip past the object after an array element that is not an object, e.g. null)")
})
public class ChunkCoordinates extends AbstractProcessor {

    static final int ALL_PAIRS_TILES_PER_PASS = 32;

    public static final String RECORDS_READ = "chunk.records.read";
    public static final String FIELDS_MISSING = "chunk.fields.missing";
    public static final String FIELDS_FOUND = "chunk.fields.found";
    public static final String INPUT_OBJECTS = "chunk.input.objects";
    public static final String RECORDS_MISSING = "chunk.records.missing";

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the incoming points. Values are read as the reader found them, so ids and coordinates stay as written; "
                    + "for CSV use Schema Access Strategy 'Use String Fields From Header' (CSVReader's default inference reads ids as numbers "
                    + "and coordinates as float, and such inputs are refused).")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer")
            .description("Writes chunks, tiles and invalid records.")
            .identifiesControllerService(RecordSetWriterFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor TILING_MODE = new PropertyDescriptor.Builder()
            .name("Tiling Mode")
            .description("How to cut the input.")
            .allowableValues(TilingMode.class)
            .defaultValue(TilingMode.CHUNKS)
            .required(true)
            .build();

    public static final PropertyDescriptor CHUNK_SIZE = new PropertyDescriptor.Builder()
            .name("Chunk Size")
            .description("Points per chunk, or the largest origin block of a tile. In tiling modes the block shrinks further if the "
                    + "routing engine's limits require it.")
            .required(true)
            .defaultValue("100")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor DESTINATION_SET = new PropertyDescriptor.Builder()
            .name("Destination Coordinate Set")
            .description("The destinations of O-D tiles, e.g. all competitor sites.")
            .identifiesControllerService(CoordinateSetService.class)
            .required(true)
            .dependsOn(TILING_MODE, TilingMode.COORDINATE_SET)
            .build();

    public static final PropertyDescriptor MAX_PAIRS_PER_TILE = new PropertyDescriptor.Builder()
            .name("Max Pairs Per Tile")
            .description("Most origin x destination pairs in one tile FlowFile, whatever the engine's request limit: a tile is a unit of "
                    + "work (one FlowFile, one retry), and InvokeRoutingMatrix cuts it into engine-sized requests, holding one request at "
                    + "a time. Fewer, larger tiles mean fewer FlowFiles in NiFi's repositories; smaller tiles mean less repeated work "
                    + "when a tile is retried.")
            .required(true)
            .defaultValue("1000000")
            .addValidator(StandardValidators.POSITIVE_LONG_VALIDATOR)
            .dependsOn(TILING_MODE, TilingMode.COORDINATE_SET, TilingMode.ALL_PAIRS)
            .build();

    public static final PropertyDescriptor MAX_FLOWFILES_PER_SESSION = new PropertyDescriptor.Builder()
            .name("Max FlowFiles Per Session")
            .description("Most chunks/tiles emitted and committed in one session. An input cut into more is emitted in batches: after "
                    + "each batch the input goes back to its queue with attribute tiles.next, so the heap never holds more than this "
                    + "many pending FlowFiles (about 3 KB each), back-pressure and the heap guard act between batches, and a restart "
                    + "resumes at the first output not yet committed. Each batch reads the input again up to its last output.")
            .required(true)
            .defaultValue("1000")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor ROUTING_ENGINE = new PropertyDescriptor.Builder()
            .name("Routing Engine")
            .description("Optional: the engine the tiles are for. Its limits do not bound a tile (InvokeRoutingMatrix cuts tiles into "
                    + "requests); tile blocks are rounded down to whole multiples of its request shape so every request is full.")
            .identifiesControllerService(RoutingEngineService.class)
            .required(false)
            .dependsOn(TILING_MODE, TilingMode.COORDINATE_SET, TilingMode.ALL_PAIRS)
            .build();

    public static final PropertyDescriptor MAX_SOURCES = limitProperty("Max Sources", "Most origins per tile");
    public static final PropertyDescriptor MAX_DESTINATIONS = limitProperty("Max Destinations", "Most destinations per tile");
    public static final PropertyDescriptor MAX_ELEMENTS = limitProperty("Max Elements", "Most origin x destination pairs per tile "
            + "(OSRM: the square of max-table-size)");

    public static final PropertyDescriptor DUPLICATE_IDS = new PropertyDescriptor.Builder()
            .name("Duplicate Ids")
            .description("What to do with a record whose id appeared earlier in the same input.")
            .allowableValues(DuplicateIdPolicy.class)
            .defaultValue(DuplicateIdPolicy.ROUTE)
            .required(true)
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success")
            .description("Chunks or tiles of valid points").build();
    public static final Relationship REL_INVALID = new Relationship.Builder().name("invalid")
            .description("One FlowFile per input with the invalid records, each with 'reason' and 'record_index' fields").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("The input, untouched, when it cannot be read as records, its fields do not fit the configuration (missing, "
                    + "misspelt, or typed by the reader so that ids or coordinates would change), the reader returned fewer records than "
                    + "the input holds (JSON array elements that are not objects), or "
                    + "it cannot be tiled; see chunk.error").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original")
            .description("The input after it was chunked, with counts").build();

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(RECORD_READER, RECORD_WRITER, TILING_MODE,
                    CHUNK_SIZE, DESTINATION_SET, MAX_PAIRS_PER_TILE, MAX_FLOWFILES_PER_SESSION, ROUTING_ENGINE, MAX_SOURCES, MAX_DESTINATIONS, MAX_ELEMENTS, DUPLICATE_IDS),
            Stream.concat(PointFields.PROPERTIES.stream(), HeapGuard.PROPERTIES.stream())).toList();

    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_INVALID, REL_FAILURE, REL_ORIGINAL);

    private static PropertyDescriptor limitProperty(final String name, final String description) {
        return new PropertyDescriptor.Builder()
                .name(name)
                .description(description + ". Optional per-tile limit, combined with Max Pairs Per Tile (the smaller wins).")
                .required(false)
                .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
                .addValidator(StandardValidators.POSITIVE_LONG_VALIDATOR)
                .dependsOn(TILING_MODE, TilingMode.COORDINATE_SET, TilingMode.ALL_PAIRS)
                .build();
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    private volatile HeapGuard heapGuard = HeapGuard.shared();
    private volatile HeapGuard.Gate heapGate;

    /** For tests: a guard reading a simulated heap. */
    void setHeapGuard(final HeapGuard guard) {
        this.heapGuard = guard;
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        return HeapGuard.validate(context);
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        heapGate = heapGuard.gate(context);
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        if (!heapGate.admit(context, session, getLogger())) {
            return;
        }
        final FlowFile original = session.get();
        if (original == null) {
            return;
        }
        new ChunkRun(context, session, original, getLogger()).run();
    }

    /** The engine whose request shape tile blocks are rounded to, or null. */
    static MatrixLimits engineLimits(final ProcessContext context) {
        return context.getProperty(ROUTING_ENGINE).isSet()
                ? context.getProperty(ROUTING_ENGINE).asControllerService(RoutingEngineService.class).getMatrixLimits() : null;
    }

    /** The limits a tile must fit: Max Pairs Per Tile narrowed by any explicit per-tile limits. */
    static MatrixLimits tileLimits(final ProcessContext context) {
        final MatrixLimits limits = MatrixLimits.ofElements(context.getProperty(MAX_PAIRS_PER_TILE).asLong());
        final long sources = longOr(context, MAX_SOURCES, Integer.MAX_VALUE);
        final long destinations = longOr(context, MAX_DESTINATIONS, Integer.MAX_VALUE);
        final long elements = longOr(context, MAX_ELEMENTS, Long.MAX_VALUE);
        return limits.intersect(new MatrixLimits((int) Math.min(sources, Integer.MAX_VALUE), (int) Math.min(destinations, Integer.MAX_VALUE),
                elements, Integer.MAX_VALUE));
    }

    private static long longOr(final ProcessContext context, final PropertyDescriptor property, final long fallback) {
        return context.getProperty(property).isSet() ? context.getProperty(property).evaluateAttributeExpressions().asLong() : fallback;
    }

    /** Side of the square blocks of all-pairs tiles: b origins x b destinations, 2b coordinates at most. */
    static int allPairsBlockSize(final int chunkSize, final MatrixLimits limits) {
        long block = Math.min(chunkSize, Math.min(limits.maxSources(), limits.maxDestinations()));
        block = Math.min(block, (long) Math.floor(Math.sqrt((double) limits.maxElements())));
        block = Math.min(block, limits.maxCoordinates() / 2);
        return (int) Math.max(1, block);
    }

    /** One input FlowFile being chunked: both passes and all outputs. */
    private static final class ChunkRun implements PointTiler.Sink {
        private final ProcessContext context;
        private final ProcessSession session;
        private final FlowFile original;
        private final org.apache.nifi.logging.ComponentLog logger;
        private final RecordReaderFactory readerFactory;
        private final RecordSetWriterFactory writerFactory;
        private final TilingMode mode;
        private final List<FlowFile> outputs = new ArrayList<>();
        private final Map<Integer, FlowFile> open = new HashMap<>();
        private final Map<Integer, OutputStream> openStreams = new HashMap<>();
        private FlowFile invalidFlowFile;
        private OutputStream invalidStream;
        private InputStream currentInput;

        private int outputCount;
        private int originBlockSize;
        private int originBlocks;
        private int destinationBlockSize;
        private int destinationBlocks;
        private long destinationCount;
        private CoordinateSet destinationSet;
        private String destinationSetId;
        private TileBatch batch;

        ChunkRun(final ProcessContext context, final ProcessSession session, final FlowFile original,
                 final org.apache.nifi.logging.ComponentLog logger) {
            this.context = context;
            this.session = session;
            this.original = original;
            this.logger = logger;
            this.readerFactory = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
            this.writerFactory = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
            this.mode = TilingMode.fromValue(context.getProperty(TILING_MODE).getValue());
        }

        void run() {
            final PointTiler tiler = new PointTiler(PointFields.from(context),
                    DuplicateIdPolicy.fromValue(context.getProperty(DUPLICATE_IDS).getValue()));
            final int chunkSize;
            try {
                chunkSize = context.getProperty(CHUNK_SIZE).evaluateAttributeExpressions(original).asInteger();
            } catch (final NumberFormatException e) {
                fail("Chunk Size is not a positive integer for this FlowFile: " + e.getMessage(), -1, e);
                return;
            }
            // An input back from an earlier batch was validated then; its counts travel with it.
            final PointTiler.Scan resumed = resumedScan(original);
            final JsonElementCensus census;
            if (resumed != null) {
                census = null;
            } else {
                try (InputStream in = session.read(original)) {
                    census = JsonElementCensus.of(in);
                } catch (final IOException e) {
                    fail("cannot read the input: " + e.getMessage(), -1, e);
                    return;
                }
            }
            final PointTiler.Scan scan;
            try {
                scan = resumed != null ? resumed : tiler.scan(this::openReader, census.json());
            } catch (final PointTiler.InputException e) {
                fail(e.getMessage(), e.recordIndex(), e);
                return;
            } catch (final InputFieldsException e) {
                fail("the input's fields do not fit the configuration: " + e.getMessage(), -1, null, Map.of(
                        FIELDS_MISSING, String.join(",", e.missing()), FIELDS_FOUND, String.join(",", e.found())));
                return;
            } catch (final IOException e) {
                fail("cannot read the input: " + e.getMessage(), -1, e);
                return;
            } finally {
                closeInput();
            }
            if (census != null && census.missingRecords(scan.read()) > 0) {
                fail(census.explainMissing(scan.read()), census.firstNonObjectIndex(), null, Map.of(RECORDS_READ, String.valueOf(scan.read()),
                        INPUT_OBJECTS, String.valueOf(census.objects()), RECORDS_MISSING, String.valueOf(census.missingRecords(scan.read()))));
                return;
            }
            try {
                plan(scan, chunkSize);
                batch = nextBatch();
            } catch (final IllegalStateException | IllegalArgumentException e) {
                fail(e.getMessage(), -1, e);
                return;
            }
            try {
                write(tiler, scan);
            } catch (final PointTiler.InputException e) {
                discardOutputs();
                fail(e.getMessage(), e.recordIndex(), e);
                return;
            } catch (final IOException | SchemaNotFoundException | RuntimeException e) {
                discardOutputs();
                fail("cannot write chunks: " + e.getMessage(), -1, e);
                return;
            } finally {
                closeInput();
            }
            finish(scan);
        }

        private void plan(final PointTiler.Scan scan, final int chunkSize) {
            switch (mode) {
                case CHUNKS -> {
                    originBlockSize = chunkSize;
                    originBlocks = TilePlan.blockCount(scan.valid(), chunkSize);
                    outputCount = originBlocks;
                }
                case COORDINATE_SET -> {
                    final CoordinateSetService service = context.getProperty(DESTINATION_SET).asControllerService(CoordinateSetService.class);
                    destinationSetId = context.getProperty(DESTINATION_SET).getValue();
                    destinationSet = service.getCoordinateSet();
                    destinationCount = destinationSet.size();
                    if (destinationCount == 0 && scan.valid() > 0) {
                        throw new IllegalStateException("the destination coordinate set has no valid points, so the " + scan.valid()
                                + " valid origins cannot be tiled");
                    }
                    final TilePlan plan = TilePlan.sizedByWork(chunkSize, context.getProperty(MAX_PAIRS_PER_TILE).asLong(),
                            tileLimits(context), engineLimits(context));
                    originBlockSize = plan.originBlockSize();
                    destinationBlockSize = plan.destinationBlockSize();
                    originBlocks = plan.originBlocks(scan.valid());
                    destinationBlocks = plan.destinationBlocks(destinationCount);
                    outputCount = Math.multiplyExact(originBlocks, destinationBlocks);
                }
                case ALL_PAIRS -> {
                    originBlockSize = allPairsBlockSize(chunkSize, tileLimits(context));
                    destinationBlockSize = originBlockSize;
                    originBlocks = TilePlan.blockCount(scan.valid(), originBlockSize);
                    destinationBlocks = originBlocks;
                    destinationCount = scan.valid();
                    outputCount = Math.multiplyExact(originBlocks, destinationBlocks);
                }
            }
        }

        /** The batch of outputs this session emits: from the input's cursor, at most Max FlowFiles Per Session. */
        private TileBatch nextBatch() {
            final String next = original.getAttribute(TileBatch.NEXT);
            final int first;
            try {
                first = next == null ? 0 : Integer.parseInt(next.trim());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("attribute " + TileBatch.NEXT + " '" + next + "' is not an output index");
            }
            final String setVersion = original.getAttribute(TileBatch.SET_VERSION);
            if (setVersion != null && destinationSet != null && !setVersion.equals(destinationSet.version())) {
                throw new IllegalStateException("the destination coordinate set was reloaded after outputs [0, " + first + ") of this input "
                        + "were emitted against version " + setVersion + " (now " + destinationSet.version() + "); the remaining outputs "
                        + "cannot be cut consistently: re-run ChunkCoordinates for this input");
            }
            return TileBatch.starting(first, context.getProperty(MAX_FLOWFILES_PER_SESSION).asInteger(), outputCount);
        }

        private void write(final PointTiler tiler, final PointTiler.Scan scan)
                throws PointTiler.InputException, IOException, SchemaNotFoundException {
            // Invalid records are written once, with the first batch.
            final boolean writeInvalid = scan.invalid() > 0 && batch.isFirst();
            if (mode == TilingMode.ALL_PAIRS && outputCount > 0) {
                for (int first = batch.first(); first < batch.end(); first += ALL_PAIRS_TILES_PER_PASS) {
                    final int count = Math.min(ALL_PAIRS_TILES_PER_PASS, batch.end() - first);
                    tiler.writeAllPairsTiles(this::openReader, originBlockSize, originBlocks, first, count, writeInvalid && first == 0, this);
                    closeInput();
                }
            } else {
                final int perOriginBlock = mode == TilingMode.COORDINATE_SET ? destinationBlocks : 1;
                if (batch.size() > 0 || writeInvalid) {
                    tiler.writeChunks(this::openReader, originBlockSize, batch.firstOriginBlock(perOriginBlock),
                            batch.endOriginBlock(perOriginBlock), writeInvalid, this);
                }
            }
        }

        private org.apache.nifi.serialization.RecordReader openReader()
                throws IOException, org.apache.nifi.serialization.MalformedRecordException, SchemaNotFoundException {
            closeInput();
            currentInput = session.read(original);
            return readerFactory.createRecordReader(original, currentInput, logger);
        }

        private void closeInput() {
            if (currentInput != null) {
                try {
                    currentInput.close();
                } catch (final IOException ignored) {
                    // reading is over; nothing to recover
                }
                currentInput = null;
            }
        }

        @Override
        public RecordSetWriter openOutput(final int index, final RecordSchema schema) throws IOException, SchemaNotFoundException {
            final FlowFile child = session.create(original);
            open.put(index, child);
            final RecordSchema writeSchema = writerFactory.getSchema(original.getAttributes(), schema);
            final OutputStream out = session.write(child);
            openStreams.put(index, out);
            return writerFactory.createWriter(logger, writeSchema, out, child);
        }

        @Override
        public void closeOutput(final int index, final RecordSetWriter writer, final long records) throws IOException {
            final WriteResult result = writer.finishRecordSet();
            final String mimeType = writer.getMimeType();
            writer.close();
            openStreams.remove(index).close();
            FlowFile child = open.remove(index);
            final Map<String, String> attributes = new HashMap<>(result.getAttributes());
            attributes.put("record.count", String.valueOf(records));
            attributes.put(CoreAttributes.MIME_TYPE.key(), mimeType);
            final String inputId = original.getAttribute(CoreAttributes.UUID.key());
            if (mode == TilingMode.COORDINATE_SET) {
                // The origin block is written once; each destination block of this batch gets a clone sharing its content.
                final int lastInBatch = Math.min(index * destinationBlocks + destinationBlocks, batch.end()) - 1;
                for (int destinationBlock = 0; destinationBlock < destinationBlocks; destinationBlock++) {
                    final int fragment = index * destinationBlocks + destinationBlock;
                    if (!batch.contains(fragment)) {
                        continue;
                    }
                    final FlowFile tile = fragment == lastInBatch ? child : session.clone(child);
                    final long destinationOffset = (long) destinationBlock * destinationBlockSize;
                    final TileAddress address = TileAddress.tile(inputId, mode.getValue(), fragment, outputCount, index, originBlocks,
                            (long) index * originBlockSize, records, destinationBlock, destinationBlocks, destinationOffset,
                            Math.min(destinationBlockSize, destinationCount - destinationOffset), destinationSetId, destinationSet.version());
                    outputs.add(session.putAllAttributes(tile, withAddress(attributes, address)));
                }
                return;
            }
            final TileAddress address;
            if (mode == TilingMode.ALL_PAIRS) {
                final int originBlock = index / originBlocks;
                final int destinationBlock = index % originBlocks;
                final long destinationOffset = (long) destinationBlock * destinationBlockSize;
                address = TileAddress.tile(inputId, mode.getValue(), index, outputCount, originBlock, originBlocks,
                        (long) originBlock * originBlockSize, Math.min(originBlockSize, destinationCount - (long) originBlock * originBlockSize),
                        destinationBlock, destinationBlocks, destinationOffset, Math.min(destinationBlockSize, destinationCount - destinationOffset),
                        null, null);
            } else {
                address = TileAddress.chunk(inputId, index, outputCount, originBlocks, (long) index * originBlockSize, records);
            }
            child = session.putAllAttributes(child, withAddress(attributes, address));
            outputs.add(child);
        }

        private Map<String, String> withAddress(final Map<String, String> attributes, final TileAddress address) {
            final Map<String, String> all = new HashMap<>(attributes);
            all.putAll(address.toAttributes());
            final String filename = original.getAttribute(CoreAttributes.FILENAME.key());
            if (filename != null) {
                all.put(FragmentAttributes.SEGMENT_ORIGINAL_FILENAME.key(), filename);
            }
            return all;
        }

        @Override
        public RecordSetWriter openInvalid(final RecordSchema schema) throws IOException, SchemaNotFoundException {
            invalidFlowFile = session.create(original);
            final RecordSchema writeSchema = writerFactory.getSchema(original.getAttributes(), schema);
            invalidStream = session.write(invalidFlowFile);
            return writerFactory.createWriter(logger, writeSchema, invalidStream, invalidFlowFile);
        }

        @Override
        public void closeInvalid(final RecordSetWriter writer, final long records) throws IOException {
            final WriteResult result = writer.finishRecordSet();
            final String mimeType = writer.getMimeType();
            writer.close();
            invalidStream.close();
            invalidStream = null;
            final Map<String, String> attributes = new HashMap<>(result.getAttributes());
            attributes.put("record.count", String.valueOf(records));
            attributes.put("chunk.records.invalid", String.valueOf(records));
            attributes.put(CoreAttributes.MIME_TYPE.key(), mimeType);
            invalidFlowFile = session.putAllAttributes(invalidFlowFile, attributes);
        }

        private void finish(final PointTiler.Scan scan) {
            session.transfer(outputs, REL_SUCCESS);
            if (invalidFlowFile != null) {
                session.transfer(invalidFlowFile, REL_INVALID);
            }
            final Map<String, String> counts = new HashMap<>();
            counts.put(RECORDS_READ, String.valueOf(scan.read()));
            counts.put("chunk.records.valid", String.valueOf(scan.valid()));
            counts.put("chunk.records.invalid", String.valueOf(scan.invalid()));
            counts.put("chunk.records.dropped", String.valueOf(scan.dropped()));
            counts.put(FragmentAttributes.FRAGMENT_ID.key(), original.getAttribute(CoreAttributes.UUID.key()));
            counts.put(FragmentAttributes.FRAGMENT_COUNT.key(), String.valueOf(outputCount));
            if (batch.isFirst()) {
                session.adjustCounter("Records read", scan.read(), false);
                session.adjustCounter("Records valid", scan.valid(), false);
                session.adjustCounter("Records invalid", scan.invalid(), false);
                if (scan.dropped() > 0) {
                    session.adjustCounter("Records dropped (duplicate id)", scan.dropped(), false);
                }
            }
            session.adjustCounter(mode == TilingMode.CHUNKS ? "Chunks" : "Tiles", batch.size(), false);
            if (!batch.isLast()) {
                // Committed with this batch: after a restart the input resumes at the first output not yet emitted.
                counts.put(TileBatch.NEXT, String.valueOf(batch.end()));
                if (destinationSet != null) {
                    counts.put(TileBatch.SET_VERSION, destinationSet.version());
                }
                session.transfer(session.putAllAttributes(original, counts));
                session.adjustCounter("Batches emitted before the input was done", 1, false);
                return;
            }
            final FlowFile done = session.removeAllAttributes(session.putAllAttributes(original, counts), Set.of(TileBatch.NEXT, TileBatch.SET_VERSION));
            session.transfer(done, REL_ORIGINAL);
        }

        /** The counts of the validating pass, kept on an input that comes back for its next batch; null on a new input. */
        private static PointTiler.Scan resumedScan(final FlowFile input) {
            if (input.getAttribute(TileBatch.NEXT) == null) {
                return null;
            }
            try {
                return new PointTiler.Scan(Long.parseLong(input.getAttribute("chunk.records.read")),
                        Long.parseLong(input.getAttribute("chunk.records.valid")), Long.parseLong(input.getAttribute("chunk.records.invalid")),
                        Long.parseLong(input.getAttribute("chunk.records.dropped")), null);
            } catch (final NumberFormatException e) {
                // Counts edited or lost: validate again, which reaches the same verdicts.
                return null;
            }
        }

        private void discardOutputs() {
            for (final OutputStream out : openStreams.values()) {
                closeQuietly(out);
            }
            openStreams.clear();
            if (invalidStream != null) {
                closeQuietly(invalidStream);
                invalidStream = null;
            }
            for (final FlowFile child : open.values()) {
                session.remove(child);
            }
            open.clear();
            session.remove(outputs);
            outputs.clear();
            if (invalidFlowFile != null) {
                session.remove(invalidFlowFile);
                invalidFlowFile = null;
            }
        }

        private static void closeQuietly(final OutputStream out) {
            try {
                out.close();
            } catch (final IOException ignored) {
                // the output is being discarded
            }
        }

        private void fail(final String message, final long recordIndex, final Exception cause) {
            fail(message, recordIndex, cause, Map.of());
        }

        private void fail(final String message, final long recordIndex, final Exception cause, final Map<String, String> details) {
            closeInput();
            if (cause == null) {
                logger.error("Cannot chunk {}: {}", original, message);
            } else {
                logger.error("Cannot chunk {}: {}", original, message, cause);
            }
            final Map<String, String> attributes = new HashMap<>(details);
            attributes.put("chunk.error", message);
            if (recordIndex >= 0) {
                attributes.put("chunk.error.record.index", String.valueOf(recordIndex));
            }
            session.transfer(session.putAllAttributes(original, attributes), REL_FAILURE);
        }
    }
}
