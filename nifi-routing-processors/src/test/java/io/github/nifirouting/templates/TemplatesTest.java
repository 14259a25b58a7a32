package io.github.nifirouting.templates;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.nifirouting.example.SyntheticRoadNetwork;
import io.github.nifirouting.testsupport.FlowDefinitionRunner;
import org.apache.nifi.components.ConfigurableComponent;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.util.MockFlowFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Keeps the flow definitions in templates/ honest: every type, property, parameter and relationship, then a real run. */
class TemplatesTest {

    private static final Pattern PARAMETER = Pattern.compile("#\\{([^}]+)}");
    private static final Set<String> STANDARD_SERVICES = Set.of("org.apache.nifi.csv.CSVReader", "org.apache.nifi.csv.CSVRecordSetWriter",
            "org.apache.nifi.json.JsonTreeReader", "org.apache.nifi.json.JsonRecordSetWriter");

    @TempDir
    Path dir;

    static Path templatesDirectory() {
        Path candidate = Path.of("").toAbsolutePath();
        while (candidate != null && !Files.isDirectory(candidate.resolve("templates"))) {
            candidate = candidate.getParent();
        }
        if (candidate == null) {
            throw new AssertionError("templates/ not found above " + Path.of("").toAbsolutePath());
        }
        return candidate.resolve("templates");
    }

    static List<Path> templates() throws IOException {
        try (Stream<Path> files = Files.list(templatesDirectory())) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void everyTemplateResolvesAgainstThisBundle() throws Exception {
        final List<Path> templates = templates();
        assertFalse(templates.isEmpty(), "templates/ holds flow definitions");
        final Set<String> registered = new HashSet<>();
        for (final String services : List.of("META-INF/services/org.apache.nifi.processor.Processor", "META-INF/services/org.apache.nifi.controller.ControllerService")) {
            try (var in = getClass().getClassLoader().getResourceAsStream(services)) {
                new String(in.readAllBytes()).lines().map(String::trim).filter(l -> !l.isEmpty()).forEach(registered::add);
            }
        }
        for (final Path template : templates) {
            final List<String> problems = new ArrayList<>();
            final FlowDefinitionRunner flow = new FlowDefinitionRunner(template, Map.of());
            final JsonNode contents = flow.flow().get("flowContents");
            final Set<String> parameterNames =
                    FlowDefinitionRunner.effectiveParameters(flow.flow(), contents.get("parameterContextName").asText()).keySet();
            final Set<String> serviceIds = new HashSet<>();
            contents.get("controllerServices").forEach(s -> serviceIds.add(s.get("identifier").asText()));
            final Set<String> processorIds = new HashSet<>();
            contents.get("processors").forEach(p -> processorIds.add(p.get("identifier").asText()));

            final List<JsonNode> components = new ArrayList<>();
            contents.get("processors").forEach(components::add);
            contents.get("controllerServices").forEach(components::add);
            for (final JsonNode component : components) {
                final String type = component.get("type").asText();
                final String name = component.get("name").asText();
                final JsonNode bundle = component.get("bundle");
                Set<String> propertyNames = null;
                if (FlowDefinitionRunner.isOurs(component)) {
                    if (!"nifi-routing-nar".equals(bundle.get("artifact").asText())
                            || !System.getProperty("project.version", "0.1.0-SNAPSHOT").equals(bundle.get("version").asText())) {
                        problems.add(name + ": bundle " + bundle + " is not this build's NAR");
                    }
                    if (!registered.contains(type)) {
                        problems.add(name + ": " + type + " is not a registered component of this bundle");
                        continue;
                    }
                    propertyNames = names((ConfigurableComponent) Class.forName(type).getDeclaredConstructor().newInstance());
                } else if (STANDARD_SERVICES.contains(type)) {
                    propertyNames = names((ConfigurableComponent) Class.forName(type).getDeclaredConstructor().newInstance());
                } else if (FlowDefinitionRunner.KNOWN_STANDARD_PROPERTIES.containsKey(type)) {
                    propertyNames = FlowDefinitionRunner.KNOWN_STANDARD_PROPERTIES.get(type);
                    if (!"nifi-standard-nar".equals(bundle.get("artifact").asText())) {
                        problems.add(name + ": " + type + " comes from nifi-standard-nar, not " + bundle.get("artifact").asText());
                    }
                } else {
                    problems.add(name + ": unknown type " + type);
                    continue;
                }
                final Set<String> known = propertyNames;
                component.get("properties").fields().forEachRemaining(property -> {
                    if (!known.contains(property.getKey())) {
                        problems.add(name + ": no property '" + property.getKey() + "' on " + type);
                    }
                    final String value = property.getValue().isNull() ? "" : property.getValue().asText();
                    final Matcher parameter = PARAMETER.matcher(value);
                    while (parameter.find()) {
                        if (!parameterNames.contains(parameter.group(1))) {
                            problems.add(name + ": property '" + property.getKey() + "' uses unknown parameter " + parameter.group(1));
                        }
                    }
                    if (value.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}") && !serviceIds.contains(value)) {
                        problems.add(name + ": property '" + property.getKey() + "' refers to a service not in the flow: " + value);
                    }
                });
            }
            for (final JsonNode processor : contents.get("processors")) {
                final Set<String> relationships = relationships(processor);
                final Set<String> handled = new HashSet<>();
                processor.get("autoTerminatedRelationships").forEach(r -> handled.add(r.asText()));
                for (final JsonNode connection : contents.get("connections")) {
                    if (!processorIds.contains(connection.get("source").get("id").asText())
                            || !processorIds.contains(connection.get("destination").get("id").asText())) {
                        problems.add("connection " + connection.get("name").asText() + " ends outside the flow's processors");
                    }
                    if (connection.get("source").get("id").asText().equals(processor.get("identifier").asText())) {
                        connection.get("selectedRelationships").forEach(r -> handled.add(r.asText()));
                        if (connection.get("backPressureObjectThreshold").asLong() <= 0 || connection.get("backPressureDataSizeThreshold").asText().isBlank()) {
                            problems.add("connection " + connection.get("name").asText() + " has no back-pressure thresholds");
                        }
                    }
                }
                for (final String relationship : handled) {
                    if (!relationships.contains(relationship)) {
                        problems.add(processor.get("name").asText() + " has no relationship '" + relationship + "'");
                    }
                }
                for (final String relationship : relationships) {
                    if (!handled.contains(relationship)) {
                        problems.add(processor.get("name").asText() + ": relationship '" + relationship + "' is neither connected nor auto-terminated");
                    }
                }
            }
            if (!problems.isEmpty()) {
                fail(template.getFileName() + ":\n  " + String.join("\n  ", problems));
            }
            System.out.printf("%s: %d processors, %d services, %d connections resolve against this bundle%n", template.getFileName(),
                    contents.get("processors").size(), contents.get("controllerServices").size(), contents.get("connections").size());
        }
    }

    /**
     * What a person sees on the canvas: a self-loop without bends is drawn as nothing (NiFi routes it through its bends),
     * and no connection label may cover another label or a processor. Boxes as NiFi 2's canvas draws them: processors
     * {@value #PROCESSOR_WIDTH} x {@value #PROCESSOR_HEIGHT} at their position, a connection's label (relationship and queue
     * rows, at most {@value #LABEL_WIDTH} x {@value #LABEL_HEIGHT}) centred on its labelled bend, or on the middle between
     * the two processors when the connection is straight.
     */
    @Test
    void everyTemplateIsReadableOnTheCanvas() throws Exception {
        for (final Path template : templates()) {
            final JsonNode contents = new FlowDefinitionRunner(template, Map.of()).flow().get("flowContents");
            final Map<String, JsonNode> processors = new java.util.LinkedHashMap<>();
            contents.get("processors").forEach(p -> processors.put(p.get("identifier").asText(), p));
            final Map<String, Box> boxes = new java.util.LinkedHashMap<>();
            processors.values().forEach(p -> boxes.put("processor '" + p.get("name").asText() + "'", new Box(p.get("position").get("x").asDouble(),
                    p.get("position").get("y").asDouble(), PROCESSOR_WIDTH, PROCESSOR_HEIGHT)));
            final List<String> problems = new ArrayList<>();
            for (final JsonNode connection : contents.get("connections")) {
                final String name = "label of " + connection.get("source").get("name").asText() + " -" + connection.get("selectedRelationships")
                        + "-> " + connection.get("destination").get("name").asText();
                final JsonNode bends = connection.get("bends");
                final boolean selfLoop = connection.get("source").get("id").asText().equals(connection.get("destination").get("id").asText());
                if (selfLoop && bends.size() < 2) {
                    problems.add(name + ": a self-loop needs at least two bends to be drawn, has " + bends.size());
                }
                final double centreX;
                final double centreY;
                if (bends.isEmpty()) {
                    final Box source = boxes.get("processor '" + connection.get("source").get("name").asText() + "'");
                    final Box destination = boxes.get("processor '" + connection.get("destination").get("name").asText() + "'");
                    centreX = (source.centreX() + destination.centreX()) / 2;
                    centreY = (source.centreY() + destination.centreY()) / 2;
                } else {
                    final int index = connection.path("labelIndex").asInt(0);
                    assertTrue(index >= 0 && index < bends.size(), name + ": labelIndex " + index + " outside its " + bends.size() + " bends");
                    centreX = bends.get(index).get("x").asDouble();
                    centreY = bends.get(index).get("y").asDouble();
                }
                boxes.put(name, new Box(centreX - LABEL_WIDTH / 2.0, centreY - LABEL_HEIGHT / 2.0, LABEL_WIDTH, LABEL_HEIGHT));
            }
            final List<Map.Entry<String, Box>> all = new ArrayList<>(boxes.entrySet());
            for (int i = 0; i < all.size(); i++) {
                for (int j = i + 1; j < all.size(); j++) {
                    if (all.get(i).getValue().overlaps(all.get(j).getValue())) {
                        problems.add(all.get(i).getKey() + " " + all.get(i).getValue() + " overlaps " + all.get(j).getKey() + " " + all.get(j).getValue());
                    }
                }
            }
            if (!problems.isEmpty()) {
                fail(template.getFileName() + " is hard to read on the canvas:\n  " + String.join("\n  ", problems));
            }
        }
    }

    /**
     * Each value is entered once: every flow binds one parameter context; a parameter name is defined in only one context
     * of its hierarchy; and a context of the same name (the shared engine settings) is defined identically in every
     * template, so importing a second flow reuses the context the first one created instead of asking for the values again.
     */
    @Test
    void everyParameterIsEnteredOnce() throws Exception {
        final Map<String, JsonNode> contextsByName = new java.util.HashMap<>();
        final List<String> problems = new ArrayList<>();
        for (final Path template : templates()) {
            final JsonNode flow = new FlowDefinitionRunner(template, Map.of()).flow();
            final JsonNode contents = flow.get("flowContents");
            final String bound = contents.path("parameterContextName").asText();
            assertFalse(bound.isEmpty(), template.getFileName() + ": the flow binds no parameter context");
            contents.get("processGroups").forEach(group -> {
                if (group.has("parameterContextName") && !bound.equals(group.get("parameterContextName").asText())) {
                    problems.add(template.getFileName() + ": group '" + group.get("name").asText() + "' binds another context");
                }
            });
            final Map<String, String> definedIn = new java.util.HashMap<>();
            final Set<String> reachable = new java.util.LinkedHashSet<>();
            collectHierarchy(flow, bound, reachable);
            for (final String contextName : reachable) {
                for (final JsonNode parameter : flow.get("parameterContexts").get(contextName).get("parameters")) {
                    final String previous = definedIn.put(parameter.get("name").asText(), contextName);
                    if (previous != null) {
                        problems.add(template.getFileName() + ": parameter '" + parameter.get("name").asText() + "' is defined in both '"
                                + previous + "' and '" + contextName + "'");
                    }
                }
            }
            flow.get("parameterContexts").fields().forEachRemaining(context -> {
                if (!reachable.contains(context.getKey())) {
                    problems.add(template.getFileName() + ": parameter context '" + context.getKey() + "' is not used by the flow");
                }
                final JsonNode other = contextsByName.putIfAbsent(context.getKey(), context.getValue());
                if (other != null && !other.equals(context.getValue())) {
                    problems.add(template.getFileName() + ": parameter context '" + context.getKey() + "' differs from the one of the same name in another template");
                }
            });
        }
        // The same name with the same value in two contexts is one setting entered twice; it belongs in a shared context.
        final Map<String, String> firstContextOf = new java.util.HashMap<>();
        final Map<String, String> firstValueOf = new java.util.HashMap<>();
        contextsByName.forEach((contextName, context) -> context.get("parameters").forEach(parameter -> {
            final String name = parameter.get("name").asText();
            final String value = parameter.path("value").asText("");
            final String otherContext = firstContextOf.putIfAbsent(name, contextName);
            final String otherValue = firstValueOf.putIfAbsent(name, value);
            if (otherContext != null && value.equals(otherValue)) {
                problems.add("parameter '" + name + "' = '" + value + "' is defined in both '" + otherContext + "' and '" + contextName
                        + "': move it to a context both inherit");
            }
        }));
        assertTrue(contextsByName.values().stream().anyMatch(context -> context.get("parameters").findValuesAsText("name").contains("osm.file")
                && context.get("parameters").findValuesAsText("name").contains("ors.api.key")), "one context holds the engine settings");
        if (!problems.isEmpty()) {
            fail(String.join("\n  ", problems));
        }
    }

    private static void collectHierarchy(final JsonNode flow, final String contextName, final Set<String> reachable) {
        if (reachable.add(contextName)) {
            final JsonNode context = flow.get("parameterContexts").get(contextName);
            assertTrue(context != null, "no parameter context '" + contextName + "' in the flow definition");
            context.path("inheritedParameterContexts").forEach(inherited -> collectHierarchy(flow, inherited.asText(), reachable));
        }
    }

    private static final int PROCESSOR_WIDTH = 352;
    private static final int PROCESSOR_HEIGHT = 128;
    private static final int LABEL_WIDTH = 240;
    private static final int LABEL_HEIGHT = 100;

    private record Box(double x, double y, double width, double height) {
        double centreX() {
            return x + width / 2;
        }

        double centreY() {
            return y + height / 2;
        }

        boolean overlaps(final Box other) {
            return x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height;
        }

        @Override
        public String toString() {
            return String.format("[%.0f,%.0f %.0fx%.0f]", x, y, width, height);
        }
    }

    private static Set<String> names(final ConfigurableComponent component) {
        final Set<String> names = new HashSet<>();
        for (final PropertyDescriptor descriptor : component.getPropertyDescriptors()) {
            names.add(descriptor.getName());
        }
        return names;
    }

    private static Set<String> relationships(final JsonNode processor) throws Exception {
        final String type = processor.get("type").asText();
        if (FlowDefinitionRunner.KNOWN_STANDARD_RELATIONSHIPS.containsKey(type)) {
            return FlowDefinitionRunner.KNOWN_STANDARD_RELATIONSHIPS.get(type);
        }
        final Set<String> names = new HashSet<>();
        for (final Relationship relationship : ((Processor) Class.forName(type).getDeclaredConstructor().newInstance()).getRelationships()) {
            names.add(relationship.getName());
        }
        return names;
    }

    @Test
    void driveTimeMatrixTemplateRunsEndToEndIntoParquet() throws Exception {
        final SyntheticRoadNetwork town = new SyntheticRoadNetwork(25, 7);
        final Path osm = town.write(dir.resolve("town.osm"));
        final Path sites = town.writeSites(dir.resolve("sites.csv"), "site", 40, 1);
        final Path competitors = town.writeSites(dir.resolve("competitors.csv"), "comp", 15, 2);
        Files.writeString(sites, Files.readString(sites) + "broken,91.5,8.01,broken site\n");
        final FlowDefinitionRunner flow = new FlowDefinitionRunner(templatesDirectory().resolve("drive-time-matrix.json"), Map.of(
                "competitors.file", competitors.toString(), "osm.file", osm.toString(),
                "graph.cache.directory", dir.resolve("graphs").toString(), "chunk.size", "10"));
        flow.configure();
        final Map<String, List<MockFlowFile>> outputs = flow.run(Files.readAllBytes(sites), Map.of("filename", "sites.csv"), processed -> { });

        final List<MockFlowFile> matrix = outputs.getOrDefault("Put matrix Parquet", List.of());
        assertEquals(4, matrix.size(), "40 sites in chunks of 10, each tile with all 15 competitors: "
                + outputs.keySet());
        assertEquals(matrix.size(), matrix.stream().map(f -> f.getAttribute("filename")).distinct().count(),
                "every tile gets its own file name, so PutFile does not overwrite one with another");
        assertTrue(matrix.get(0).getAttribute("filename").matches("sites-\\d+\\.parquet"), matrix.get(0).getAttribute("filename"));
        assertEquals(1, outputs.get("Put invalid sites").size());
        assertFalse(outputs.containsKey("Put failed inputs and tiles"), "nothing failed");
        long rows = 0;
        long ok = 0;
        int index = 0;
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            for (final MockFlowFile file : matrix) {
                final Path parquet = Files.write(dir.resolve("matrix-" + index++ + ".parquet"), file.toByteArray());
                try (ResultSet result = sql.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'OK' AND duration_s > 0 "
                        + "AND distance_m > 0 OR origin_id = destination_id) FROM read_parquet('" + parquet + "')")) {
                    result.next();
                    rows += result.getLong(1);
                    ok += result.getLong(2);
                }
            }
        }
        assertEquals(40 * 15, rows, "every valid site x competitor pair once");
        assertTrue(ok >= rows * 0.9, "the synthetic town is connected: " + ok + " of " + rows);
    }

    @Test
    void catchmentTemplateChunksSiteFilesAndRunsEndToEndIntoGeoParquet() throws Exception {
        final SyntheticRoadNetwork town = new SyntheticRoadNetwork(25, 7);
        final Path osm = town.write(dir.resolve("town.osm"));
        final Path sites = town.writeSites(dir.resolve("stores.csv"), "store", 6, 3);
        final FlowDefinitionRunner flow = new FlowDefinitionRunner(templatesDirectory().resolve("catchment-isochrones.json"), Map.of(
                "osm.file", osm.toString(), "graph.cache.directory", dir.resolve("graphs").toString(), "thresholds", "2 min, 4 min",
                "chunk.size", "4"));
        flow.configure();
        final Map<String, List<MockFlowFile>> outputs = flow.run(Files.readAllBytes(sites), Map.of("filename", "stores.csv"), processed -> { });
        final List<MockFlowFile> catchments = outputs.get("Put catchment GeoParquet");
        assertEquals(2, catchments.size(), "6 stores in chunks of 4: one GeoParquet file per chunk " + outputs.keySet());
        assertEquals(Set.of("stores-0.parquet", "stores-1.parquet"),
                Set.of(catchments.get(0).getAttribute("filename"), catchments.get(1).getAttribute("filename")), "unique names for PutFile");
        final List<String> files = new ArrayList<>();
        for (final MockFlowFile catchment : catchments) {
            final Path parquet = Files.write(dir.resolve(catchment.getAttribute("filename")), catchment.toByteArray());
            files.add("'" + parquet + "'");
        }
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement();
             ResultSet result = sql.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'OK' AND area_km2 > 0), "
                     + "count(DISTINCT site_id), count(DISTINCT (site_id, threshold_s)) FROM read_parquet([" + String.join(", ", files) + "])")) {
            result.next();
            assertEquals(12, result.getLong(1), "6 stores x 2 thresholds");
            assertEquals(12, result.getLong(2));
            assertEquals(6, result.getLong(3));
            assertEquals(12, result.getLong(4), "no store twice");
        }
    }
}
