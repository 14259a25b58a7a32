package io.github.nifirouting.coordinates;

import org.apache.nifi.serialization.record.Record;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Renders record values the way a person wrote them: arrays as {@code [1, 2]}, records and maps as
 * {@code {x=1}}, never as a Java object reference such as {@code [Ljava.lang.Object;@1b2c3d}.
 */
public final class ReadableValues {

    private ReadableValues() {
    }

    /** Whether the value is an array, collection, record or map rather than a single value. */
    public static boolean isStructured(final Object value) {
        return value instanceof Object[] || value instanceof Collection<?> || value instanceof Record || value instanceof Map<?, ?>;
    }

    /** The value as text; nested values are rendered recursively. */
    public static String render(final Object value) {
        final StringBuilder text = new StringBuilder();
        append(text, value);
        return text.toString();
    }

    /** A short description for messages, e.g. {@code an array [42.5, 1]} or {@code a record {x=1}}. */
    public static String describe(final Object value) {
        final String kind;
        if (value instanceof Object[] || value instanceof Collection<?>) {
            kind = "an array ";
        } else if (value instanceof Record || value instanceof Map<?, ?>) {
            kind = "a record ";
        } else if (value instanceof byte[]) {
            kind = "bytes ";
        } else {
            kind = "a " + value.getClass().getSimpleName() + " ";
        }
        final String text = render(value);
        return kind + (text.length() <= 60 ? text : text.substring(0, 57) + "...");
    }

    private static void append(final StringBuilder text, final Object value) {
        if (value instanceof Object[] array) {
            appendAll(text, java.util.Arrays.asList(array).iterator(), '[', ']');
        } else if (value instanceof Collection<?> collection) {
            appendAll(text, collection.iterator(), '[', ']');
        } else if (value instanceof byte[] bytes) {
            text.append("<").append(bytes.length).append(" bytes>");
        } else if (value instanceof Record record) {
            appendMap(text, record.toMap());
        } else if (value instanceof Map<?, ?> map) {
            appendMap(text, map);
        } else {
            text.append(value);
        }
    }

    private static void appendAll(final StringBuilder text, final Iterator<?> items, final char open, final char close) {
        text.append(open);
        while (items.hasNext()) {
            append(text, items.next());
            if (items.hasNext()) {
                text.append(", ");
            }
        }
        text.append(close);
    }

    private static void appendMap(final StringBuilder text, final Map<?, ?> map) {
        text.append('{');
        final Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
        while (entries.hasNext()) {
            final Map.Entry<?, ?> entry = entries.next();
            text.append(entry.getKey()).append('=');
            append(text, entry.getValue());
            if (entries.hasNext()) {
                text.append(", ");
            }
        }
        text.append('}');
    }
}
