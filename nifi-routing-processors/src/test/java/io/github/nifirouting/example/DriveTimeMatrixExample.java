package io.github.nifirouting.example;

import io.github.nifirouting.testsupport.FlowDefinitionRunner;
import org.apache.nifi.util.MockFlowFile;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs templates/drive-time-matrix.json end to end in process, without a NiFi installation: ChunkCoordinates ->
 * InvokeRoutingMatrix on the embedded GraphHopper engine -> Parquet files, then prints a summary. Arguments
 * {@code dir= osm= sites= competitors=}: with no {@code osm} it routes on a small synthetic town it generates; with the
 * path of an OpenStreetMap extract it routes there, with sites placed at random in the extract's bounding box.
 * <p>
 * Run by the README's first command ({@code ./mvnw -B install -DskipTests -Pexample}); add
 * {@code -Dexample.osm=nifi-routing-processors/src/test/resources/osm/andorra.osm.pbf -Dexample.sites=2000 -Dexample.competitors=500} for a real extract.
 */
public final class DriveTimeMatrixExample {

    private DriveTimeMatrixExample() {
    }

    public static void main(final String[] args) throws Exception {
        final Map<String, String> options = new java.util.HashMap<>(Map.of("dir", "target/example", "osm", "", "sites", "300", "competitors", "60"));
        for (final String arg : args) {
            final int eq = arg.indexOf('=');
            if (eq < 0 || !options.containsKey(arg.substring(0, eq))) {
                throw new IllegalArgumentException("arguments are dir=, osm=, sites=, competitors=; got " + arg);
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        final Path work = Path.of(options.get("dir")).toAbsolutePath();
        final String osmArgument = options.get("osm");
        final int siteCount = Integer.parseInt(options.get("sites"));
        final int competitorCount = Integer.parseInt(options.get("competitors"));
        Files.createDirectories(work);

        final Path osm;
        final double[] box;
        if (osmArgument.isBlank()) {
            final SyntheticRoadNetwork town = new SyntheticRoadNetwork(40, 42);
            osm = town.write(work.resolve("synthetic-town.osm"));
            box = new double[]{town.minLatitude(), town.minLongitude(), town.maxLatitude(), town.maxLongitude()};
            System.out.printf("Road network: synthetic town of 40 x 40 streets (%s)%n", osm);
        } else {
            osm = Path.of(osmArgument).toAbsolutePath();
            box = OsmBounds.of(osm);
            System.out.printf("Road network: %s, bounding box %.4f,%.4f - %.4f,%.4f%n", osm, box[0], box[1], box[2], box[3]);
        }
        final Path sites = RandomSites.write(work.resolve("sites.csv"), "site", siteCount, box, 1);
        final Path competitors = RandomSites.write(work.resolve("competitors.csv"), "competitor", competitorCount, box, 2);
        final Path output = work.resolve("output");
        Files.createDirectories(output);

        final Path template = templates().resolve("drive-time-matrix.json");
        final FlowDefinitionRunner flow = new FlowDefinitionRunner(template, Map.of(
                "competitors.file", competitors.toString(), "osm.file", osm.toString(),
                "graph.cache.directory", work.resolve("graphs").toString(), "chunk.size", "100"));
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        final long start = System.nanoTime();
        flow.configure();
        final long[] lastReport = {start};
        final Map<String, List<MockFlowFile>> outputs = flow.run(Files.readAllBytes(sites), Map.of("filename", "sites.csv"), processed -> {
            final long now = System.nanoTime();
            if (now - lastReport[0] > 1_000_000_000L) {
                lastReport[0] = now;
                System.out.printf("  ... %d FlowFiles processed (%.1f s)%n", processed, (now - start) / 1e9);
            }
        });
        final double seconds = (System.nanoTime() - start) / 1e9;

        long pairs = 0;
        long unroutable = 0;
        long bytes = 0;
        int index = 0;
        for (final MockFlowFile file : outputs.getOrDefault("Put matrix Parquet", List.of())) {
            pairs += Long.parseLong(file.getAttribute("record.count"));
            unroutable += Long.parseLong(file.getAttribute("routing.pairs.unroutable"));
            final Path parquet = output.resolve(String.format(Locale.ROOT, "matrix-%04d.parquet", index++));
            Files.write(parquet, file.toByteArray());
            bytes += file.getSize();
        }
        final int invalid = outputs.getOrDefault("Put invalid sites", List.of()).size();
        final int failed = outputs.getOrDefault("Put failed inputs and tiles", List.of()).size();
        final long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.println();
        System.out.println("Drive-time matrix example (templates/drive-time-matrix.json, embedded GraphHopper engine)");
        System.out.printf("  sites x competitors : %,d x %,d%n", siteCount, competitorCount);
        System.out.printf("  pairs written       : %,d (%,d unroutable) in %d Parquet files, %,d bytes, under %s%n", pairs, unroutable, index,
                bytes, output);
        System.out.printf("  invalid / failed    : %d invalid-record files, %d failed FlowFiles%n", invalid, failed);
        System.out.printf("  time                : %.1f s (%,.0f pairs/s, graph import included)%n", seconds, pairs / seconds);
        System.out.printf("  peak heap           : %.1f MB%n", peak / 1048576.0);
        System.out.printf("  open the result     : duckdb -c \"SELECT * FROM '%s/*.parquet' LIMIT 5\"%n", output);
        if (pairs != (long) siteCount * competitorCount) {
            throw new IllegalStateException("expected " + (long) siteCount * competitorCount + " pairs, wrote " + pairs);
        }
    }

    static Path templates() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("templates"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("templates/ not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("templates");
    }
}
