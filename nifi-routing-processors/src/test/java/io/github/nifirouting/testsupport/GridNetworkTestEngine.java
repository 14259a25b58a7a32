package io.github.nifirouting.testsupport;

import io.github.nifirouting.engine.RoutingEngineService;
import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixLimits;
import io.github.nifirouting.model.MatrixResult;
import io.github.nifirouting.model.ReachableNodes;
import org.apache.nifi.controller.AbstractControllerService;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic in-process engine on the {@link GridNetwork}: matrices and reachable roads, points farther than
 * {@link #MAX_SNAP_METERS} from a street off the network (like the embedded engine), configurable limits and scripted
 * failures (for matrix and reachability calls alike).
 */
public class GridNetworkTestEngine extends AbstractControllerService implements RoutingEngineService {

    public static final double MAX_SNAP_METERS = 1000;

    private volatile MatrixLimits limits = MatrixLimits.UNLIMITED;
    private final Deque<RoutingException> scriptedFailures = new ArrayDeque<>();
    private final AtomicInteger calls = new AtomicInteger();

    public GridNetworkTestEngine limits(final MatrixLimits matrixLimits) {
        this.limits = matrixLimits;
        return this;
    }

    /** The next calls throw these, in order. */
    public synchronized GridNetworkTestEngine failNext(final RoutingException... failures) {
        for (final RoutingException failure : failures) {
            scriptedFailures.add(failure);
        }
        return this;
    }

    public int calls() {
        return calls.get();
    }

    private void call() throws RoutingException {
        calls.incrementAndGet();
        final RoutingException next;
        synchronized (this) {
            next = scriptedFailures.poll();
        }
        if (next != null) {
            throw next;
        }
    }

    @Override
    public String getEngineName() {
        return "grid-test";
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
        call();
        if (!limits.fits(sources.size(), destinations.size())) {
            throw new RoutingException(RoutingException.Kind.REJECTED, "TooBig: " + sources.size() + " x " + destinations.size());
        }
        return matrix(sources, destinations, MAX_SNAP_METERS);
    }

    /** The matrix on the grid, snapping no farther than {@code maxSnapMeters}; NaN where unroutable. */
    public static MatrixResult matrix(final CoordinateBlock sources, final CoordinateBlock destinations, final double maxSnapMeters) {
        final int rows = sources.size();
        final int columns = destinations.size();
        final GridNetwork.Snap[] targets = new GridNetwork.Snap[columns];
        final double[] destinationSnaps = MatrixResult.nanArray(columns);
        for (int c = 0; c < columns; c++) {
            targets[c] = GridNetwork.snap(destinations.latitude(c), destinations.longitude(c), maxSnapMeters);
            destinationSnaps[c] = targets[c] == null ? Double.NaN : targets[c].distanceMeters();
        }
        final double[] durations = MatrixResult.nanArray(rows * columns);
        final double[] distances = MatrixResult.nanArray(rows * columns);
        final double[] sourceSnaps = MatrixResult.nanArray(rows);
        for (int r = 0; r < rows; r++) {
            final GridNetwork.Snap from = GridNetwork.snap(sources.latitude(r), sources.longitude(r), maxSnapMeters);
            if (from == null) {
                continue;
            }
            sourceSnaps[r] = from.distanceMeters();
            final GridNetwork.Tree tree = GridNetwork.tree(from);
            for (int c = 0; c < columns; c++) {
                if (targets[c] != null) {
                    final double[] to = GridNetwork.to(tree, targets[c]);
                    durations[r * columns + c] = to[0];
                    distances[r * columns + c] = to[1];
                }
            }
        }
        return new MatrixResult(rows, columns, durations, distances, sourceSnaps, destinationSnaps);
    }

    @Override
    public boolean supportsReachability() {
        return true;
    }

    @Override
    public ReachableNodes computeReachable(final double latitude, final double longitude, final double maxSeconds) throws RoutingException {
        call();
        final GridNetwork.Snap from = GridNetwork.snap(latitude, longitude, MAX_SNAP_METERS);
        if (from == null) {
            return new ReachableNodes(new double[0], new double[0], new double[0], 0);
        }
        return GridNetwork.reachable(GridNetwork.tree(from), maxSeconds);
    }
}
