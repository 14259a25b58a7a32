package io.github.nifirouting.engine;

/**
 * What it took to answer one or more engine calls: requests sent (including retries), retries, wall time spent, and the
 * part of it spent in engine exchanges (the rest is backoff, Retry-After and rate-limit waiting). A processor passes one
 * per FlowFile and writes the totals as attributes. Not thread safe: one per task.
 */
public final class CallStats {

    private long requests;
    private long retries;
    private long nanos;
    private long engineNanos;
    private long answeredRequests;
    private long answeredPairs;
    private boolean cacheUsed;
    private long cacheHits;
    private long cacheMisses;

    public void recordRequest() {
        requests++;
    }

    public void recordRetry() {
        retries++;
    }

    /** Wall time of a call, waits included. */
    public void addNanos(final long elapsed) {
        nanos += elapsed;
    }

    /** Time of one request/response exchange with the engine (sending, computing, reading the answer). */
    public void addEngineNanos(final long elapsed) {
        engineNanos += elapsed;
    }

    /** A request the engine answered with a matrix of {@code pairs} cells. */
    public void recordAnswer(final long pairs) {
        answeredRequests++;
        answeredPairs += pairs;
    }

    /** Pairs a result cache had and did not have for this call. */
    public void recordCache(final long hits, final long misses) {
        cacheUsed = true;
        cacheHits += hits;
        cacheMisses += misses;
    }

    /** Whether a result cache was asked. */
    public boolean cacheUsed() {
        return cacheUsed;
    }

    public long cacheHits() {
        return cacheHits;
    }

    public long cacheMisses() {
        return cacheMisses;
    }

    /** Requests answered with a matrix. */
    public long answeredRequests() {
        return answeredRequests;
    }

    /** Matrix cells in all answered requests. */
    public long answeredPairs() {
        return answeredPairs;
    }

    public long requests() {
        return requests;
    }

    public long retries() {
        return retries;
    }

    /** Wall time of the calls in milliseconds, including backoff, Retry-After and rate-limit waits. */
    public long millis() {
        return nanos / 1_000_000;
    }

    /**
     * Milliseconds spent in engine exchanges only. Engines that do not measure exchanges separately (embedded ones) report
     * the wall time, which for them is the same thing.
     */
    public long engineMillis() {
        return (engineNanos > 0 ? engineNanos : nanos) / 1_000_000;
    }

    /** Milliseconds spent waiting rather than exchanging: backoff between retries, Retry-After, rate limiting. */
    public long waitMillis() {
        return engineNanos > 0 ? Math.max(0, (nanos - engineNanos) / 1_000_000) : 0;
    }
}
