package io.github.nifirouting.engine.ors;

import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.http.EngineProtocol;
import io.github.nifirouting.engine.http.IsochroneProtocol;
import io.github.nifirouting.model.MatrixLimits;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.util.StandardValidators;

import java.util.List;

@Tags({"routing", "openrouteservice", "ors", "matrix", "isochrone", "drive time"})
@CapabilityDescription("Routing engine service for OpenRouteService's matrix endpoint (POST /v2/matrix/{profile}). The API key goes in "
        + "the Authorization header. The public API allows 3,500 pairs per request and quotas per minute (429, retried with backoff; set "
        + "Rate Limit to 40 per 1 min to stay under it) and per day (403: the service stops calling until x-ratelimit-reset and "
        + "processors yield; a 403 for a refused key fails the tile); a self-hosted server defaults to 2,500 (maximum_routes). "
        + "Snapped distances are reported per point. For BuildIsochrones (engine native) it also asks the isochrones endpoint (POST "
        + "/v2/isochrones/{profile}, ranges in seconds; public API: 10 ranges, 1 h driving); its error 3099 (unable to build an isochrone "
        + "map, HTTP 500) is read as the site being off the network.")
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix", "io.github.nifirouting.engine.osrm.OsrmRoutingEngine"})
public class OpenRouteServiceRoutingEngine extends AbstractHttpRoutingEngine {

    public static final PropertyDescriptor PROFILE = new PropertyDescriptor.Builder()
            .name("Profile")
            .description("ORS profile: driving-car, driving-hgv, cycling-regular, foot-walking, ...")
            .required(true)
            .defaultValue("driving-car")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(PROFILE_NAME_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_PAIRS = new PropertyDescriptor.Builder()
            .name("Max Pairs")
            .description("Most sources x destinations per request: 3500 on the public API, the server's maximum_routes (2500 by default) "
                    + "when self-hosted.")
            .required(true)
            .defaultValue("3500")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    @Override
    public String getEngineName() {
        return "openrouteservice";
    }

    @Override
    protected String usualBaseUrl() {
        return "https://api.openrouteservice.org for the public API (needs an API Key), or a "
                + "self-hosted server, usually http://localhost:8080/ors (no key needed)";
    }

    @Override
    protected String keyedApiHost() {
        return "api.openrouteservice.org";
    }

    @Override
    protected List<PropertyDescriptor> engineProperties() {
        return List.of(PROFILE, MAX_PAIRS);
    }

    @Override
    protected EngineProtocol createProtocol(final PropertyContext context, final String apiKey) {
        return new OrsMatrixProtocol(profileOf(context), apiKey);
    }

    @Override
    protected IsochroneProtocol createIsochroneProtocol(final PropertyContext context, final String apiKey) {
        return new OrsIsochroneProtocol(profileOf(context), apiKey);
    }

    @Override
    protected MatrixLimits createLimits(final PropertyContext context) {
        return MatrixLimits.ofElements(context.getProperty(MAX_PAIRS).asLong());
    }

    @Override
    protected String profileOf(final PropertyContext context) {
        return context.getProperty(PROFILE).evaluateAttributeExpressions().getValue();
    }
}
