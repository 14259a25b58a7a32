package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.github.nifirouting.systemtest.NiFiRestClient.JSON;
import static io.github.nifirouting.systemtest.NiFiRestClient.encode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots a real Apache NiFi 2.3.0 with this build's NAR in extensions/ and checks, through the REST API only, what users
 * meet: every component listed with this bundle's coordinates, its documentation rendered, every component created in
 * a process group without errors beyond its required settings, and a flow definition imported, configured through its
 * parameter context, run on the embedded engine and its Parquet output read back independently. Flow definitions in
 * templates/ are imported too, and run where {@link #templateRuns} says how. See docs/system-test.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NiFiSystemIT {

    /** ~35 s on 2 busy cores; 3 min 6 s measured with ~8 builds sharing them (load ~27). Bounded, but generous. */
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(8);
    private static final String NIFI_HEAP = "768m";
    /** NiFi's messages for components that only lack settings, which a fresh component legitimately does. */
    private static final Pattern REQUIRED_PROPERTY = Pattern.compile("^'(.+)' is invalid because (.+) is required$");
    private static final Pattern UNCONNECTED_RELATIONSHIP =
            Pattern.compile("^'Relationship (.+)' is invalid because Relationship '(.+)' is not connected to any component and is not auto-terminated$");
    private static final Pattern NO_UPSTREAM =
            Pattern.compile("^'Upstream Connections' is invalid because Processor requires an upstream connection but currently has none$");

    private static Path target;
    private static NarBundle nar;
    private static NiFiProcess nifi;
    private static NiFiRestClient rest;
    private static FlowRunner flows;
    private static final Map<String, String> figures = new LinkedHashMap<>();
    private static long peakRss;

    @RegisterExtension
    static final TestWatcher LOG_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(final ExtensionContext context, final Throwable cause) {
            if (nifi != null) {
                System.out.println("FAILED " + context.getDisplayName() + ": NiFi's log follows\n" + nifi.logTail(80));
            }
        }
    };

    @BeforeAll
    static void bootNiFi() throws IOException {
        final Path home = Path.of(requiredProperty("nifi.home"));
        target = home.getParent();
        nar = NarBundle.read(Path.of(requiredProperty("nar.file")));
        System.out.printf("Bundle %s: %d processors, %d controller services%n", nar.bundle(), nar.processors().size(),
                nar.controllerServices().size());
        nifi = NiFiProcess.start(NiFiHome.prepare(home), NIFI_HEAP, BOOT_TIMEOUT);
        rest = nifi.rest();
        flows = new FlowRunner(rest);
        figures.put("boot (start to REST API answering)", seconds(nifi.bootTime()));
        sampleRss();
        figures.put("RSS after boot", nifi.residentSetDescription());
    }

    @AfterAll
    static void stopNiFi() {
        if (nifi == null) {
            return;
        }
        sampleRss();
        figures.put("peak RSS sampled", String.format("%.0f MB (-Xmx%s)", peakRss / 1048576.0, NIFI_HEAP));
        final Duration stop = nifi.stop();
        figures.put("stop (SIGTERM to exit)", seconds(stop));
        System.out.println("NiFi system test figures:");
        figures.forEach((name, value) -> System.out.printf("  %-45s %s%n", name, value));
        nifi = null;
    }

    @Test
    @Order(1)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void listsEveryComponentOfTheBundleWithItsCoordinates() {
        final String filter = "?bundleGroupFilter=" + encode(nar.bundle().group()) + "&bundleArtifactFilter=" + encode(nar.bundle().artifact());
        // NAR loading from extensions/ may finish after the REST API is up; wait for the bundle rather than fail on timing.
        final JsonNode processorTypes = FlowRunner.await("NiFi to list the bundle's processors", Duration.ofSeconds(60), () -> {
            final JsonNode types = rest.get("/flow/processor-types" + filter).path("processorTypes");
            return types.size() >= nar.processors().size() ? types : null;
        }, () -> nifi.logTail(40));
        assertEquals(nar.processors(), typesIn(processorTypes), "processors NiFi lists for " + nar.bundle());
        final JsonNode serviceTypes = rest.get("/flow/controller-service-types" + filter).path("controllerServiceTypes");
        assertEquals(nar.controllerServices(), typesIn(serviceTypes), "controller services NiFi lists for " + nar.bundle());
        for (final JsonNode type : iterable(processorTypes, serviceTypes)) {
            assertEquals(nar.bundle(), bundleOf(type.path("bundle")), "bundle of " + type.path("type").asText());
            assertFalse(type.path("description").asText().isBlank(), type.path("type").asText() + " has no description in the listing");
        }
        for (final JsonNode service : serviceTypes) {
            assertTrue(service.path("controllerServiceApis").size() > 0, service.path("type").asText() + " implements no service API");
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void rendersTheDocumentationOfEveryComponent() {
        final List<String> problems = new ArrayList<>();
        int additionalDetails = 0;
        for (final String type : nar.processors()) {
            additionalDetails += checkDocumentation("processor-definition", type, problems);
        }
        for (final String type : nar.controllerServices()) {
            additionalDetails += checkDocumentation("controller-service-definition", type, problems);
        }
        System.out.printf("Documentation: %d component definitions rendered, %d with additional details%n",
                nar.processors().size() + nar.controllerServices().size(), additionalDetails);
        assertTrue(problems.isEmpty(), "documentation NiFi serves for the bundle is incomplete:\n  " + String.join("\n  ", problems));
    }

    @Test
    @Order(3)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void createsEveryComponentInAProcessGroupAndEnablesTheServicesThatNeedNoSettings() {
        final String group = createProcessGroup("Components of " + nar.bundle());
        final Map<String, String> created = new LinkedHashMap<>(); // id -> type
        int row = 0;
        for (final String type : nar.controllerServices()) {
            created.put(createComponent(group, "controller-services", type, row++), type);
        }
        for (final String type : nar.processors()) {
            created.put(createComponent(group, "processors", type, row++), type);
        }

        final List<String> problems = new ArrayList<>();
        final List<String> enableable = new ArrayList<>();
        for (final Map.Entry<String, String> component : created.entrySet()) {
            final boolean service = nar.controllerServices().contains(component.getValue());
            final String path = (service ? "/controller-services/" : "/processors/") + component.getKey();
            final JsonNode entity = FlowRunner.await("validation of " + component.getValue(), Duration.ofSeconds(30), () -> {
                final JsonNode current = rest.get(path);
                return "VALIDATING".equals(current.path("component").path("validationStatus").asText()) ? null : current;
            }, () -> "");
            final JsonNode details = entity.path("component");
            if (details.path("extensionMissing").asBoolean(false)) {
                problems.add(component.getValue() + ": NiFi created a ghost (class not loadable from the NAR)");
                continue;
            }
            if (!nar.bundle().equals(bundleOf(details.path("bundle")))) {
                problems.add(component.getValue() + ": bundle " + bundleOf(details.path("bundle")));
            }
            final JsonNode definition = definition(service ? "controller-service-definition" : "processor-definition", component.getValue());
            final List<String> unexpected = unexpectedValidationErrors(details.path("validationErrors"), definition);
            if (!unexpected.isEmpty()) {
                problems.add(component.getValue() + " with default settings: " + unexpected);
            }
            if (service && "VALID".equals(details.path("validationStatus").asText())) {
                enableable.add(component.getKey());
            }
        }
        assertTrue(problems.isEmpty(), "components NiFi cannot create cleanly:\n  " + String.join("\n  ", problems));

        // Services valid with their defaults must also enable (runs their @OnEnabled inside NiFi), and disable again.
        for (final String id : enableable) {
            setServiceState(id, "ENABLED");
        }
        for (final String id : enableable) {
            FlowRunner.await(created.get(id) + " ENABLED", Duration.ofSeconds(60), () ->
                    "ENABLED".equals(rest.get("/controller-services/" + id).path("component").path("state").asText()) ? true : null,
                    () -> flows.bulletins(group));
            setServiceState(id, "DISABLED");
        }
        System.out.printf("Created %d components; enabled and disabled %d services valid with their defaults: %s%n", created.size(),
                enableable.size(), enableable.stream().map(created::get).map(t -> t.substring(t.lastIndexOf('.') + 1)).toList());
    }

    @Test
    @Order(4)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void importsConfiguresAndRunsTheDriveTimeMatrixFlowOnTheEmbeddedEngine() throws Exception {
        final Path andorra = requireOsmExtract("andorra.osm.pbf");
        final FlowScenario scenario = new DriveTimeMatrixScenario(nar, andorra, target.resolve("graph-cache"));
        final Path work = target.resolve("system-test-work").resolve("drive-time-matrix");
        NiFiHome.deleteRecursively(work);
        final FlowRunner.RunResult result = flows.run(scenario, work);
        sampleRss();
        figures.put("drive-time matrix: import flow definition", seconds(result.importTime()));
        figures.put("drive-time matrix: enable services (graph import)", seconds(result.enableTime()));
        figures.put("drive-time matrix: run to completion", seconds(result.runTime()));
        System.out.println(result.finalStatus());
    }

    /** ScoreAccessibility holding the tiles of each origin chunk in NiFi's own sessions, checked against DuckDB's recomputation. */
    @Test
    @Order(6)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void scoresAccessibilityFromTilesGroupedByOriginChunk() throws Exception {
        final Path andorra = requireOsmExtract("andorra.osm.pbf");
        final FlowScenario scenario = new AccessibilityScenario(nar, andorra, target.resolve("graph-cache"));
        final Path work = target.resolve("system-test-work").resolve("accessibility");
        NiFiHome.deleteRecursively(work);
        final FlowRunner.RunResult result = flows.run(scenario, work);
        sampleRss();
        figures.put("accessibility: run to completion", seconds(result.runTime()));
        System.out.println(result.finalStatus());
    }

    /**
     * Every flow definition in templates/ imports without ghost components and references this build's bundle; the ones
     * {@link #templateRuns} knows how to feed are also configured, run and checked.
     */
    @TestFactory
    @Order(5)
    Stream<DynamicTest> importsAndRunsTheTemplates() throws IOException {
        final Path templates = Path.of(requiredProperty("templates.dir")).toAbsolutePath().normalize();
        final List<Path> files = new ArrayList<>();
        if (Files.isDirectory(templates)) {
            try (Stream<Path> list = Files.list(templates)) {
                list.filter(file -> file.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
            }
        }
        System.out.println("Templates in " + templates + ": " + files.stream().map(Path::getFileName).toList());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            assertTemplateReferencesThisBuild(file);
            final var run = templateRuns().get(file.getFileName().toString());
            if (run == null) {
                final String group = flows.importFlow("template " + file.getFileName() + " (import only)", Files.readAllBytes(file));
                flows.assertExtensionsResolved(group);
                System.out.println(file.getFileName() + ": imported; no run registered in NiFiSystemIT.templateRuns");
                return;
            }
            final Path work = target.resolve("system-test-work").resolve(file.getFileName().toString().replace(".json", ""));
            NiFiHome.deleteRecursively(work);
            final FlowRunner.RunResult result = flows.run(run.apply(file, nar), work);
            sampleRss();
            figures.put(file.getFileName() + ": run to completion", seconds(result.runTime()));
        }));
    }

    /**
     * How to feed and check each template, by file name: the template with inputs and checks for its job and how their
     * parameter names map onto the template's (see docs/system-test.md). Templates not listed are imported only.
     */
    static Map<String, BiFunction<Path, NarBundle, FlowScenario>> templateRuns() {
        final Map<String, BiFunction<Path, NarBundle, FlowScenario>> runs = new LinkedHashMap<>();
        // The template uses the generated flow's parameter names, so its inputs and checks apply unchanged. chunk.size 10
        // makes 3 tiles of the 25 sites: each tile's Parquet must get its own file name, or PutFile would overwrite them.
        runs.put("drive-time-matrix.json", (file, bundle) -> new TemplateScenario(file,
                new DriveTimeMatrixScenario(bundle, requireOsmExtract("andorra.osm.pbf"), target.resolve("graph-cache"), false),
                Map.of(), Map.of("chunk.size", "10")));
        // chunk.size 2 cuts the 4 valid sites into 2 chunks, each its own GeoParquet file (names unique per chunk).
        runs.put("catchment-isochrones.json", (file, bundle) -> new TemplateScenario(file,
                new CatchmentIsochronesChecks(requireOsmExtract("andorra.osm.pbf"), target.resolve("graph-cache"), 2), Map.of(), Map.of()));
        return runs;
    }

    /** Issue 8: bundle coordinates in a template must match the NAR this build produces. */
    private static void assertTemplateReferencesThisBuild(final Path file) throws IOException {
        final JsonNode definition = JSON.readTree(file.toFile());
        assertTrue(definition.has("flowContents"), file + " is not a flow definition (no flowContents)");
        final List<String> wrong = new ArrayList<>();
        definition.findParents("bundle").forEach(component -> {
            final JsonNode bundle = component.path("bundle");
            if (nar.bundle().group().equals(bundle.path("group").asText()) && !nar.bundle().equals(bundleOf(bundle))) {
                wrong.add(component.path("name").asText() + " -> " + bundleOf(bundle));
            }
        });
        assertTrue(wrong.isEmpty(), file.getFileName() + " references other versions of this bundle than " + nar.bundle() + ": " + wrong);
    }

    private int checkDocumentation(final String kind, final String type, final List<String> problems) {
        final JsonNode definition = definition(kind, type);
        final String name = type.substring(type.lastIndexOf('.') + 1);
        if (definition.path("typeDescription").asText().isBlank()) {
            problems.add(name + ": no capability description");
        }
        if (definition.path("tags").isEmpty()) {
            problems.add(name + ": no tags");
        }
        definition.path("propertyDescriptors").forEach(property -> {
            if (property.path("description").asText().isBlank()) {
                problems.add(name + ": property '" + property.path("name").asText() + "' has no description");
            }
        });
        if (kind.startsWith("processor")) {
            if (definition.path("supportedRelationships").isEmpty()) {
                problems.add(name + ": no relationships documented");
            }
            definition.path("supportedRelationships").forEach(relationship -> {
                if (relationship.path("description").asText().isBlank()) {
                    problems.add(name + ": relationship '" + relationship.path("name").asText() + "' has no description");
                }
            });
        }
        if (definition.path("additionalDetails").asBoolean(false)) {
            final JsonNode details = rest.get("/flow/additional-details/" + coordinatesPath(type));
            if (details.path("additionalDetails").asText().isBlank()) {
                problems.add(name + ": declares additional details but NiFi serves none");
            }
            return 1;
        }
        return 0;
    }

    private JsonNode definition(final String kind, final String type) {
        return rest.get("/flow/" + kind + "/" + coordinatesPath(type));
    }

    private static String coordinatesPath(final String type) {
        return encode(nar.bundle().group()) + "/" + encode(nar.bundle().artifact()) + "/" + encode(nar.bundle().version()) + "/" + encode(type);
    }

    /** Validation errors other than "required property not set", "relationship not connected" and "no upstream connection". */
    private static List<String> unexpectedValidationErrors(final JsonNode errors, final JsonNode definition) {
        final List<String> unexpected = new ArrayList<>();
        for (final JsonNode error : errors) {
            final String message = error.asText();
            final Matcher required = REQUIRED_PROPERTY.matcher(message);
            if (required.matches()) {
                final JsonNode property = definition.path("propertyDescriptors").path(required.group(1));
                if (property.path("required").asBoolean(false) && !property.has("defaultValue")) {
                    continue;
                }
            } else if (UNCONNECTED_RELATIONSHIP.matcher(message).matches() || NO_UPSTREAM.matcher(message).matches()) {
                continue;
            }
            unexpected.add(message);
        }
        return unexpected;
    }

    private static String createProcessGroup(final String name) {
        final ObjectNode body = JSON.createObjectNode();
        body.putObject("revision").put("version", 0).put("clientId", rest.clientId());
        body.putObject("component").put("name", name).putObject("position").put("x", 0).put("y", 0);
        return rest.post("/process-groups/" + rest.rootGroupId() + "/process-groups", body).path("id").asText();
    }

    private static String createComponent(final String group, final String collection, final String type, final int row) {
        final ObjectNode body = JSON.createObjectNode();
        body.putObject("revision").put("version", 0).put("clientId", rest.clientId());
        final ObjectNode component = body.putObject("component");
        component.put("type", type);
        component.put("name", type.substring(type.lastIndexOf('.') + 1));
        component.putObject("bundle").put("group", nar.bundle().group()).put("artifact", nar.bundle().artifact())
                .put("version", nar.bundle().version());
        if (collection.equals("processors")) {
            component.putObject("position").put("x", 0).put("y", 200 * row);
        }
        return rest.post("/process-groups/" + group + "/" + collection, body).path("id").asText();
    }

    private static void setServiceState(final String id, final String state) {
        final JsonNode current = rest.get("/controller-services/" + id);
        final ObjectNode body = JSON.createObjectNode();
        body.set("revision", rest.revision(current));
        body.put("state", state);
        rest.put("/controller-services/" + id + "/run-status", body);
    }

    /** The real OSM extracts committed as test resources of nifi-routing-processors (failsafe sets osm.dir). */
    static Path requireOsmExtract(final String name) {
        final Path file = Path.of(requiredProperty("osm.dir")).resolve(name).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(file), "OSM extract " + name + " not found at " + file);
        return file;
    }

    private static Set<String> typesIn(final JsonNode types) {
        final Set<String> names = new TreeSet<>();
        types.forEach(type -> names.add(type.path("type").asText()));
        return names;
    }

    private static NarBundle.Bundle bundleOf(final JsonNode bundle) {
        return new NarBundle.Bundle(bundle.path("group").asText(), bundle.path("artifact").asText(), bundle.path("version").asText());
    }

    private static List<JsonNode> iterable(final JsonNode... arrays) {
        final List<JsonNode> all = new ArrayList<>();
        for (final JsonNode array : arrays) {
            array.forEach(all::add);
        }
        return all;
    }

    private static void sampleRss() {
        if (nifi != null) {
            nifi.residentSetBytes().ifPresent(rss -> peakRss = Math.max(peakRss, rss));
        }
    }

    private static String seconds(final Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }

    static String requiredProperty(final String name) {
        final String value = System.getProperty(name);
        if (value == null || value.contains("${")) {
            throw new AssertionError("system property " + name + " is not set: run the system test through Maven (./mvnw verify); "
                    + "the failsafe configuration in system-tests/nifi-routing-system-tests/pom.xml sets it");
        }
        return value;
    }
}
