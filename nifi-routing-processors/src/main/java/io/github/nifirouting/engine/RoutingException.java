package io.github.nifirouting.engine;

import java.time.Duration;
import java.util.Optional;

/** A routing request that failed, classified so a processor knows whether to retry, yield or fail. */
public class RoutingException extends Exception {

    /** How a caller should react. */
    public enum Kind {
        /** Timeouts, resets, 5xx: worth retrying later (penalize). */
        TRANSIENT,
        /** 429 or quota: retry after {@link #retryAfter()}, and slow down. */
        RATE_LIMITED,
        /** The engine's circuit breaker is open: yield and leave work queued. */
        UNAVAILABLE,
        /** The engine refused the request for good (bad request, too big, invalid coordinates): do not retry. */
        REJECTED
    }

    private final Kind kind;
    private final Duration retryAfter;

    public RoutingException(final Kind kind, final String message) {
        this(kind, message, null, null);
    }

    public RoutingException(final Kind kind, final String message, final Duration retryAfter, final Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public boolean isRetryable() {
        return kind != Kind.REJECTED;
    }
}
