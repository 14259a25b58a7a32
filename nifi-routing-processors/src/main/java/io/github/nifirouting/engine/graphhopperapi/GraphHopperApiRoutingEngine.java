package io.github.nifirouting.engine.graphhopperapi;

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

@Tags({"routing", "graphhopper", "matrix", "directions api", "isochrone", "drive time"})
@CapabilityDescription("Routing engine service for the GraphHopper Directions API matrix (POST /matrix, key as query parameter). "
        + "Requests use fail_fast=false so an unroutable pair comes back as null instead of failing the whole request. The API allows "
        + "100 requests per minute and 300 locations per 5 seconds over all matrix requests: set Rate Limit 300, Rate Limit Period 5 sec, "
        + "Rate Limit Unit Locations. The open-source "
        + "GraphHopper server has no matrix endpoint; use the embedded GraphHopper engine for that. For BuildIsochrones (engine native) it "
        + "asks GET /isochrone (hosted API and open-source server alike) once per threshold; a point GraphHopper cannot find is off the "
        + "network.")
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix"})
public class GraphHopperApiRoutingEngine extends AbstractHttpRoutingEngine {

    public static final PropertyDescriptor PROFILE = new PropertyDescriptor.Builder()
            .name("Profile")
            .description("GraphHopper profile: car, bike, foot, small_truck, ...")
            .required(true)
            .defaultValue("car")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(PROFILE_NAME_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_LOCATIONS = new PropertyDescriptor.Builder()
            .name("Max Locations")
            .description("Most from_points and most to_points per request allowed by your plan.")
            .required(true)
            .defaultValue("80")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    @Override
    public String getEngineName() {
        return "graphhopper";
    }

    @Override
    protected String usualBaseUrl() {
        return "https://graphhopper.com/api/1 for the hosted Directions API (needs an API Key; the "
                + "only one with a matrix endpoint), or an open-source GraphHopper server for isochrones, usually http://localhost:8989 "
                + "(no key needed)";
    }

    @Override
    protected String keyedApiHost() {
        return "graphhopper.com";
    }

    @Override
    protected List<PropertyDescriptor> engineProperties() {
        return List.of(PROFILE, MAX_LOCATIONS);
    }

    @Override
    protected EngineProtocol createProtocol(final PropertyContext context, final String apiKey) {
        return new GraphHopperMatrixProtocol(profileOf(context), apiKey);
    }

    @Override
    protected IsochroneProtocol createIsochroneProtocol(final PropertyContext context, final String apiKey) {
        return new GraphHopperIsochroneProtocol(profileOf(context), apiKey);
    }

    @Override
    protected MatrixLimits createLimits(final PropertyContext context) {
        final int locations = context.getProperty(MAX_LOCATIONS).asInteger();
        return new MatrixLimits(locations, locations, (long) locations * locations, Integer.MAX_VALUE);
    }

    @Override
    protected String profileOf(final PropertyContext context) {
        return context.getProperty(PROFILE).evaluateAttributeExpressions().getValue();
    }
}
