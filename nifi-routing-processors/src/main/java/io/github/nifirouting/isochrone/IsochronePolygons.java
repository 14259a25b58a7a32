package io.github.nifirouting.isochrone;

import io.github.nifirouting.model.IsochroneRings;
import io.github.nifirouting.model.ReachableNodes;
import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.Envelope;
import org.locationtech.jts.geom.Geometry;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.LinearRing;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.PrecisionModel;
import org.locationtech.jts.precision.GeometryPrecisionReducer;
import org.locationtech.jts.operation.union.UnaryUnionOp;
import org.locationtech.jts.simplify.TopologyPreservingSimplifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns travel times held in flat arrays into catchment polygons, one threshold at a time, only when they are written.
 * Both constructions are unions of shapes around points reached within the threshold, in a local metric projection:
 * <ul>
 *   <li>network nodes (engine native): a disc of {@code radius} around every node reached in time: the area within a
 *       short walk of the roads reached, with holes where no road comes close;</li>
 *   <li>lattice samples (matrix sampled): the square cell of every sample reached in time.</li>
 * </ul>
 * Points reached within a smaller threshold are also reached within a larger one, so the polygons of increasing
 * thresholds nest by construction.
 */
public final class IsochronePolygons {

    /** A polygon for one threshold, in longitude/latitude, with its area. */
    public record Result(Geometry geometry, double areaSquareKilometers, int reachedPoints) {
    }

    private static final GeometryFactory FACTORY = new GeometryFactory();
    private static final PrecisionModel LON_LAT_PRECISION = new PrecisionModel(1e8);

    private IsochronePolygons() {
    }

    public static Result fromNodes(final double siteLat, final double siteLon, final ReachableNodes nodes, final double thresholdSeconds,
                                   final double radiusMeters, final double simplifyMeters) {
        final LocalProjection projection = new LocalProjection(siteLat, siteLon);
        final List<Geometry> discs = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.travelSeconds()[i] <= thresholdSeconds) {
                final Coordinate at = new Coordinate(projection.x(nodes.longitudes()[i]), projection.y(nodes.latitudes()[i]));
                discs.add(FACTORY.createPoint(at).buffer(radiusMeters, 4));
            }
        }
        return finish(projection, discs, simplifyMeters);
    }

    public static Result fromSamples(final double siteLat, final double siteLon, final double[] sampleLat, final double[] sampleLon,
                                     final double[] sampleSeconds, final double thresholdSeconds, final double cellMeters,
                                     final double simplifyMeters) {
        final LocalProjection projection = new LocalProjection(siteLat, siteLon);
        final List<Geometry> cells = new ArrayList<>();
        final double half = cellMeters / 2;
        for (int i = 0; i < sampleSeconds.length; i++) {
            if (sampleSeconds[i] <= thresholdSeconds) {
                final double x = projection.x(sampleLon[i]);
                final double y = projection.y(sampleLat[i]);
                cells.add(FACTORY.toGeometry(new Envelope(x - half, x + half, y - half, y + half)));
            }
        }
        return finish(projection, cells, simplifyMeters);
    }

    /** The engine's own polygons for one threshold, from flat lon/lat rings. */
    public static Result fromRings(final double siteLat, final double siteLon, final IsochroneRings rings, final int threshold) {
        final LocalProjection projection = new LocalProjection(siteLat, siteLon);
        final List<Geometry> polygons = new ArrayList<>();
        for (final List<double[]> polygon : rings.polygons().get(threshold)) {
            final LinearRing shell = ring(polygon.get(0), projection);
            final LinearRing[] holes = new LinearRing[polygon.size() - 1];
            for (int h = 1; h < polygon.size(); h++) {
                holes[h - 1] = ring(polygon.get(h), projection);
            }
            polygons.add(FACTORY.createPolygon(shell, holes));
        }
        return finish(projection, polygons, 0);
    }

    private static LinearRing ring(final double[] lonLat, final LocalProjection projection) {
        final Coordinate[] coordinates = new Coordinate[lonLat.length / 2];
        for (int i = 0; i < coordinates.length; i++) {
            coordinates[i] = new Coordinate(projection.x(lonLat[2 * i]), projection.y(lonLat[2 * i + 1]));
        }
        return FACTORY.createLinearRing(coordinates);
    }

    private static Result finish(final LocalProjection projection, final List<Geometry> parts, final double simplifyMeters) {
        if (parts.isEmpty()) {
            return new Result(FACTORY.createPolygon(), 0, 0);
        }
        Geometry union = UnaryUnionOp.union(parts);
        if (!union.isValid()) {
            union = union.buffer(0);
        }
        if (simplifyMeters > 0) {
            union = TopologyPreservingSimplifier.simplify(union, simplifyMeters);
        }
        final double area = union.getArea() / 1e6;
        // Scaling meters to degrees can make nearly touching vertices cross in floating point: snapping to 1e-8 degrees
        // (about a millimetre) with a reducer that keeps polygons valid removes that.
        final Geometry lonLat = GeometryPrecisionReducer.reduce(projection.toLonLat(union), LON_LAT_PRECISION);
        return new Result(lonLat, area, parts.size());
    }

    /** Whether {@code geometry} is a (multi)polygon, possibly empty. */
    static boolean isAreal(final Geometry geometry) {
        return geometry instanceof Polygon || geometry.getDimension() == 2 || geometry.isEmpty();
    }
}
