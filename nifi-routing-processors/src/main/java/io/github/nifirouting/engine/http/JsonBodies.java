package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Builds small JSON request bodies with Jackson's generator. */
public final class JsonBodies {

    /** Writes a body; the lambda gets a generator positioned before the root value. */
    @FunctionalInterface
    public interface BodyWriter {
        void write(JsonGenerator generator) throws IOException;
    }

    private JsonBodies() {
    }

    public static byte[] json(final BodyWriter writer) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator generator = JsonMatrices.JSON.createGenerator(out)) {
            writer.write(generator);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot build a request body", e);
        }
        return out.toByteArray();
    }
}
