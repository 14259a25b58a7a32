package io.github.nifirouting.coordinates;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonElementCensusTest {

    private static JsonElementCensus census(final String text) throws IOException {
        return JsonElementCensus.of(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void countsObjectsAndNotesTheFirstElementThatIsNotOne() throws IOException {
        final JsonElementCensus census = census(" [{\"a\":[1,{\"b\":null}]}, 7, null, {\"c\":1}, [2]]");
        assertTrue(census.json());
        assertEquals(5, census.elements());
        assertEquals(2, census.objects());
        assertEquals(1, census.firstNonObjectIndex());
        assertEquals("a number", census.firstNonObjectKind());
        assertEquals(1, census.missingRecords(1));
        assertEquals(0, census.missingRecords(2));
    }

    @Test
    void countsJsonLines() throws IOException {
        final JsonElementCensus census = census("{\"id\":1}\n{\"id\":2}\nnull\n{\"id\":3}\n");
        assertEquals(3, census.objects());
        assertEquals("null", census.firstNonObjectKind());
    }

    @Test
    void oneRootObjectProvesNothingAboutNestedRecords() throws IOException {
        final JsonElementCensus census = census("{\"data\":[{\"id\":1},{\"id\":2}]}");
        assertTrue(census.json());
        assertEquals(0, census.missingRecords(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"id,latitude,longitude\na,1,2\n", "[{\"id\":1}, ", "[1] trailing", ""})
    void claimsNothingAboutContentThatIsNotCompleteJson(final String text) throws IOException {
        final JsonElementCensus census = census(text);
        assertFalse(census.json());
        assertEquals(0, census.missingRecords(0));
    }
}
