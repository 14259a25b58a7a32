package io.github.nifirouting.engine.osrm;

import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.http.EngineProtocol;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixOptions;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.util.StandardValidators;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

@Tags({"routing", "osrm", "matrix", "table", "drive time"})
@CapabilityDescription("Routing engine service for an OSRM server's table service (GET /table/v1/{profile}). Tiles are sized to the "
        + "server's --max-table-size (OSRM refuses sources x destinations > max-table-size^2 with TooBig) and to a maximum URL length, "
        + "since all coordinates travel in the GET URL. null cells (no route) become UNROUTABLE pairs (ESTIMATED with a Fallback Speed); each waypoint's distance "
        + "is reported as the snap distance; a point OSRM cannot snap (NoSegment, e.g. beyond InvokeRoutingMatrix's Max Snap Distance, sent as radiuses, or "
        + "the Snap Radius) gets NO_ROAD on its pairs "
        + "while the rest of the tile is routed. Retries, circuit breaking and rate limiting are shared by all users of this service.")
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix", "io.github.nifirouting.processors.ChunkCoordinates"})
public class OsrmRoutingEngine extends AbstractHttpRoutingEngine {

    public static final PropertyDescriptor PROFILE = new PropertyDescriptor.Builder()
            .name("Profile")
            .description("The profile segment of the URL. osrm-routed ignores it and routes with the profile its data was built "
                    + "with; some deployments route /table/v1/car, /bike, /foot to different servers.")
            .required(true)
            .defaultValue("driving")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(PROFILE_NAME_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_TABLE_SIZE = new PropertyDescriptor.Builder()
            .name("Max Table Size")
            .description("The server's --max-table-size (default 100). A request may hold at most this squared origin x destination pairs.")
            .required(true)
            .defaultValue("100")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_URL_LENGTH = new PropertyDescriptor.Builder()
            .name("Max URL Length")
            .description("Longest GET URL to send, counted with the Base URL, Profile, options and the worst-case coordinate text (23 "
                    + "characters per point), so every request fits "
                    + "whatever the points. The default fits a directly reached osrm-routed, which accepts URLs of 100 KB: 65536 allows "
                    + "about 2,300 points, a full 1000 x 1000 table (about 2,000 with radiuses of up to 4 digits, one per point). "
                    + "Behind a proxy lower it to what the proxy accepts: nginx refuses request lines beyond its "
                    + "large_client_header_buffers (8 KB by default) with 414, which fails the tile without retry; 8000 allows about "
                    + "290 points.")
            .required(true)
            .defaultValue("65536")
            .addValidator(StandardValidators.createLongValidator(512, 1_000_000, true))
            .build();

    public static final PropertyDescriptor SNAP_RADIUS = new PropertyDescriptor.Builder()
            .name("Snap Radius")
            .description("Default meters around each point in which OSRM looks for a road (sent as radiuses), for requests from processors "
                    + "without a Max Snap Distance of their own: InvokeRoutingMatrix's Max Snap Distance, when set, is sent instead. A "
                    + "point with no road that near gets status NO_ROAD on its pairs and the rest of the tile is routed. Unset (and no "
                    + "Max Snap Distance): OSRM snaps every point to its nearest road, however far.")
            .required(false)
            .addValidator(StandardValidators.createLongValidator(1, 1_000_000, true))
            .build();

    public static final PropertyDescriptor FALLBACK_SPEED = new PropertyDescriptor.Builder()
            .name("Fallback Speed")
            .description("Meters per second (sent as fallback_speed). Pairs OSRM finds no route for are estimated from the straight-line "
                    + "distance at this speed and written with status ESTIMATED instead of UNROUTABLE. Unset: no estimate.")
            .required(false)
            .addValidator(StandardValidators.NUMBER_VALIDATOR)
            .build();

    public static final AllowableValue FALLBACK_INPUT = new AllowableValue("input", "Input",
            "The straight line between the points as given.");
    public static final AllowableValue FALLBACK_SNAPPED = new AllowableValue("snapped", "Snapped",
            "The straight line between the points where OSRM snapped them to the network.");

    public static final PropertyDescriptor FALLBACK_COORDINATE = new PropertyDescriptor.Builder()
            .name("Fallback Coordinate")
            .description("Which points the fallback estimate measures between (sent as fallback_coordinate).")
            .required(true)
            .allowableValues(FALLBACK_INPUT, FALLBACK_SNAPPED)
            .defaultValue(FALLBACK_INPUT.getValue())
            .dependsOn(FALLBACK_SPEED)
            .build();

    public static final AllowableValue ENCODING_TEXT = new AllowableValue("text", "Text",
            "lon,lat;... with 6 decimals, readable in server logs.");
    public static final AllowableValue ENCODING_POLYLINE6 = new AllowableValue("polyline6", "Polyline6",
            "polyline6(...) (micro-degrees, the same precision as the text) whenever it is shorter than the text: for the points of "
                    + "one region usually 9 to 12 characters per point instead of about 20, so requests are smaller and a proxy's URL "
                    + "limit is reached later. osrm-routed answers exactly as for the text (checked against the real server).");

    public static final PropertyDescriptor COORDINATE_ENCODING = new PropertyDescriptor.Builder()
            .name("Coordinate Encoding")
            .description("How coordinates travel in the URL. Tiles are sized for the text in either case (a polyline is never longer).")
            .required(true)
            .allowableValues(ENCODING_TEXT, ENCODING_POLYLINE6)
            .defaultValue(ENCODING_POLYLINE6.getValue())
            .build();

    @Override
    public String getEngineName() {
        return "osrm";
    }

    @Override
    protected String usualBaseUrl() {
        return "usually http://localhost:5000 (osrm-routed listens on port 5000 by default)";
    }

    @Override
    protected List<PropertyDescriptor> engineProperties() {
        return List.of(PROFILE, MAX_TABLE_SIZE, MAX_URL_LENGTH, COORDINATE_ENCODING, SNAP_RADIUS, FALLBACK_SPEED, FALLBACK_COORDINATE);
    }

    /** A snap radius decides NO_ROAD, a fallback speed estimates pairs without a route. */
    @Override
    protected List<PropertyDescriptor> resultProperties() {
        return List.of(SNAP_RADIUS, FALLBACK_SPEED, FALLBACK_COORDINATE);
    }

    @Override
    protected EngineProtocol createProtocol(final PropertyContext context, final String apiKey) {
        return new OsrmTableProtocol(profileOf(context), options(context));
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>(super.customValidate(context));
        if (context.getProperty(FALLBACK_SPEED).isSet() && !(context.getProperty(FALLBACK_SPEED).asDouble() > 0)) {
            results.add(new ValidationResult.Builder().subject(FALLBACK_SPEED.getDisplayName()).valid(false)
                    .explanation("Fallback Speed must be a positive number of meters per second").build());
        }
        return results;
    }

    private static OsrmTableProtocol.Options options(final PropertyContext context) {
        final boolean fallback = context.getProperty(FALLBACK_SPEED).isSet();
        return new OsrmTableProtocol.Options(
                context.getProperty(SNAP_RADIUS).isSet() ? context.getProperty(SNAP_RADIUS).asDouble() : Double.NaN,
                fallback ? context.getProperty(FALLBACK_SPEED).asDouble() : Double.NaN,
                fallback ? context.getProperty(FALLBACK_COORDINATE).getValue() : FALLBACK_INPUT.getValue(),
                ENCODING_POLYLINE6.getValue().equals(context.getProperty(COORDINATE_ENCODING).getValue()));
    }

    @Override
    protected MatrixLimits createLimits(final PropertyContext context) {
        return createLimits(context, MatrixOptions.NONE);
    }

    /** Max Table Size squared, and as many points as fit the Max URL Length with the radius the options send (one per point). */
    @Override
    protected MatrixLimits createLimits(final PropertyContext context, final MatrixOptions request) {
        final long tableSize = context.getProperty(MAX_TABLE_SIZE).asLong();
        final int maxUrl = context.getProperty(MAX_URL_LENGTH).asInteger();
        final URI baseUrl = URI.create(context.getProperty(BASE_URL).evaluateAttributeExpressions().getValue());
        final int coordinates = new OsrmTableProtocol(profileOf(context), options(context)).maxCoordinates(baseUrl, maxUrl, request);
        return new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, tableSize * tableSize, coordinates);
    }

    @Override
    protected String profileOf(final PropertyContext context) {
        return context.getProperty(PROFILE).evaluateAttributeExpressions().getValue();
    }
}
