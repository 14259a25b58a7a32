package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends matrix requests of one {@link EngineProtocol} (and isochrone requests of an optional {@link IsochroneProtocol}) over HTTP through a {@link ResilientCaller}, turning HTTP
 * outcomes into {@link RoutingException} kinds. Plain Java: no NiFi types.
 * <ul>
 *   <li>429 is RATE_LIMITED with its Retry-After (delay-seconds or HTTP-date);</li>
 *   <li>5xx, 408, timeouts, resets and broken or truncated 2xx bodies are TRANSIENT (a 503's Retry-After is honoured);</li>
 *   <li>other 4xx are REJECTED, whatever the body: the engine's own error when the protocol recognises one, otherwise
 *       the status (a proxy's HTML 404 or 414 page is not worth retrying);</li>
 *   <li>a body beyond the size cap is REJECTED, by its Content-Length before reading when declared, else while reading.</li>
 * </ul>
 * The Read Timeout bounds the whole exchange, body included: the JDK client's request timeout stops at the response
 * headers, so a server that sends headers and then stalls would otherwise hold a task forever. A watchdog closes the
 * body stream at the deadline.
 */
public final class HttpEngineClient implements AutoCloseable {

    private final HttpClient client;
    private final EngineProtocol protocol;
    private final IsochroneProtocol isochrones;
    private final ResilientCaller caller;
    private final URI baseUrl;
    private final Duration readTimeout;
    private final long maxResponseBytes;
    private final ScheduledExecutorService deadlines;

    public HttpEngineClient(final URI baseUrl, final EngineProtocol protocol, final ResilientCaller caller, final Duration connectTimeout,
                            final Duration readTimeout, final long maxResponseBytes, final SSLContext sslContext) {
        this(baseUrl, protocol, null, caller, connectTimeout, readTimeout, maxResponseBytes, sslContext);
    }

    /** A client that also speaks the engine's isochrone API ({@code isochrones} may be null). */
    public HttpEngineClient(final URI baseUrl, final EngineProtocol protocol, final IsochroneProtocol isochrones, final ResilientCaller caller,
                            final Duration connectTimeout, final Duration readTimeout, final long maxResponseBytes, final SSLContext sslContext) {
        this.isochrones = isochrones;
        final HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL);
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.client = builder.build();
        this.protocol = protocol;
        this.caller = caller;
        this.baseUrl = baseUrl;
        this.readTimeout = readTimeout;
        this.maxResponseBytes = maxResponseBytes;
        this.deadlines = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "routing-engine-deadline " + baseUrl.getHost());
            thread.setDaemon(true);
            return thread;
        });
    }

    public ResilientCaller caller() {
        return caller;
    }

    /**
     * The matrix of {@code sources} x {@code destinations}; points the engine cannot place on its network are left out
     * of the request and marked off-network in the result (see {@link OffNetworkIsolation}).
     */
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final CallStats stats) throws RoutingException {
        return computeMatrix(sources, destinations, MatrixOptions.NONE, stats);
    }

    /** {@link #computeMatrix(CoordinateBlock, CoordinateBlock, CallStats)}, every request (probes included) sent with {@code options}. */
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixOptions options,
                                      final CallStats stats) throws RoutingException {
        return OffNetworkIsolation.route(sources, destinations, (s, d) -> {
            final int permits = caller.settings().rateLimitUnit().permits(s.size(), d.size());
            return caller.call(() -> exchange(s, d, options, stats), permits, stats);
        });
    }

    private MatrixResult exchange(final CoordinateBlock sources, final CoordinateBlock destinations, final MatrixOptions options,
                                  final CallStats stats) throws RoutingException {
        final long start = System.nanoTime();
        try {
            final MatrixResult result = send(protocol.matrixRequest(baseUrl, sources, destinations, options), "application/json",
                    start + readTimeout.toNanos(), false,
                    (status, headers, body) -> protocol.readMatrix(status, headers, body, sources.size(), destinations.size()));
            stats.recordAnswer((long) sources.size() * destinations.size());
            return result;
        } finally {
            stats.addEngineNanos(System.nanoTime() - start);
        }
    }

    /** Whether the engine's isochrone API is available through this client. */
    public boolean supportsIsochrones() {
        return isochrones != null;
    }

    /**
     * The engine's isochrone polygons around a point, in as many requests as the protocol needs, each with retries,
     * circuit breaking and rate limiting like matrix requests. A point the engine cannot place gives no polygons.
     */
    public IsochroneRings computeIsochrones(final double latitude, final double longitude, final double[] thresholdsSeconds, final CallStats stats)
            throws RoutingException {
        if (isochrones == null) {
            throw new UnsupportedOperationException("no isochrone API for " + baseUrl);
        }
        final List<List<List<double[]>>> polygons = emptyPolygons(thresholdsSeconds.length);
        final int permits = caller.settings().rateLimitUnit().permits(1, 1);
        for (int index = 0; index < isochrones.isochroneRequests(thresholdsSeconds); index++) {
            final int request = index;
            final Optional<List<List<List<double[]>>>> answer = caller.call(() -> {
                final long start = System.nanoTime();
                try {
                    final List<List<List<double[]>>> into = emptyPolygons(thresholdsSeconds.length);
                    final Boolean placed = send(isochrones.isochroneRequest(baseUrl, latitude, longitude, thresholdsSeconds, request),
                            "application/geo+json, application/json", start + readTimeout.toNanos(), true,
                            (status, headers, body) -> isochrones.readIsochrones(status, headers, body, thresholdsSeconds, request, into));
                    return placed ? Optional.of(into) : Optional.empty();
                } finally {
                    stats.addEngineNanos(System.nanoTime() - start);
                }
            }, permits, stats);
            if (answer.isEmpty()) {
                return new IsochroneRings(thresholdsSeconds, emptyPolygons(thresholdsSeconds.length));
            }
            for (int t = 0; t < thresholdsSeconds.length; t++) {
                polygons.get(t).addAll(answer.get().get(t));
            }
        }
        return new IsochroneRings(thresholdsSeconds, polygons);
    }

    private static List<List<List<double[]>>> emptyPolygons(final int thresholds) {
        final List<List<List<double[]>>> polygons = new ArrayList<>(thresholds);
        for (int t = 0; t < thresholds; t++) {
            polygons.add(new ArrayList<>());
        }
        return polygons;
    }

    /** Reads an answer body; for {@code readErrors} requests also error answers, returning null to leave them to their status. */
    @FunctionalInterface
    private interface BodyReader<T> {
        T read(int status, HttpHeaders headers, InputStream body) throws RoutingException, IOException;
    }

    /**
     * One request/response exchange. Statuses 429, 408 and 5xx become RATE_LIMITED / TRANSIENT before the body is read,
     * unless {@code readErrors}, where the reader sees error bodies first (an engine may say there that a point is off
     * its network) and only what it leaves (null) is classified by status; 429 is never left to the reader.
     */
    private <T> T send(final HttpRequest.Builder builder, final String accept, final long deadlineNanos, final boolean readErrors,
                       final BodyReader<T> reader) throws RoutingException {
        final HttpRequest request = builder
                .timeout(readTimeout)
                .header("User-Agent", "nifi-routing")
                .header("Accept", accept)
                .build();
        final HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (final HttpTimeoutException e) {
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "no answer within " + readTimeout + " from " + baseUrl, null, e);
        } catch (final IOException e) {
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "cannot reach " + baseUrl + ": " + e, null, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "interrupted while waiting for " + baseUrl, null, e);
        }
        final int status = response.statusCode();
        final HttpHeaders headers = response.headers();
        final InputStream raw = response.body();
        final AtomicBoolean expired = new AtomicBoolean();
        final ScheduledFuture<?> watchdog = deadlines.schedule(() -> {
            expired.set(true);
            closeQuietly(raw);
        }, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        try (InputStream body = new BoundedInputStream(raw, maxResponseBytes)) {
            final boolean errorForReader = readErrors && status >= 400 && status != 429;
            if (!errorForReader) {
                failOnStatus(status, headers);
            }
            final long declared = headers.firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxResponseBytes) {
                throw new RoutingException(RoutingException.Kind.REJECTED, "response body of " + declared + " bytes (Content-Length) from " + baseUrl
                        + " is larger than the maximum of " + maxResponseBytes + " bytes");
            }
            final T result = reader.read(status, headers, body);
            if (result == null) {
                failOnStatus(status, headers);
                throw new RoutingException(RoutingException.Kind.REJECTED, "HTTP " + status + " from " + baseUrl);
            }
            return result;
        } catch (final RoutingException e) {
            if (expired.get()) {
                throw incomplete(e);
            }
            if (status >= 400 && e.kind() == RoutingException.Kind.TRANSIENT) {
                // An error body not in the engine's format (a proxy's page, a cut-off error): the status decides, a 503 with its Retry-After.
                failOnStatus(status, headers);
                throw new RoutingException(RoutingException.Kind.REJECTED, "HTTP " + status + " from " + baseUrl + ": " + e.getMessage(), null, e);
            }
            throw e;
        } catch (final ResponseTooLargeException e) {
            throw new RoutingException(RoutingException.Kind.REJECTED, e.getMessage() + " from " + baseUrl, null, e);
        } catch (final IOException e) {
            if (expired.get()) {
                throw incomplete(e);
            }
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "response from " + baseUrl + " broken off: " + e, null, e);
        } finally {
            watchdog.cancel(false);
        }
    }

    private void failOnStatus(final int status, final HttpHeaders headers) throws RoutingException {
        final Optional<Duration> retryAfter = headers.firstValue("Retry-After").flatMap(HttpEngineClient::parseRetryAfter);
        final String wait = retryAfter.map(d -> ", Retry-After " + d.toSeconds() + " s").orElse("");
        if (status == 429) {
            throw new RoutingException(RoutingException.Kind.RATE_LIMITED, "HTTP 429 Too Many Requests from " + baseUrl + wait, retryAfter.orElse(null), null);
        }
        if (isRetryableStatus(status)) {
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "HTTP " + status + " from " + baseUrl + wait, retryAfter.orElse(null), null);
        }
    }

    /** 5xx, and 408 Request Timeout: the server gave up on this attempt, not on the request. 429 is handled on its own. */
    private static boolean isRetryableStatus(final int status) {
        return status >= 500 || status == 408;
    }

    private RoutingException incomplete(final Exception cause) {
        return new RoutingException(RoutingException.Kind.TRANSIENT, "no complete answer within " + readTimeout + " from " + baseUrl
                + " (the body stalled)", null, cause);
    }

    private static void closeQuietly(final InputStream in) {
        try {
            in.close();
        } catch (final IOException | RuntimeException ignored) {
            // the reader sees the stream closed, which is the point
        }
    }

    /** Retry-After as delay-seconds or an HTTP-date (RFC 9110). */
    static Optional<Duration> parseRetryAfter(final String value) {
        final String trimmed = value.trim();
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(trimmed))));
        } catch (final NumberFormatException notSeconds) {
            try {
                final ZonedDateTime when = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
                final Duration until = Duration.between(Instant.now(), when.toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (final DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        client.shutdownNow();
    }
}
