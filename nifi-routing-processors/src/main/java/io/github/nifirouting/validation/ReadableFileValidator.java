package io.github.nifirouting.validation;

import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Validates that a property names a readable regular file, so a service shows what is wrong before it is enabled
 * rather than failing over and over while enabling. The explanation names the absolute path looked for (a relative
 * path resolves against NiFi's working directory) and whether it is missing, not a file or unreadable.
 * Expression Language (environment scope) is evaluated first.
 */
public final class ReadableFileValidator implements Validator {

    /** What the file is, for the explanation, e.g. "OSM extract". */
    private final String what;

    public ReadableFileValidator(final String what) {
        this.what = what;
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        String value = input;
        if (input != null && context.isExpressionLanguageSupported(subject) && context.isExpressionLanguagePresent(input)) {
            value = context.newPropertyValue(input).evaluateAttributeExpressions().getValue();
        }
        final ValidationResult.Builder result = new ValidationResult.Builder().subject(subject).input(input);
        if (value == null || value.isBlank()) {
            return result.valid(false).explanation(what + " path is blank").build();
        }
        final String problem = problem(value);
        return problem == null ? result.valid(true).build() : result.valid(false).explanation(problem).build();
    }

    /** @return why {@code path} is not a readable file, or null when it is */
    public String problem(final String path) {
        final Path absolute;
        try {
            absolute = Path.of(path.trim()).toAbsolutePath().normalize();
        } catch (final InvalidPathException e) {
            return what + " path '" + path + "' is not a valid path: " + e.getMessage();
        }
        if (!Files.exists(absolute)) {
            final Path parent = absolute.getParent();
            return what + " not found: looked for " + absolute + (parent != null && !Files.isDirectory(parent)
                    ? " (its directory " + parent + " does not exist either)" : " (no such file)")
                    + (Path.of(path.trim()).isAbsolute() ? "" : "; relative paths resolve against NiFi's working directory");
        }
        if (!Files.isRegularFile(absolute)) {
            return what + " " + absolute + " is not a file" + (Files.isDirectory(absolute) ? " but a directory" : "");
        }
        if (!Files.isReadable(absolute)) {
            return what + " " + absolute + " exists but is not readable by the user running NiFi";
        }
        return null;
    }
}
