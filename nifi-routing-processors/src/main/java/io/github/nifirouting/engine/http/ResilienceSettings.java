package io.github.nifirouting.engine.http;

import java.time.Duration;

/**
 * How an engine client retries, breaks the circuit and limits its rate.
 *
 * @param maxRetries             retries after the first attempt for transient failures
 * @param initialBackoff         base of the exponential backoff; attempt n waits a random time in [0, min(maxBackoff, initial * 2^(n-1))]
 * @param maxBackoff             cap of the backoff
 * @param maxRetryAfter          longest Retry-After honoured in-task; a longer one ends the call at once, and until it has passed
 *                               every call of the service fails as UNAVAILABLE without contacting the engine
 * @param failureRateThreshold   percentage of failed calls in the sliding window that opens the circuit
 * @param slidingWindowSize      calls in the circuit breaker's window
 * @param minimumCalls           calls before the failure rate is computed
 * @param openDuration           how long the circuit stays open before half-open probing
 * @param halfOpenCalls          probe calls in the half-open state that decide whether the circuit closes
 * @param requestsPerPeriod      permits per period (0: unlimited)
 * @param period                 the rate limiter's period
 * @param rateLimitUnit          what one permit stands for
 * @param maxRateLimitWait       longest a call waits for permits before failing as RATE_LIMITED
 */
public record ResilienceSettings(int maxRetries, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter,
                                 float failureRateThreshold, int slidingWindowSize, int minimumCalls, Duration openDuration,
                                 int halfOpenCalls, int requestsPerPeriod, Duration period, RateLimitUnit rateLimitUnit,
                                 Duration maxRateLimitWait) {
}
