package io.github.nifirouting.testsupport;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeOsrmServerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> get(final String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMillis(400)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersTablesInOsrmFormat() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(1)) {
            final HttpResponse<String> response = get(server.baseUrl()
                    + "/table/v1/driving/8.0,47.0;8.01,47.0;8.0,47.01?sources=0&destinations=1;2&annotations=duration,distance");
            assertEquals(200, response.statusCode());
            final String body = response.body();
            assertTrue(body.startsWith("{\"code\":\"Ok\",\"durations\":[["), body);
            final double expected = FakeOsrmServer.durationSeconds(47.0, 8.0, 47.0, 8.01);
            assertTrue(body.contains(String.format(java.util.Locale.ROOT, "[[%.1f,", expected)), body);
            assertEquals(1, server.okResponses());
        }
    }

    @Test
    void rejectsTablesBeyondMaxTableSize() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(1).maxTableSize(1)) {
            final HttpResponse<String> response = get(server.baseUrl() + "/table/v1/driving/8.0,47.0;8.01,47.0;8.0,47.01?sources=0;1&destinations=2");
            assertEquals(400, response.statusCode());
            assertTrue(response.body().contains("TooBig"));
        }
    }

    @Test
    void injectsEveryFaultKindAtTheConfiguredRate() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(7).faultRate(1.0).slowMillis(800)) {
            int failures = 0;
            for (int i = 0; i < 60; i++) {
                try {
                    final HttpResponse<String> response = get(server.baseUrl() + "/table/v1/driving/8.0,47.0;8.01,47.0");
                    if (response.statusCode() != 200 || !response.body().endsWith("}]}") || response.body().contains("oops")) {
                        failures++;
                    } else {
                        // a wrong-shape answer is well-formed JSON with one column too few: rows of 1 for a 2 x 2 request
                        assertTrue(response.body().matches(".*\"durations\":\\[\\[[^,\\]]*\\],\\[[^,\\]]*\\]\\].*"), response.body());
                        failures++;
                    }
                } catch (final java.io.IOException e) {
                    failures++;
                }
            }
            assertEquals(60, failures);
            // Java's HttpClient silently retries an idempotent GET once after a reset, so count server-side requests.
            assertEquals(server.requests(), server.injectedTotal());
            assertTrue(server.requests() >= 60);
            for (final FakeOsrmServer.Fault fault : FakeOsrmServer.Fault.values()) {
                assertTrue(server.injected(fault) > 0, fault + " never injected");
            }
        }
    }

    @Test
    void downMeansEveryConnectionIsReset() throws Exception {
        try (FakeOsrmServer server = new FakeOsrmServer(1)) {
            server.setDown(true);
            assertThrows(java.io.IOException.class, () -> get(server.baseUrl() + "/table/v1/driving/8.0,47.0;8.01,47.0"));
        }
    }
}
