package io.github.nifirouting.isochrone;

import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.LineString;
import org.locationtech.jts.geom.Polygon;

/**
 * The area on the WGS84 ellipsoid of a longitude/latitude polygon whose edges are straight in longitude/latitude (how
 * GeoParquet and GeoJSON read them): each ring is mapped to Lambert's cylindrical equal-area projection of the ellipsoid
 * (longitude, sine of the authalic latitude), where the shoelace formula gives the area exactly up to the curvature
 * of edges between vertices, which is negligible at the vertex spacing of isochrones.
 */
public final class EllipsoidalArea {

    private static final double SEMI_MAJOR_AXIS = 6_378_137.0;
    private static final double ECCENTRICITY_SQUARED = 0.00669437999014;
    private static final double ECCENTRICITY = Math.sqrt(ECCENTRICITY_SQUARED);
    private static final double Q_POLE = q(1.0);
    /** Radius of the sphere with the ellipsoid's area, squared. */
    private static final double AUTHALIC_RADIUS_SQUARED = SEMI_MAJOR_AXIS * SEMI_MAJOR_AXIS * Q_POLE / 2;

    private EllipsoidalArea() {
    }

    /** Square meters of a polygonal geometry in longitude/latitude degrees (0 for empty or non-areal geometries). */
    public static double squareMeters(final Geometry geometry) {
        double area = 0;
        for (int i = 0; i < geometry.getNumGeometries(); i++) {
            if (geometry.getGeometryN(i) instanceof Polygon polygon && !polygon.isEmpty()) {
                area += ring(polygon.getExteriorRing());
                for (int h = 0; h < polygon.getNumInteriorRing(); h++) {
                    area -= ring(polygon.getInteriorRingN(h));
                }
            }
        }
        return area;
    }

    private static double ring(final LineString ring) {
        final Coordinate[] points = ring.getCoordinates();
        double twiceSigned = 0;
        for (int i = 0; i + 1 < points.length; i++) {
            final double lambda = Math.toRadians(points[i + 1].x - points[i].x);
            twiceSigned += lambda * (sinAuthalic(points[i].y) + sinAuthalic(points[i + 1].y));
        }
        return Math.abs(twiceSigned) / 2 * AUTHALIC_RADIUS_SQUARED;
    }

    /** Sine of the authalic latitude for a geodetic latitude in degrees. */
    private static double sinAuthalic(final double latitude) {
        return q(Math.sin(Math.toRadians(latitude))) / Q_POLE;
    }

    private static double q(final double sin) {
        final double es = ECCENTRICITY * sin;
        return (1 - ECCENTRICITY_SQUARED) * (sin / (1 - es * es) - Math.log((1 - es) / (1 + es)) / (2 * ECCENTRICITY));
    }
}
