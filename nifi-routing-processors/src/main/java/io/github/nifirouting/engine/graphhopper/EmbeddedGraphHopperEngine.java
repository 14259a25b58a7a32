package io.github.nifirouting.engine.graphhopper;

import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;
import io.github.nifirouting.validation.ReadableFileValidator;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.controller.VerifiableControllerService;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.util.StandardValidators;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

@Tags({"routing", "graphhopper", "embedded", "matrix", "isochrone", "openstreetmap", "drive time"})
@CapabilityDescription("A routing engine inside NiFi, built on GraphHopper: no server needed. Enabling it imports an OpenStreetMap "
        + "extract (.osm.pbf or .osm) into a graph cache directory, or loads the graph cached there by an earlier import of the same "
        + "file and profile; every service on the node configured with the same file, profile and directory shares one loaded graph. "
        + "The import also prepares GraphHopper's contraction hierarchy for the profile; matrices are computed on it with a many-to-many "
        + "(bucket) search, one small upward search per origin and per destination, or (Matrix Algorithm) with one Dijkstra search per "
        + "origin; never with one query per pair. Pairs past the Max Travel Time / Distance cutoff get status BEYOND_CUTOFF. Search "
        + "memory grows with what a search visits, not with the graph. "
        + "Car and bike routes honour OSM turn restrictions and GraphHopper's turn costs (edge-based search). Points are snapped to the nearest road the profile may use; points farther than Max Snap Distance are "
        + "unroutable. Also provides the roads reachable within a time limit (with the travel time along them) for BuildIsochrones.")
@SeeAlso(classNames = {"io.github.nifirouting.processors.InvokeRoutingMatrix", "io.github.nifirouting.processors.ChunkCoordinates"})
public class EmbeddedGraphHopperEngine extends AbstractControllerService implements RoutingEngineService, VerifiableControllerService {

    public static final PropertyDescriptor OSM_FILE = new PropertyDescriptor.Builder()
            .name("OSM File")
            .description("The OpenStreetMap extract (.osm.pbf, or .osm XML) to route on. A relative path resolves against NiFi's "
                    + "working directory; validation names the absolute path when the file is missing or unreadable.")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(new ReadableFileValidator("OSM extract"))
            .build();

    public static final PropertyDescriptor GRAPH_CACHE_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Graph Cache Directory")
            .description("Where imported graphs are kept, one subdirectory per OSM file (size, modification time and content hash), "
                    + "profile and GraphHopper version. Reused across restarts; a changed file or profile gets a new import.")
            .required(true)
            .defaultValue("./state/nifi-routing/graphs")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor PROFILE = new PropertyDescriptor.Builder()
            .name("Profile")
            .description("Travel mode, with GraphHopper's custom model for it.")
            .allowableValues("car", "bike", "foot")
            .defaultValue("car")
            .required(true)
            .build();

    public static final PropertyDescriptor MAX_SNAP_DISTANCE = new PropertyDescriptor.Builder()
            .name("Max Snap Distance")
            .description("Points farther than this many meters from a usable road are unroutable.")
            .required(true)
            .defaultValue("1000")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor STORAGE = new PropertyDescriptor.Builder()
            .name("Graph Storage")
            .description("RAM_STORE keeps the graph on the Java heap (fastest; budget roughly 100-200 bytes per road node); MMAP maps "
                    + "the cached files and leaves memory to the operating system's page cache, for large regions.")
            .allowableValues("RAM_STORE", "MMAP")
            .defaultValue("RAM_STORE")
            .required(true)
            .build();

    public static final PropertyDescriptor MAX_MATRIX_ELEMENTS = new PropertyDescriptor.Builder()
            .name("Max Matrix Elements")
            .description("Most origin x destination pairs per request. Larger requests share more work (with Contraction Hierarchies "
                    + "each destination's backward search serves every origin; with Dijkstra each origin costs one search whatever the "
                    + "size); the limit bounds the result arrays (16 bytes per pair).")
            .required(true)
            .defaultValue("1000000")
            .addValidator(StandardValidators.POSITIVE_LONG_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_TRAVEL_TIME = new PropertyDescriptor.Builder()
            .name("Max Travel Time")
            .description("If set, matrix searches stop at this travel time (e.g. 30 min): pairs not reached within it get status "
                    + "BEYOND_CUTOFF instead of a duration, and each search explores only the roads within it, so large matrices over "
                    + "a country cost what the cutoff covers, not the whole graph. Reachability (isochrones) always stops at its own "
                    + "threshold, or at this time if it is shorter.")
            .required(false)
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_TRAVEL_DISTANCE = new PropertyDescriptor.Builder()
            .name("Max Travel Distance")
            .description("If set, searches stop at this road distance in meters: pairs farther along the road get status BEYOND_CUTOFF.")
            .required(false)
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor MATRIX_ALGORITHM = new PropertyDescriptor.Builder()
            .name("Matrix Algorithm")
            .description("How matrices are computed. Both give the same durations and distances (within rounding) and statuses, except "
                    + "at a Max Travel Time / Distance cutoff: Contraction Hierarchies marks a pair BEYOND_CUTOFF when its least-weight route "
                    + "passes the cutoff, where the Dijkstra may still reach it by a heavier route within it. Contraction Hierarchies "
                    + "prepares the profile's hierarchy once at import (seconds for a city, minutes for a region; kept in the graph cache; "
                    + "with turn costs, as for car and bike, a very large or grid-like network can take hours: choose Dijkstra with a "
                    + "Max Travel Time there). Dijkstra skips it. Reachability for isochrones always uses a Dijkstra.")
            .allowableValues(MatrixAlgorithm.class)
            .defaultValue(MatrixAlgorithm.CONTRACTION_HIERARCHIES)
            .required(true)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(OSM_FILE, GRAPH_CACHE_DIRECTORY, PROFILE, MAX_SNAP_DISTANCE, STORAGE,
            MAX_MATRIX_ELEMENTS, MAX_TRAVEL_TIME, MAX_TRAVEL_DISTANCE, MATRIX_ALGORITHM);

    private volatile RoadGraph network;
    private volatile MatrixLimits limits;
    private volatile Cutoff cutoff = Cutoff.NONE;
    private volatile String profile;
    private volatile MatrixAlgorithm algorithm = MatrixAlgorithm.CONTRACTION_HIERARCHIES;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) throws IOException {
        network = acquire(context);
        limits = MatrixLimits.ofElements(context.getProperty(MAX_MATRIX_ELEMENTS).asLong());
        profile = context.getProperty(PROFILE).getValue();
        cutoff = cutoff(context);
        algorithm = context.getProperty(MATRIX_ALGORITHM).asAllowableValue(MatrixAlgorithm.class);
        getLogger().info("{} graph of {}: {} nodes, {} edges, {} in {} ms", network.importedNow() ? "Imported" : "Loaded cached",
                context.getProperty(OSM_FILE).evaluateAttributeExpressions().getValue(), network.nodeCount(), network.edgeCount(),
                network.bounds(), network.loadMillis());
    }

    @OnDisabled
    public void onDisabled() {
        if (network != null) {
            SharedNetworks.release(network);
            network = null;
        }
    }

    static Cutoff cutoff(final PropertyContext context) {
        final double seconds = context.getProperty(MAX_TRAVEL_TIME).isSet()
                ? context.getProperty(MAX_TRAVEL_TIME).asTimePeriod(TimeUnit.MILLISECONDS) / 1000.0 : Double.POSITIVE_INFINITY;
        final double meters = context.getProperty(MAX_TRAVEL_DISTANCE).isSet()
                ? context.getProperty(MAX_TRAVEL_DISTANCE).asDouble() : Double.POSITIVE_INFINITY;
        return new Cutoff(seconds, meters);
    }

    private static RoadGraph acquire(final PropertyContext context) throws IOException {
        return SharedNetworks.acquire(Path.of(context.getProperty(OSM_FILE).evaluateAttributeExpressions().getValue()),
                RoadGraph.Mode.valueOf(context.getProperty(PROFILE).getValue().toUpperCase(Locale.ROOT)),
                Path.of(context.getProperty(GRAPH_CACHE_DIRECTORY).evaluateAttributeExpressions().getValue()),
                context.getProperty(MAX_SNAP_DISTANCE).asDouble(),
                "MMAP".equals(context.getProperty(STORAGE).getValue()),
                context.getProperty(MATRIX_ALGORITHM).asAllowableValue(MatrixAlgorithm.class) == MatrixAlgorithm.CONTRACTION_HIERARCHIES);
    }

    private RoadGraph network() throws RoutingException {
        final RoadGraph current = network;
        if (current == null) {
            throw new RoutingException(RoutingException.Kind.UNAVAILABLE, "the embedded GraphHopper engine is not enabled");
        }
        return current;
    }

    @Override
    public String getEngineName() {
        return "graphhopper-embedded";
    }

    @Override
    public String getProfile() {
        return profile;
    }

    /** The road data (identical OSM copies on two nodes agree) and the cutoff (pairs beyond it are BEYOND_CUTOFF) decide the answers. */
    @Override
    public String getResultScope() {
        return network.roadDataKey() + "|" + cutoff.maxSeconds() + "s|" + cutoff.maxMeters() + "m|" + algorithm.name();
    }

    @Override
    public MatrixLimits getMatrixLimits() {
        return limits;
    }

    @Override
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations) throws RoutingException {
        return network().matrix(sources, destinations, cutoff, algorithm);
    }

    @Override
    public boolean supportsReachability() {
        return true;
    }

    @Override
    public ReachableNodes computeReachable(final double latitude, final double longitude, final double maxSeconds) throws RoutingException {
        return network().reachable(latitude, longitude, cutoff.withMaxSeconds(maxSeconds));
    }

    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
                                                 final Map<String, String> variables) {
        final List<ConfigVerificationResult> results = new ArrayList<>();
        RoadGraph probe = null;
        try {
            probe = acquire(context);
            results.add(new ConfigVerificationResult.Builder().verificationStepName("Load road network")
                    .outcome(ConfigVerificationResult.Outcome.SUCCESSFUL)
                    .explanation((probe.importedNow() ? "Imported" : "Loaded cached") + " graph for profile " + probe.profileName() + ": "
                            + probe.nodeCount() + " nodes, " + probe.edgeCount() + " edges, bounding box " + probe.bounds() + " in "
                            + probe.loadMillis() + " ms")
                    .build());
        } catch (final IOException | RuntimeException e) {
            results.add(new ConfigVerificationResult.Builder().verificationStepName("Load road network")
                    .outcome(ConfigVerificationResult.Outcome.FAILED).explanation(e.getMessage()).build());
        } finally {
            if (probe != null) {
                SharedNetworks.release(probe);
            }
        }
        return results;
    }
}
