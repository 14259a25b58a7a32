package io.github.nifirouting.processors;

import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.flowfile.attributes.FragmentAttributes;

import java.util.Locale;

/**
 * File names for outputs: every tile of an input keeps the input's name, so results written by name (PutFile) would
 * overwrite each other. Outputs are named {@code <input name>-<fragment index>.<extension of the writer's format>}.
 */
final class OutputNames {

    private OutputNames() {
    }

    static String name(final FlowFile input, final FlowFile output, final String mimeType) {
        final String filename = input.getAttribute(CoreAttributes.FILENAME.key());
        String base = filename == null || filename.isBlank() ? output.getAttribute(CoreAttributes.UUID.key()) : filename;
        final int dot = base.lastIndexOf('.');
        if (dot > 0) {
            base = base.substring(0, dot);
        }
        final String index = input.getAttribute(FragmentAttributes.FRAGMENT_INDEX.key());
        final String unique = index != null ? "-" + index : "";
        return base + unique + extension(mimeType);
    }

    static String extension(final String mimeType) {
        if (mimeType == null) {
            return "";
        }
        final String type = mimeType.toLowerCase(Locale.ROOT);
        if (type.contains("parquet")) {
            return ".parquet";
        } else if (type.contains("json")) {
            return ".json";
        } else if (type.contains("csv")) {
            return ".csv";
        } else if (type.contains("avro")) {
            return ".avro";
        } else if (type.contains("xml")) {
            return ".xml";
        }
        return "";
    }
}
