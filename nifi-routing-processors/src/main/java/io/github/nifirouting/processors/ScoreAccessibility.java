package io.github.nifirouting.processors;

import io.github.nifirouting.accessibility.AccessibilityScorer;
import io.github.nifirouting.accessibility.ChunkBin;
import io.github.nifirouting.accessibility.ChunkBinManager;
import io.github.nifirouting.accessibility.DecayFunction;
import io.github.nifirouting.accessibility.OriginScores;
import io.github.nifirouting.accessibility.TileSlot;
import io.github.nifirouting.accessibility.TwoStepRunStore;
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
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.FlowFileFilter;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

@Tags({"routing", "accessibility", "gravity", "hansen", "2sfca", "catchment", "nearest", "site selection", "record"})
@CapabilityDescription("Computes per-origin accessibility scores from drive-time matrix rows (origin_id, destination_id, duration_s, status, "
        + "optional weight fields), as a stream: cumulative opportunities within each threshold (count and weight sum), gravity (Hansen) "
        + "accessibility with exponential or power decay, the k nearest destinations with their times, and optionally the two-step "
        + "floating catchment area (2SFCA) with supply and demand weights. Unroutable pairs never count. InvokeRoutingMatrix writes one "
        + "FlowFile per O-D tile, so an origin's rows arrive in several FlowFiles: with Grouping 'Origin chunk', tiles are held in bins "
        + "(like MergeRecord's: one per origin chunk, in its own session, so a restart loses nothing) until every destination block of "
        + "their origin chunk arrived, and each chunk is scored into one FlowFile. A delay is never a failure: a chunk waits as long as "
        + "its tiles may still come (retry, open circuit) and only a stall warning is raised; Max Held Bytes bounds the memory held, "
        + "by back-pressure rather than eviction. With 2SFCA the first pass sums each destination's supply and demand tile by tile in a "
        + "state file that outlives sessions and restarts, and the second pass scores origin chunks: no session holds the whole run. "
        + "Scores are never written from part of an origin's destinations.")
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
                + "'15 min', Origin Weight Field 'population', Destination Weight Field 'floor_area'. The processor keeps the "
                + "run's first pass in 2SFCA State Directory (each store's supply and the demand within reach, tile by tile), then scores "
                + "the cells chunk by chunk in a second pass.")
@ReadsAttributes({
        @ReadsAttribute(attribute = "fragment.identifier", description = "The run a tile belongs to (from ChunkCoordinates)"),
        @ReadsAttribute(attribute = "fragment.index", description = "With 2SFCA: the tile's position in the run"),
        @ReadsAttribute(attribute = "fragment.count", description = "With 2SFCA: tiles in the run"),
        @ReadsAttribute(attribute = "tile.origin.block.index", description = "The tile's origin chunk"),
        @ReadsAttribute(attribute = "tile.origin.block.count", description = "Origin chunks in the run"),
        @ReadsAttribute(attribute = "tile.destination.block.index", description = "The tile's destination block"),
        @ReadsAttribute(attribute = "tile.destination.block.count", description = "Destination blocks of every origin chunk"),
        @ReadsAttribute(attribute = "routing.error.kind", description = "A tile InvokeRoutingMatrix routed to failure (REJECTED, INVALID_TILE, "
                + "RETRIES_EXHAUSTED, WRITE_FAILED; no routing.engine) fails its chunk at once instead of leaving it waiting"),
        @ReadsAttribute(attribute = ScoreAccessibility.TWO_STEP_COUNTED, description = "With 2SFCA: the tile was counted by the first pass")
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
        @WritesAttribute(attribute = ScoreAccessibility.ERROR, description = "On failure: what was wrong (bad row, duplicate tile, a tile of "
                + "the chunk that failed upstream)"),
        @WritesAttribute(attribute = ScoreAccessibility.ERROR_ROW, description = "On failure: 0-based index of the offending row"),
        @WritesAttribute(attribute = ScoreAccessibility.TWO_STEP_COUNTED, description = "With 2SFCA: on a tile the first pass counted, which "
                + "waits (penalized, in the input queue) until every tile of its run is counted")
})
public class ScoreAccessibility extends AbstractSessionFactoryProcessor {

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder().name("Record Reader")
            .description("Reads the matrix rows.").identifiesControllerService(RecordReaderFactory.class).required(true).build();
    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder().name("Record Writer")
            .description("Writes one score record per origin.").identifiesControllerService(RecordSetWriterFactory.class).required(true).build();
    public static final PropertyDescriptor GROUPING = new PropertyDescriptor.Builder().name("Grouping")
            .description("How the rows of one origin are found.").allowableValues(ScoreGrouping.class)
            .defaultValue(ScoreGrouping.ORIGIN_CHUNK).required(true).build();
    public static final PropertyDescriptor MAX_HELD_BYTES = new PropertyDescriptor.Builder().name("Max Held Bytes")
            .description("Most heap the open origin chunks may hold: their per-origin accumulators and the records (not the content) of "
                    + "their held FlowFiles, estimated. At the bound the processor takes only tiles of chunks already open (they complete "
                    + "them and free memory); tiles that would open another chunk stay queued, which back-pressures upstream. Nothing is "
                    + "failed for pressure. The bound can be passed by the tiles of one batch.").required(true).defaultValue("64 MB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR).build();
    public static final PropertyDescriptor STALLED_CHUNK_WARNING = new PropertyDescriptor.Builder().name("Stalled Chunk Warning")
            .description("How long an open origin chunk may go without a new tile before a warning bulletin names its missing destination "
                    + "blocks. The chunk stays open: its tiles may be in InvokeRoutingMatrix's retry, behind an open circuit, or queued on "
                    + "the way, and a delay is not a failure. A chunk fails only for a reason that makes it unscorable: a bad row, a "
                    + "duplicate that disagrees, or one of its tiles arriving from InvokeRoutingMatrix's failure relationship.")
            .required(true).defaultValue("30 min").addValidator(StandardValidators.TIME_PERIOD_VALIDATOR).build();
    public static final PropertyDescriptor TWO_STEP_STATE_DIRECTORY = new PropertyDescriptor.Builder().name("2SFCA State Directory")
            .description("With 2SFCA Catchment: where the first pass keeps each run's per-destination supply and demand and which tiles "
                    + "were counted (one small file per run, in a sub-directory named by the processor's id), so that no session holds the "
                    + "run and a restart loses nothing. Relative paths are relative to NiFi's working directory.")
            .required(true).defaultValue("./state/score-accessibility").addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();
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
                    + "ratio depends on every origin of the study: with Grouping 'Origin chunk' a first pass sums each destination's "
                    + "supply and demand tile by tile into 2SFCA State Directory (tiles then wait, penalized, in the input queue), and once "
                    + "every tile of the run (fragment.count) is counted a second pass scores origin chunks; with 'Each FlowFile' a "
                    + "FlowFile must hold the whole study.")
            .required(false).addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success")
            .description("One score record per origin: one FlowFile per origin chunk, or per input FlowFile scored on its own").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("Input that cannot be scored (missing fields, negative durations, duplicate tiles, chunks with a bad row or a "
                    + "tile that failed upstream), with score.error. Never for being slow or for memory pressure.").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original").description("The input after scoring").build();

    public static final String ERROR = "score.error";
    public static final String ERROR_ROW = "score.error.row.index";
    /** Set on a 2SFCA tile whose supply and demand the first pass counted (value: the run), before it waits for its run. */
    public static final String TWO_STEP_COUNTED = "score.2sfca.counted";
    private static final int BATCH = 16;

    private static final List<PropertyDescriptor> PROPERTIES = Stream.concat(Stream.of(RECORD_READER, RECORD_WRITER, GROUPING,
            MAX_HELD_BYTES, STALLED_CHUNK_WARNING, THRESHOLDS, DESTINATION_WEIGHT_FIELD, ORIGIN_WEIGHT_FIELD, DECAY, BETA, NEAREST_K,
            TWO_STEP_CATCHMENT, TWO_STEP_STATE_DIRECTORY), HeapGuard.PROPERTIES.stream()).toList();
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE, REL_ORIGINAL);

    private volatile HeapGuard.Gate heapGate;
    /** Open origin chunks, each in its own session; outlives onTrigger. */
    private final ChunkBinManager<ProcessSession, FlowFile> bins = new ChunkBinManager<>(Long.MAX_VALUE, System::nanoTime);
    /** 2SFCA's first pass, on disk; null without 2SFCA. */
    private volatile TwoStepRunStore runStore;

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
        bins.setMaxHeldBytes(context.getProperty(MAX_HELD_BYTES).asDataSize(DataUnit.B).longValue());
        runStore = context.getProperty(TWO_STEP_CATCHMENT).isSet()
                ? new TwoStepRunStore(Path.of(context.getProperty(TWO_STEP_STATE_DIRECTORY).getValue()).resolve(getIdentifier())) : null;
    }

    /** Held tiles go back to the input queue (their sessions are rolled back) and are scored again after a restart. */
    @OnStopped
    public void onStopped() {
        for (final ChunkBin<ProcessSession, FlowFile> bin : bins.drain()) {
            bin.session().rollback();
        }
        final TwoStepRunStore store = runStore;
        if (store != null) {
            store.unload();
        }
    }

    /** Peak estimated bytes held by open chunks since the processor was created (for benchmarks and tests). */
    long peakHeldBytes() {
        return bins.peakHeldBytes();
    }

    /** Estimated bytes held by open chunks now (for tests). */
    long heldBytes() {
        return bins.heldBytes();
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
        warnAboutStalledChunks(context);
        final ProcessSession session = sessionFactory.createSession();
        try {
            if (!heapGate.admit(context, session, getLogger())) {
                session.commitAsync();
                return;
            }
            final boolean full = bins.isFull();
            final List<FlowFile> inputs = full ? session.get(new AdmittedTiles()) : session.get(BATCH);
            if (inputs.isEmpty()) {
                if (full) {
                    session.adjustCounter("Yields on Max Held Bytes", 1, false);
                }
                session.commitAsync();
                context.yield(); // nothing to take (or only tiles of new chunks while at Max Held Bytes): no need to spin
                return;
            }
            final ScoreGrouping grouping = ScoreGrouping.fromValue(context.getProperty(GROUPING).getValue());
            for (final FlowFile input : inputs) {
                if (grouping == ScoreGrouping.FLOWFILE) {
                    scoreAlone(context, session, input);
                } else {
                    route(context, session, sessionFactory, input);
                }
            }
            session.commitAsync();
        } catch (final Throwable t) {
            session.rollback(true);
            throw t;
        }
    }

    /** At Max Held Bytes: takes up to a batch of tiles of open chunks (and FlowFiles that are no tiles), leaves the rest queued. */
    private final class AdmittedTiles implements FlowFileFilter {
        private int accepted;

        @Override
        public FlowFileFilterResult filter(final FlowFile flowFile) {
            if (!bins.admits(TileSlot.chunkKeyOf(flowFile.getAttributes()))) {
                return FlowFileFilterResult.REJECT_AND_CONTINUE;
            }
            return ++accepted < BATCH ? FlowFileFilterResult.ACCEPT_AND_CONTINUE : FlowFileFilterResult.ACCEPT_AND_TERMINATE;
        }
    }

    private void warnAboutStalledChunks(final ProcessContext context) {
        final long quietNanos = context.getProperty(STALLED_CHUNK_WARNING).asTimePeriod(TimeUnit.NANOSECONDS);
        for (final ChunkBin<ProcessSession, FlowFile> bin : bins.newlyStalled(quietNanos)) {
            getLogger().warn("{} has had no new tile for {}: {}. It stays open; check InvokeRoutingMatrix's retry and failure queues",
                    bin.first().chunkLabel(), context.getProperty(STALLED_CHUNK_WARNING).getValue(), bin.progress());
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

    /** Sends a FlowFile to its origin chunk (or, with 2SFCA, through the first pass), or scores it alone when it is no tile. */
    private void route(final ProcessContext context, final ProcessSession session, final ProcessSessionFactory sessionFactory, final FlowFile input) {
        final AccessibilityScorer.Settings settings;
        final TileSlot slot;
        try {
            settings = settings(context, input);
            slot = TileSlot.of(input.getAttributes());
        } catch (final IllegalArgumentException e) {
            fail(session, input, e.getMessage(), -1);
            return;
        }
        if (slot == null) {
            scoreAlone(context, session, input);
            return;
        }
        if (slot.upstreamFailure() != null) {
            // InvokeRoutingMatrix gave up on this tile: its rows will never come, so its chunk (or 2SFCA run) cannot complete.
            final String reason = "tile " + slot.destinationBlock() + " failed upstream (" + slot.upstreamFailure() + ")";
            fail(session, input, slot.chunkLabel() + " not scored: " + reason, -1);
            if (settings.twoStep() && slot.hasRunPosition()) {
                runStoreCall(() -> {
                    runStore.fail(slot.run(), slot.runTiles(), reason);
                    runStore.done(slot.run(), List.of(slot.runIndex()));
                });
            }
            failChunk(slot, reason);
            return;
        }
        if (settings.twoStep()) {
            firstPass(context, session, sessionFactory, input, slot, settings);
        } else {
            group(context, session, sessionFactory, input, slot, settings, Map.of());
        }
    }

    /**
     * 2SFCA's first pass: adds the tile's supply and demand to its run in the {@link TwoStepRunStore} (once), then either
     * scores it (second pass, by origin chunk) when every tile of the run was counted, or puts it back in the input queue,
     * penalized, to wait for the rest of its run there rather than in a session.
     */
    private void firstPass(final ProcessContext context, final ProcessSession session, final ProcessSessionFactory sessionFactory,
                           final FlowFile tile, final TileSlot slot, final AccessibilityScorer.Settings settings) {
        if (!slot.hasRunPosition()) {
            fail(session, tile, "2SFCA needs " + TileSlot.FRAGMENT_INDEX + " and " + TileSlot.FRAGMENT_COUNT + " (the tile's place in its run)", -1);
            return;
        }
        final TwoStepRunStore store = runStore;
        final String run = slot.run();
        FlowFile input = tile;
        try {
            final String failure = store.failure(run);
            if (failure != null) {
                fail(session, input, "run " + run + " not scored: " + failure, -1);
                store.done(run, List.of(slot.runIndex()));
                return;
            }
            if (input.getAttribute(TWO_STEP_COUNTED) == null) {
                final AccessibilityScorer.SupplyDemand partial = new AccessibilityScorer.SupplyDemand();
                final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
                try (InputStream in = session.read(input);
                     RecordReader reader = readers.createRecordReader(input, in, getLogger())) {
                    new AccessibilityScorer(settings).addSupplyDemand(reader, partial);
                } catch (final AccessibilityScorer.BadRowException e) {
                    store.fail(run, slot.runTiles(), "tile " + slot.runIndex() + " has a bad row: " + e.getMessage());
                    store.done(run, List.of(slot.runIndex()));
                    fail(session, input, e.getMessage(), e.rowIndex());
                    return;
                } catch (final Exception e) {
                    store.fail(run, slot.runTiles(), "tile " + slot.runIndex() + " cannot be read: " + e.getMessage());
                    store.done(run, List.of(slot.runIndex()));
                    fail(session, input, "cannot read the matrix rows: " + e.getMessage(), -1);
                    return;
                }
                final TwoStepRunStore.Counted counted = store.count(run, slot.runTiles(), slot.runIndex(),
                        input.getAttribute(CoreAttributes.UUID.key()), partial);
                switch (counted.outcome()) {
                    case COUNTED, ALREADY_COUNTED -> input = session.putAttribute(input, TWO_STEP_COUNTED, run);
                    case FAILED -> {
                        fail(session, input, counted.reason(), -1);
                        store.done(run, List.of(slot.runIndex()));
                        return;
                    }
                    case DUPLICATE, MISMATCH -> {
                        fail(session, input, counted.reason(), -1);
                        return;
                    }
                }
            } else if (!store.knows(run)) {
                fail(session, input, "the 2SFCA first pass of run " + run + " is gone from " + store.directory()
                        + " (deleted, or every tile of the run was already done): this tile cannot be scored", -1);
                return;
            }
            final Map<String, Double> ratios = store.ratios(run);
            if (ratios == null) {
                session.transfer(session.penalize(input)); // back to the input queue until the run's last tile is counted
                session.adjustCounter("2SFCA tiles waiting for their run", 1, false);
                return;
            }
            group(context, session, sessionFactory, input, slot, settings, ratios);
        } catch (final IOException e) {
            throw new ProcessException("2SFCA state of run " + run + " in " + store.directory() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a tile's rows into partial scores (no lock held), then offers them to its origin chunk, which takes the tile into
     * its own session; scores the chunk when it is complete.
     *
     * @param ratios 2SFCA ratios of the tile's run (empty without 2SFCA)
     */
    private void group(final ProcessContext context, final ProcessSession session, final ProcessSessionFactory sessionFactory, final FlowFile input,
                       final TileSlot slot, final AccessibilityScorer.Settings settings, final Map<String, Double> ratios) {
        final String failedBefore = bins.failure(slot.chunkKey());
        if (failedBefore != null) {
            fail(session, input, slot.chunkLabel() + " not scored: " + failedBefore, -1);
            markDone(List.of(input));
            return;
        }
        if (!bins.admits(slot.chunkKey())) {
            // Max Held Bytes was reached within this batch: a tile that would open another chunk waits in the queue.
            session.transfer(input);
            return;
        }
        final AccessibilityScorer scorer = new AccessibilityScorer(settings);
        final Map<String, OriginScores> partial = new LinkedHashMap<>();
        final long rows;
        final RecordReaderFactory readers = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        try (InputStream in = session.read(input);
             RecordReader reader = readers.createRecordReader(input, in, getLogger())) {
            rows = scorer.addScores(reader, ratios, partial);
        } catch (final AccessibilityScorer.BadRowException e) {
            fail(session, input, e.getMessage(), e.rowIndex());
            markDone(List.of(input));
            failChunk(slot, "tile " + slot.destinationBlock() + " has a bad row: " + e.getMessage());
            return;
        } catch (final Exception e) {
            fail(session, input, "cannot read the matrix rows: " + e.getMessage(), -1);
            markDone(List.of(input));
            failChunk(slot, "tile " + slot.destinationBlock() + " cannot be read: " + e.getMessage());
            return;
        }
        final ChunkBinManager.Offer<ProcessSession, FlowFile> offer = bins.offer(slot, scorer, partial, rows,
                ChunkBinManager.flowFileRecordBytes(input.getAttributes()), sessionFactory::createSession, chunkSession -> {
                    session.migrate(chunkSession, List.of(input));
                    return input;
                });
        switch (offer.outcome()) {
            case COMPLETE -> finish(context, offer.bin());
            case ADDED -> {
            }
            case FAILED_BEFORE -> {
                fail(session, input, offer.reason(), -1);
                markDone(List.of(input));
            }
            case DUPLICATE, MISMATCH -> fail(session, input, offer.reason(), -1);
        }
    }

    /** Writes a complete chunk's scores as one FlowFile, sends its tiles to original and commits the chunk's session. */
    private void finish(final ProcessContext context, final ChunkBin<ProcessSession, FlowFile> bin) {
        final ProcessSession session = bin.session();
        final List<FlowFile> tiles = bin.held();
        final FlowFile output;
        try {
            output = writeChunk(context, session, bin);
        } catch (final Exception e) {
            final String message = bin.first().chunkLabel() + " not scored: " + e.getMessage();
            getLogger().error("Cannot score {}", bin.first().chunkLabel(), e);
            for (final FlowFile tile : tiles) {
                session.transfer(session.putAllAttributes(tile, Map.of(ERROR, message)), REL_FAILURE);
            }
            session.commitAsync(() -> markDone(tiles));
            return;
        }
        session.transfer(output, REL_SUCCESS);
        session.transfer(tiles, REL_ORIGINAL);
        session.adjustCounter("Origins scored", bin.origins().size(), false);
        session.adjustCounter("Rows scored", bin.rows(), false);
        session.adjustCounter("Chunks scored", 1, false);
        session.commitAsync(() -> markDone(tiles));
    }

    /** With 2SFCA: tells the run store these tiles left the processor, so a run's file is deleted once all have. */
    private void markDone(final List<FlowFile> tiles) {
        final TwoStepRunStore store = runStore;
        if (store == null) {
            return;
        }
        final Map<String, List<Integer>> byRun = new HashMap<>();
        for (final FlowFile tile : tiles) {
            if (tile.getAttribute(TWO_STEP_COUNTED) == null) {
                continue;
            }
            final TileAddress address;
            try {
                address = TileAddress.parse(tile.getAttributes());
            } catch (final IllegalArgumentException malformed) {
                continue; // such a tile was failed before it was counted
            }
            if (address.inputId() != null && address.fragmentIndex() != TileAddress.ABSENT) {
                byRun.computeIfAbsent(address.inputId(), r -> new ArrayList<>()).add(address.fragmentIndex());
            }
        }
        byRun.forEach((run, indices) -> runStoreCall(() -> store.done(run, indices)));
    }

    @FunctionalInterface
    private interface StoreCall {
        void run() throws IOException;
    }

    private void runStoreCall(final StoreCall call) {
        try {
            call.run();
        } catch (final IOException e) {
            throw new ProcessException("2SFCA state in " + runStore.directory() + ": " + e.getMessage(), e);
        }
    }
    private FlowFile writeChunk(final ProcessContext context, final ProcessSession session, final ChunkBin<ProcessSession, FlowFile> bin)
            throws Exception {
        final List<FlowFile> tiles = bin.held();
        final TileSlot first = bin.first();
        FlowFile output = session.create(tiles);
        output = session.removeAllAttributes(output, Set.of(TileAttributes.DESTINATION_BLOCK_INDEX, TileAttributes.DESTINATION_BLOCK_COUNT,
                TileAttributes.DESTINATION_OFFSET, TileAttributes.DESTINATION_SIZE, "record.count", TWO_STEP_COUNTED));
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(FragmentAttributes.FRAGMENT_ID.key(), first.run());
        attributes.put(FragmentAttributes.FRAGMENT_INDEX.key(), String.valueOf(first.originBlock()));
        if (first.originBlockCount() != null) {
            attributes.put(FragmentAttributes.FRAGMENT_COUNT.key(), first.originBlockCount());
            attributes.put(TileAttributes.ORIGIN_BLOCK_COUNT, first.originBlockCount());
        }
        attributes.put(TileAttributes.ORIGIN_BLOCK_INDEX, String.valueOf(first.originBlock()));
        attributes.put("score.rows", String.valueOf(bin.rows()));
        attributes.put("score.tiles", String.valueOf(tiles.size()));
        try {
            return write(context, session, output, tiles.get(0).getAttributes(), bin.scorer().settings(), bin.origins(), attributes);
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
    private void failChunk(final TileSlot slot, final String reason) {
        final ChunkBin<ProcessSession, FlowFile> bin = bins.fail(slot.chunkKey(), reason);
        if (bin == null) {
            return;
        }
        final String message = slot.chunkLabel() + " not scored: " + reason;
        getLogger().error("{}: {} held tiles to failure", message, bin.held().size());
        final ProcessSession chunkSession = bin.session();
        final List<FlowFile> tiles = bin.held();
        for (final FlowFile tile : tiles) {
            chunkSession.transfer(chunkSession.putAllAttributes(tile, Map.of(ERROR, message)), REL_FAILURE);
        }
        chunkSession.adjustCounter("Chunks failed", 1, false);
        chunkSession.commitAsync(() -> markDone(tiles));
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
