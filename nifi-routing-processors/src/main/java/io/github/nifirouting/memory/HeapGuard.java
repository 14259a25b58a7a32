package io.github.nifirouting.memory;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.context.PropertyContext;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.util.StandardValidators;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.DoubleSupplier;

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

    private static final HeapGuard SHARED = new HeapGuard(HeapGuard::measureHeapFractionAfterGc);

    private final DoubleSupplier heapFraction;

    public HeapGuard(final DoubleSupplier heapFraction) {
        this.heapFraction = heapFraction;
    }

    /** The JVM-wide guard. */
    public static HeapGuard shared() {
        return SHARED;
    }

    public double heapFractionAfterGc() {
        return heapFraction.getAsDouble();
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

    /** Sum over heap pools of the usage measured right after their last collection, over the maximum heap. */
    static double measureHeapFractionAfterGc() {
        long used = 0;
        for (final MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()) {
                final MemoryUsage afterGc = pool.getCollectionUsage();
                if (afterGc != null) {
                    used += afterGc.getUsed();
                }
            }
        }
        return used / (double) Runtime.getRuntime().maxMemory();
    }

    /** One processor's view of the guard, with hysteresis. Thread safe. */
    public final class Gate {
        private final double pauseFraction;
        private final double resumeFraction;
        private boolean paused;

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
            final double fraction = heapFractionAfterGc();
            final boolean changed;
            final boolean admit;
            synchronized (this) {
                final boolean wasPaused = paused;
                if (!paused && fraction >= pauseFraction) {
                    paused = true;
                } else if (paused && fraction < resumeFraction) {
                    paused = false;
                }
                changed = wasPaused != paused;
                admit = !paused;
            }
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

        public synchronized boolean isPaused() {
            return paused;
        }
    }
}
