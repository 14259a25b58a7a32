package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static io.github.nifirouting.systemtest.NiFiRestClient.JSON;

/**
 * Drives a flow definition through a running NiFi with the REST calls a user's clicks make: import as a process group,
 * set the parameter context's values, enable the controller services, check every processor is valid, start, wait until
 * the data has gone through, stop. Every wait has a timeout whose failure message carries the group's status (queues,
 * processor counters) and its bulletins, which is where NiFi reports what went wrong.
 */
final class FlowRunner {

    private static final Duration POLL = Duration.ofMillis(500);
    /** Consecutive unchanged polls of the group's counters that count as "the flow is done". */
    private static final int QUIET_POLLS = 4;

    private final NiFiRestClient rest;

    FlowRunner(final NiFiRestClient rest) {
        this.rest = rest;
    }

    /** Timings of one scenario, printed by the test. */
    record RunResult(String groupId, Duration importTime, Duration enableTime, Duration runTime, String finalStatus) {
    }

    /** Imports, configures, runs and stops the scenario's flow, then lets the scenario check its outputs. */
    RunResult run(final FlowScenario scenario, final Path workDir) throws Exception {
        return run(scenario, workDir, groupId -> { }, true);
    }

    /**
     * As {@link #run(FlowScenario, Path)}, with an action while the flow runs (e.g. killing a cluster node) and the
     * choice to leave the services enabled, so the same group can run again with {@link #rerun}.
     */
    RunResult run(final FlowScenario scenario, final Path workDir, final Consumer<String> whileRunning, final boolean disableServices)
            throws Exception {
        Files.createDirectories(workDir);
        long begin = System.nanoTime();
        final String groupId = importFlow(scenario.name(), scenario.flowDefinition());
        assertExtensionsResolved(groupId);
        final Duration importTime = since(begin);

        final Map<String, String> parameters = scenario.prepare(workDir);
        setParameters(groupId, parameters);

        begin = System.nanoTime();
        enableServices(groupId, scenario.enableTimeout(), scenario.unreferencedServicesToEnable());
        scenario.awaitReady();
        final Duration enableTime = since(begin);
        awaitProcessorsValid(groupId, Duration.ofSeconds(30));

        final RunResult result = runAndVerify(scenario, groupId, workDir, importTime, enableTime, whileRunning);
        if (disableServices) {
            setServicesState(groupId, "DISABLED");
        }
        return result;
    }

    /**
     * Runs a group that already ran once again, on new inputs in {@code workDir}: only the parameters named in
     * {@code parametersToChange} (e.g. the input and output directories) are set to the scenario's new values, so the
     * services, and what they hold, stay as they are. Services are left enabled.
     */
    RunResult rerun(final FlowScenario scenario, final String groupId, final Path workDir, final Set<String> parametersToChange)
            throws Exception {
        Files.createDirectories(workDir);
        final Map<String, String> parameters = new LinkedHashMap<>(scenario.prepare(workDir));
        parameters.keySet().retainAll(parametersToChange);
        setParameters(groupId, parameters);
        awaitProcessorsValid(groupId, Duration.ofSeconds(30));
        return runAndVerify(scenario, groupId, workDir, Duration.ZERO, Duration.ZERO, id -> { });
    }

    private RunResult runAndVerify(final FlowScenario scenario, final String groupId, final Path workDir, final Duration importTime,
                                   final Duration enableTime, final Consumer<String> whileRunning) throws Exception {
        final long begin = System.nanoTime();
        setGroupState(groupId, "RUNNING");
        try {
            whileRunning.accept(groupId);
            awaitQuiescence(groupId, scenario.runTimeout());
        } finally {
            setGroupState(groupId, "STOPPED");
        }
        final Duration runTime = since(begin);
        final String finalStatus = statusReport(groupId);
        final RunResult result = new RunResult(groupId, importTime, enableTime, runTime, finalStatus);
        try {
            scenario.verify(workDir, result);
        } catch (final AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + finalStatus, e);
        }
        return result;
    }

    /** Imports a flow definition under the root group and returns the new group's id. */
    String importFlow(final String groupName, final byte[] definition) {
        final JsonNode group = rest.uploadFlowDefinition(rest.rootGroupId(), groupName, definition);
        final String id = group.path("id").asText();
        if (id.isEmpty()) {
            throw new AssertionError("flow definition upload returned no process group: " + group);
        }
        return id;
    }

    /** NiFi imports components whose bundle it lacks as "ghost" placeholders; none may be a ghost. */
    void assertExtensionsResolved(final String groupId) {
        final List<String> ghosts = new ArrayList<>();
        for (final JsonNode processor : processors(groupId)) {
            if (processor.path("component").path("extensionMissing").asBoolean(false)) {
                ghosts.add("processor " + describe(processor.path("component")));
            }
        }
        for (final JsonNode service : services(groupId)) {
            if (service.path("component").path("extensionMissing").asBoolean(false)) {
                ghosts.add("controller service " + describe(service.path("component")));
            }
        }
        if (!ghosts.isEmpty()) {
            throw new AssertionError("NiFi has no extension for these imported components (bundle missing or wrong coordinates): "
                    + ghosts);
        }
    }

    /**
     * Sets parameter values the way a user does in the parameter context dialog: each value on the context that defines
     * the parameter (the group's own context or one it inherits, such as the templates' shared engine settings), through
     * NiFi's asynchronous update request.
     */
    void setParameters(final String groupId, final Map<String, String> values) {
        if (values.isEmpty()) {
            return;
        }
        final JsonNode group = rest.get("/process-groups/" + groupId);
        final String contextId = group.path("component").path("parameterContext").path("id").asText();
        if (contextId.isEmpty()) {
            throw new AssertionError("process group " + groupId + " has no parameter context to set " + values.keySet() + " on");
        }
        final Map<String, String> owner = new LinkedHashMap<>(); // parameter name -> id of the context defining it
        collectParameterOwners(contextId, owner, new HashSet<>());
        final Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(owner.keySet());
        if (!unknown.isEmpty()) {
            throw new AssertionError("the flow's parameter contexts have no parameters " + unknown + "; they have " + owner.keySet());
        }
        final Map<String, Map<String, String>> byContext = new LinkedHashMap<>();
        values.forEach((name, value) -> byContext.computeIfAbsent(owner.get(name), id -> new LinkedHashMap<>()).put(name, value));
        byContext.forEach(this::updateContext);
    }

    /** Own parameters first, then inherited contexts in order: the first context defining a name is the one NiFi uses. */
    private void collectParameterOwners(final String contextId, final Map<String, String> owner, final Set<String> visited) {
        if (!visited.add(contextId)) {
            return;
        }
        final JsonNode context = rest.get("/parameter-contexts/" + contextId).path("component");
        context.path("parameters").forEach(p -> {
            if (!p.path("parameter").path("inherited").asBoolean(false)) {
                owner.putIfAbsent(p.path("parameter").path("name").asText(), contextId);
            }
        });
        context.path("inheritedParameterContexts").forEach(inherited -> collectParameterOwners(inherited.path("id").asText(), owner, visited));
    }

    private void updateContext(final String contextId, final Map<String, String> values) {
        final JsonNode context = rest.get("/parameter-contexts/" + contextId);
        final Map<String, Boolean> sensitive = new HashMap<>();
        context.path("component").path("parameters").forEach(p -> sensitive.put(p.path("parameter").path("name").asText(),
                p.path("parameter").path("sensitive").asBoolean(false)));
        final ObjectNode request = JSON.createObjectNode();
        request.set("revision", rest.revision(context));
        request.put("id", contextId);
        final ObjectNode component = request.putObject("component");
        component.put("id", contextId);
        final ArrayNode parameters = component.putArray("parameters");
        values.forEach((name, value) -> {
            final ObjectNode parameter = parameters.addObject().putObject("parameter");
            parameter.put("name", name);
            parameter.put("value", value);
            parameter.put("sensitive", sensitive.getOrDefault(name, false));
        });
        final JsonNode update = rest.post("/parameter-contexts/" + contextId + "/update-requests", request);
        final String requestPath = "/parameter-contexts/" + contextId + "/update-requests/" + update.path("request").path("requestId").asText();
        try {
            final JsonNode done = await("parameter context update", Duration.ofSeconds(60), () -> {
                final JsonNode state = rest.get(requestPath);
                return state.path("request").path("complete").asBoolean() ? state : null;
            }, () -> "");
            final String failure = done.path("request").path("failureReason").asText("");
            if (!failure.isEmpty() && !"null".equals(failure)) {
                throw new AssertionError("setting parameters " + values.keySet() + " failed: " + failure);
            }
        } finally {
            rest.delete(requestPath);
        }
    }

    /**
     * Enables the services the group's processors use (directly or through other services) and waits for them. Services
     * nothing uses stay disabled: flow definitions ship alternatives (e.g. one service per routing engine) of which the
     * user enables one. NiFi keeps retrying a service whose enabling fails, so an ERROR bulletin from a service still
     * enabling ends the wait at once with NiFi's reason.
     */
    void enableServices(final String groupId, final Duration timeout) {
        enableServices(groupId, timeout, Set.of());
    }

    /**
     * As above, and also enables the services named in {@code unreferenced} that no processor uses (e.g. a cache server);
     * those are not waited for: a cache server in a one-machine cluster enables on the node that gets its port only.
     */
    void enableServices(final String groupId, final Duration timeout, final Set<String> unreferenced) {
        final Map<String, JsonNode> services = new LinkedHashMap<>();
        services(groupId).forEach(service -> services.put(service.path("id").asText(), service));
        final Set<String> alsoEnabled = new HashSet<>();
        services.forEach((id, service) -> {
            if (unreferenced.contains(service.path("component").path("name").asText())) {
                alsoEnabled.add(id);
            }
        });
        if (alsoEnabled.size() != unreferenced.size()) {
            throw new AssertionError("the flow lacks some of the services " + unreferenced);
        }
        final Set<String> needed = new HashSet<>();
        final Deque<JsonNode> referrers = new ArrayDeque<>();
        processors(groupId).forEach(processor -> referrers.add(processor.path("component").path("config").path("properties")));
        while (!referrers.isEmpty()) {
            referrers.pop().forEach(value -> {
                final String id = value.asText();
                if (services.containsKey(id) && needed.add(id)) {
                    referrers.add(services.get(id).path("component").path("properties"));
                }
            });
        }
        if (needed.isEmpty()) {
            return;
        }
        final ObjectNode body = JSON.createObjectNode();
        body.put("id", groupId);
        body.put("state", "ENABLED");
        body.put("disconnectedNodeAcknowledged", false);
        final ObjectNode components = body.putObject("components");
        needed.forEach(id -> components.set(id, rest.revision(services.get(id))));
        alsoEnabled.forEach(id -> components.set(id, rest.revision(services.get(id))));
        rest.put("/flow/process-groups/" + groupId + "/controller-services", body);
        await("controller services ENABLED", timeout, () -> {
            final Set<String> enabling = new HashSet<>();
            for (final JsonNode service : services(groupId)) {
                if (needed.contains(service.path("id").asText()) && !"ENABLED".equals(service.path("component").path("state").asText())) {
                    enabling.add(service.path("id").asText());
                }
            }
            if (enabling.isEmpty()) {
                return Boolean.TRUE;
            }
            for (final JsonNode entity : rest.get("/flow/bulletin-board?groupId=" + groupId + "&limit=30").path("bulletinBoard").path("bulletins")) {
                final JsonNode bulletin = entity.path("bulletin");
                if ("ERROR".equals(bulletin.path("level").asText()) && enabling.contains(bulletin.path("sourceId").asText())) {
                    throw new AssertionError("controller service '" + bulletin.path("sourceName").asText() + "' failed to enable: "
                            + bulletin.path("message").asText() + "\n" + serviceReport(groupId));
                }
            }
            return null;
        }, () -> serviceReport(groupId) + bulletins(groupId));
    }

    void setServicesState(final String groupId, final String state) {
        final ObjectNode body = JSON.createObjectNode();
        body.put("id", groupId);
        body.put("state", state);
        body.put("disconnectedNodeAcknowledged", false);
        rest.put("/flow/process-groups/" + groupId + "/controller-services", body);
    }

    void setGroupState(final String groupId, final String state) {
        final ObjectNode body = JSON.createObjectNode();
        body.put("id", groupId);
        body.put("state", state);
        body.put("disconnectedNodeAcknowledged", false);
        rest.put("/flow/process-groups/" + groupId, body);
    }

    /** Waits until NiFi has validated every processor of the group, then requires them all to be valid. */
    void awaitProcessorsValid(final String groupId, final Duration timeout) {
        final JsonNode processors = await("processor validation", timeout, () -> {
            final List<JsonNode> all = processors(groupId);
            return all.stream().anyMatch(p -> "VALIDATING".equals(p.path("component").path("validationStatus").asText())) ? null
                    : JSON.valueToTree(all);
        }, () -> "");
        final List<String> invalid = new ArrayList<>();
        for (final JsonNode processor : processors) {
            final JsonNode component = processor.path("component");
            if (!"VALID".equals(component.path("validationStatus").asText())) {
                invalid.add(describe(component) + ": " + component.path("validationErrors"));
            }
        }
        if (!invalid.isEmpty()) {
            throw new AssertionError("invalid processors after import, parameters and services:\n  " + String.join("\n  ", invalid)
                    + "\n" + serviceReport(groupId));
        }
    }

    /**
     * Waits until the data has gone through: nothing queued, no processor that takes input busy, something has reached
     * a processor that takes input, and the group's counters unchanged for several polls. Sources (GetFile, ...) keep
     * polling and are ignored.
     */
    void awaitQuiescence(final String groupId, final Duration timeout) {
        final Set<String> sources = new HashSet<>();
        for (final JsonNode processor : processors(groupId)) {
            if ("INPUT_FORBIDDEN".equals(processor.path("component").path("inputRequirement").asText())) {
                sources.add(processor.path("id").asText());
            }
        }
        final long[] previous = {-1};
        final int[] quiet = {0};
        await("the flow to finish (nothing queued or running, counters steady)", timeout, () -> {
            final JsonNode snapshot = rest.get("/flow/process-groups/" + groupId + "/status?recursive=true")
                    .path("processGroupStatus").path("aggregateSnapshot");
            final long[] totals = new long[3]; // received by non-sources, active threads in non-sources, all in+out
            walkProcessors(snapshot, processor -> {
                final boolean source = sources.contains(processor.path("id").asText());
                if (!source) {
                    totals[0] += processor.path("flowFilesIn").asLong();
                    totals[1] += processor.path("activeThreadCount").asLong();
                }
                totals[2] += processor.path("flowFilesIn").asLong() + processor.path("flowFilesOut").asLong();
            });
            final long queued = snapshot.path("flowFilesQueued").asLong();
            final long signature = totals[2] * 1_000_003L + queued;
            if (queued == 0 && totals[1] == 0 && totals[0] > 0 && signature == previous[0]) {
                quiet[0]++;
            } else {
                quiet[0] = 0;
            }
            previous[0] = signature;
            return quiet[0] >= QUIET_POLLS ? Boolean.TRUE : null;
        }, () -> statusReport(groupId));
    }

    /** Processors with their counters, non-empty queues and the group's bulletins. */
    String statusReport(final String groupId) {
        final StringBuilder report = new StringBuilder("Status of process group ").append(groupId).append(":\n");
        try {
            final JsonNode snapshot = rest.get("/flow/process-groups/" + groupId + "/status?recursive=true")
                    .path("processGroupStatus").path("aggregateSnapshot");
            walkProcessors(snapshot, p -> report.append(String.format("  %-40s %-8s in %6d  out %6d  active %d  tasks %d%n",
                    p.path("name").asText(), p.path("runStatus").asText(), p.path("flowFilesIn").asLong(), p.path("flowFilesOut").asLong(),
                    p.path("activeThreadCount").asLong(), p.path("taskCount").asLong())));
            walkConnections(snapshot, c -> {
                if (c.path("flowFilesQueued").asLong() > 0) {
                    report.append(String.format("  queued %6d  %s -> %s%n", c.path("flowFilesQueued").asLong(),
                            c.path("sourceName").asText(), c.path("destinationName").asText()));
                }
            });
        } catch (final RuntimeException | AssertionError e) {
            report.append("  (status unavailable: ").append(e.getMessage()).append(")\n");
        }
        return report + bulletins(groupId);
    }

    String bulletins(final String groupId) {
        final StringBuilder text = new StringBuilder();
        try {
            for (final JsonNode entity : rest.get("/flow/bulletin-board?groupId=" + groupId + "&limit=30").path("bulletinBoard").path("bulletins")) {
                final JsonNode bulletin = entity.path("bulletin");
                text.append("  bulletin ").append(bulletin.path("level").asText()).append(' ').append(bulletin.path("sourceName").asText())
                        .append(": ").append(bulletin.path("message").asText()).append('\n');
            }
        } catch (final RuntimeException | AssertionError e) {
            text.append("  (bulletins unavailable: ").append(e.getMessage()).append(")\n");
        }
        return text.isEmpty() ? "  no bulletins\n" : text.toString();
    }

    private String serviceReport(final String groupId) {
        final StringBuilder report = new StringBuilder("Controller services:\n");
        for (final JsonNode service : services(groupId)) {
            final JsonNode component = service.path("component");
            report.append("  ").append(describe(component)).append(' ').append(component.path("state").asText()).append(' ')
                    .append(component.path("validationStatus").asText());
            if (component.path("validationErrors").size() > 0) {
                report.append(' ').append(component.path("validationErrors"));
            }
            report.append('\n');
        }
        return report.toString();
    }

    /** NiFi's counters of one component (they count since NiFi started), by name. */
    Map<String, Long> counters(final String componentId) {
        final Map<String, Long> counters = new TreeMap<>();
        for (final JsonNode counter : rest.get("/counters").path("counters").path("aggregateSnapshot").path("counters")) {
            if (counter.path("context").asText().contains(componentId)) {
                counters.merge(counter.path("name").asText(), counter.path("valueCount").asLong(), Long::sum);
            }
        }
        return counters;
    }

    List<JsonNode> processors(final String groupId) {
        final List<JsonNode> all = new ArrayList<>();
        rest.get("/process-groups/" + groupId + "/processors?includeDescendantGroups=true").path("processors").forEach(all::add);
        return all;
    }

    List<JsonNode> services(final String groupId) {
        final List<JsonNode> all = new ArrayList<>();
        rest.get("/flow/process-groups/" + groupId + "/controller-services?includeAncestorGroups=false&includeDescendantGroups=true")
                .path("controllerServices").forEach(all::add);
        return all;
    }

    private static void walkProcessors(final JsonNode groupSnapshot, final Consumer<JsonNode> action) {
        groupSnapshot.path("processorStatusSnapshots").forEach(p -> action.accept(p.path("processorStatusSnapshot")));
        groupSnapshot.path("processGroupStatusSnapshots").forEach(g -> walkProcessors(g.path("processGroupStatusSnapshot"), action));
    }

    private static void walkConnections(final JsonNode groupSnapshot, final Consumer<JsonNode> action) {
        groupSnapshot.path("connectionStatusSnapshots").forEach(c -> action.accept(c.path("connectionStatusSnapshot")));
        groupSnapshot.path("processGroupStatusSnapshots").forEach(g -> walkConnections(g.path("processGroupStatusSnapshot"), action));
    }

    private static String describe(final JsonNode component) {
        return "'" + component.path("name").asText() + "' (" + component.path("type").asText() + " "
                + component.path("bundle").path("group").asText() + ":" + component.path("bundle").path("artifact").asText() + ":"
                + component.path("bundle").path("version").asText() + ")";
    }

    /** Polls until the supplier returns non-null; on timeout fails with what it waited for and a diagnosis. */
    static <T> T await(final String what, final Duration timeout, final Supplier<T> poll, final Supplier<String> diagnosis) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            final T value = poll.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "\n" + diagnosis.get());
            }
            NiFiProcess.sleep(POLL.toMillis());
        }
    }

    private static Duration since(final long begin) {
        return Duration.ofNanos(System.nanoTime() - begin);
    }
}
