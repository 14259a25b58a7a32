package io.github.nifirouting.engine.graphhopper;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** For the engine benchmarks: runs tasks at once while sampling the live heap, the figure "live heap per task". */
final class ConcurrentTasks {

    interface Task {
        void run(int task) throws Exception;
    }

    /** {@code samples}: live-heap samples taken while the tasks ran (none: the run was shorter than the sampling period). */
    record Result(double seconds, double heapPerTask, int samples) {
    }

    private ConcurrentTasks() {
    }

    /** Heap in use right after a full collection: live data. */
    static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Runs {@code tasks} tasks at once (ids 0..tasks-1) while sampling {@link #liveHeap()} every {@code sampleMillis};
     * the heap per task is the peak sample beyond {@code graphHeap}, divided by the tasks.
     */
    static Result run(final int tasks, final long sampleMillis, final long graphHeap, final Task task) throws Exception {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong peak = new AtomicLong(graphHeap);
        final java.util.concurrent.atomic.AtomicInteger samples = new java.util.concurrent.atomic.AtomicInteger();
        final Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (running.get()) {
                try {
                    Thread.sleep(sampleMillis);
                } catch (final InterruptedException e) {
                    return;
                }
                if (running.get()) {
                    peak.accumulateAndGet(liveHeap(), Math::max);
                    samples.incrementAndGet();
                }
            }
        });
        final ExecutorService pool = Executors.newFixedThreadPool(tasks);
        final long start = System.nanoTime();
        final List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            final int id = t;
            futures.add(pool.submit(() -> {
                task.run(id);
                return null;
            }));
        }
        try {
            for (final Future<?> future : futures) {
                future.get();
            }
        } finally {
            // A failed task (e.g. out of memory) must not leave the other one keeping the JVM alive.
            pool.shutdownNow();
            running.set(false);
            sampler.interrupt();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        sampler.join();
        return new Result(seconds, (double) (peak.get() - graphHeap) / tasks, samples.get());
    }
}
