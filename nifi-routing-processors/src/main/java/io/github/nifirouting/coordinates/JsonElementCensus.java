package io.github.nifirouting.coordinates;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the top-level objects of JSON content independently of any Record Reader, so records a reader silently
 * loses become visible. NiFi's JSON readers (JsonTreeReader, JsonPathReader) do not expect an array element that is
 * not an object (a {@code null}, a number, a string, a nested array): they skip from it to the end of the next object,
 * so that object and possibly the rest of the array are in no output, without an error. This census streams the
 * content once with Jackson (skipping each element's children, so memory does not depend on the input) and notes the
 * first such element.
 * <p>
 * Content that does not start with {@code [} or <code>{</code>, or is not well-formed JSON to its end, gets
 * {@link #NOT_JSON}: the census then claims nothing and the reader's own verdict stands.
 */
public record JsonElementCensus(boolean json, long elements, long nonObjectElements, long firstNonObjectIndex, String firstNonObjectKind) {

    public static final JsonElementCensus NOT_JSON = new JsonElementCensus(false, 0, 0, -1, null);

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /** Top-level objects: the records a JSON reader should return. */
    public long objects() {
        return elements - nonObjectElements;
    }

    /** Objects of the content that a reader which returned {@code recordsRead} records did not return; 0 when not JSON. */
    public long missingRecords(final long recordsRead) {
        return json ? Math.max(0, objects() - recordsRead) : 0;
    }

    /** Why {@code missing} objects were not returned, for users. */
    public String explainMissing(final long recordsRead) {
        return "the Record Reader returned " + recordsRead + " records but the JSON input holds " + objects() + " objects"
                + (nonObjectElements > 0 ? ", and element " + firstNonObjectIndex + " is " + firstNonObjectKind + ", not an object ("
                + nonObjectElements + " such element(s)): NiFi's JSON readers skip from such an element past the next object" : "")
                + ", so " + missingRecords(recordsRead) + " record(s) would be in no output. Remove the elements that are not objects "
                + "and send the input again";
    }

    /** Reads {@code content} to its end (the caller closes it). */
    public static JsonElementCensus of(final InputStream content) throws IOException {
        final BufferedInputStream in = new BufferedInputStream(content);
        if (!startsLikeJson(in)) {
            return NOT_JSON;
        }
        try (JsonParser parser = FACTORY.createParser(in)) {
            JsonToken token = parser.nextToken();
            final boolean array = token == JsonToken.START_ARRAY;
            if (array) {
                token = parser.nextToken();
            }
            long elements = 0;
            long nonObjects = 0;
            long firstIndex = -1;
            String firstKind = null;
            while (token != null && !(array && token == JsonToken.END_ARRAY)) {
                if (token != JsonToken.START_OBJECT) {
                    if (nonObjects++ == 0) {
                        firstIndex = elements;
                        firstKind = kind(token);
                    }
                }
                parser.skipChildren();
                elements++;
                token = parser.nextToken();
            }
            if (array && (token == null || parser.nextToken() != null)) {
                return NOT_JSON; // unterminated array or content after it: the reader reports that itself
            }
            if (!array && elements <= 1) {
                // One root object: a reader may take its records from a nested field, so its count proves nothing.
                return new JsonElementCensus(true, 0, 0, -1, null);
            }
            return new JsonElementCensus(true, elements, nonObjects, firstIndex, firstKind);
        } catch (final com.fasterxml.jackson.core.JsonProcessingException e) {
            return NOT_JSON;
        }
    }

    private static boolean startsLikeJson(final BufferedInputStream in) throws IOException {
        in.mark(4096);
        int b;
        int read = 0;
        do {
            b = in.read();
            read++;
        } while (b != -1 && read < 4096 && (Character.isWhitespace(b) || b == 0xEF || b == 0xBB || b == 0xBF));
        in.reset();
        return b == '[' || b == '{';
    }

    private static String kind(final JsonToken token) {
        return switch (token) {
            case VALUE_NULL -> "null";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> token.asString() == null ? token.name() : token.asString();
        };
    }
}
