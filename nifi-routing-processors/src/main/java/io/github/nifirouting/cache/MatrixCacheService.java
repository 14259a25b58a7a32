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

    /** Remembers the pairs of {@code result} whose bit is set in {@code pairs} (row-major over origins x destinations). */
    void store(String scope, CoordinateBlock origins, CoordinateBlock destinations, MatrixResult result, BitSet pairs) throws IOException;
}
