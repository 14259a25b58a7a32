package io.github.nifirouting.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A small client for NiFi's REST API (unsecured, JSON). Every call checks the status code and fails with the method,
 * path, status and NiFi's answer, which is usually the reason in plain text.
 */
final class NiFiRestClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Duration requestTimeout;
    /** NiFi keys revisions by client id; one id for the whole test keeps them consistent. */
    private final String clientId = UUID.randomUUID().toString();
    /** How long to repeat requests a cluster refuses for a while (zero: a single node, no repeats). */
    private volatile Duration clusterHiccupRetry = Duration.ZERO;

    NiFiRestClient(final URI api, final Duration requestTimeout) {
        this.api = api;
        this.requestTimeout = requestTimeout;
    }

    /**
     * A cluster refuses requests for a while when it is not in a state to replicate them: 409 while the flow election
     * runs or a node is connecting or disconnected, 503 while no coordinator is known, and a GET fails with 5xx when a
     * node does not answer the replicated request in time. Such answers are repeated for up to {@code retryFor}. A 409
     * is safe to repeat for any method: NiFi's two-phase replication refuses it before changing anything.
     */
    NiFiRestClient retryingClusterHiccups(final Duration retryFor) {
        this.clusterHiccupRetry = retryFor;
        return this;
    }

    URI api() {
        return api;
    }

    String clientId() {
        return clientId;
    }

    JsonNode get(final String path) {
        return send("GET", path, HttpRequest.BodyPublishers.noBody(), null);
    }

    JsonNode post(final String path, final JsonNode body) {
        return send("POST", path, HttpRequest.BodyPublishers.ofString(body.toString()), "application/json");
    }

    JsonNode put(final String path, final JsonNode body) {
        return send("PUT", path, HttpRequest.BodyPublishers.ofString(body.toString()), "application/json");
    }

    JsonNode delete(final String path) {
        return send("DELETE", path, HttpRequest.BodyPublishers.noBody(), null);
    }

    /** The status code of a GET, for endpoints where "not found" is an expected answer. */
    int status(final String path) {
        return exchange("GET", path, HttpRequest.BodyPublishers.noBody(), null).statusCode();
    }

    /** GET returning the body as text (for non-JSON answers and diagnostics). */
    String text(final String path) {
        final HttpResponse<String> response = exchange("GET", path, HttpRequest.BodyPublishers.noBody(), null);
        check("GET", path, response);
        return response.body();
    }

    String rootGroupId() {
        return get("/flow/process-groups/root").path("processGroupFlow").path("id").asText();
    }

    /**
     * Imports a flow definition (the JSON of "Download flow definition") as a new process group, the way the UI's
     * "Import from file" does: {@code POST /process-groups/{parent}/process-groups/upload}, multipart.
     */
    JsonNode uploadFlowDefinition(final String parentGroupId, final String groupName, final byte[] definition) {
        return uploadFlowDefinition(parentGroupId, groupName, definition, 0, 0);
    }

    /** As {@link #uploadFlowDefinition(String, String, byte[])}, placing the new group at (x, y) on the parent's canvas. */
    JsonNode uploadFlowDefinition(final String parentGroupId, final String groupName, final byte[] definition, final double x, final double y) {
        final String boundary = "----nifi-routing-" + UUID.randomUUID();
        final Map<String, String> fields = new LinkedHashMap<>();
        fields.put("groupName", groupName);
        fields.put("positionX", Double.toString(x));
        fields.put("positionY", Double.toString(y));
        fields.put("clientId", clientId);
        fields.put("disconnectedNodeAcknowledged", "false");
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (final Map.Entry<String, String> field : fields.entrySet()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
                        + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + groupName + ".json\"\r\n"
                    + "Content-Type: application/json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(definition);
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        return send("POST", "/process-groups/" + parentGroupId + "/process-groups/upload",
                HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()), "multipart/form-data; boundary=" + boundary);
    }

    /** A revision object for a component NiFi has not seen modified by anyone but us. */
    /** Changes a processor's config (properties, scheduling, concurrent tasks) at its current revision; {@code config} fills it. */
    JsonNode updateProcessorConfig(final JsonNode processor, final java.util.function.Consumer<ObjectNode> config) {
        final ObjectNode update = JSON.createObjectNode();
        update.set("revision", revision(processor));
        final ObjectNode component = update.putObject("component");
        component.put("id", processor.path("id").asText());
        config.accept(component.putObject("config"));
        return put("/processors/" + processor.path("id").asText(), update);
    }

    ObjectNode revision(final JsonNode entity) {
        final ObjectNode revision = JSON.createObjectNode();
        revision.put("version", entity.path("revision").path("version").asLong(0));
        revision.put("clientId", clientId);
        return revision;
    }

    static String encode(final String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private JsonNode send(final String method, final String path, final HttpRequest.BodyPublisher body, final String contentType) {
        final long deadline = System.nanoTime() + clusterHiccupRetry.toNanos();
        HttpResponse<String> response = exchange(method, path, body, contentType);
        for (int attempt = 1; isClusterHiccup(method, response.statusCode()) && System.nanoTime() < deadline; attempt++) {
            System.out.printf("NiFi answered %s %s with HTTP %d (%s); repeating (attempt %d)%n", method, path, response.statusCode(),
                    abbreviate(response.body()).lines().findFirst().orElse(""), attempt + 1);
            NiFiProcess.sleep(Math.min(5000, 500L * attempt));
            response = exchange(method, path, body, contentType);
        }
        check(method, path, response);
        if (response.body() == null || response.body().isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(response.body());
        } catch (final IOException e) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + " with non-JSON: "
                    + abbreviate(response.body()), e);
        }
    }

    private boolean isClusterHiccup(final String method, final int status) {
        if (clusterHiccupRetry.isZero()) {
            return false;
        }
        return status == 409 || status == 503 || ("GET".equals(method) && status >= 500);
    }

    private HttpResponse<String> exchange(final String method, final String path, final HttpRequest.BodyPublisher body,
                                          final String contentType) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + path)).timeout(requestTimeout)
                .method(method, body).header("Accept", "application/json, text/plain, */*");
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (final IOException e) {
            throw new NiFiUnreachableException(method + " " + path + ": " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    private static void check(final String method, final String path, final HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            throw new AssertionError("NiFi answered " + method + " " + path + " with HTTP " + response.statusCode() + ": "
                    + abbreviate(response.body()));
        }
    }

    private static String abbreviate(final String text) {
        return text == null ? "" : text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
    }

    /** NiFi did not answer at all (not started yet, or gone). */
    static final class NiFiUnreachableException extends RuntimeException {
        NiFiUnreachableException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }
}
