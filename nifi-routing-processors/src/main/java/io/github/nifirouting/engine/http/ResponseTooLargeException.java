package io.github.nifirouting.engine.http;

import java.io.IOException;

/** A response body beyond the configured maximum: refused, never retried. */
public final class ResponseTooLargeException extends IOException {

    public ResponseTooLargeException(final long limit) {
        super("response body larger than the maximum of " + limit + " bytes");
    }
}
