package io.github.nifirouting.engine.http;

import java.net.URI;

/** Engine endpoint URLs: the configured base URL (with or without a trailing slash) joined with an API path. */
public final class Endpoints {

    private Endpoints() {
    }

    /** {@code http://host:5000/} + {@code table/v1/x} and {@code http://host:5000} + {@code /table/v1/x} both give {@code http://host:5000/table/v1/x}. */
    public static String join(final URI baseUrl, final String path) {
        final String base = baseUrl.toString();
        final String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return trimmed + (path.startsWith("/") ? path : "/" + path);
    }

    /** {@link #join} as a URI. */
    public static URI uri(final URI baseUrl, final String path) {
        return URI.create(join(baseUrl, path));
    }
}
