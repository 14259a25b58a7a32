package io.github.nifirouting.cache;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.processor.util.StandardValidators;

import java.io.IOException;
import java.util.BitSet;

/** Key computation and the lookup/store loops shared by the cache services; subclasses store keys and value pairs. */
public abstract class AbstractMatrixCache extends AbstractControllerService implements MatrixCacheService {

    public static final PropertyDescriptor PRECISION = new PropertyDescriptor.Builder()
            .name("Coordinate Precision")
            .description("Decimals coordinates are rounded to before they become keys: 5 is about 1 m, 4 about 11 m. Points closer than "
                    + "this share cached times.")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.createLongValidator(2, 8, true))
            .build();

    protected volatile int decimals = 5;

    /** Values for {@code keys}: found ones written to {@code durations}/{@code distances} at the same index, flagged in {@code found}. */
    protected abstract void getAll(long[] keys, double[] durations, double[] distances, BitSet found) throws IOException;

    protected abstract void putAll(long[] keys, double[] durations, double[] distances, int count) throws IOException;

    @Override
    public long lookup(final String scope, final CoordinateBlock origins, final CoordinateBlock destinations, final double[] durations,
                       final double[] distances, final BitSet hits) throws IOException {
        final PairKeys keys = new PairKeys(scope, decimals);
        final int columns = destinations.size();
        final long[] pairKeys = new long[Math.multiplyExact(origins.size(), columns)];
        for (int r = 0; r < origins.size(); r++) {
            for (int c = 0; c < columns; c++) {
                pairKeys[r * columns + c] = keys.key(origins.latitude(r), origins.longitude(r), destinations.latitude(c), destinations.longitude(c));
            }
        }
        getAll(pairKeys, durations, distances, hits);
        return hits.cardinality();
    }

    @Override
    public long lookupSnaps(final String scope, final CoordinateBlock points, final boolean asOrigins, final double[] snapMeters,
                            final BitSet found) throws IOException {
        final PairKeys keys = new PairKeys(scope, decimals);
        final long[] pointKeys = new long[points.size()];
        for (int i = 0; i < pointKeys.length; i++) {
            pointKeys[i] = keys.pointKey(asOrigins, points.latitude(i), points.longitude(i));
        }
        getAll(pointKeys, snapMeters, new double[pointKeys.length], found);
        return found.cardinality();
    }

    @Override
    public void store(final String scope, final CoordinateBlock origins, final CoordinateBlock destinations, final MatrixResult result,
                      final BitSet pairs) throws IOException {
        final PairKeys keys = new PairKeys(scope, decimals);
        final int columns = destinations.size();
        final int count = pairs.cardinality();
        final long[] pairKeys = new long[count];
        final double[] durations = new double[count];
        final double[] distances = new double[count];
        int i = 0;
        for (int cell = pairs.nextSetBit(0); cell >= 0; cell = pairs.nextSetBit(cell + 1)) {
            final int r = cell / columns;
            final int c = cell % columns;
            pairKeys[i] = keys.key(origins.latitude(r), origins.longitude(r), destinations.latitude(c), destinations.longitude(c));
            durations[i] = result.durationSeconds(r, c);
            distances[i] = result.distanceMeters(r, c);
            i++;
        }
        putAll(pairKeys, durations, distances, count);
        storeSnaps(keys, origins, true, result::sourceSnapMeters);
        storeSnaps(keys, destinations, false, result::destinationSnapMeters);
    }

    private void storeSnaps(final PairKeys keys, final CoordinateBlock points, final boolean asOrigins,
                            final java.util.function.IntToDoubleFunction snapMeters) throws IOException {
        final int count = points.size();
        final long[] pointKeys = new long[count];
        final double[] snaps = new double[count];
        for (int i = 0; i < count; i++) {
            pointKeys[i] = keys.pointKey(asOrigins, points.latitude(i), points.longitude(i));
            snaps[i] = snapMeters.applyAsDouble(i);
        }
        putAll(pointKeys, snaps, new double[count], count);
    }
}
