package io.github.nifirouting.cache;

import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixResult;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.controller.ControllerService;

import java.io.IOException;
import java.util.BitSet;

/**
 * Travel times and distances computed earlier, keyed by engine scope and coordinates rounded to the service's precision,
 * so repeated site-selection runs only ask the engine for pairs it has not answered yet.
 */
@Tags({"routing", "cache", "matrix"})
@CapabilityDescription("A cache of origin-destination travel times and distances.")
public interface MatrixCacheService extends ControllerService {

    /**
     * Fills {@code durations} / {@code distances} (row-major, origins x destinations) for the pairs found and sets their
     * bits in {@code hits}. Unroutable pairs are cached too (NaN).
     *
     * @return the number of pairs found
     */
    long lookup(String scope, CoordinateBlock origins, CoordinateBlock destinations, double[] durations, double[] distances, BitSet hits)
            throws IOException;

    /**
     * Fills {@code snapMeters} with the snap distance the engine reported for each point found (NaN when it reports none)
     * and sets the point's bit in {@code found}. Snap distances belong to a point, not a pair: the processor needs them
     * so that a row served from the cache gets the same status (e.g. SNAPPED_TOO_FAR) and snap columns as a computed one.
     *
     * @param asOrigins whether the points are origins (sources) or destinations; engines may snap them differently
     * @return the number of points found
     */
    long lookupSnaps(String scope, CoordinateBlock points, boolean asOrigins, double[] snapMeters, BitSet found) throws IOException;

    /**
     * Remembers the pairs of {@code result} whose bit is set in {@code pairs} (row-major over origins x destinations), and
     * the snap distances of every origin and destination of {@code result}.
     */
    void store(String scope, CoordinateBlock origins, CoordinateBlock destinations, MatrixResult result, BitSet pairs) throws IOException;
}
