package io.github.nifirouting.coordinates;

/** A WGS84 bounding box, written by users as {@code minLon,minLat,maxLon,maxLat} (the GeoJSON bbox order). */
public record BoundingBox(double minLongitude, double minLatitude, double maxLongitude, double maxLatitude) {

    public BoundingBox {
        if (!(minLongitude >= -180 && maxLongitude <= 180 && minLatitude >= -90 && maxLatitude <= 90
                && minLongitude < maxLongitude && minLatitude < maxLatitude)) {
            throw new IllegalArgumentException("bounding box must be minLon,minLat,maxLon,maxLat within [-180,180] x [-90,90] with min < max");
        }
    }

    public static BoundingBox parse(final String text) {
        final String[] parts = text.split(",");
        if (parts.length != 4) {
            throw new IllegalArgumentException("bounding box must have 4 comma-separated numbers minLon,minLat,maxLon,maxLat: " + text);
        }
        try {
            return new BoundingBox(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()),
                    Double.parseDouble(parts[2].trim()), Double.parseDouble(parts[3].trim()));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("bounding box must be numbers minLon,minLat,maxLon,maxLat: " + text, e);
        }
    }

    public boolean contains(final double latitude, final double longitude) {
        return latitude >= minLatitude && latitude <= maxLatitude && longitude >= minLongitude && longitude <= maxLongitude;
    }

    @Override
    public String toString() {
        return minLongitude + "," + minLatitude + "," + maxLongitude + "," + maxLatitude;
    }
}
