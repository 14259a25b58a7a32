package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import io.github.nifirouting.engine.RoutingException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The JSON parser {@link JsonAnswers} reads every engine answer with: Jackson's streaming parser, except that a numeric matrix
 * is handed to {@link JsonMatrixScanner} as raw bytes and Jackson resumes after it. Jackson gives back what it had read ahead
 * ({@link JsonParser#releaseBuffered}), the scanner reads the matrix through its closing bracket, and a new Jackson parser continues
 * with the rest of the body, led in by a short stand-in ({@code {"":[]} for a matrix that was a field of the top-level object) that
 * puts it into the same nesting right after the matrix, at the matrix's END_ARRAY as the token path leaves it.
 */
final class ScanningJsonParser extends JsonParserDelegate {

    private final InputStream body;
    private final JsonMatrixScanner scanner;

    private ScanningJsonParser(final InputStream body, final JsonMatrixScanner scanner) throws IOException {
        super(JsonMatrices.JSON.createParser(scanner.stream()));
        this.body = body;
        this.scanner = scanner;
    }

    static ScanningJsonParser open(final InputStream body, final int bufferSize) throws IOException {
        return new ScanningJsonParser(body, new JsonMatrixScanner(body, bufferSize));
    }

    /**
     * Reads the matrix whose START_ARRAY is the current token as {@link JsonMatrices#readNested} does; false, with nothing read, when
     * the parser does not read bytes (a body in UTF-16 or UTF-32), which leaves the matrix to the token path.
     */
    boolean readMatrix(final double[] into, final int rows, final int columns, final double scale, final String name, final String engine)
            throws IOException, RoutingException {
        final ByteArrayOutputStream readAhead = new ByteArrayOutputStream(8192);
        if (delegate.releaseBuffered(readAhead) < 0) {
            return false;
        }
        scanner.unread(readAhead.toByteArray(), 0, readAhead.size());
        scanner.readMatrix(into, rows, columns, scale, name, engine);
        resumeAfter(delegate.getParsingContext().getParent());
        return true;
    }

    /** Continues with a new parser over the rest of the body, at the END_ARRAY of a value inside {@code container}. */
    private void resumeAfter(final JsonStreamContext container) throws IOException {
        final Deque<JsonStreamContext> levels = new ArrayDeque<>();
        for (JsonStreamContext level = container; level != null && !level.inRoot(); level = level.getParent()) {
            levels.push(level);
        }
        final StringBuilder standIn = new StringBuilder();
        int tokens = 2;
        for (final JsonStreamContext level : levels) {
            standIn.append(level.inObject() ? "{\"\":" : "[");
            tokens += level.inObject() ? 2 : 1;
        }
        final byte[] bytes = standIn.append("[]").toString().getBytes(StandardCharsets.US_ASCII);
        scanner.unread(bytes, 0, bytes.length);
        delegate.close();
        delegate = JsonMatrices.JSON.createParser(scanner.stream());
        for (int token = 0; token < tokens; token++) {
            delegate.nextToken();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            delegate.close();
        } finally {
            body.close();
        }
    }
}
