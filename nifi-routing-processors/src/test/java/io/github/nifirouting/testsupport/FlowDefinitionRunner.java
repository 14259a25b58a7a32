package io.github.nifirouting.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the part of a NiFi flow definition (templates/*.json) made of this bundle's processors in process, with NiFi's
 * test framework: every enabled controller service of the flow is created with its identifier and properties
 * (parameters substituted), our processors are configured from the flow, FlowFiles follow the flow's connections
 * (self-loops such as retry included), and what reaches a standard processor (e.g. PutFile) is collected as that
 * processor's output. Used by the template test and by the runnable example.
 */
public final class FlowDefinitionRunner {

    /** Standard components the flows use, with the property names and relationships NiFi 2.3.0 gives them. */
    public static final Map<String, Set<String>> KNOWN_STANDARD_PROPERTIES = Map.of(
            "org.apache.nifi.processors.standard.GetFile", Set.of("Input Directory", "File Filter", "Path Filter", "Batch Size",
                    "Keep Source File", "Recurse Subdirectories", "Polling Interval", "Ignore Hidden Files", "Minimum File Age",
                    "Maximum File Age", "Minimum File Size", "Maximum File Size"),
            "org.apache.nifi.processors.standard.PutFile", Set.of("Directory", "Conflict Resolution Strategy", "Create Missing Directories",
                    "Maximum File Count", "Last Modified Time", "Permissions", "Owner", "Group"));
    public static final Map<String, Set<String>> KNOWN_STANDARD_RELATIONSHIPS = Map.of(
            "org.apache.nifi.processors.standard.GetFile", Set.of("success"),
            "org.apache.nifi.processors.standard.PutFile", Set.of("success", "failure"));

    private static final Pattern PARAMETER = Pattern.compile("#\\{([^}]+)}");
    private static final String BUNDLE_GROUP = "io.github.nifirouting";

    private final JsonNode flow;
    private final Map<String, String> parameters = new HashMap<>();
    private final Map<String, JsonNode> processorsById = new LinkedHashMap<>();
    private final Map<String, TestRunner> runners = new LinkedHashMap<>();
    private final Map<String, List<MockFlowFile>> collected = new LinkedHashMap<>();

    public FlowDefinitionRunner(final Path definition, final Map<String, String> parameterOverrides) throws IOException {
        flow = new ObjectMapper().readTree(definition.toFile());
        effectiveParameters(flow, flow.get("flowContents").get("parameterContextName").asText())
                .forEach((name, parameter) -> {
                    final JsonNode value = parameter.get("value");
                    parameters.put(name, value == null || value.isNull() ? null : value.asText());
                });
        parameters.putAll(parameterOverrides);
        for (final JsonNode processor : flow.get("flowContents").get("processors")) {
            processorsById.put(processor.get("identifier").asText(), processor);
        }
    }

    /**
     * The parameters a process group bound to {@code contextName} sees, as NiFi resolves them: the context's own, then
     * those of its inherited contexts in their listed order (the first definition of a name wins).
     */
    public static Map<String, JsonNode> effectiveParameters(final JsonNode flow, final String contextName) {
        final Map<String, JsonNode> effective = new LinkedHashMap<>();
        final JsonNode context = flow.get("parameterContexts").get(contextName);
        if (context == null) {
            throw new AssertionError("the flow definition has no parameter context '" + contextName + "'");
        }
        context.get("parameters").forEach(parameter -> effective.put(parameter.get("name").asText(), parameter));
        for (final JsonNode inherited : context.path("inheritedParameterContexts")) {
            effectiveParameters(flow, inherited.asText()).forEach(effective::putIfAbsent);
        }
        return effective;
    }

    public JsonNode flow() {
        return flow;
    }

    public static boolean isOurs(final JsonNode component) {
        return BUNDLE_GROUP.equals(component.get("bundle").get("group").asText());
    }

    /** Replaces every {@code #{name}} by the parameter's value. */
    public String resolve(final String value) {
        final Matcher matcher = PARAMETER.matcher(value);
        final StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            final String name = matcher.group(1);
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("parameter " + name + " is not in the flow's parameter context");
            }
            final String replacement = parameters.get(name);
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(replacement == null ? "" : replacement));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    /** Creates a test runner for each of this bundle's processors, with the flow's enabled services, and checks all are valid. */
    public void configure() throws Exception {
        for (final JsonNode processor : processorsById.values()) {
            if (!isOurs(processor)) {
                continue;
            }
            final Processor instance = (Processor) Class.forName(processor.get("type").asText()).getDeclaredConstructor().newInstance();
            final TestRunner runner = TestRunners.newTestRunner(instance);
            addServices(runner);
            processor.get("properties").fields().forEachRemaining(p -> {
                if (p.getValue() != null && !p.getValue().isNull()) {
                    runner.setProperty(p.getKey(), resolve(p.getValue().asText()));
                }
            });
            runner.assertValid();
            runners.put(processor.get("identifier").asText(), runner);
        }
    }

    private void addServices(final TestRunner runner) throws Exception {
        for (final JsonNode service : flow.get("flowContents").get("controllerServices")) {
            if (!"ENABLED".equals(service.get("scheduledState").asText())) {
                continue;
            }
            final ControllerService instance = (ControllerService) Class.forName(service.get("type").asText()).getDeclaredConstructor().newInstance();
            runner.addControllerService(service.get("identifier").asText(), instance);
        }
        // properties after all services exist, since services refer to each other by identifier
        for (final JsonNode service : flow.get("flowContents").get("controllerServices")) {
            if (!"ENABLED".equals(service.get("scheduledState").asText())) {
                continue;
            }
            final ControllerService instance = runner.getControllerService(service.get("identifier").asText());
            service.get("properties").fields().forEachRemaining(p -> {
                if (p.getValue() != null && !p.getValue().isNull()) {
                    final PropertyDescriptor descriptor = instance.getPropertyDescriptor(p.getKey());
                    runner.setProperty(instance, descriptor, resolve(p.getValue().asText()));
                }
            });
        }
        // enable in dependency order: a service whose properties name another service comes after it
        final List<JsonNode> pending = new ArrayList<>();
        flow.get("flowContents").get("controllerServices").forEach(s -> {
            if ("ENABLED".equals(s.get("scheduledState").asText())) {
                pending.add(s);
            }
        });
        while (!pending.isEmpty()) {
            final int before = pending.size();
            pending.removeIf(service -> {
                final boolean ready = new ArrayList<JsonNode>() {{
                    service.get("properties").forEach(this::add);
                }}.stream().filter(v -> v != null && !v.isNull()).map(JsonNode::asText)
                        .filter(value -> flowServiceIds().contains(value))
                        .allMatch(id -> runner.isControllerServiceEnabled(runner.getControllerService(id)));
                if (ready) {
                    final ControllerService instance = runner.getControllerService(service.get("identifier").asText());
                    runner.assertValid(instance);
                    runner.enableControllerService(instance);
                }
                return ready;
            });
            if (pending.size() == before) {
                throw new IllegalStateException("controller services refer to each other in a cycle");
            }
        }
    }

    private Set<String> flowServiceIds() {
        final Set<String> ids = new java.util.HashSet<>();
        flow.get("flowContents").get("controllerServices").forEach(s -> ids.add(s.get("identifier").asText()));
        return ids;
    }

    /**
     * Puts {@code content} into the flow at our processor that the flow feeds from a standard source (e.g. GetFile),
     * then runs until nothing is queued. {@code progress} is told each time a processor finished a FlowFile.
     */
    public Map<String, List<MockFlowFile>> run(final byte[] content, final Map<String, String> attributes, final IntConsumer progress) {
        final String entry = entryProcessor();
        runners.get(entry).enqueue(content, attributes);
        int processed = 0;
        boolean busy = true;
        while (busy) {
            busy = false;
            for (final Map.Entry<String, TestRunner> current : runners.entrySet()) {
                final TestRunner runner = current.getValue();
                final int queued = runner.getQueueSize().getObjectCount();
                if (queued == 0) {
                    continue;
                }
                busy = true;
                // one FlowFile per run, so a long queue of tiles reports progress as it goes
                for (int i = 0; i < queued; i++) {
                    runner.run(1, i == queued - 1, i == 0);
                    progress.accept(++processed);
                }
                for (final Relationship relationship : runner.getProcessor().getRelationships()) {
                    final List<MockFlowFile> out = new ArrayList<>(runner.getFlowFilesForRelationship(relationship));
                    if (!out.isEmpty()) {
                        route(current.getKey(), relationship.getName(), out);
                    }
                }
                runner.clearTransferState();
            }
        }
        return collected;
    }

    private void route(final String sourceId, final String relationship, final List<MockFlowFile> flowFiles) {
        for (final JsonNode connection : flow.get("flowContents").get("connections")) {
            if (!connection.get("source").get("id").asText().equals(sourceId)) {
                continue;
            }
            boolean selected = false;
            for (final JsonNode name : connection.get("selectedRelationships")) {
                selected |= name.asText().equals(relationship);
            }
            if (!selected) {
                continue;
            }
            final String destination = connection.get("destination").get("id").asText();
            final TestRunner next = runners.get(destination);
            for (final MockFlowFile flowFile : flowFiles) {
                if (next != null) {
                    // content and attributes only: ids from another runner's session would clash
                    next.enqueue(flowFile.toByteArray(), flowFile.getAttributes());
                } else {
                    collected.computeIfAbsent(processorsById.get(destination).get("name").asText(), k -> new ArrayList<>()).add(flowFile);
                }
            }
            return;
        }
        // auto-terminated or unconnected: nothing to do (the template test checks every relationship is handled)
    }

    private String entryProcessor() {
        for (final JsonNode connection : flow.get("flowContents").get("connections")) {
            final String source = connection.get("source").get("id").asText();
            final String destination = connection.get("destination").get("id").asText();
            if (!runners.containsKey(source) && runners.containsKey(destination)) {
                return destination;
            }
        }
        throw new IllegalStateException("no connection from a standard source into this bundle's processors");
    }

    public TestRunner runner(final String processorName) {
        for (final Map.Entry<String, TestRunner> entry : runners.entrySet()) {
            if (processorsById.get(entry.getKey()).get("name").asText().equals(processorName)) {
                return entry.getValue();
            }
        }
        throw new IllegalArgumentException("no processor " + processorName);
    }
}
