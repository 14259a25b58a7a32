package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Sends matrix requests of one {@link EngineProtocol} over HTTP through a {@link ResilientCaller}, turning HTTP
 * outcomes into {@link RoutingException} kinds: 429 is RATE_LIMITED (with its Retry-After), 5xx, timeouts,
 * resets and truncated bodies are TRANSIENT, an oversized body is REJECTED. Plain Java: no NiFi types.
 */
public final class HttpEngineClient implements AutoCloseable {

    private final HttpClient client;
    private final EngineProtocol protocol;
    private final ResilientCaller caller;
    private final URI baseUrl;
    private final Duration readTimeout;
    private final long maxResponseBytes;

    public HttpEngineClient(final URI baseUrl, final EngineProtocol protocol, final ResilientCaller caller, final Duration connectTimeout,
                            final Duration readTimeout, final long maxResponseBytes, final SSLContext sslContext) {
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
    }

    public ResilientCaller caller() {
        return caller;
    }

    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations, final CallStats stats) throws RoutingException {
        return caller.call(() -> requestOnce(sources, destinations), stats);
    }

    private MatrixResult requestOnce(final CoordinateBlock sources, final CoordinateBlock destinations) throws RoutingException {
        final HttpRequest request = protocol.matrixRequest(baseUrl, sources, destinations)
                .timeout(readTimeout)
                .header("User-Agent", "nifi-routing")
                .header("Accept", "application/json")
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
        try (InputStream body = new BoundedInputStream(response.body(), maxResponseBytes)) {
            if (status == 429) {
                final Optional<Duration> retryAfter = response.headers().firstValue("Retry-After").flatMap(HttpEngineClient::parseRetryAfter);
                throw new RoutingException(RoutingException.Kind.RATE_LIMITED, "HTTP 429 Too Many Requests from " + baseUrl
                        + retryAfter.map(d -> ", Retry-After " + d.toSeconds() + " s").orElse(""), retryAfter.orElse(null), null);
            }
            if (status >= 500) {
                throw new RoutingException(RoutingException.Kind.TRANSIENT, "HTTP " + status + " from " + baseUrl);
            }
            return protocol.readMatrix(status, body, sources.size(), destinations.size());
        } catch (final ResponseTooLargeException e) {
            throw new RoutingException(RoutingException.Kind.REJECTED, e.getMessage() + " from " + baseUrl, null, e);
        } catch (final IOException e) {
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "response from " + baseUrl + " broken off: " + e, null, e);
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
                final Duration until = Duration.between(ZonedDateTime.now(when.getZone()), when);
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (final DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
