package io.github.nifirouting.engine.osrm;

import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.http.EngineProtocol;
import io.github.nifirouting.model.MatrixLimits;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.util.StandardValidators;

import java.net.URI;
import java.util.List;

@Tags({"routing", "osrm", "matrix", "table", "drive time"})
@CapabilityDescription("Routing engine service for an OSRM server's table service (GET /table/v1/{profile}). Tiles are sized to the "
        + "server's --max-table-size (OSRM refuses sources x destinations > max-table-size^2 with TooBig) and to a maximum URL length, "
        + "since all coordinates travel in the GET URL. null cells (no route) become UNROUTABLE pairs; each waypoint's distance is "
        + "reported as the snap distance. Retries, circuit breaking and rate limiting are shared by all users of this service.")
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
            .description("Longest GET URL to send, counted with the Base URL and Profile and the worst-case coordinate text (23 "
                    + "characters per point), so every request fits whatever the points. Proxies commonly refuse URLs beyond 8 KB (nginx "
                    + "answers 414, which fails the tile without retry); raise it only when the client talks to osrm-routed directly.")
            .required(true)
            .defaultValue("8000")
            .addValidator(StandardValidators.createLongValidator(512, 1_000_000, true))
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
        return List.of(PROFILE, MAX_TABLE_SIZE, MAX_URL_LENGTH);
    }

    @Override
    protected EngineProtocol createProtocol(final PropertyContext context, final String apiKey) {
        return new OsrmTableProtocol(profileOf(context));
    }

    @Override
    protected MatrixLimits createLimits(final PropertyContext context) {
        final long tableSize = context.getProperty(MAX_TABLE_SIZE).asLong();
        final int maxUrl = context.getProperty(MAX_URL_LENGTH).asInteger();
        final URI baseUrl = URI.create(context.getProperty(BASE_URL).evaluateAttributeExpressions().getValue());
        final int coordinates = new OsrmTableProtocol(profileOf(context)).maxCoordinates(baseUrl, maxUrl);
        return new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, tableSize * tableSize, coordinates);
    }

    @Override
    protected String profileOf(final PropertyContext context) {
        return context.getProperty(PROFILE).evaluateAttributeExpressions().getValue();
    }
}
