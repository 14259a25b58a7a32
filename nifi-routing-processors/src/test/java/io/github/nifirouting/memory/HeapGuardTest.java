package io.github.nifirouting.memory;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapGuardTest {

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
}
