package io.github.nifirouting.processors;

import io.github.nifirouting.accessibility.AccessibilityScorer;
import io.github.nifirouting.accessibility.DecayFunction;
import io.github.nifirouting.accessibility.OriginScores;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

@Tags({"routing", "accessibility", "gravity", "hansen", "2sfca", "catchment", "nearest", "site selection", "record"})
@CapabilityDescription("Computes per-origin accessibility scores from drive-time matrix rows (origin_id, destination_id, duration_s, status, "
        + "optional weight fields), as a stream: cumulative opportunities within each threshold (count and weight sum), gravity (Hansen) "
        + "accessibility with exponential or power decay, the k nearest destinations with their times, and optionally the two-step "
        + "floating catchment area (2SFCA) with supply and demand weights. Unroutable pairs never count. A FlowFile must hold every "
        + "destination of its origins: merge the tiles of an origin chunk upstream (MergeRecord, Correlation Attribute "
        + "tile.origin.block.index, Minimum Number of Records = destinations x chunk size) or, for 2SFCA, merge all rows of the run. "
        + "Memory is one accumulator per origin of the FlowFile (plus one per destination for 2SFCA), never the rows.")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix"})
@UseCase(description = "Competitor pressure per candidate site",
        configuration = "Feed the merged matrix rows of candidates x competitors; Thresholds '5 min, 10 min, 15 min'; Destination Weight Field "
                + "'floor_area' (added upstream with LookupRecord); Nearest K 3. Each candidate gets competitor counts and floor area within "
                + "5/10/15 min, a gravity score and its 3 nearest competitors.")
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Origins scored"),
        @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
        @WritesAttribute(attribute = "score.error", description = "On failure: what was wrong"),
        @WritesAttribute(attribute = "score.error.row.index", description = "On failure: 0-based index of the offending row")
})
public class ScoreAccessibility extends AbstractProcessor {

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder().name("Record Reader")
            .description("Reads the matrix rows.").identifiesControllerService(RecordReaderFactory.class).required(true).build();
    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder().name("Record Writer")
            .description("Writes one score record per origin.").identifiesControllerService(RecordSetWriterFactory.class).required(true).build();
    public static final PropertyDescriptor THRESHOLDS = new PropertyDescriptor.Builder().name("Thresholds")
            .description("Travel times for cumulative opportunities: '5 min, 10 min, 15 min' or seconds.").required(true)
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
            .description("How many nearest destinations (by time) to report per origin; 0 for none.").required(true).defaultValue("3")
            .addValidator(StandardValidators.createLongValidator(0, 50, true)).build();
    public static final PropertyDescriptor TWO_STEP_CATCHMENT = new PropertyDescriptor.Builder().name("2SFCA Catchment")
            .description("Catchment time of the two-step floating catchment area score, e.g. '15 min'. Empty: no 2SFCA. Needs the rows of "
                    + "every origin of the study in one FlowFile, as each destination's ratio depends on all origins.")
            .required(false).addValidator(StandardValidators.NON_BLANK_VALIDATOR).build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder().name("success").description("One score record per origin").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder().name("failure")
            .description("Input that cannot be scored (missing fields, negative durations), with score.error").build();
    public static final Relationship REL_ORIGINAL = new Relationship.Builder().name("original").description("The input after scoring").build();

    private static final List<PropertyDescriptor> PROPERTIES = java.util.stream.Stream.concat(java.util.stream.Stream.of(RECORD_READER,
            RECORD_WRITER, THRESHOLDS, DESTINATION_WEIGHT_FIELD, ORIGIN_WEIGHT_FIELD, DECAY, BETA, NEAREST_K, TWO_STEP_CATCHMENT),
            HeapGuard.PROPERTIES.stream()).toList();
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE, REL_ORIGINAL);

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
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        if (!heapGate.admit(context, session, getLogger())) {
            return;
        }
        final FlowFile input = session.get();
        if (input == null) {
            return;
        }
        final AccessibilityScorer.Settings settings;
        try {
            final String catchment = context.getProperty(TWO_STEP_CATCHMENT).getValue();
            settings = new AccessibilityScorer.Settings(Thresholds.parse(context.getProperty(THRESHOLDS).evaluateAttributeExpressions(input).getValue()),
                    DecayFunction.fromValue(context.getProperty(DECAY).getValue()), context.getProperty(BETA).asDouble(),
                    context.getProperty(NEAREST_K).asInteger(), context.getProperty(DESTINATION_WEIGHT_FIELD).getValue(),
                    context.getProperty(ORIGIN_WEIGHT_FIELD).getValue(), catchment == null ? 0 : Thresholds.parse(catchment)[0]);
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
        write(context, session, input, settings, scores);
    }

    private void write(final ProcessContext context, final ProcessSession session, final FlowFile input, final AccessibilityScorer.Settings settings,
                       final Map<String, OriginScores> scores) {
        final RecordSchema schema = schema(settings.thresholdsSeconds(), settings.nearestK(), settings.twoStepCatchmentSeconds() > 0);
        final RecordSetWriterFactory writers = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        FlowFile output = session.create(input);
        final Map<String, String> attributes = new HashMap<>();
        try (OutputStream out = session.write(output);
             RecordSetWriter writer = writers.createWriter(getLogger(), writers.getSchema(input.getAttributes(), schema), out, output)) {
            writer.beginRecordSet();
            for (final Map.Entry<String, OriginScores> entry : scores.entrySet()) {
                final OriginScores origin = entry.getValue();
                final Map<String, Object> values = new HashMap<>();
                values.put("origin_id", entry.getKey());
                for (int t = 0; t < settings.thresholdsSeconds().length; t++) {
                    values.put("count_" + label(settings.thresholdsSeconds()[t]), origin.count(t));
                    values.put("weight_" + label(settings.thresholdsSeconds()[t]), origin.weightSum(t));
                }
                values.put("gravity", origin.gravity());
                for (int rank = 0; rank < origin.nearestSize(); rank++) {
                    values.put("nearest_" + (rank + 1) + "_id", origin.nearestId(rank));
                    values.put("nearest_" + (rank + 1) + "_s", origin.nearestSeconds(rank));
                }
                if (settings.twoStepCatchmentSeconds() > 0) {
                    values.put("access_2sfca", origin.twoStepAccess());
                }
                writer.write(new MapRecord(schema, values));
            }
            final WriteResult result = writer.finishRecordSet();
            attributes.putAll(result.getAttributes());
            attributes.put("record.count", String.valueOf(result.getRecordCount()));
            attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
        } catch (final Exception e) {
            session.remove(output);
            fail(session, input, "cannot write scores: " + e.getMessage(), -1);
            return;
        }
        session.transfer(session.putAllAttributes(output, attributes), REL_SUCCESS);
        session.transfer(input, REL_ORIGINAL);
        session.adjustCounter("Origins scored", scores.size(), false);
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
        attributes.put("score.error", message);
        if (rowIndex >= 0) {
            attributes.put("score.error.row.index", String.valueOf(rowIndex));
        }
        session.transfer(session.putAllAttributes(input, attributes), REL_FAILURE);
    }
}
