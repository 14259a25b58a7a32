package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.RoutingException;
import io.github.nifirouting.model.CoordinateBlock;
import io.github.nifirouting.model.MatrixOptions;
import io.github.nifirouting.model.MatrixResult;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;

/** One engine's matrix API: how to ask, and how to read the answer. Plain Java, no NiFi types. */
public interface EngineProtocol {

    /** The request for the matrix of {@code sources} x {@code destinations}. */
    HttpRequest.Builder matrixRequest(URI baseUrl, CoordinateBlock sources, CoordinateBlock destinations);

    /**
     * The request for the matrix of {@code sources} x {@code destinations} with a processor's {@code options}: protocols
     * whose API has a matching parameter send it; by default the options are not part of the request.
     */
    default HttpRequest.Builder matrixRequest(final URI baseUrl, final CoordinateBlock sources, final CoordinateBlock destinations,
                                              final MatrixOptions options) {
        return matrixRequest(baseUrl, sources, destinations);
    }

    /**
     * Reads a response as a stream into flat arrays, validating it against the request's shape.
     *
     * @param status  HTTP status (the transport has already turned 429, 408 and 5xx into exceptions)
     * @param headers the response headers, for engines that signal quotas in them
     * @throws RoutingException REJECTED for engine errors that retrying cannot fix, TRANSIENT for broken answers
     *                          (the transport turns a broken answer with a 4xx status into REJECTED)
     */
    MatrixResult readMatrix(int status, HttpHeaders headers, InputStream body, int rows, int columns) throws RoutingException;
}
