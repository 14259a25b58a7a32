package io.github.nifirouting.engine;

/**
 * What it took to answer one or more engine calls: requests sent (including retries), retries, and time spent.
 * A processor passes one per FlowFile and writes the totals as attributes. Not thread safe: one per task.
 */
public final class CallStats {

    private long requests;
    private long retries;
    private long nanos;

    public void recordRequest() {
        requests++;
    }

    public void recordRetry() {
        retries++;
    }

    public void addNanos(final long elapsed) {
        nanos += elapsed;
    }

    public long requests() {
        return requests;
    }

    public long retries() {
        return retries;
    }

    public long millis() {
        return nanos / 1_000_000;
    }
}
