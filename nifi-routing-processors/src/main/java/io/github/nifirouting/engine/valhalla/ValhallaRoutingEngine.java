package io.github.nifirouting.engine.valhalla;

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

@Tags({"routing", "valhalla", "matrix", "sources_to_targets", "isochrone", "drive time"})
@CapabilityDescription("Routing engine service for a Valhalla server's matrix service (POST /sources_to_targets). Tiles are sized to the "
        + "service limit on location pairs (max_matrix_location_pairs, 2500 for auto by default). Distances are requested in "
        + "kilometers and converted to meters; null cells become UNROUTABLE pairs; Valhalla error codes (e.g. 154 distance "
        + "limit exceeded, 171 no suitable edges) fail the tile without retry. For BuildIsochrones (engine native) it also asks the isochrone "
        + "service (POST /isochrone, time contours in minutes, polygons, up to 4 contours per request); error 171 there means the site is "
        + "off the network.")
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix", "io.github.nifirouting.engine.osrm.OsrmRoutingEngine"})
public class ValhallaRoutingEngine extends AbstractHttpRoutingEngine {

    public static final PropertyDescriptor COSTING = new PropertyDescriptor.Builder()
            .name("Costing")
            .description("Valhalla costing model: auto, bicycle, pedestrian, truck, motor_scooter, ...")
            .required(true)
            .defaultValue("auto")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(PROFILE_NAME_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_LOCATION_PAIRS = new PropertyDescriptor.Builder()
            .name("Max Location Pairs")
            .description("The server's service_limits.<costing>.max_matrix_location_pairs: most sources x targets per request.")
            .required(true)
            .defaultValue("2500")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    @Override
    public String getEngineName() {
        return "valhalla";
    }

    @Override
    protected String usualBaseUrl() {
        return "usually http://localhost:8002 (valhalla_service listens on port 8002 by default)";
    }

    @Override
    protected List<PropertyDescriptor> engineProperties() {
        return List.of(COSTING, MAX_LOCATION_PAIRS);
    }

    @Override
    protected EngineProtocol createProtocol(final PropertyContext context, final String apiKey) {
        return new ValhallaMatrixProtocol(profileOf(context));
    }

    @Override
    protected IsochroneProtocol createIsochroneProtocol(final PropertyContext context, final String apiKey) {
        return new ValhallaIsochroneProtocol(profileOf(context));
    }

    @Override
    protected MatrixLimits createLimits(final PropertyContext context) {
        return MatrixLimits.ofElements(context.getProperty(MAX_LOCATION_PAIRS).asLong());
    }

    @Override
    protected String profileOf(final PropertyContext context) {
        return context.getProperty(COSTING).evaluateAttributeExpressions().getValue();
    }
}
