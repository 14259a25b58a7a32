package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.RoutingException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.List;

/** One engine's isochrone API: how to ask, and how to read the answer into flat lon/lat rings. Plain Java, no NiFi types. */
public interface IsochroneProtocol {

    /** How many requests one site needs for these thresholds (ascending seconds): engines cap the contours per request. */
    int isochroneRequests(double[] thresholdsSeconds);

    /** Request {@code index} of {@link #isochroneRequests} for a site. */
    HttpRequest.Builder isochroneRequest(URI baseUrl, double latitude, double longitude, double[] thresholdsSeconds, int index);

    /**
     * Reads one answer, of any status but 429 (which the client handles). On success adds, for each threshold request
     * {@code index} asked for, its polygons (lists of rings, the first the shell, each ring flat {@code lon, lat, ...})
     * to {@code polygons.get(threshold)}.
     *
     * @return true when read; false when the engine says it cannot place the point on its network; null for an error
     *         answer the protocol does not recognise, which the client then classifies by its status
     * @throws RoutingException REJECTED for engine errors no retry can fix, TRANSIENT for a broken answer (under an error
     *                          status the client lets the status decide, as for null)
     */
    Boolean readIsochrones(int status, HttpHeaders headers, InputStream body, double[] thresholdsSeconds, int index,
                           List<List<List<double[]>>> polygons) throws RoutingException, IOException;
}
