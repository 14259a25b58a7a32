package io.github.nifirouting.engine.http;

import io.github.nifirouting.engine.graphhopper.EmbeddedGraphHopperEngine;
import io.github.nifirouting.engine.graphhopperapi.GraphHopperApiRoutingEngine;
import io.github.nifirouting.engine.ors.OpenRouteServiceRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.engine.valhalla.ValhallaRoutingEngine;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.util.NoOpProcessor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.nifirouting.testsupport.ServiceValidation.problems;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engine services say what is wrong before they are enabled: a missing extract, a missing key, and where the engine usually is. */
class EngineServiceValidationTest {

    @TempDir
    Path dir;

    private TestRunner runner;

    @BeforeEach
    void setUp() {
        runner = TestRunners.newTestRunner(NoOpProcessor.class);
    }

    @Test
    void embeddedEngineNamesTheAbsolutePathOfAMissingExtract() throws Exception {
        final EmbeddedGraphHopperEngine engine = new EmbeddedGraphHopperEngine();
        runner.addControllerService("graphhopper", engine);
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, "data/andorra.osm.pbf");
        runner.assertNotValid(engine);
        final Path expected = Path.of("data/andorra.osm.pbf").toAbsolutePath();
        final String problem = String.join("; ", problems(runner, engine));
        assertTrue(problem.contains("OSM extract not found: looked for " + expected), problem);
        assertTrue(problem.contains("relative paths resolve against NiFi's working directory"), problem);

        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, dir.toString());
        runner.assertNotValid(engine);
        assertTrue(String.join("; ", problems(runner, engine)).contains(dir.toAbsolutePath() + " is not a file but a directory"),
                problems(runner, engine).toString());

        final Path extract = Files.writeString(dir.resolve("tiny.osm"), "<osm/>");
        runner.setProperty(engine, EmbeddedGraphHopperEngine.OSM_FILE, extract.toString());
        runner.assertValid(engine);
    }

    @ParameterizedTest(name = "{0} at {1}: key required {2}")
    @CsvSource({
            "ors, https://api.openrouteservice.org, true",
            "ors, http://localhost:8080/ors, false",
            "graphhopper, https://graphhopper.com/api/1, true",
            "graphhopper, http://localhost:8989, false",
            "osrm, https://router.project-osrm.org, false",
            "valhalla, http://localhost:8002, false"})
    void hostedApisNeedAKey(final String engineName, final String baseUrl, final boolean keyRequired) throws Exception {
        final AbstractHttpRoutingEngine engine = switch (engineName) {
            case "ors" -> new OpenRouteServiceRoutingEngine();
            case "graphhopper" -> new GraphHopperApiRoutingEngine();
            case "osrm" -> new OsrmRoutingEngine();
            default -> new ValhallaRoutingEngine();
        };
        runner.addControllerService(engineName, engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, baseUrl);
        if (keyRequired) {
            runner.assertNotValid(engine);
            final String problem = String.join("; ", problems(runner, engine));
            assertTrue(problem.contains("refuses requests without a key: set API Key"), problem);
            runner.setProperty(engine, AbstractHttpRoutingEngine.API_KEY, "my-key");
        }
        runner.assertValid(engine);
    }

    @Test
    void blankKeyIsNotAKey() throws Exception {
        final OpenRouteServiceRoutingEngine engine = new OpenRouteServiceRoutingEngine();
        runner.addControllerService("ors", engine);
        runner.setProperty(engine, AbstractHttpRoutingEngine.BASE_URL, "https://api.openrouteservice.org");
        runner.setProperty(engine, AbstractHttpRoutingEngine.API_KEY, "   ");
        runner.assertNotValid(engine);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "osrm, http://localhost:5000",
            "valhalla, http://localhost:8002",
            "ors, https://api.openrouteservice.org",
            "ors, http://localhost:8080/ors",
            "graphhopper, https://graphhopper.com/api/1"})
    void baseUrlDescriptionNamesTheUsualAddress(final String engineName, final String address) {
        final AbstractHttpRoutingEngine engine = switch (engineName) {
            case "ors" -> new OpenRouteServiceRoutingEngine();
            case "graphhopper" -> new GraphHopperApiRoutingEngine();
            case "osrm" -> new OsrmRoutingEngine();
            default -> new ValhallaRoutingEngine();
        };
        final PropertyDescriptor baseUrl = engine.getPropertyDescriptor(AbstractHttpRoutingEngine.BASE_URL.getName());
        assertTrue(baseUrl.getDescription().contains(address), baseUrl.getDescription());
        assertTrue(baseUrl.isRequired());
    }
}
