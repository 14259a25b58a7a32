package io.github.nifirouting.coordinates;

import io.github.nifirouting.model.CoordinateSet;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.controller.ControllerService;

/**
 * A set of points held in compact arrays, used as the "other side" of a matrix (for example all competitor
 * sites). O-D tiles refer to its points by offset and carry the {@link CoordinateSet#version() version}
 * they were cut against, so a consumer can tell when the set was reloaded in between.
 */
@Tags({"routing", "coordinates", "destinations"})
@CapabilityDescription("A set of points loaded once into compact arrays, used as the destinations of routing matrices.")
public interface CoordinateSetService extends ControllerService {

    /** The current set (valid points only), reloading first if its source changed. Never null once enabled. */
    CoordinateSet getCoordinateSet();

    /**
     * The set at {@code version} if this service still holds it (the current one, or a previous one kept for the tiles
     * cut against it), else the current set, whose different version the caller reports. Null version: the current set.
     */
    default CoordinateSet getCoordinateSet(final String version) {
        return getCoordinateSet();
    }
}
