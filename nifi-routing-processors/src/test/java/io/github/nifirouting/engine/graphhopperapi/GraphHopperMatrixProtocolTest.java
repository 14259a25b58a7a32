package io.github.nifirouting.engine.graphhopperapi;

import io.github.nifirouting.engine.RoutingException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Error answers of GraphHopper servers as they are written (captured from graphhopper-web 11.0 on Andorra). */
class GraphHopperMatrixProtocolTest {

    private static final HttpHeaders JSON = HttpHeaders.of(Map.of("Content-Type", List.of("application/json")), (a, b) -> true);

    private static RoutingException read(final int status, final String body) {
        return assertThrows(RoutingException.class, () -> new GraphHopperMatrixProtocol("car", null)
                .readMatrix(status, JSON, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), 2, 2));
    }

    @Test
    void theOpenSourceServersMissingMatrixIsNamed() {
        final RoutingException e = read(404, "{\"code\":404,\"message\":\"HTTP 404 Not Found\"}");
        assertEquals(RoutingException.Kind.REJECTED, e.kind());
        assertTrue(e.getMessage().contains("HTTP 404: HTTP 404 Not Found") && e.getMessage().contains("no /matrix")
                && e.getMessage().contains("embedded GraphHopper engine"), e.getMessage());
    }

    @Test
    void otherErrorsKeepTheServersMessageAndFirstHint() {
        final RoutingException e = read(400, """
                {"message":"The requested profile 'bike' does not exist.\\nAvailable profiles: [car]",
                 "hints":[{"message":"The requested profile 'bike' does not exist.\\nAvailable profiles: [car]",
                           "details":"java.lang.IllegalArgumentException"}]}""");
        assertEquals(RoutingException.Kind.REJECTED, e.kind());
        assertTrue(e.getMessage().startsWith("GraphHopper error (HTTP 400): The requested profile 'bike' does not exist"), e.getMessage());
        assertFalse(e.getMessage().contains("no /matrix"), e.getMessage());
    }
}
