package io.github.nifirouting.model;

/**
 * One loaded version of a coordinate set: its valid points, how many records were rejected, and a version
 * string that changes whenever the content does.
 */
public record CoordinateSet(String version, CoordinateBlock points, long invalidCount) {

    public int size() {
        return points.size();
    }
}
