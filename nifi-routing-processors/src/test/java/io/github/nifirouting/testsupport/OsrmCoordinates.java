package io.github.nifirouting.testsupport;

/**
 * Reads the coordinates segment of an OSRM URL (already percent-decoded) the way osrm-routed does, for the fake OSRM
 * servers: {@code lon,lat;lon,lat;...} or {@code polyline6(...)} (latitude then longitude deltas in micro-degrees).
 */
public final class OsrmCoordinates {

    private OsrmCoordinates() {
    }

    /** @return {latitudes, longitudes}, or null when the text is neither form */
    public static double[][] parse(final String segment) {
        if (segment.startsWith("polyline6(") && segment.endsWith(")")) {
            return polyline6(segment.substring("polyline6(".length(), segment.length() - 1));
        }
        final String[] pairs = segment.split(";");
        final double[] lat = new double[pairs.length];
        final double[] lon = new double[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            final String[] lonLat = pairs[i].split(",");
            if (lonLat.length != 2) {
                return null;
            }
            lon[i] = Double.parseDouble(lonLat[0]);
            lat[i] = Double.parseDouble(lonLat[1]);
        }
        return new double[][]{lat, lon};
    }

    /** Decodes a polyline with 6 decimals (Google's algorithm), independently of the encoder under test. */
    public static double[][] polyline6(final String text) {
        final java.util.List<long[]> points = new java.util.ArrayList<>();
        int index = 0;
        long lat = 0;
        long lon = 0;
        while (index < text.length()) {
            final long[] values = new long[2];
            for (int k = 0; k < 2; k++) {
                long result = 0;
                int shift = 0;
                int chunk;
                do {
                    chunk = text.charAt(index++) - 63;
                    result |= (long) (chunk & 0x1f) << shift;
                    shift += 5;
                } while (chunk >= 0x20);
                values[k] = (result & 1) != 0 ? ~(result >> 1) : result >> 1;
            }
            lat += values[0];
            lon += values[1];
            points.add(new long[]{lat, lon});
        }
        final double[] latitudes = new double[points.size()];
        final double[] longitudes = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            latitudes[i] = points.get(i)[0] / 1e6;
            longitudes[i] = points.get(i)[1] / 1e6;
        }
        return new double[][]{latitudes, longitudes};
    }
}
