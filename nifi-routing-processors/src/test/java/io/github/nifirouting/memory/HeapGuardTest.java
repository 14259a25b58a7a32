package io.github.nifirouting.memory;

import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapGuardTest {

    /** A heap whose figures the test sets; a requested collection sets the after-GC figure to the live data. */
    private static final class SimulatedHeap implements HeapGuard.Heap {
        double afterGc;
        double inUse;
        double live;
        long fullCollections;
        int requests;
        boolean explicitGcDisabled;

        @Override
        public double fractionAfterGc() {
            return afterGc;
        }

        @Override
        public double fractionInUse() {
            return inUse;
        }

        @Override
        public long fullCollections() {
            return fullCollections;
        }

        @Override
        public void requestCollection() {
            requests++;
            if (explicitGcDisabled) {
                return;
            }
            fullCollections++;
            afterGc = live;
            inUse = live;
        }
    }

    private final SimulatedHeap heap = new SimulatedHeap();
    private long now = 1_000_000_000L;
    private final HeapGuard guard = new HeapGuard(heap, () -> now, Duration.ofSeconds(5));
    private final AtomicInteger yields = new AtomicInteger();
    private final ProcessContext context = proxy(ProcessContext.class);
    private final ProcessSession session = proxy(ProcessSession.class);
    private final ComponentLog logger = proxy(ComponentLog.class);

    private <T> T proxy(final Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, method, args) -> {
            if (method.getName().equals("yield")) {
                yields.incrementAndGet();
            }
            return method.getReturnType() == boolean.class ? false : null;
        }));
    }

    /** The stall: the after-GC figure was taken while two tiles were live; the processor idles, nothing collects. */
    private HeapGuard.Gate closedOnStaleFigure() {
        heap.afterGc = 0.90;
        heap.inUse = 0.88; // garbage still in the heap keeps the in-use figure above the resume threshold
        heap.live = 0.20;
        final HeapGuard.Gate gate = guard.gate(0.85, 0.75);
        assertFalse(gate.admit(context, session, logger));
        return gate;
    }

    @Test
    void pausedGateRequestsOneCollectionWhenTheFigureIsStaleAndOpens() {
        final HeapGuard.Gate gate = closedOnStaleFigure();
        now += Duration.ofSeconds(4).toNanos();
        assertFalse(gate.admit(context, session, logger), "within the interval the guard waits for a collection");
        assertEquals(0, heap.requests);
        now += Duration.ofSeconds(1).toNanos();
        assertTrue(gate.admit(context, session, logger), "after the requested collection the live data is 20%");
        assertEquals(1, heap.requests);
        assertEquals(2, yields.get());
    }

    @Test
    void aCollectionByTheJvmRestartsTheWaitInsteadOfRequestingOne() {
        final HeapGuard.Gate gate = closedOnStaleFigure();
        now += Duration.ofSeconds(4).toNanos();
        heap.fullCollections++; // the JVM collected on its own, live data still high
        heap.afterGc = 0.86;
        assertFalse(gate.admit(context, session, logger));
        now += Duration.ofSeconds(4).toNanos();
        assertFalse(gate.admit(context, session, logger), "the figure is 4 s old: no request");
        assertEquals(0, heap.requests);
    }

    @Test
    void staysClosedWhileLiveDataIsReallyHighAndRequestsAtMostOncePerInterval() {
        final HeapGuard.Gate gate = closedOnStaleFigure();
        heap.live = 0.88;
        for (int second = 1; second <= 20; second++) {
            now += Duration.ofSeconds(1).toNanos();
            assertFalse(gate.admit(context, session, logger), "live data 88% keeps the gate closed, second " + second);
        }
        assertEquals(4, heap.requests, "one request per 5 s, not one per yield");
        assertTrue(gate.isPaused());
    }

    @Test
    void underDisableExplicitGcGatesKeepWaitingWithAtMostOneRequestPerIntervalForAllGates() {
        heap.explicitGcDisabled = true;
        final HeapGuard.Gate first = closedOnStaleFigure();
        final HeapGuard.Gate second = guard.gate(0.85, 0.75);
        assertFalse(second.admit(context, session, logger));
        for (int second5 = 1; second5 <= 3; second5++) {
            now += Duration.ofSeconds(5).toNanos();
            assertFalse(first.admit(context, session, logger));
            assertFalse(second.admit(context, session, logger), "the other gate's request is within the interval");
        }
        assertEquals(3, heap.requests);
    }

    @Test
    void heapInUseBelowTheResumeThresholdOpensWithoutACollection() {
        final HeapGuard.Gate gate = closedOnStaleFigure();
        heap.inUse = 0.70; // nothing live lies outside the heap in use
        assertTrue(gate.admit(context, session, logger));
        assertEquals(0, heap.requests);
    }

    @Test
    void measuresLiveHeapAfterCollection() {
        byte[][] ballast = new byte[32][];
        for (int i = 0; i < ballast.length; i++) {
            ballast[i] = new byte[1 << 20];
        }
        System.gc();
        final double withBallast = HeapGuard.shared().heapFractionAfterGc();
        final double ballastFraction = 32.0 * (1 << 20) / Runtime.getRuntime().maxMemory();
        assertTrue(withBallast >= ballastFraction * 0.9, "after GC the 32 MB held must be counted: " + withBallast + " vs " + ballastFraction);
        assertTrue(withBallast <= 1.0);
        ballast = null;
        System.gc();
        final double without = HeapGuard.shared().heapFractionAfterGc();
        assertTrue(without < withBallast, "released memory must not count after GC: " + without + " vs " + withBallast
                + " (" + ManagementFactory.getRuntimeMXBean().getInputArguments() + ")");
    }

    @Test
    void countsFullCollectionsOfThisJvm() {
        final HeapGuard.JvmHeap jvm = new HeapGuard.JvmHeap();
        final long before = jvm.fullCollections();
        jvm.requestCollection();
        assertTrue(jvm.fullCollections() > before, "System.gc() is a full collection (" + ManagementFactory.getRuntimeMXBean().getInputArguments() + ")");
    }
}
