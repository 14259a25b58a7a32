package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.controller.VerifiableControllerService;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.ssl.SSLContextProvider;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What every HTTP routing engine service shares: connection, TLS, API key, response size cap, and one set of
 * Resilience4j retry / circuit breaker / rate limiter per service instance. Subclasses supply the protocol and
 * the engine's matrix limits.
 */
public abstract class AbstractHttpRoutingEngine extends AbstractControllerService implements RoutingEngineService, VerifiableControllerService {

    public static final PropertyDescriptor BASE_URL = new PropertyDescriptor.Builder()
            .name("Base URL")
            .description("The engine's base URL; each engine's description names its usual address.")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.URL_VALIDATOR)
            .build();

    public static final PropertyDescriptor CONNECT_TIMEOUT = duration("Connect Timeout", "How long to wait for a connection.", "5 sec");
    public static final PropertyDescriptor READ_TIMEOUT = duration("Read Timeout", "How long to wait for an answer to one request.", "60 sec");

    public static final PropertyDescriptor API_KEY = new PropertyDescriptor.Builder()
            .name("API Key")
            .description("Key for engines that need one, sent the way the engine expects. Required when the Base URL is a hosted API that "
                    + "needs a key (OpenRouteService's api.openrouteservice.org, GraphHopper's graphhopper.com); self-hosted servers, "
                    + "OSRM and Valhalla do without.")
            .required(false)
            .sensitive(true)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor SSL_CONTEXT = new PropertyDescriptor.Builder()
            .name("SSL Context Service")
            .description("TLS settings for https engines with private certificates; the JVM's defaults otherwise.")
            .required(false)
            .identifiesControllerService(SSLContextProvider.class)
            .build();

    public static final PropertyDescriptor MAX_RESPONSE_SIZE = new PropertyDescriptor.Builder()
            .name("Max Response Size")
            .description("Responses larger than this are refused, so a rogue or misconfigured server cannot exhaust the heap.")
            .required(true)
            .defaultValue("64 MB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_RETRIES = new PropertyDescriptor.Builder()
            .name("Max Retries")
            .description("Retries inside one call for transient failures (timeouts, resets, 5xx, 429, broken answers). After them the "
                    + "processor routes the FlowFile to retry, penalized.")
            .required(true)
            .defaultValue("3")
            .addValidator(StandardValidators.createLongValidator(0, 20, true))
            .build();

    public static final PropertyDescriptor INITIAL_BACKOFF = duration("Initial Backoff",
            "Base of the exponential backoff between retries; each wait is random in [0, min(Max Backoff, base x 2^(retry-1))] (full jitter).", "500 ms");
    public static final PropertyDescriptor MAX_BACKOFF = duration("Max Backoff", "Cap of the backoff between retries.", "20 sec");
    public static final PropertyDescriptor MAX_RETRY_AFTER = duration("Max Retry-After Wait",
            "Longest Retry-After (from a 429) waited inside a task; a longer one hands the FlowFile back to NiFi at once.", "30 sec");

    public static final PropertyDescriptor CIRCUIT_FAILURE_RATE = new PropertyDescriptor.Builder()
            .name("Circuit Breaker Failure Rate")
            .description("Percentage of failed calls among the last Circuit Breaker Window calls that opens the circuit. While open, "
                    + "processors yield and leave FlowFiles queued; after Circuit Breaker Open Duration a few probe calls decide.")
            .required(true)
            .defaultValue("50")
            .addValidator(StandardValidators.createLongValidator(1, 100, true))
            .build();

    public static final PropertyDescriptor CIRCUIT_WINDOW = new PropertyDescriptor.Builder()
            .name("Circuit Breaker Window")
            .description("Number of recent calls the failure rate is computed over (and the minimum before it is).")
            .required(true)
            .defaultValue("10")
            .addValidator(StandardValidators.createLongValidator(2, 1000, true))
            .build();

    public static final PropertyDescriptor CIRCUIT_OPEN_DURATION = duration("Circuit Breaker Open Duration",
            "How long the circuit stays open before probing the engine again.", "30 sec");

    public static final PropertyDescriptor RATE_LIMIT = new PropertyDescriptor.Builder()
            .name("Rate Limit")
            .description("Most permits per Rate Limit Period, counted in Rate Limit Unit (requests by default), shared by every processor and "
                    + "task using this service. 0: unlimited.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor RATE_LIMIT_PERIOD = duration("Rate Limit Period", "The period of the rate limit, e.g. 1 sec or 1 min.", "1 sec");

    public static final AllowableValue UNIT_REQUESTS = new AllowableValue(RateLimitUnit.REQUESTS.name(), "Requests",
            "Rate Limit counts requests (OSRM, Valhalla, OpenRouteService: 40 matrix requests per minute on the public API).");
    public static final AllowableValue UNIT_LOCATIONS = new AllowableValue(RateLimitUnit.LOCATIONS.name(), "Locations",
            "Rate Limit counts locations (sources + destinations) per request; GraphHopper's Matrix API allows 300 locations per 5 seconds. "
                    + "Requests are also kept to at most Rate Limit locations.");
    public static final AllowableValue UNIT_PAIRS = new AllowableValue(RateLimitUnit.PAIRS.name(), "Pairs",
            "Rate Limit counts origin x destination pairs (elements) per request, as element-metered APIs do. Requests are also kept "
                    + "to at most Rate Limit pairs.");

    public static final PropertyDescriptor RATE_LIMIT_UNIT = new PropertyDescriptor.Builder()
            .name("Rate Limit Unit")
            .description("What Rate Limit counts.")
            .required(true)
            .allowableValues(UNIT_REQUESTS, UNIT_LOCATIONS, UNIT_PAIRS)
            .defaultValue(UNIT_REQUESTS.getValue())
            .build();

    public static final PropertyDescriptor CIRCUIT_PROBE_CALLS = new PropertyDescriptor.Builder()
            .name("Circuit Breaker Probe Calls")
            .description("Calls let through when the circuit is half-open; if they fail at Circuit Breaker Failure Rate or more, it opens again.")
            .required(true)
            .defaultValue("2")
            .addValidator(StandardValidators.createLongValidator(1, 100, true))
            .build();

    /** Profiles and costings go into URL paths or JSON bodies as they are. */
    protected static final Validator PROFILE_NAME_VALIDATOR = StandardValidators.createRegexMatchingValidator(
            Pattern.compile("[A-Za-z0-9_.\\-]+"), true, "letters, digits, '_', '.' and '-' only");

    public static final PropertyDescriptor VERIFY_POINTS = new PropertyDescriptor.Builder()
            .name("Verification Points")
            .description("Two points inside the engine's coverage as 'lat,lon;lat,lon', used by Verify to request a 2 x 2 matrix. "
                    + "Without them Verify asks for the matrix of one point to itself at 0,0 and only checks that the engine answers.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final List<PropertyDescriptor> COMMON_PROPERTIES = List.of(BASE_URL, CONNECT_TIMEOUT, READ_TIMEOUT, API_KEY, SSL_CONTEXT,
            MAX_RESPONSE_SIZE, MAX_RETRIES, INITIAL_BACKOFF, MAX_BACKOFF, MAX_RETRY_AFTER, CIRCUIT_FAILURE_RATE, CIRCUIT_WINDOW,
            CIRCUIT_OPEN_DURATION, CIRCUIT_PROBE_CALLS, RATE_LIMIT, RATE_LIMIT_PERIOD, RATE_LIMIT_UNIT, VERIFY_POINTS);

    private volatile HttpEngineClient client;
    private volatile MatrixLimits limits;
    /** Limits for requests with per-request options, computed once per distinct options (a flow has a handful). */
    private volatile Map<MatrixOptions, MatrixLimits> limitsByOptions = new ConcurrentHashMap<>();
    private volatile Function<MatrixOptions, MatrixLimits> limitsFor;
    private volatile String profile;
    private volatile String resultScope = "";

    private static PropertyDescriptor duration(final String name, final String description, final String defaultValue) {
        return new PropertyDescriptor.Builder().name(name).description(description).required(true).defaultValue(defaultValue)
                .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR).build();
    }

    /** Engine-specific properties, shown after the common ones. */
    protected abstract List<PropertyDescriptor> engineProperties();

    protected abstract EngineProtocol createProtocol(PropertyContext context, String apiKey);

    protected abstract MatrixLimits createLimits(PropertyContext context);

    /** The engine's limits for requests sent with {@code options}; the same as without them unless the options take room in a request. */
    protected MatrixLimits createLimits(final PropertyContext context, final MatrixOptions options) {
        return createLimits(context);
    }

    protected abstract String profileOf(PropertyContext context);

    /** The engine's usual Base URL(s), named in the Base URL description, e.g. {@code http://localhost:5000 (osrm-routed's default port)}. */
    protected abstract String usualBaseUrl();

    /** Host of the engine's hosted API that refuses calls without a key (also its subdomains); null when there is none. */
    protected String keyedApiHost() {
        return null;
    }

    /** The common Base URL property with this engine's usual address in its description (same name, so BASE_URL reads it). */
    protected final PropertyDescriptor baseUrlProperty() {
        return new PropertyDescriptor.Builder().fromPropertyDescriptor(BASE_URL)
                .description("The " + getEngineName() + " server's base URL: " + usualBaseUrl() + ".")
                .build();
    }

    /** The engine's isochrone API, for engines that have one; null (the default) for none. */
    protected IsochroneProtocol createIsochroneProtocol(final PropertyContext context, final String apiKey) {
        return null;
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return Stream.concat(COMMON_PROPERTIES.stream().map(property -> property == BASE_URL ? baseUrlProperty() : property),
                engineProperties().stream()).toList();
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) {
        client = createClient(context);
        limits = limits(context, MatrixOptions.NONE);
        limitsByOptions = new ConcurrentHashMap<>();
        limitsFor = options -> limits(context, options);
        profile = profileOf(context);
        final StringBuilder scope = new StringBuilder(context.getProperty(BASE_URL).evaluateAttributeExpressions().getValue());
        for (final PropertyDescriptor property : resultProperties()) {
            scope.append('|').append(property.getName()).append('=').append(context.getProperty(property).getValue());
        }
        resultScope = scope.toString();
    }

    /**
     * The engine properties that change a pair's result (not only how it is asked): part of {@link #getResultScope()}, so a
     * result cache never serves an answer computed with other values. The server's base URL always is.
     */
    protected List<PropertyDescriptor> resultProperties() {
        return List.of();
    }

    @Override
    public String getResultScope() {
        return resultScope;
    }

    /** The engine's limits, tightened so that one request never needs more rate-limit permits than a period has. */
    private MatrixLimits limits(final PropertyContext context, final MatrixOptions options) {
        final MatrixLimits engineLimits = createLimits(context, options);
        final int permits = context.getProperty(RATE_LIMIT).asInteger();
        if (permits <= 0) {
            return engineLimits;
        }
        return switch (RateLimitUnit.valueOf(context.getProperty(RATE_LIMIT_UNIT).getValue())) {
            case REQUESTS -> engineLimits;
            case LOCATIONS -> engineLimits.intersect(new MatrixLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, Math.max(2, permits)));
            case PAIRS -> engineLimits.intersect(MatrixLimits.ofElements(permits));
        };
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final int permits = context.getProperty(RATE_LIMIT).asInteger();
        if (permits == 1 && RateLimitUnit.LOCATIONS.name().equals(context.getProperty(RATE_LIMIT_UNIT).getValue())) {
            results.add(new ValidationResult.Builder().subject(RATE_LIMIT.getDisplayName()).valid(false)
                    .explanation("with Rate Limit Unit Locations a request of 2 locations needs at least 2 permits per period").build());
        }
        if (context.getProperty(MAX_BACKOFF).asTimePeriod(TimeUnit.MILLISECONDS) < context.getProperty(INITIAL_BACKOFF).asTimePeriod(TimeUnit.MILLISECONDS)) {
            results.add(new ValidationResult.Builder().subject(MAX_BACKOFF.getDisplayName()).valid(false)
                    .explanation("Max Backoff must not be shorter than Initial Backoff").build());
        }
        final String keyedHost = keyedApiHost();
        if (keyedHost != null && !context.getProperty(API_KEY).isSet()) {
            final String host = hostOf(context.getProperty(BASE_URL).evaluateAttributeExpressions().getValue());
            if (host != null && (host.equals(keyedHost) || host.endsWith("." + keyedHost))) {
                results.add(new ValidationResult.Builder().subject(API_KEY.getDisplayName()).valid(false)
                        .explanation("the hosted API at " + host + " refuses requests without a key: set API Key (a self-hosted server "
                                + "at another address needs none)").build());
            }
        }
        return results;
    }

    private static String hostOf(final String url) {
        try {
            final String host = url == null ? null : URI.create(url.trim()).getHost();
            return host == null ? null : host.toLowerCase(java.util.Locale.ROOT);
        } catch (final IllegalArgumentException e) {
            return null; // the Base URL validator reports it
        }
    }

    @OnDisabled
    public void onDisabled() {
        if (client != null) {
            client.close();
            client = null;
        }
        limitsFor = null;
    }

    private HttpEngineClient createClient(final PropertyContext context) {
        final ResilienceSettings settings = new ResilienceSettings(
                context.getProperty(MAX_RETRIES).asInteger(),
                duration(context, INITIAL_BACKOFF), duration(context, MAX_BACKOFF), duration(context, MAX_RETRY_AFTER),
                context.getProperty(CIRCUIT_FAILURE_RATE).asInteger(),
                context.getProperty(CIRCUIT_WINDOW).asInteger(), context.getProperty(CIRCUIT_WINDOW).asInteger(),
                duration(context, CIRCUIT_OPEN_DURATION), context.getProperty(CIRCUIT_PROBE_CALLS).asInteger(),
                context.getProperty(RATE_LIMIT).asInteger(), duration(context, RATE_LIMIT_PERIOD),
                RateLimitUnit.valueOf(context.getProperty(RATE_LIMIT_UNIT).getValue()), duration(context, READ_TIMEOUT));
        final SSLContextProvider ssl = context.getProperty(SSL_CONTEXT).asControllerService(SSLContextProvider.class);
        final String apiKey = context.getProperty(API_KEY).getValue();
        return new HttpEngineClient(URI.create(context.getProperty(BASE_URL).evaluateAttributeExpressions().getValue()),
                createProtocol(context, apiKey), createIsochroneProtocol(context, apiKey), new ResilientCaller(getIdentifier() == null ? getEngineName() : getIdentifier(), settings),
                duration(context, CONNECT_TIMEOUT), duration(context, READ_TIMEOUT),
                context.getProperty(MAX_RESPONSE_SIZE).asDataSize(DataUnit.B).longValue(), ssl == null ? null : ssl.createContext());
    }

    private static Duration duration(final PropertyContext context, final PropertyDescriptor property) {
        return Duration.ofMillis(context.getProperty(property).asTimePeriod(TimeUnit.MILLISECONDS));
    }

    /** The client, for tests and engine-specific calls. */
    protected HttpEngineClient client() {
        final HttpEngineClient current = client;
        if (current == null) {
            throw new IllegalStateException(getEngineName() + " engine service is not enabled");
        }
        return current;
    }

    /** The state of this service's circuit breaker (CLOSED, OPEN, HALF_OPEN), e.g. for monitoring and tests. */
    public CircuitBreaker.State getCircuitState() {
        return client().caller().circuitState();
    }

    /** This service's circuit breaker, to observe its transitions. */
    public CircuitBreaker getCircuitBreaker() {
        return client().caller().circuitBreaker();
    }

    @Override
    public String getProfile() {
        return profile;
    }

    @Override
    public MatrixLimits getMatrixLimits() {
        return limits;
    }

    @Override
    public MatrixLimits getMatrixLimits(final MatrixOptions options) {
        if (options.equals(MatrixOptions.NONE)) {
            return limits;
        }
        final Function<MatrixOptions, MatrixLimits> compute = limitsFor;
        if (compute == null) {
            throw new IllegalStateException(getEngineName() + " engine service is not enabled");
        }
        return limitsByOptions.computeIfAbsent(options, compute);
    }

    @Override
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations) throws RoutingException {
        return computeMatrix(sources, destinations, new CallStats());
    }

    @Override
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final CallStats stats) throws RoutingException {
        return client().computeMatrix(sources, destinations, stats);
    }

    @Override
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixOptions options,
                                      final CallStats stats) throws RoutingException {
        return client().computeMatrix(sources, destinations, options, stats);
    }

    @Override
    public boolean supportsIsochrones() {
        return client().supportsIsochrones();
    }

    @Override
    public IsochroneRings computeIsochrones(final double latitude, final double longitude, final double[] thresholdsSeconds) throws RoutingException {
        return computeIsochrones(latitude, longitude, thresholdsSeconds, new CallStats());
    }

    @Override
    public IsochroneRings computeIsochrones(final double latitude, final double longitude, final double[] thresholdsSeconds, final CallStats stats)
            throws RoutingException {
        return client().computeIsochrones(latitude, longitude, thresholdsSeconds, stats);
    }

    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
                                                 final Map<String, String> variables) {
        final List<ConfigVerificationResult> results = new ArrayList<>();
        final CoordinateBlock points;
        try {
            points = verificationPoints(context.getProperty(VERIFY_POINTS).getValue());
        } catch (final IllegalArgumentException e) {
            results.add(failed("Parse verification points", e.getMessage()));
            return results;
        }
        final boolean defaultPoint = points.size() == 1;
        try (HttpEngineClient probe = createClient(context)) {
            final CallStats stats = new CallStats();
            final MatrixResult result = probe.computeMatrix(points, points, stats);
            final StringBuilder explanation = new StringBuilder("Engine answered a " + result.rows() + " x " + result.columns()
                    + " matrix in " + stats.engineMillis() + " ms (" + stats.requests() + " request(s))");
            final List<String> unroutable = new ArrayList<>();
            for (int row = 0; row < result.rows(); row++) {
                for (int column = 0; column < result.columns(); column++) {
                    if (row != column && !result.isRoutable(row, column)) {
                        unroutable.add(points.id(row) + " -> " + points.id(column));
                    }
                }
            }
            if (!unroutable.isEmpty()) {
                results.add(failed("Request a matrix", explanation + ", but found no route for " + String.join(", ", unroutable)
                        + ": are the Verification Points inside the engine's coverage and reachable with profile " + profileOf(context) + "?"));
                return results;
            }
            if (result.rows() > 1) {
                explanation.append(": ").append(points.id(0)).append(" -> ").append(points.id(1)).append(' ')
                        .append(Math.round(result.durationSeconds(0, 1))).append(" s, ").append(Math.round(result.distanceMeters(0, 1))).append(" m");
            }
            results.add(new ConfigVerificationResult.Builder().verificationStepName("Request a matrix")
                    .outcome(ConfigVerificationResult.Outcome.SUCCESSFUL).explanation(explanation.toString()).build());
        } catch (final RoutingException e) {
            results.add(failed("Request a matrix", e.kind() + ": " + e.getMessage() + (defaultPoint
                    ? " (Verification Points are not set, so the point 0,0 was asked for; set two points inside the engine's coverage)" : "")));
        } catch (final RuntimeException e) {
            results.add(failed("Request a matrix", e.toString()));
        }
        return results;
    }

    private static ConfigVerificationResult failed(final String step, final String explanation) {
        return new ConfigVerificationResult.Builder().verificationStepName(step).outcome(ConfigVerificationResult.Outcome.FAILED)
                .explanation(explanation).build();
    }

    static CoordinateBlock verificationPoints(final String text) {
        if (text == null || text.isBlank()) {
            return CoordinateBlock.of(new String[]{"p0"}, new double[]{0}, new double[]{0});
        }
        final String[] pairs = text.split(";");
        final CoordinateBlock.Builder builder = new CoordinateBlock.Builder(pairs.length);
        for (int i = 0; i < pairs.length; i++) {
            final String[] latLon = pairs[i].split(",");
            if (latLon.length != 2) {
                throw new IllegalArgumentException("Verification Points must be 'lat,lon;lat,lon': " + text);
            }
            builder.add("p" + i, Double.parseDouble(latLon[0].trim()), Double.parseDouble(latLon[1].trim()));
        }
        return builder.build();
    }
}
