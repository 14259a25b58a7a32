package io.github.nifirouting.isochrone;

import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.CoordinateSequence;
import org.locationtech.jts.geom.CoordinateSequenceFilter;
import org.locationtech.jts.geom.Geometry;

/**
 * An equirectangular projection centred on a site: meters east and north. Over an isochrone's extent (tens of km)
 * its area error is well under 1%, so areas and buffers are computed in it and geometries converted back to
 * longitude/latitude (OGC:CRS84) only for output.
 */
final class LocalProjection {

    private static final double METERS_PER_DEGREE_LAT = 110_574.0;
    private static final double METERS_PER_DEGREE_LON_EQUATOR = 111_320.0;

    private final double latitude;
    private final double longitude;
    private final double metersPerDegreeLon;

    LocalProjection(final double latitude, final double longitude) {
        this.latitude = latitude;
        this.longitude = longitude;
        this.metersPerDegreeLon = METERS_PER_DEGREE_LON_EQUATOR * Math.cos(Math.toRadians(latitude));
    }

    double x(final double lon) {
        return (lon - longitude) * metersPerDegreeLon;
    }

    double y(final double lat) {
        return (lat - latitude) * METERS_PER_DEGREE_LAT;
    }

    double longitude(final double x) {
        return longitude + x / metersPerDegreeLon;
    }

    double latitude(final double y) {
        return latitude + y / METERS_PER_DEGREE_LAT;
    }

    /** A copy of a projected geometry in longitude/latitude. */
    Geometry toLonLat(final Geometry projected) {
        final Geometry copy = projected.copy();
        copy.apply(new CoordinateSequenceFilter() {
            @Override
            public void filter(final CoordinateSequence sequence, final int i) {
                final Coordinate c = sequence.getCoordinate(i);
                sequence.setOrdinate(i, 0, longitude(c.x));
                sequence.setOrdinate(i, 1, latitude(c.y));
            }

            @Override
            public boolean isDone() {
                return false;
            }

            @Override
            public boolean isGeometryChanged() {
                return true;
            }
        });
        return copy;
    }
}
