package io.github.nifirouting.processors;

import io.github.nifirouting.accessibility.AccessibilityScorer;
import io.github.nifirouting.accessibility.DecayFunction;
import io.github.nifirouting.accessibility.OriginScores;
import io.github.nifirouting.isochrone.Thresholds;
import io.github.nifirouting.memory.HeapGuard;
import io.github.nifirouting.model.TileAddress;
import io.github.nifirouting.tiling.TileAttributes;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
import org.apache.nifi.annotation.behavior.ReadsAttributes;
import org.apache.nifi.annotation.behavior.TriggerWhenEmpty;
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
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.flowfile.attributes.FragmentAttributes;
import org.apache.nifi.processor.AbstractSessionFactoryProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.ProcessSessionFactory;
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
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

@Tags({"routing", "accessibility", "gravity", "hansen", "2sfca", "catchment", "nearest", "site selection", "record"})
@CapabilityDescription("Computes per-origin accessibility scores from drive-time matrix rows (origin_id, destination_id, duration_s, status, "
        + "optional weight fields), as a stream: cumulative opportunities within each threshold (count and weight sum), gravity (Hansen) "
        + "accessibility with exponential or power decay, the k nearest destinations with their times, and optionally the two-step "
        + "floating catchment area (2SFCA) with supply and demand weights. Unroutable pairs never count. InvokeRoutingMatrix writes one "
        + "FlowFile per O-D tile, so an origin's rows arrive in several FlowFiles: with Grouping 'Origin chunk', tiles are held (like "
        + "MergeRecord holds its bins: in their own session, so a restart loses nothing) until every destination block of their "
        + "origin chunk arrived, and each chunk is scored into one FlowFile. Memory is one small accumulator per origin of the open "
        + "chunks (plus, for 2SFCA, one supply/demand pair per destination of the run), never the rows. A chunk that does not "
        + "complete within Max Chunk Age, or is evicted by Max Open Chunks, goes to failure: scores are never written from part of "
        + "an origin's destinations.")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@TriggerWhenEmpty
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix", "io.github.nifirouting.processors.ChunkCoordinates"})
@UseCase(description = "Competitor pressure per candidate site",
        configuration = "Connect InvokeRoutingMatrix 'success' (candidates x competitors, tiles from ChunkCoordinates) straight to this "
                + "processor; Grouping 'Origin chunk'; Thresholds '5 min, 10 min, 15 min'; Destination Weight Field 'floor_area' (added "
                + "upstream with LookupRecord); Nearest K 3. Each candidate gets competitor counts and floor area within 5/10/15 min, a "
                + "gravity score and its 3 nearest competitors, one FlowFile per origin chunk.")
@UseCase(description = "Supply-to-demand ratio (2SFCA) of stores for population cells",
        configuration = "Origins are population cells with a 'population' field, destinations stores with 'floor_area'; 2SFCA Catchment "
                + "'15 min', Origin Weight Field 'population', Destination Weight Field 'floor_area'. The processor holds the tiles of the "
                + "run, computes each store's ratio in a first pass and scores the cells chunk by chunk in a second pass.")
@ReadsAttributes({
        @ReadsAttribute(attribute = "fragment.identifier", description = "The run a tile belongs to (from ChunkCoordinates)"),
        @ReadsAttribute(attribute = "fragment.index", description = "With 2SFCA: the tile's position in the run"),
        @ReadsAttribute(attribute = "fragment.count", description = "With 2SFCA: tiles in the run"),
        @ReadsAttribute(attribute = "tile.origin.block.index", description = "The tile's origin chunk"),
        @ReadsAttribute(attribute = "tile.origin.block.count", description = "Origin chunks in the run"),
        @ReadsAttribute(attribute = "tile.destination.block.index", description = "The tile's destination block"),
        @ReadsAttribute(attribute = "tile.destination.block.count", description = "Destination blocks of every origin chunk")
})
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Origins scored"),
        @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
        @WritesAttribute(attribute = "score.rows", description = "Matrix rows the scores were computed from"),
        @WritesAttribute(attribute = "score.tiles", description = "Input FlowFiles the scores were computed from"),
        @WritesAttribute(attribute = "fragment.identifier", description = "Grouped output: the run"),
        @WritesAttribute(attribute = "fragment.index", description = "Grouped output: the origin chunk (tile.origin.block.index), so "
                + "MergeRecord's Defragment strategy can join the chunks of a run"),
        @WritesAttribute(attribute = "fragment.count", description = "Grouped output: origin chunks in the run"),
        @WritesAttribute(attribute = "score.error", description = "On failure: what was wrong (bad row, incomplete or evicted chunk)"),
        @WritesAttribute(attribute = "score.error.row.index", description = "On failure: 0-based index of the offending row")
})
public class ScoreAccessibility extends AbstractSessionFactoryProcessor {

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder().name("Record Reader")
            .description("Reads the matrix rows.").identifiesControllerService(RecordReaderFactory.class).required(true).build();
    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder().name("Record Writer")
            .description("Writes one score record per origin.").identifiesControllerService(RecordSetWriterFactory.class).required(true).build();
    public static final PropertyDescriptor GROUPING = new PropertyDescriptor.Builder().name("Grouping")
            .description("How the rows of one origin are found.").allowableValues(ScoreGrouping.class)
            .defaultValue(ScoreGrouping.ORIGIN_CHUNK).required(true).build();
    public static final PropertyDescriptor MAX_OPEN_CHUNKS = new PropertyDescriptor.Builder().name("Max Open Chunks")
            .description("Most origin chunks (or, with 2SFCA, runs) waiting for tiles at once. When a tile would open one more, the oldest "
                    + "open chunk goes to failure as incomplete. Allow for the chunks in flight upstream (InvokeRoutingMatrix's concurrent "
                    + "tasks and retries).").required(true).defaultValue("64")
            .addValidator(StandardValidators.createLongValidator(1, 100_000, true)).build();
    public static final PropertyDescriptor MAX_CHUNK_AGE = new PropertyDescriptor.Builder().name("Max Chunk Age")
            .description("How long an origin chunk (or a 2SFCA run) may wait for its remaining tiles before its tiles go to failure as "
                    + "incomplete (e.g. a tile that went to InvokeRoutingMatrix's failure never arrives).").required(true)
            .defaultValue("30 min").addValidator(StandardValidators.TIME_PERIOD_VALIDATOR).build();
    public static final PropertyDescriptor THRESHOLDS = new PropertyDescriptor.Builder().name("Thresholds")
            .description("Travel times for cumulative opportunities: '5 min, 10 min, 15 min' or seconds. Grouped tiles use the value "
                    + "evaluated against the first tile of their chunk.").required(true)
            .defaultValue("5 min, 10 min, 15 min").expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();
    public static final PropertyDescriptor DESTINATION_WEIGHT_FIELD = new PropertyDescriptor.Builder().name("Destination Weight Field")
            .description("Row field with the destination's weight (store size, supply). Empty: every destination weighs 1.")
            .required(false).addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();
    public static final PropertyDescriptor ORIGIN_WEIGHT_FIELD = new PropertyDescriptor.Builder().name("Origin Weight Field")
            .description("Row field with the origin's demand (population) for 2SFCA. Empty: every origin weighs 1.")
            .required(false).addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();
    public static final PropertyDescriptor DECAY = new PropertyDescriptor.Builder().name("Decay Function")
            .description("Distance decay of the gravity score (time in minutes).").allowableValues(DecayFunction.class)
            .defaultValue(DecayFunction.EXPONENTIAL).required(true).build();
    public static final PropertyDescriptor BETA = new PropertyDescriptor.Builder().name("Decay Beta")
            .description("The decay parameter: per minute for exponential (0.1 halves a weight in ~7 min), the exponent for power.")
            .required(true).defaultValue("0.1").addValidator(StandardValidators.NUMBER_VALIDATOR).build();
    public static final PropertyDescriptor NEAREST_K = new PropertyDescriptor.Builder().name("Nearest K")
            .description("How many nearest destinations (by time; ties by destination id) to report per origin; 0 for none.")
            .required(true).defaultValue("3").addValidator(StandardValidators.createLongValidator(0, 50, true)).build();
    public static final PropertyDescriptor TWO_STEP_CATCHMENT = new PropertyDescriptor.Builder().name("2SFCA Catchment")
            .description("Catchment time of the two-step floating catchment area score, e.g. '15 min'. Empty: no 2SFCA. Each destination's "
                    + "ratio depends on every origin of the study: with Grouping 'Origin chunk' the tiles of the whole run are held (one "
                    + "supply/demand pair per destination in memory) and scored chunk by chunk once the last one arrived; with 'Each "
                    + "FlowFile' a FlowFile must hold the whole study.")
            .required(false).addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success")
            .description("One score record per origin: one FlowFile per origin chunk, or per input FlowFile scored on its own").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("Input that cannot be scored (missing fields, negative durations, incomplete or evicted chunks, duplicate tiles), "
                    + "with score.error").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original").description("The input after scoring").build();

    static final String ERROR = "score.error";
    static final String ERROR_ROW = "score.error.row.index";
    /** Remembered failed chunks, so their late tiles fail at once instead of opening a chunk that cannot complete. */
    private static final int FAILED_CHUNKS_REMEMBERED = 10_000;
    private static final int BATCH = 16;

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(RECORD_READER, RECORD_WRITER, GROUPING,
            MAX_OPEN_CHUNKS, MAX_CHUNK_AGE, THRESHOLDS, DESTINATION_WEIGHT_FIELD, ORIGIN_WEIGHT_FIELD, DECAY, BETA, NEAREST_K,
            TWO_STEP_CATCHMENT), HeapGuard.PROPERTIES.stream()).toList();
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE, REL_ORIGINAL);

    private volatile HeapGuard.Gate heapGate;
    /** Open chunks in the order they were opened; guarded by itself. */
    private final LinkedHashMap<String, Chunk> chunks = new LinkedHashMap<>();
    private final Map<String, String> failedChunks = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, String> eldest) {
            return size() > FAILED_CHUNKS_REMEMBERED;
        }
    };

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
        for (final PropertyDescriptor property : List.of(THRESHOLDS, TWO_STEP_CATCHMENT)) {
            final String value = context.getProperty(property).getValue();
            if (value != null && !context.isExpressionLanguagePresent(value)) {
                try {
                    Thresholds.parse(value);
                } catch (final IllegalArgumentException e) {
                    results.add(new ValidationResult.Builder().subject(property.getDisplayName()).input(value).valid(false).explanation(e.getMessage()).build());
                }
            }
        }
        return results;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        heapGate = HeapGuard.shared().gate(context);
    }

    /** Held tiles go back to the input queue (their sessions are rolled back) and are scored again after a restart. */
    @OnStopped
    public void onStopped() {
        synchronized (chunks) {
            for (final Chunk chunk : chunks.values()) {
                chunk.session.rollback();
            }
            chunks.clear();
            failedChunks.clear();
        }
    }

    static RecordSchema schema(final double[] thresholds, final int k, final boolean twoStep) {
        final List<RecordField> fields = new ArrayList<>();
        fields.add(new RecordField("origin_id", RecordFieldType.STRING.getDataType(), false));
        for (final double threshold : thresholds) {
            fields.add(new RecordField("count_" + label(threshold), RecordFieldType.LONG.getDataType(), false));
            fields.add(new RecordField("weight_" + label(threshold), RecordFieldType.DOUBLE.getDataType(), false));
        }
        fields.add(new RecordField("gravity", RecordFieldType.DOUBLE.getDataType(), false));
        for (int rank = 1; rank <= k; rank++) {
            fields.add(new RecordField("nearest_" + rank + "_id", RecordFieldType.STRING.getDataType(), true));
            fields.add(new RecordField("nearest_" + rank + "_s", RecordFieldType.DOUBLE.getDataType(), true));
        }
        if (twoStep) {
            fields.add(new RecordField("access_2sfca", RecordFieldType.DOUBLE.getDataType(), false));
        }
        return new SimpleRecordSchema(fields);
    }

    /** Field-name suffix for a threshold: minutes when whole (15 min -> 15min), else seconds. */
    static String label(final double seconds) {
        return seconds % 60 == 0 ? (long) (seconds / 60) + "min" : (long) seconds + "s";
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSessionFactory sessionFactory) throws ProcessException {
        expireOldChunks(context);
        final ProcessSession session = sessionFactory.createSession();
        try {
            if (!heapGate.admit(context, session, getLogger())) {
                session.commitAsync();
                return;
            }
            final List<FlowFile> inputs = session.get(BATCH);
            if (inputs.isEmpty()) {
                session.commitAsync();
                context.yield(); // triggered when empty only to expire chunks: no need to spin
                return;
            }
            final ScoreGrouping grouping = ScoreGrouping.fromValue(context.getProperty(GROUPING).getValue());
            for (final FlowFile input : inputs) {
                if (grouping == ScoreGrouping.FLOWFILE) {
                    scoreAlone(context, session, input);
                } else {
                    group(context, session, sessionFactory, input);
                }
            }
            session.commitAsync();
        } catch (final Throwable t) {
            session.rollback(true);
            throw t;
        }
    }

    private AccessibilityScorer.Settings settings(final ProcessContext context, final FlowFile input) {
        final String catchment = context.getProperty(TWO_STEP_CATCHMENT).getValue();
        return new AccessibilityScorer.Settings(Thresholds.parse(context.getProperty(THRESHOLDS).evaluateAttributeExpressions(input).getValue()),
                DecayFunction.fromValue(context.getProperty(DECAY).getValue()), context.getProperty(BETA).asDouble(),
                context.getProperty(NEAREST_K).asInteger(), context.getProperty(DESTINATION_WEIGHT_FIELD).getValue(),
                context.getProperty(ORIGIN_WEIGHT_FIELD).getValue(), catchment == null ? 0 : Thresholds.parse(catchment)[0]);
    }

    /** A FlowFile that holds every row of its origins: scored on its own (read twice with 2SFCA). */
    private void scoreAlone(final ProcessContext context, final ProcessSession session, final FlowFile input) {
        final AccessibilityScorer.Settings settings;
        try {
            settings = settings(context, input);
        } catch (final IllegalArgumentException e) {
            fail(session, input, e.getMessage(), -1);
            return;
        }
        final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final List<InputStream> opened = new ArrayList<>();
        final Map<String, OriginScores> scores;
        try {
            scores = new AccessibilityScorer(settings).score(() -> {
                final InputStream in = session.read(input);
                opened.add(in);
                return readers.createRecordReader(input, in, getLogger());
            });
        } catch (final AccessibilityScorer.BadRowException e) {
            closeAll(opened);
            fail(session, input, e.getMessage(), e.rowIndex());
            return;
        } catch (final Exception e) {
            closeAll(opened);
            fail(session, input, "cannot read the matrix rows: " + e.getMessage(), -1);
            return;
        }
        closeAll(opened);
        final FlowFile output = session.create(input);
        try {
            final FlowFile written = write(context, session, output, input.getAttributes(), settings, scores, Map.of());
            session.transfer(written, REL_SUCCESS);
            session.transfer(input, REL_ORIGINAL);
            session.adjustCounter("Origins scored", scores.size(), false);
        } catch (final Exception e) {
            session.remove(output);
            fail(session, input, "cannot write scores: " + e.getMessage(), -1);
        }
    }

    /** Where a tile belongs: its chunk, its part within it and how many parts complete the chunk. */
    record TilePosition(String chunkKey, String chunkLabel, int part, int parts, int originBlock, String originBlockCount) {

        /** @return null when the FlowFile is not a tile of a larger whole and is scored on its own */
        static TilePosition of(final FlowFile flowFile, final boolean twoStep) {
            final TileAddress address = TileAddress.parse(flowFile.getAttributes());
            final String run = address.inputId();
            final String originBlockCount = address.originBlockCount() == TileAddress.ABSENT ? null : String.valueOf(address.originBlockCount());
            if (twoStep) {
                if (!address.hasFragment()) {
                    return null;
                }
                return new TilePosition(run, "run " + run, address.fragmentIndex(), address.fragmentCount(),
                        address.hasOriginBlock() ? address.originBlockIndex() : 0, originBlockCount);
            }
            if (!address.hasDestinationBlock()) {
                return null;
            }
            if (run == null || !address.hasOriginBlock()) {
                throw new IllegalArgumentException("a tile with " + TileAttributes.DESTINATION_BLOCK_INDEX + " needs "
                        + FragmentAttributes.FRAGMENT_ID.key() + " and " + TileAttributes.ORIGIN_BLOCK_INDEX + " to find its origin chunk");
            }
            final int block = address.originBlockIndex();
            return new TilePosition(run + "/" + block, "origin chunk " + block + " of run " + run, address.destinationBlockIndex(),
                    address.destinationBlockCount(), block, originBlockCount);
        }
    }

    /** The tiles of one origin chunk (or, with 2SFCA, of one run) held in their own session, and their partial scores. */
    private static final class Chunk {
        final TilePosition first;
        final ProcessSession session;
        final AccessibilityScorer scorer;
        final AccessibilityScorer.Settings settings;
        final long openedNanos = System.nanoTime();
        final BitSet arrived = new BitSet();
        final List<FlowFile> tiles = new ArrayList<>();
        final Map<String, OriginScores> origins = new LinkedHashMap<>();
        final AccessibilityScorer.SupplyDemand supplyDemand = new AccessibilityScorer.SupplyDemand();
        long rows;

        Chunk(final TilePosition first, final ProcessSession session, final AccessibilityScorer.Settings settings) {
            this.first = first;
            this.session = session;
            this.settings = settings;
            this.scorer = new AccessibilityScorer(settings);
        }

        String progress() {
            final StringBuilder missing = new StringBuilder();
            int listed = 0;
            for (int part = arrived.nextClearBit(0); part < first.parts() && listed < 10; part = arrived.nextClearBit(part + 1), listed++) {
                missing.append(listed == 0 ? "" : ", ").append(part);
            }
            final String unit = settings.twoStep() ? "tiles" : "destination blocks";
            return arrived.cardinality() + " of " + first.parts() + " " + unit + " arrived (missing " + missing
                    + (first.parts() - arrived.cardinality() > listed ? ", ..." : "") + ")";
        }
    }

    /** Reads a tile's rows into partial scores (no lock held), then adds them to its chunk and hands the tile to the chunk's session. */
    private void group(final ProcessContext context, final ProcessSession session, final ProcessSessionFactory sessionFactory, final FlowFile input) {
        final AccessibilityScorer.Settings settings;
        final TilePosition position;
        try {
            settings = settings(context, input);
            position = TilePosition.of(input, settings.twoStep());
        } catch (final IllegalArgumentException e) {
            fail(session, input, e.getMessage(), -1);
            return;
        }
        if (position == null) {
            scoreAlone(context, session, input);
            return;
        }
        if (position.part() >= position.parts()) {
            fail(session, input, "tile " + position.part() + " of " + position.parts() + " is out of range", -1);
            return;
        }
        final String failedBefore;
        synchronized (chunks) {
            failedBefore = failedChunks.get(position.chunkKey());
        }
        if (failedBefore != null) {
            fail(session, input, position.chunkLabel() + " not scored: " + failedBefore, -1);
            return;
        }
        final AccessibilityScorer scorer = new AccessibilityScorer(settings);
        final Map<String, OriginScores> partial = new LinkedHashMap<>();
        final AccessibilityScorer.SupplyDemand partialSupplyDemand = new AccessibilityScorer.SupplyDemand();
        final long rows;
        final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        try (InputStream in = session.read(input);
             RecordReader reader = readers.createRecordReader(input, in, getLogger())) {
            rows = settings.twoStep() ? scorer.addSupplyDemand(reader, partialSupplyDemand) : scorer.addScores(reader, Map.of(), partial);
        } catch (final AccessibilityScorer.BadRowException e) {
            fail(session, input, e.getMessage(), e.rowIndex());
            failChunk(position, "tile " + position.part() + " has a bad row: " + e.getMessage());
            return;
        } catch (final Exception e) {
            fail(session, input, "cannot read the matrix rows: " + e.getMessage(), -1);
            failChunk(position, "tile " + position.part() + " cannot be read: " + e.getMessage());
            return;
        }
        final Chunk complete;
        synchronized (chunks) {
            final String failedMeanwhile = failedChunks.get(position.chunkKey());
            if (failedMeanwhile != null) {
                fail(session, input, position.chunkLabel() + " not scored: " + failedMeanwhile, -1);
                return;
            }
            Chunk opened = chunks.get(position.chunkKey());
            if (opened == null) {
                evictForRoom(context);
                opened = new Chunk(position, sessionFactory.createSession(), settings);
                chunks.put(position.chunkKey(), opened);
            }
            final Chunk chunk = opened;
            if (chunk.first.parts() != position.parts()) {
                fail(session, input, "the tile says its " + position.chunkLabel() + " has " + position.parts() + " parts, its first tile said "
                        + chunk.first.parts(), -1);
                return;
            }
            if (chunk.arrived.get(position.part())) {
                fail(session, input, "duplicate tile " + position.part() + " of " + position.chunkLabel() + ": its rows were already counted", -1);
                return;
            }
            if (settings.twoStep()) {
                chunk.supplyDemand.merge(partialSupplyDemand);
            } else {
                partial.forEach((origin, scores) -> chunk.origins.computeIfAbsent(origin, o -> chunk.scorer.newOrigin()).merge(scores));
            }
            chunk.rows += rows;
            chunk.arrived.set(position.part());
            session.migrate(chunk.session, List.of(input));
            chunk.tiles.add(input);
            complete = chunk.arrived.cardinality() == chunk.first.parts() ? chunks.remove(position.chunkKey()) : null;
        }
        if (complete != null) {
            finish(context, complete);
        }
    }

    /** Writes a complete chunk's scores (for 2SFCA: a second pass over the run's tiles, one output per origin chunk) and commits. */
    private void finish(final ProcessContext context, final Chunk chunk) {
        final ProcessSession session = chunk.session;
        final List<FlowFile> outputs = new ArrayList<>();
        long origins = 0;
        try {
            if (!chunk.settings.twoStep()) {
                outputs.add(writeChunk(context, chunk, chunk.tiles, chunk.first.originBlock(), chunk.first.originBlockCount(), chunk.origins, chunk.rows));
                origins = chunk.origins.size();
            } else {
                final Map<String, Double> ratios = chunk.supplyDemand.ratios();
                final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
                final TreeMap<Integer, List<FlowFile>> byOriginBlock = new TreeMap<>();
                for (final FlowFile tile : chunk.tiles) {
                    final TileAddress address = TileAddress.parse(tile.getAttributes());
                    byOriginBlock.computeIfAbsent(address.hasOriginBlock() ? address.originBlockIndex() : 0, b -> new ArrayList<>()).add(tile);
                }
                for (final Map.Entry<Integer, List<FlowFile>> block : byOriginBlock.entrySet()) {
                    final Map<String, OriginScores> scores = new LinkedHashMap<>();
                    long rows = 0;
                    for (final FlowFile tile : block.getValue()) {
                        try (InputStream in = session.read(tile);
                             RecordReader reader = readers.createRecordReader(tile, in, getLogger())) {
                            rows += chunk.scorer.addScores(reader, ratios, scores);
                        }
                    }
                    outputs.add(writeChunk(context, chunk, block.getValue(), block.getKey(), chunk.first.originBlockCount(), scores, rows));
                    origins += scores.size();
                }
            }
        } catch (final Exception e) {
            session.remove(outputs);
            final String message = chunk.first.chunkLabel() + " not scored: " + e.getMessage();
            getLogger().error("Cannot score {}", chunk.first.chunkLabel(), e);
            for (final FlowFile tile : chunk.tiles) {
                session.transfer(session.putAllAttributes(tile, Map.of(ERROR, message)), REL_FAILURE);
            }
            session.commitAsync();
            return;
        }
        session.transfer(outputs, REL_SUCCESS);
        session.transfer(chunk.tiles, REL_ORIGINAL);
        session.adjustCounter("Origins scored", origins, false);
        session.adjustCounter("Rows scored", chunk.rows, false);
        session.adjustCounter("Chunks scored", outputs.size(), false);
        session.commitAsync();
    }

    private FlowFile writeChunk(final ProcessContext context, final Chunk chunk, final List<FlowFile> tiles, final int originBlock,
                                final String originBlockCount, final Map<String, OriginScores> scores, final long rows) throws Exception {
        final ProcessSession session = chunk.session;
        FlowFile output = session.create(tiles);
        output = session.removeAllAttributes(output, Set.of(TileAttributes.DESTINATION_BLOCK_INDEX, TileAttributes.DESTINATION_BLOCK_COUNT,
                TileAttributes.DESTINATION_OFFSET, TileAttributes.DESTINATION_SIZE, "record.count"));
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(FragmentAttributes.FRAGMENT_ID.key(), tiles.get(0).getAttribute(FragmentAttributes.FRAGMENT_ID.key()));
        attributes.put(FragmentAttributes.FRAGMENT_INDEX.key(), String.valueOf(originBlock));
        if (originBlockCount != null) {
            attributes.put(FragmentAttributes.FRAGMENT_COUNT.key(), originBlockCount);
            attributes.put(TileAttributes.ORIGIN_BLOCK_COUNT, originBlockCount);
        }
        attributes.put(TileAttributes.ORIGIN_BLOCK_INDEX, String.valueOf(originBlock));
        attributes.put("score.rows", String.valueOf(rows));
        attributes.put("score.tiles", String.valueOf(tiles.size()));
        try {
            return write(context, session, output, tiles.get(0).getAttributes(), chunk.settings, scores, attributes);
        } catch (final Exception e) {
            session.remove(output);
            throw e;
        }
    }

    private FlowFile write(final ProcessContext context, final ProcessSession session, final FlowFile output, final Map<String, String> schemaAttributes,
                           final AccessibilityScorer.Settings settings, final Map<String, OriginScores> scores, final Map<String, String> extra)
            throws Exception {
        final RecordSchema schema = schema(settings.thresholdsSeconds(), settings.nearestK(), settings.twoStep());
        final RecordSetWriterFactory writers = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final Map<String, String> attributes = new HashMap<>(extra);
        try (OutputStream out = session.write(output);
             RecordSetWriter writer = writers.createWriter(getLogger(), writers.getSchema(schemaAttributes, schema), out, output)) {
            writer.beginRecordSet();
            for (final Map.Entry<String, OriginScores> entry : scores.entrySet()) {
                writer.write(new MapRecord(schema, values(settings, entry.getKey(), entry.getValue())));
            }
            final WriteResult result = writer.finishRecordSet();
            attributes.putAll(result.getAttributes());
            attributes.put("record.count", String.valueOf(result.getRecordCount()));
            attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
        }
        return session.putAllAttributes(output, attributes);
    }

    private static Map<String, Object> values(final AccessibilityScorer.Settings settings, final String originId, final OriginScores origin) {
        final Map<String, Object> values = new HashMap<>();
        values.put("origin_id", originId);
        for (int t = 0; t < settings.thresholdsSeconds().length; t++) {
            values.put("count_" + label(settings.thresholdsSeconds()[t]), origin.count(t));
            values.put("weight_" + label(settings.thresholdsSeconds()[t]), origin.weightSum(t));
        }
        values.put("gravity", origin.gravity());
        for (int rank = 0; rank < origin.nearestSize(); rank++) {
            values.put("nearest_" + (rank + 1) + "_id", origin.nearestId(rank));
            values.put("nearest_" + (rank + 1) + "_s", origin.nearestSeconds(rank));
        }
        if (settings.twoStep()) {
            values.put("access_2sfca", origin.twoStepAccess());
        }
        return values;
    }

    /** The chunk cannot be scored: its held tiles go to failure now, and its later tiles as they arrive. */
    private void failChunk(final TilePosition position, final String reason) {
        final Chunk chunk;
        synchronized (chunks) {
            failedChunks.put(position.chunkKey(), reason);
            chunk = chunks.remove(position.chunkKey());
        }
        if (chunk != null) {
            releaseToFailure(chunk, chunk.first.chunkLabel() + " not scored: " + reason, "Chunks failed");
        }
    }

    /** Makes room for one more open chunk by failing the oldest; called holding the chunks lock. */
    private void evictForRoom(final ProcessContext context) {
        final int maxOpen = context.getProperty(MAX_OPEN_CHUNKS).asInteger();
        final Iterator<Chunk> oldestFirst = chunks.values().iterator();
        while (chunks.size() >= maxOpen && oldestFirst.hasNext()) {
            final Chunk oldest = oldestFirst.next();
            oldestFirst.remove();
            final String reason = "evicted incomplete, " + oldest.progress() + ", to stay within Max Open Chunks (" + maxOpen + ")";
            failedChunks.put(oldest.first.chunkKey(), reason);
            releaseToFailure(oldest, oldest.first.chunkLabel() + " " + reason, "Chunks evicted incomplete");
        }
    }

    private void expireOldChunks(final ProcessContext context) {
        final long maxAgeNanos = context.getProperty(MAX_CHUNK_AGE).asTimePeriod(TimeUnit.NANOSECONDS);
        final List<Chunk> expired = new ArrayList<>();
        synchronized (chunks) {
            final long now = System.nanoTime();
            final Iterator<Chunk> oldestFirst = chunks.values().iterator();
            while (oldestFirst.hasNext()) {
                final Chunk chunk = oldestFirst.next();
                if (now - chunk.openedNanos >= maxAgeNanos) {
                    oldestFirst.remove();
                    failedChunks.put(chunk.first.chunkKey(), "incomplete after Max Chunk Age, " + chunk.progress());
                    expired.add(chunk);
                }
            }
        }
        for (final Chunk chunk : expired) {
            releaseToFailure(chunk, chunk.first.chunkLabel() + " incomplete after Max Chunk Age (" + context.getProperty(MAX_CHUNK_AGE).getValue()
                    + "): " + chunk.progress(), "Chunks expired incomplete");
        }
    }

    private void releaseToFailure(final Chunk chunk, final String message, final String counter) {
        getLogger().error("{}: {} tiles to failure", message, chunk.tiles.size());
        for (final FlowFile tile : chunk.tiles) {
            chunk.session.transfer(chunk.session.putAllAttributes(tile, Map.of(ERROR, message)), REL_FAILURE);
        }
        chunk.session.adjustCounter(counter, 1, false);
        chunk.session.commitAsync();
    }

    private static void closeAll(final List<InputStream> streams) {
        for (final InputStream in : streams) {
            try {
                in.close();
            } catch (final java.io.IOException ignored) {
                // reading is over
            }
        }
        streams.clear();
    }

    private void fail(final ProcessSession session, final FlowFile input, final String message, final long rowIndex) {
        getLogger().error("Cannot score {}: {}", input, message);
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(ERROR, message);
        if (rowIndex >= 0) {
            attributes.put(ERROR_ROW, String.valueOf(rowIndex));
        }
        session.transfer(session.putAllAttributes(input, attributes), REL_FAILURE);
    }
}
