package io.github.nifirouting.example;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/** Writes random sites in a bounding box as CSV (id,latitude,longitude,name). */
final class RandomSites {

    private RandomSites() {
    }

    /** @param box minLat, minLon, maxLat, maxLon */
    static Path write(final Path file, final String prefix, final int count, final double[] box, final long seed) throws IOException {
        final Random random = new Random(seed);
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id,latitude,longitude,name\n");
            for (int i = 0; i < count; i++) {
                out.write(String.format(Locale.ROOT, "%s-%d,%.6f,%.6f,%s %d%n", prefix, i, box[0] + random.nextDouble() * (box[2] - box[0]),
                        box[1] + random.nextDouble() * (box[3] - box[1]), prefix, i));
            }
        }
        return file;
    }
}
