package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.CallStats;
import io.github.nifirouting.engine.RoutingException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs engine calls through Resilience4j: a retry with exponential backoff and full jitter (honouring Retry-After)
 * around a circuit breaker around a rate limiter. One instance per engine service, shared by every processor and
 * concurrent task using it, so the rate limit, the circuit state and the engine's Retry-After are per engine, not per
 * task.
 * <p>
 * Only {@link RoutingException.Kind#TRANSIENT} failures count toward opening the circuit: a 429 is the engine asking us
 * to slow down (the rate limiter's and the Retry-After gate's job) and a rejection is our request's fault, so both count
 * as calls the engine answered. A Retry-After is a statement about the client, not one request: it closes a gate that
 * every task of the service waits at (up to {@link ResilienceSettings#maxRetryAfter()}); beyond that, calls fail at once
 * as UNAVAILABLE without contacting the engine, so processors yield and leave their work queued.
 */
public final class ResilientCaller {

    private final ResilienceSettings settings;
    private final Retry retry;
    private final CircuitBreaker circuitBreaker;
    private final RateLimiter rateLimiter;
    /** System.nanoTime() before which the engine asked not to be called; Long.MIN_VALUE when open. */
    private final AtomicLong gateNanos = new AtomicLong(Long.MIN_VALUE);

    public ResilientCaller(final String name, final ResilienceSettings settings) {
        this.settings = settings;
        this.retry = Retry.of(name, RetryConfig.<Object>custom()
                .maxAttempts(settings.maxRetries() + 1)
                .retryOnException(this::isRetryable)
                .intervalBiFunction((attempt, outcome) -> waitMillis(attempt, outcome.isLeft() ? outcome.getLeft() : null))
                .failAfterMaxAttempts(false)
                .build());
        this.circuitBreaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.slidingWindowSize())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRateThreshold())
                .waitDurationInOpenState(settings.openDuration())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(e -> e instanceof RoutingException routing && routing.kind() == RoutingException.Kind.TRANSIENT)
                // Calls stopped at the Retry-After gate never reached the engine: they say nothing about its health.
                .ignoreException(e -> e instanceof RoutingException routing && routing.kind() == RoutingException.Kind.UNAVAILABLE)
                .build());
        this.rateLimiter = settings.requestsPerPeriod() <= 0 ? null : RateLimiter.of(name, RateLimiterConfig.custom()
                .limitForPeriod(settings.requestsPerPeriod())
                .limitRefreshPeriod(settings.period())
                .timeoutDuration(settings.maxRateLimitWait())
                // A 429 means the engine's own meter is ahead of ours: give up the rest of this period's permits.
                .drainPermissionsOnResult(outcome -> outcome.isLeft() && outcome.getLeft() instanceof RoutingException routing
                        && routing.kind() == RoutingException.Kind.RATE_LIMITED)
                .build());
    }

    public ResilienceSettings settings() {
        return settings;
    }

    public CircuitBreaker.State circuitState() {
        return circuitBreaker.getState();
    }

    public CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    /** Runs {@code call} taking one rate-limit permit per attempt. */
    public <T> T call(final CheckedSupplier<T> call, final CallStats stats) throws RoutingException {
        return call(call, 1, stats);
    }

    /**
     * Runs {@code call} with retries, circuit breaking, the Retry-After gate and rate limiting ({@code permits} per
     * attempt), recording every attempt into {@code stats}.
     */
    public <T> T call(final CheckedSupplier<T> call, final int permits, final CallStats stats) throws RoutingException {
        final long start = System.nanoTime();
        final int[] attempts = {0};
        CheckedSupplier<T> attempt = () -> {
            if (attempts[0]++ > 0) {
                stats.recordRetry();
            }
            stats.recordRequest();
            return call.get();
        };
        if (rateLimiter != null) {
            attempt = RateLimiter.decorateCheckedSupplier(rateLimiter, permits, attempt);
        }
        attempt = gated(attempt);
        attempt = CircuitBreaker.decorateCheckedSupplier(circuitBreaker, attempt);
        attempt = Retry.decorateCheckedSupplier(retry, attempt);
        try {
            return attempt.get();
        } catch (final RoutingException e) {
            throw e;
        } catch (final CallNotPermittedException e) {
            throw new RoutingException(RoutingException.Kind.UNAVAILABLE, "circuit breaker open after repeated engine failures: " + e.getMessage(),
                    settings.openDuration(), e);
        } catch (final RequestNotPermitted e) {
            throw new RoutingException(RoutingException.Kind.RATE_LIMITED, "no rate limit permit within " + settings.maxRateLimitWait()
                    + ": " + e.getMessage(), null, e);
        } catch (final Throwable e) {
            throw new RoutingException(RoutingException.Kind.TRANSIENT, "engine call failed: " + e, null, e);
        } finally {
            stats.addNanos(System.nanoTime() - start);
        }
    }

    /** Waits while the engine's Retry-After is within reach, fails at once as UNAVAILABLE beyond, and raises the gate on answers that carry one. */
    private <T> CheckedSupplier<T> gated(final CheckedSupplier<T> attempt) {
        return () -> {
            final long gate = gateNanos.get();
            final long remaining = gate == Long.MIN_VALUE ? 0 : gate - System.nanoTime();
            if (remaining > 0) {
                if (remaining > settings.maxRetryAfter().toNanos()) {
                    throw new RoutingException(RoutingException.Kind.UNAVAILABLE, "the engine asked not to be called for another "
                            + TimeUnit.NANOSECONDS.toSeconds(remaining) + " s (Retry-After)", Duration.ofNanos(remaining), null);
                }
                TimeUnit.NANOSECONDS.sleep(remaining);
            }
            try {
                return attempt.get();
            } catch (final RoutingException e) {
                e.retryAfter().filter(wait -> !wait.isZero()).ifPresent(this::closeGateFor);
                throw e;
            }
        };
    }

    private void closeGateFor(final Duration wait) {
        final long until = System.nanoTime() + wait.toNanos();
        gateNanos.accumulateAndGet(until, (current, proposed) -> current == Long.MIN_VALUE ? proposed : Math.max(current, proposed));
    }

    private boolean isRetryable(final Throwable failure) {
        if (!(failure instanceof RoutingException routing) || !routing.isRetryable() || routing.kind() == RoutingException.Kind.UNAVAILABLE) {
            return false;
        }
        // A Retry-After longer than we may wait in a task: hand the FlowFile back to NiFi (penalized) instead.
        return routing.retryAfter().map(wait -> wait.compareTo(settings.maxRetryAfter()) <= 0).orElse(true);
    }

    /** Full jitter: a uniform wait in [0, min(cap, base * 2^(attempt-1))], or the server's Retry-After if it asked for longer. */
    long waitMillis(final int attempt, final Throwable failure) {
        final long cap = settings.maxBackoff().toMillis();
        final long exponential = Math.min(cap, settings.initialBackoff().toMillis() << Math.min(30, attempt - 1));
        final long jittered = exponential <= 0 ? 0 : ThreadLocalRandom.current().nextLong(exponential + 1);
        if (failure instanceof RoutingException routing && routing.retryAfter().isPresent()) {
            final Duration retryAfter = routing.retryAfter().get();
            return Math.max(jittered, Math.min(retryAfter.toMillis(), settings.maxRetryAfter().toMillis()));
        }
        return jittered;
    }
}
