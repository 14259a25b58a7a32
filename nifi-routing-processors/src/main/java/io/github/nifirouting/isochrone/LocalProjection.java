package io.github.nifirouting.isochrone;

/**
 * An equirectangular projection centred on a site: meters east and north, with the WGS84 ellipsoid's meridian and
 * parallel scale at the site's latitude. It places the sample lattice and the cells around a site; over an isochrone's
 * extent (tens of km) its distances are within about 1% of the geodesic ones. Geometries are not built in it: cells are
 * built directly in longitude/latitude from their lattice indices (see {@link CellGrid}).
 */
final class LocalProjection {

    private static final double SEMI_MAJOR_AXIS = 6_378_137.0;
    private static final double ECCENTRICITY_SQUARED = 0.00669437999014;

    private final double latitude;
    private final double longitude;
    private final double metersPerDegreeLat;
    private final double metersPerDegreeLon;

    LocalProjection(final double latitude, final double longitude) {
        this.latitude = latitude;
        this.longitude = longitude;
        final double sin = Math.sin(Math.toRadians(latitude));
        final double w = 1 - ECCENTRICITY_SQUARED * sin * sin;
        final double meridianRadius = SEMI_MAJOR_AXIS * (1 - ECCENTRICITY_SQUARED) / (w * Math.sqrt(w));
        final double normalRadius = SEMI_MAJOR_AXIS / Math.sqrt(w);
        this.metersPerDegreeLat = Math.toRadians(meridianRadius);
        this.metersPerDegreeLon = Math.toRadians(normalRadius * Math.cos(Math.toRadians(latitude)));
    }

    double x(final double lon) {
        return (lon - longitude) * metersPerDegreeLon;
    }

    double y(final double lat) {
        return (lat - latitude) * metersPerDegreeLat;
    }

    double longitude(final double x) {
        return longitude + x / metersPerDegreeLon;
    }

    double latitude(final double y) {
        return latitude + y / metersPerDegreeLat;
    }

    /** Meters per degree of latitude at the site: turns a tolerance in meters into degrees. */
    double metersPerDegreeLatitude() {
        return metersPerDegreeLat;
    }
}
