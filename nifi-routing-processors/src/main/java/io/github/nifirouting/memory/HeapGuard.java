package io.github.nifirouting.memory;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.util.StandardValidators;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Stops processors from taking new work while the JVM heap is nearly full, so NiFi's back-pressure holds the
 * data upstream instead of the worker dying with an OutOfMemoryError. The signal is heap in use <em>after</em>
 * the last garbage collection (live data, not garbage waiting to be collected) as a fraction of the maximum heap.
 * <p>
 * Each processor holds a {@link Gate} with its own watermarks: it closes when the fraction reaches the pause
 * threshold and opens again only below the lower resume threshold (hysteresis, so it does not flap). While closed,
 * the processor yields before taking a FlowFile: work in flight finishes and is committed, queued FlowFiles stay
 * queued.
 */
public final class HeapGuard {

    public static final PropertyDescriptor PAUSE_THRESHOLD = new PropertyDescriptor.Builder()
            .name("Heap Pause Threshold")
            .description("Stop taking new FlowFiles while the JVM heap in use after garbage collection is at or above this percentage of "
                    + "the maximum heap; queued FlowFiles stay queued (back-pressure) and a warning bulletin is raised. 100 disables the guard.")
            .required(true)
            .defaultValue("85")
            .addValidator(StandardValidators.createLongValidator(1, 100, true))
            .build();

    public static final PropertyDescriptor RESUME_THRESHOLD = new PropertyDescriptor.Builder()
            .name("Heap Resume Threshold")
            .description("Take new FlowFiles again once the heap in use after garbage collection is below this percentage. Must be "
                    + "lower than the pause threshold.")
            .required(true)
            .defaultValue("75")
            .addValidator(StandardValidators.createLongValidator(1, 100, true))
            .build();

    public static final List<PropertyDescriptor> PROPERTIES = List.of(PAUSE_THRESHOLD, RESUME_THRESHOLD);

    /** Counter incremented each time a processor yields because of heap pressure. */
    public static final String YIELD_COUNTER = "Yields on heap pressure";

    /**
     * How long a closed gate waits for a collection that refreshes the after-GC figure before it requests one. The
     * figure of the old generation only changes when that generation is collected; a paused processor allocates
     * nothing, so without a request the gate could wait on a figure measured while the last tiles were still live.
     */
    public static final Duration STALE_AFTER = Duration.ofSeconds(5);

    /** What the guard reads from, and asks of, the heap: the running JVM's in production, a simulated one in tests. */
    public interface Heap {
        /** Heap in use right after the last collection of each heap pool, over the maximum heap (may be stale). */
        double fractionAfterGc();

        /** Heap in use now, garbage included, over the maximum heap: an upper bound of the live data. */
        double fractionInUse();

        /** How many collections so far refreshed the after-GC usage of every heap pool (full collections). */
        long fullCollections();

        /** Asks for a full collection; a no-op under {@code -XX:+DisableExplicitGC}. */
        void requestCollection();
    }

    private static final HeapGuard SHARED = new HeapGuard(new JvmHeap(), System::nanoTime, STALE_AFTER);

    private final Heap heap;
    private final LongSupplier nanoClock;
    private final long staleAfterNanos;
    /** JVM-wide rate limit of collection requests, over all gates of this guard. */
    private long lastRequestNanos;
    private boolean requested;

    public HeapGuard(final Heap heap, final LongSupplier nanoClock, final Duration staleAfter) {
        this.heap = heap;
        this.nanoClock = nanoClock;
        this.staleAfterNanos = staleAfter.toNanos();
    }

    /** A guard reading one figure only, never requesting collections (tests of processors). */
    public HeapGuard(final DoubleSupplier heapFraction) {
        this(new Heap() {
            @Override
            public double fractionAfterGc() {
                return heapFraction.getAsDouble();
            }

            @Override
            public double fractionInUse() {
                return 1.0;
            }

            @Override
            public long fullCollections() {
                return 0;
            }

            @Override
            public void requestCollection() {
            }
        }, System::nanoTime, STALE_AFTER);
    }

    /** The JVM-wide guard. */
    public static HeapGuard shared() {
        return SHARED;
    }

    /**
     * Live data as a fraction of the maximum heap: the after-GC figure, or the heap in use now when that is lower
     * (nothing live can be outside the heap in use, so a stale after-GC figure above it is known to be too high).
     */
    public double heapFractionAfterGc() {
        return Math.min(heap.fractionAfterGc(), heap.fractionInUse());
    }

    /**
     * Requests one full collection if the after-GC figure is older than {@link #STALE_AFTER} for a closed gate and no
     * request was made within that interval by any gate. Returns whether it requested.
     */
    private boolean refreshIfStale(final Gate gate, final long now) {
        final long collections = heap.fullCollections();
        synchronized (this) {
            if (collections != gate.collectionsSeen) { // a full collection refreshed the figure since last looked
                gate.collectionsSeen = collections;
                gate.freshSinceNanos = now;
                return false;
            }
            if (now - gate.freshSinceNanos < staleAfterNanos || requested && now - lastRequestNanos < staleAfterNanos) {
                return false;
            }
            requested = true;
            lastRequestNanos = now;
            gate.freshSinceNanos = now;
        }
        heap.requestCollection();
        gate.collectionsSeen = heap.fullCollections(); // the requested collection is not news next time
        return true;
    }

    public Gate gate(final double pauseFraction, final double resumeFraction) {
        return new Gate(pauseFraction, resumeFraction);
    }

    /** A gate configured from {@link #PROPERTIES}. */
    public Gate gate(final PropertyContext context) {
        return gate(context.getProperty(PAUSE_THRESHOLD).asLong() / 100.0, context.getProperty(RESUME_THRESHOLD).asLong() / 100.0);
    }

    public static Collection<ValidationResult> validate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final Long pause = context.getProperty(PAUSE_THRESHOLD).asLong();
        final Long resume = context.getProperty(RESUME_THRESHOLD).asLong();
        if (pause != null && resume != null && resume >= pause) {
            results.add(new ValidationResult.Builder().subject(RESUME_THRESHOLD.getDisplayName()).valid(false)
                    .explanation("must be lower than " + PAUSE_THRESHOLD.getDisplayName() + " (" + pause + ")").build());
        }
        return results;
    }

    /** The running JVM's heap pools and collectors. */
    static final class JvmHeap implements Heap {
        private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()).toList();
        /**
         * Collectors that collect every heap pool: SerialGC's MarkSweepCompact, Parallel's PS MarkSweep, G1's G1 Old
         * Generation. G1's young collector lists the old generation among its pools but refreshes its after-GC usage
         * only in mixed collections, so it does not count (a mixed collection then costs at most one extra request).
         */
        private final List<GarbageCollectorMXBean> fullCollectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(collector -> !collector.getName().contains("Young"))
                .filter(collector -> List.of(collector.getMemoryPoolNames()).containsAll(pools.stream().map(MemoryPoolMXBean::getName).toList()))
                .toList();

        @Override
        public double fractionAfterGc() {
            long used = 0;
            for (final MemoryPoolMXBean pool : pools) {
                final MemoryUsage afterGc = pool.getCollectionUsage();
                if (afterGc != null) {
                    used += afterGc.getUsed();
                }
            }
            return used / (double) Runtime.getRuntime().maxMemory();
        }

        @Override
        public double fractionInUse() {
            long used = 0;
            for (final MemoryPoolMXBean pool : pools) {
                used += pool.getUsage().getUsed();
            }
            return used / (double) Runtime.getRuntime().maxMemory();
        }

        @Override
        public long fullCollections() {
            long count = 0;
            for (final GarbageCollectorMXBean collector : fullCollectors) {
                count += Math.max(0, collector.getCollectionCount());
            }
            return count;
        }

        @Override
        @SuppressWarnings("java:S1215") // the one deliberate, rate-limited explicit collection, see STALE_AFTER
        public void requestCollection() {
            System.gc();
        }
    }

    /** One processor's view of the guard, with hysteresis. Thread safe. */
    public final class Gate {
        private final double pauseFraction;
        private final double resumeFraction;
        private boolean paused;
        /** Full collections counted while closed and since when the figure is known fresh (see refreshIfStale). */
        private volatile long collectionsSeen = -1;
        private volatile long freshSinceNanos;

        private Gate(final double pauseFraction, final double resumeFraction) {
            this.pauseFraction = pauseFraction;
            this.resumeFraction = resumeFraction;
        }

        /**
         * Whether the processor may take new work now. When not, it yields the processor, counts it and, on the
         * transition, raises a warning bulletin; the caller simply returns.
         */
        public boolean admit(final ProcessContext context, final ProcessSession session, final ComponentLog logger) {
            if (pauseFraction >= 1.0) {
                return true;
            }
            final boolean wasPaused = isPaused();
            double fraction = heapFractionAfterGc();
            boolean admit = update(fraction);
            if (!admit && refreshIfStale(this, nanoClock.getAsLong())) {
                fraction = heapFractionAfterGc(); // re-measured after the requested collection
                admit = update(fraction);
            }
            final boolean changed = wasPaused == admit;
            if (changed && !admit) {
                logger.warn("Heap in use after GC is {}% of the maximum (pause threshold {}%): not taking new FlowFiles until it falls below {}%",
                        Math.round(fraction * 100), Math.round(pauseFraction * 100), Math.round(resumeFraction * 100));
            } else if (changed) {
                logger.info("Heap in use after GC is down to {}%: taking FlowFiles again", Math.round(fraction * 100));
            }
            if (!admit) {
                session.adjustCounter(YIELD_COUNTER, 1, true);
                context.yield();
            }
            return admit;
        }

        /** Applies the watermarks to one measurement; returns whether the gate is open. */
        private synchronized boolean update(final double fraction) {
            if (!paused && fraction >= pauseFraction) {
                paused = true;
                collectionsSeen = -1; // the figure's age counts from this closing
            } else if (paused && fraction < resumeFraction) {
                paused = false;
            }
            return !paused;
        }

        public synchronized boolean isPaused() {
            return paused;
        }
    }
}
