package io.github.nifirouting.coordinates;

import java.util.List;

/**
 * The input as a whole cannot give points the way the fields are configured: a field is missing or misspelt, or the
 * Record Reader typed a field in a way that loses what the file says. Found once per input, from the reader's schema,
 * instead of one identical reason per record.
 */
public final class InputFieldsException extends Exception {

    private final List<String> missing;
    private final List<String> found;

    InputFieldsException(final String message, final List<String> missing, final List<String> found) {
        super(message);
        this.missing = List.copyOf(missing);
        this.found = List.copyOf(found);
    }

    /** The configured field names the input does not have (empty when the problem is a field's type). */
    public List<String> missing() {
        return missing;
    }

    /** The fields the reader found, in its schema's order. */
    public List<String> found() {
        return found;
    }
}
