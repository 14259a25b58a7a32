package io.github.nifirouting.matrix;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads on which {@link TileRequests} sends a tile's next request while the current answer's rows are written: one
 * per concurrent task, since a task has at most one request ahead. Platform threads, so an engine that keeps per-thread
 * search memory (the embedded one) keeps a bounded number of them. Outlives one onTrigger: made when the processor is
 * scheduled and closed when it stops.
 */
public final class RequestsAhead implements AutoCloseable {

    private final ExecutorService threads;

    private RequestsAhead(final ExecutorService threads) {
        this.threads = threads;
    }

    /** {@code tasks} threads named after {@code owner} (a processor's name and id, for thread dumps). */
    public static RequestsAhead start(final int tasks, final String owner) {
        final AtomicInteger number = new AtomicInteger();
        return new RequestsAhead(Executors.newFixedThreadPool(Math.max(1, tasks), runnable -> {
            final Thread thread = new Thread(runnable, owner + " request ahead " + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }));
    }

    java.util.concurrent.Executor executor() {
        return threads;
    }

    /** Lets requests in progress finish (each is bounded by the engine's own timeouts), then ends the threads. */
    @Override
    public void close() throws InterruptedException {
        threads.shutdown();
        if (!threads.awaitTermination(2, TimeUnit.MINUTES)) {
            threads.shutdownNow();
        }
    }
}
