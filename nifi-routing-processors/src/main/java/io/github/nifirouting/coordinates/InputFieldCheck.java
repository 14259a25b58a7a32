package io.github.nifirouting.coordinates;

import org.apache.nifi.serialization.record.DataType;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks once per input, from the Record Reader's schema, that the configured point fields can be read as the file
 * gives them:
 * <ul>
 *   <li>every configured field name exists (names are exact and case-sensitive, as everywhere in NiFi records; a close
 *   match such as {@code Latitude} for {@code latitude} is suggested, not silently taken);</li>
 *   <li>a schema the reader <em>inferred</em> from text (no schema text: CSVReader's default) does not type the id as a
 *   number (ids {@code 1}, {@code 01}, {@code 001}, {@code 1.0} would all become one) nor a coordinate as float
 *   (about 7 significant digits: {@code 90.0000001} becomes {@code 90.0}). Types a file declares itself (Avro,
 *   Parquet, a schema you give) and JSON's own number types are what the file says, so they are accepted.</li>
 * </ul>
 * RecordPath fields (starting with {@code /}) are not checked here; a path that selects nothing reports per record.
 */
public final class InputFieldCheck {

    private static final Set<RecordFieldType> NUMBERS = EnumSet.of(RecordFieldType.BYTE, RecordFieldType.SHORT, RecordFieldType.INT,
            RecordFieldType.LONG, RecordFieldType.BIGINT, RecordFieldType.FLOAT, RecordFieldType.DOUBLE, RecordFieldType.DECIMAL);

    static final String READER_ADVICE = "configure the Record Reader to keep the values as text: for CSVReader set Schema Access "
            + "Strategy to 'Use String Fields From Header' (coordinates are then parsed from their exact text), or give a schema "
            + "with the id as string and latitude/longitude as double";

    private InputFieldCheck() {
    }

    /**
     * @param typedBySource true when the values' types come from the content itself (JSON numbers read as they are),
     *                      so an inferred numeric type loses nothing
     * @throws InputFieldsException naming every missing field, or the first field whose inferred type loses values
     */
    public static void check(final PointFields fields, final RecordSchema schema, final boolean typedBySource) throws InputFieldsException {
        final List<String> found = schema.getFieldNames();
        if (found.isEmpty()) {
            return; // an empty input has nothing to check, and reads as zero records
        }
        final List<String> missing = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        for (final PointFields.ConfiguredField field : fields.configuredFields()) {
            if (field.isRecordPath() || schema.getField(field.name()).isPresent()) {
                continue;
            }
            missing.add(field.name());
            problems.add("no field '" + field.name() + "' (" + field.property() + ")"
                    + closest(field.name(), found).map(c -> ": did you mean '" + c + "'?").orElse(""));
        }
        if (!missing.isEmpty()) {
            throw new InputFieldsException(String.join("; ", problems) + ". The Record Reader found the fields " + quoted(found)
                    + "; field names must match exactly (case and spaces included)", missing, found);
        }
        final boolean inferred = schema.getSchemaText().isEmpty();
        if (!inferred || typedBySource) {
            return;
        }
        for (final PointFields.ConfiguredField configured : fields.configuredFields()) {
            final Optional<RecordField> field = configured.isRecordPath() ? Optional.empty() : schema.getField(configured.name());
            if (field.isEmpty()) {
                continue;
            }
            final RecordFieldType type = field.get().getDataType().getFieldType();
            if (configured.id() && NUMBERS.contains(type)) {
                throw new InputFieldsException("the Record Reader inferred the id field '" + configured.name() + "' as " + describe(field.get().getDataType())
                        + ", so ids are not kept as written (1, 01, 001 and 1.0 would all be one id, written back as a number): "
                        + READER_ADVICE, List.of(), found);
            }
            if (type == RecordFieldType.FLOAT) {
                throw new InputFieldsException("the Record Reader inferred the coordinate field '" + configured.name() + "' as float, which keeps "
                        + "about 7 significant digits (42.5061234567 becomes 42.506123, 90.0000001 becomes 90.0): " + READER_ADVICE,
                        List.of(), found);
            }
        }
    }

    /** The found field that a person most likely meant: same name ignoring case and spaces, then a known alias, then 1-2 typos. */
    static Optional<String> closest(final String wanted, final List<String> found) {
        final String key = normalize(wanted);
        for (final String candidate : found) {
            if (normalize(candidate).equals(key)) {
                return Optional.of(candidate);
            }
        }
        for (final String candidate : found) {
            if (alias(normalize(candidate)).equals(alias(key))) {
                return Optional.of(candidate);
            }
        }
        String best = null;
        int bestDistance = 3;
        for (final String candidate : found) {
            final int distance = editDistance(normalize(candidate), key);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String normalize(final String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    private static String alias(final String normalized) {
        return switch (normalized) {
            case "lat", "latitude", "y" -> "latitude";
            case "lon", "lng", "long", "longitude", "x" -> "longitude";
            case "id", "identifier", "key", "siteid" -> "id";
            default -> normalized;
        };
    }

    private static int editDistance(final String a, final String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            final int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String describe(final DataType type) {
        return type.toString().toLowerCase(Locale.ROOT);
    }

    private static String quoted(final List<String> names) {
        final List<String> quoted = new ArrayList<>();
        for (final String name : names) {
            quoted.add("'" + name + "'");
        }
        return "[" + String.join(", ", quoted) + "]";
    }
}
