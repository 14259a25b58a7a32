package io.github.nifirouting.testsupport;

import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import org.apache.nifi.controller.AbstractControllerService;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic in-process engine for processor tests: durations from {@link FakeOsrmServer#durationSeconds},
 * points whose id starts with {@code island} reachable only from each other, snap distance = the point's
 * longitude fraction digits when {@link #reportSnaps} is set, configurable limits and scripted failures.
 */
public class HaversineTestEngine extends AbstractControllerService implements RoutingEngineService {

    private volatile MatrixLimits limits = MatrixLimits.UNLIMITED;
    private final Deque<RoutingException> scriptedFailures = new ArrayDeque<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong cells = new java.util.concurrent.atomic.AtomicLong();
    private volatile double snapMeters = Double.NaN;

    public HaversineTestEngine limits(final MatrixLimits matrixLimits) {
        this.limits = matrixLimits;
        return this;
    }

    /** Every point reports this snap distance (NaN: unknown). */
    public HaversineTestEngine snapMeters(final double meters) {
        this.snapMeters = meters;
        return this;
    }

    private static final RoutingException ANSWER = new RoutingException(RoutingException.Kind.TRANSIENT, "not thrown: answer normally");

    /** The next call answers normally (to script a failure after some successes). */
    public synchronized HaversineTestEngine answerNext() {
        scriptedFailures.add(ANSWER);
        return this;
    }

    /** The next calls throw these, in order. */
    public synchronized HaversineTestEngine failNext(final RoutingException... failures) {
        for (final RoutingException failure : failures) {
            scriptedFailures.add(failure);
        }
        return this;
    }

    public int calls() {
        return calls.get();
    }

    /** Origin x destination pairs asked of this engine so far. */
    public long cellsRequested() {
        return cells.get();
    }

    @Override
    public String getEngineName() {
        return "haversine-test";
    }

    @Override
    public String getProfile() {
        return "car";
    }

    @Override
    public MatrixLimits getMatrixLimits() {
        return limits;
    }

    @Override
    public MatrixResult computeMatrix(final CoordinateBlock sources, final CoordinateBlock destinations) throws RoutingException {
        calls.incrementAndGet();
        cells.addAndGet((long) sources.size() * destinations.size());
        synchronized (this) {
            if (!scriptedFailures.isEmpty()) {
                final RoutingException next = scriptedFailures.poll();
                if (next != ANSWER) {
                    throw next;
                }
            }
        }
        if (!limits.fits(sources.size(), destinations.size())) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "TooBig: " + sources.size() + " x " + destinations.size());
        }
        final int rows = sources.size();
        final int columns = destinations.size();
        final double[] durations = new double[rows * columns];
        final double[] distances = new double[rows * columns];
        for (int r = 0; r < rows; r++) {
            final boolean originOnIsland = sources.id(r).startsWith("island");
            for (int c = 0; c < columns; c++) {
                final int cell = r * columns + c;
                if (originOnIsland != destinations.id(c).startsWith("island")) {
                    durations[cell] = Double.NaN;
                    distances[cell] = Double.NaN;
                } else {
                    durations[cell] = FakeOsrmServer.durationSeconds(sources.latitude(r), sources.longitude(r), destinations.latitude(c), destinations.longitude(c));
                    distances[cell] = FakeOsrmServer.distanceMeters(sources.latitude(r), sources.longitude(r), destinations.latitude(c), destinations.longitude(c));
                }
            }
        }
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        java.util.Arrays.fill(sourceSnaps, snapMeters);
        java.util.Arrays.fill(destinationSnaps, snapMeters);
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
    }
}
