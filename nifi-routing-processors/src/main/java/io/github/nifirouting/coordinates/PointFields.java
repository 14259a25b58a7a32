package io.github.nifirouting.coordinates;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.record.path.FieldValue;
import org.apache.nifi.record.path.RecordPath;
import org.apache.nifi.record.path.util.RecordPathCache;
import org.apache.nifi.serialization.record.Record;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a record keeps its point: the property group every processor and service of the bundle shares, and
 * the reader that turns one record into a {@link PointReading}. A field is a plain field name, or a RecordPath
 * when it starts with {@code /}. Alternatively one field holds the whole point as WKT ({@code POINT (lon lat)})
 * or GeoJSON ({@code {"type":"Point","coordinates":[lon, lat]}}, as text or as a nested record).
 */
public final class PointFields {

    public static final PropertyDescriptor ID_FIELD = new PropertyDescriptor.Builder()
            .name("Id Field")
            .description("The field holding each point's identifier: a field name, or a RecordPath starting with '/'. "
                    + "Output rows carry this id.")
            .required(true)
            .defaultValue("id")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor LATITUDE_FIELD = new PropertyDescriptor.Builder()
            .name("Latitude Field")
            .description("The field holding the WGS84 latitude in decimal degrees (number or numeric string): a field name, "
                    + "or a RecordPath starting with '/'. Ignored when Point Field is set.")
            .required(true)
            .defaultValue("latitude")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor LONGITUDE_FIELD = new PropertyDescriptor.Builder()
            .name("Longitude Field")
            .description("The field holding the WGS84 longitude in decimal degrees (number or numeric string): a field name, "
                    + "or a RecordPath starting with '/'. Ignored when Point Field is set.")
            .required(true)
            .defaultValue("longitude")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor POINT_FIELD = new PropertyDescriptor.Builder()
            .name("Point Field")
            .description("Optional single field holding the whole point as WKT ('POINT (lon lat)') or GeoJSON "
                    + "({\"type\":\"Point\",\"coordinates\":[lon,lat]}, as text or nested record). When set, the latitude "
                    + "and longitude fields are not used. A field name, or a RecordPath starting with '/'.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor BOUNDING_BOX = new PropertyDescriptor.Builder()
            .name("Bounding Box")
            .description("Optional area all points must lie in, as 'minLon,minLat,maxLon,maxLat' (WGS84). Points outside go to "
                    + "invalid; a point that lies inside only with latitude and longitude exchanged is reported as likely "
                    + "swapped. Without a box, only a latitude beyond +/-90 that is a valid longitude is reported as swapped.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator((subject, input, context) -> validateBoundingBox(subject, input, context))
            .build();

    public static final PropertyDescriptor REJECT_NULL_ISLAND = new PropertyDescriptor.Builder()
            .name("Reject Null Island")
            .description("Whether the point (0, 0), almost always a geocoding default rather than a real site, is invalid.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .build();

    /** The field and validation properties, in display order. */
    public static final List<PropertyDescriptor> PROPERTIES = List.of(ID_FIELD, LATITUDE_FIELD, LONGITUDE_FIELD, POINT_FIELD,
            BOUNDING_BOX, REJECT_NULL_ISLAND);

    private static final Pattern WKT_POINT = Pattern.compile(
            "^\\s*(?:SRID=\\d+;)?POINT\\s*(?:Z|M|ZM)?\\s*\\(\\s*(\\S+)\\s+(\\S+)(?:\\s+\\S+)*\\s*\\)\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern GEOJSON_POINT = Pattern.compile(
            "\"coordinates\"\\s*:\\s*\\[\\s*([^,\\]\\s]+)\\s*,\\s*([^,\\]\\s]+)");
    private static final Pattern GEOJSON_TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]*)\"");

    private final Function<Record, Object> idAccessor;
    private final Function<Record, Object> latitudeAccessor;
    private final Function<Record, Object> longitudeAccessor;
    private final Function<Record, Object> pointAccessor;
    private final String idName;
    private final String latitudeName;
    private final String longitudeName;
    private final String pointName;
    private final BoundingBox boundingBox;
    private final boolean rejectNullIsland;

    private PointFields(final String idField, final String latitudeField, final String longitudeField, final String pointField,
                        final BoundingBox boundingBox, final boolean rejectNullIsland) {
        final RecordPathCache cache = new RecordPathCache(8);
        this.idAccessor = accessor(idField, cache);
        this.latitudeAccessor = accessor(latitudeField, cache);
        this.longitudeAccessor = accessor(longitudeField, cache);
        this.pointAccessor = pointField == null ? null : accessor(pointField, cache);
        this.idName = idField;
        this.latitudeName = latitudeField;
        this.longitudeName = longitudeField;
        this.pointName = pointField;
        this.boundingBox = boundingBox;
        this.rejectNullIsland = rejectNullIsland;
    }

    /** Reads the field properties of a processor or service (Expression Language against the environment). */
    public static PointFields from(final PropertyContext context) {
        final String pointField = context.getProperty(POINT_FIELD).evaluateAttributeExpressions().getValue();
        final String box = context.getProperty(BOUNDING_BOX).evaluateAttributeExpressions().getValue();
        return new PointFields(
                context.getProperty(ID_FIELD).evaluateAttributeExpressions().getValue(),
                context.getProperty(LATITUDE_FIELD).evaluateAttributeExpressions().getValue(),
                context.getProperty(LONGITUDE_FIELD).evaluateAttributeExpressions().getValue(),
                pointField == null || pointField.isBlank() ? null : pointField,
                box == null || box.isBlank() ? null : BoundingBox.parse(box),
                !"false".equals(context.getProperty(REJECT_NULL_ISLAND).getValue()));
    }

    /** For code and tests outside NiFi. */
    public static PointFields of(final String idField, final String latitudeField, final String longitudeField) {
        return of(idField, latitudeField, longitudeField, null);
    }

    /** For code and tests outside NiFi, with an optional bounding box. */
    public static PointFields of(final String idField, final String latitudeField, final String longitudeField, final BoundingBox box) {
        return new PointFields(idField, latitudeField, longitudeField, null, box, true);
    }

    /** Reads and validates one record into {@code into} (everything except duplicate ids, which need input-wide state). */
    public void read(final Record record, final PointReading into) {
        into.reset();
        final Object idValue = idAccessor.apply(record);
        final String id = idValue == null || ReadableValues.isStructured(idValue) ? null : idValue.toString().trim();
        if (idValue != null && id == null) {
            into.reject(InvalidReason.INVALID_ID, "field '" + idName + "' holds " + ReadableValues.describe(idValue) + ", not a single value");
        } else if (id == null || id.isEmpty()) {
            into.reject(InvalidReason.MISSING_ID, "no value in field '" + idName + "'");
        } else {
            into.setId(id);
        }
        final double latitude;
        final double longitude;
        if (pointAccessor != null) {
            final double[] lonLat = parsePoint(pointAccessor.apply(record), into);
            if (lonLat == null) {
                return;
            }
            longitude = lonLat[0];
            latitude = lonLat[1];
        } else {
            latitude = number(latitudeAccessor.apply(record), "latitude", latitudeName, into);
            longitude = number(longitudeAccessor.apply(record), "longitude", longitudeName, into);
            if (Double.isNaN(latitude) || Double.isNaN(longitude)) {
                return;
            }
        }
        into.setCoordinates(latitude, longitude);
        validateRange(latitude, longitude, into);
    }

    private void validateRange(final double latitude, final double longitude, final PointReading into) {
        final boolean inRange = Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180;
        if (boundingBox != null) {
            if (inRange && boundingBox.contains(latitude, longitude)) {
                return;
            }
            if (boundingBox.contains(longitude, latitude)) {
                into.reject(InvalidReason.LIKELY_SWAPPED, "(" + latitude + ", " + longitude + ") lies in the bounding box "
                        + boundingBox + " only with latitude and longitude exchanged");
            } else if (!inRange) {
                into.reject(InvalidReason.OUT_OF_RANGE, rangeMessage(latitude, longitude));
            } else {
                into.reject(InvalidReason.OUTSIDE_BOUNDING_BOX, "(" + latitude + ", " + longitude + ") not in " + boundingBox);
            }
            return;
        }
        if (!inRange) {
            if (Math.abs(latitude) > 90 + SWAP_MARGIN_DEGREES && Math.abs(latitude) <= 180 && Math.abs(longitude) <= 90) {
                into.reject(InvalidReason.LIKELY_SWAPPED, "latitude " + latitude + " is beyond +/-90 but valid as a longitude, "
                        + "and longitude " + longitude + " is valid as a latitude");
            } else {
                into.reject(InvalidReason.OUT_OF_RANGE, rangeMessage(latitude, longitude));
            }
            return;
        }
        if (rejectNullIsland && latitude == 0 && longitude == 0) {
            into.reject(InvalidReason.NULL_ISLAND, "latitude 0 and longitude 0, usually a geocoding default");
        }
    }

    /**
     * Without a bounding box, a latitude just past a pole (up to this much beyond +/-90, e.g. 90.0000001) reads as an
     * overshoot or rounding error, not as a longitude: a swap is claimed only for values that are clearly longitudes.
     */
    static final double SWAP_MARGIN_DEGREES = 1.0;

    private static String rangeMessage(final double latitude, final double longitude) {
        return Math.abs(latitude) > 90 ? "latitude " + latitude + " not in [-90, 90]" : "longitude " + longitude + " not in [-180, 180]";
    }

    /** @return the value, or NaN after rejecting {@code into} */
    private static double number(final Object value, final String what, final String field, final PointReading into) {
        if (value == null || value instanceof String text && text.isBlank()) {
            into.reject(InvalidReason.MISSING_COORDINATE, "no " + what + " in field '" + field + "'");
            return Double.NaN;
        }
        final double parsed;
        if (value instanceof Float single) {
            // Readers that infer "float" lose digits; the shortest decimal of the float is what the file said.
            parsed = Double.parseDouble(Float.toString(single));
        } else if (value instanceof Number number) {
            parsed = number.doubleValue();
        } else if (value instanceof String text) {
            try {
                parsed = new BigDecimal(text.trim()).doubleValue();
            } catch (final NumberFormatException e) {
                final String trimmed = text.trim();
                if (trimmed.equalsIgnoreCase("nan") || trimmed.matches("(?i)[+-]?inf(inity)?")) {
                    into.reject(InvalidReason.NOT_FINITE, what + " is " + trimmed);
                } else {
                    into.reject(InvalidReason.NON_NUMERIC, what + " '" + abbreviate(trimmed) + "' in field '" + field + "' is not a number");
                }
                return Double.NaN;
            }
        } else {
            into.reject(InvalidReason.NON_NUMERIC, what + " in field '" + field + "' is " + ReadableValues.describe(value) + ", not a number");
            return Double.NaN;
        }
        if (!Double.isFinite(parsed)) {
            into.reject(InvalidReason.NOT_FINITE, what + " is " + parsed);
            return Double.NaN;
        }
        return parsed;
    }

    /** @return {lon, lat}, or null after rejecting {@code into} */
    private double[] parsePoint(final Object value, final PointReading into) {
        if (value == null || value instanceof String text && text.isBlank()) {
            into.reject(InvalidReason.MISSING_COORDINATE, "no point in field '" + pointName + "'");
            return null;
        }
        Object x = null;
        Object y = null;
        if (value instanceof Record nested) {
            final Object type = nested.getValue("type");
            final Object coordinates = nested.getValue("coordinates");
            if (type != null && !"Point".equals(type.toString())) {
                into.reject(InvalidReason.INVALID_POINT, "GeoJSON type '" + type + "' is not Point");
                return null;
            }
            if (coordinates instanceof Object[] array && array.length >= 2) {
                x = array[0];
                y = array[1];
            } else if (coordinates instanceof Collection<?> list && list.size() >= 2) {
                final List<?> items = new ArrayList<>(list);
                x = items.get(0);
                y = items.get(1);
            }
        } else if (value instanceof Map<?, ?> map) {
            final Object coordinates = map.get("coordinates");
            if (coordinates instanceof Object[] array && array.length >= 2) {
                x = array[0];
                y = array[1];
            }
        } else {
            final String text = value.toString();
            final Matcher wkt = WKT_POINT.matcher(text);
            if (wkt.matches()) {
                x = wkt.group(1);
                y = wkt.group(2);
            } else if (text.trim().startsWith("{")) {
                final Matcher type = GEOJSON_TYPE.matcher(text);
                if (type.find() && !"Point".equals(type.group(1))) {
                    into.reject(InvalidReason.INVALID_POINT, "GeoJSON type '" + type.group(1) + "' is not Point");
                    return null;
                }
                final Matcher coordinates = GEOJSON_POINT.matcher(text);
                if (coordinates.find()) {
                    x = coordinates.group(1);
                    y = coordinates.group(2);
                }
            }
        }
        if (x == null || y == null) {
            into.reject(InvalidReason.INVALID_POINT, "field '" + pointName + "' is neither WKT POINT (lon lat) nor a GeoJSON Point: '"
                    + abbreviate(ReadableValues.render(value)) + "'");
            return null;
        }
        final double longitude = number(x, "longitude", pointName, into);
        final double latitude = number(y, "latitude", pointName, into);
        if (Double.isNaN(longitude) || Double.isNaN(latitude)) {
            return null;
        }
        return new double[]{longitude, latitude};
    }

    /** A configured field: the property that names it, the name (or RecordPath), and whether it holds the id. */
    record ConfiguredField(String property, String name, boolean id) {
        boolean isRecordPath() {
            return name.startsWith("/");
        }
    }

    /** The configured fields: the id, then the point field when set, else latitude and longitude. */
    List<ConfiguredField> configuredFields() {
        final List<ConfiguredField> configured = new ArrayList<>();
        configured.add(new ConfiguredField(ID_FIELD.getDisplayName(), idName, true));
        if (pointName != null) {
            configured.add(new ConfiguredField(POINT_FIELD.getDisplayName(), pointName, false));
        } else {
            configured.add(new ConfiguredField(LATITUDE_FIELD.getDisplayName(), latitudeName, false));
            configured.add(new ConfiguredField(LONGITUDE_FIELD.getDisplayName(), longitudeName, false));
        }
        return configured;
    }

    private static String abbreviate(final String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    private static Function<Record, Object> accessor(final String field, final RecordPathCache cache) {
        if (field.startsWith("/")) {
            final RecordPath path = cache.getCompiled(field);
            return record -> {
                final Optional<FieldValue> selected = path.evaluate(record).getSelectedFields().findFirst();
                return selected.map(FieldValue::getValue).orElse(null);
            };
        }
        return record -> record.getValue(field);
    }

    private static ValidationResult validateBoundingBox(final String subject, final String input, final ValidationContext context) {
        if (context.isExpressionLanguageSupported(subject) && context.isExpressionLanguagePresent(input)) {
            return new ValidationResult.Builder().subject(subject).input(input).valid(true).explanation("Expression Language").build();
        }
        try {
            BoundingBox.parse(input);
            return new ValidationResult.Builder().subject(subject).input(input).valid(true).build();
        } catch (final IllegalArgumentException e) {
            return new ValidationResult.Builder().subject(subject).input(input).valid(false).explanation(e.getMessage()).build();
        }
    }
}
