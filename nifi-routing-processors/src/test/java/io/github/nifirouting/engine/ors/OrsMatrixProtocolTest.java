package io.github.nifirouting.engine.ors;

import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrsMatrixProtocolTest {

    private static HttpHeaders headers(final Map<String, String> values) {
        final Map<String, List<String>> lists = new java.util.HashMap<>();
        values.forEach((name, value) -> lists.put(name, List.of(value)));
        return HttpHeaders.of(lists, (name, value) -> true);
    }

    @Test
    void quotaResetAcceptsSecondsEpochSecondsAndEpochMillis() {
        assertEquals(90, OrsMatrixProtocol.quotaReset(headers(Map.of("x-ratelimit-reset", "90"))).orElseThrow().toSeconds());
        final long inTenMinutesSeconds = System.currentTimeMillis() / 1000 + 600;
        final long fromSeconds = OrsMatrixProtocol.quotaReset(headers(Map.of("x-ratelimit-reset", String.valueOf(inTenMinutesSeconds)))).orElseThrow().toMinutes();
        assertTrue(fromSeconds == 9 || fromSeconds == 10, "epoch seconds: " + fromSeconds);
        final long inTenMinutesMillis = System.currentTimeMillis() + 600_000;
        final long fromMillis = OrsMatrixProtocol.quotaReset(headers(Map.of("x-ratelimit-reset", String.valueOf(inTenMinutesMillis)))).orElseThrow().toMinutes();
        assertTrue(fromMillis == 9 || fromMillis == 10, "epoch milliseconds: " + fromMillis);
        assertTrue(OrsMatrixProtocol.quotaReset(headers(Map.of("x-ratelimit-reset", "tomorrow"))).isEmpty());
        assertTrue(OrsMatrixProtocol.quotaReset(headers(Map.of("x-ratelimit-reset", "1000"))).orElseThrow().toSeconds() == 1000);
    }

    @Test
    void quotaIsToldApartFromARefusedKey() {
        assertTrue(OrsMatrixProtocol.isQuotaExhausted(headers(Map.of("x-ratelimit-remaining", "0")), null));
        assertTrue(OrsMatrixProtocol.isQuotaExhausted(headers(Map.of()), "Quota exceeded"));
        assertFalse(OrsMatrixProtocol.isQuotaExhausted(headers(Map.of("x-ratelimit-remaining", "12")), "Access to this API has been disallowed"));
    }
}
