package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.nifirouting.engine.RoutingException;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The one skeleton of reading an engine's JSON answer object, shared by the matrix and isochrone protocols: a body that
 * is not a JSON object or ends inside it is a broken answer (TRANSIENT; under an error status the transport lets the
 * status decide, e.g. for a proxy's HTML page), a body over the size cap is REJECTED, and every top-level field is either kept as text, read by the
 * protocol, or skipped without being materialised.
 */
public final class JsonAnswers {

    /** Reads one top-level field the protocol cares about; returns false to have it skipped. */
    @FunctionalInterface
    public interface FieldReader {
        boolean read(String field, JsonToken value, JsonParser parser) throws IOException, RoutingException;
    }

    /** The text fields kept and the names of all fields seen. */
    public static final class Answer {
        private final Map<String, String> texts = new HashMap<>();
        private final Set<String> seen = new HashSet<>();

        public String text(final String field) {
            return texts.get(field);
        }

        public boolean saw(final String field) {
            return seen.contains(field);
        }
    }

    private JsonAnswers() {
    }

    /**
     * @param textFields scalar fields kept as text (e.g. an error code and message), unless {@code fields} reads them first
     */
    public static Answer readObject(final InputStream body, final String engine, final Set<String> textFields, final FieldReader fields)
            throws RoutingException {
        return readObject(body, engine, textFields, fields, JsonMatrixScanner.DEFAULT_BUFFER_SIZE);
    }

    /** With the matrix scanner's buffer size: tests use tiny ones to split values across refills. */
    static Answer readObject(final InputStream body, final String engine, final Set<String> textFields, final FieldReader fields, final int bufferSize)
            throws RoutingException {
        try (JsonParser parser = ScanningJsonParser.open(body, bufferSize)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw JsonMatrices.broken(engine, "the response is not a JSON object");
            }
            final Answer answer = readFields(parser, textFields, fields);
            if (parser.currentToken() != JsonToken.END_OBJECT) {
                throw JsonMatrices.broken(engine, "the response ended inside its JSON object");
            }
            return answer;
        } catch (final ResponseTooLargeException e) {
            throw new RoutingException(RoutingException.Kind.REJECTED, e.getMessage(), null, e);
        } catch (final IOException e) {
            throw JsonMatrices.broken(engine, "malformed or truncated JSON: " + e.getMessage());
        }
    }

    /** Reads the members of the nested object the parser is at (e.g. an error object), keeping the scalar {@code textFields} as text. */
    public static Answer readMembers(final JsonParser parser, final Set<String> textFields) throws IOException, RoutingException {
        return readFields(parser, textFields, (field, value, reader) -> false);
    }

    private static Answer readFields(final JsonParser parser, final Set<String> textFields, final FieldReader fields)
            throws IOException, RoutingException {
        final Answer answer = new Answer();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            final JsonToken value = parser.nextToken();
            answer.seen.add(field);
            if (fields.read(field, value, parser)) {
                continue;
            }
            if (textFields.contains(field) && value.isScalarValue()) {
                answer.texts.put(field, parser.getValueAsString());
            } else {
                parser.skipChildren();
            }
        }
        return answer;
    }
}
