package io.github.nifirouting.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.nifirouting.engine.http.AbstractHttpRoutingEngine;
import io.github.nifirouting.engine.osrm.OsrmRoutingEngine;
import io.github.nifirouting.model.MatrixRowFields;
import io.github.nifirouting.testsupport.ScriptedHttpServer;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InvokeRoutingMatrix's Max Snap Distance reaches the OSRM engine service with every request and is sent as radiuses,
 * over the service's Snap Radius: a point OSRM then cannot snap (NoSegment) gets NO_ROAD, the rest of the tile is routed.
 */
class InvokeRoutingMatrixMaxSnapTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TWO_POINTS = "id,latitude,longitude\na,42.51,1.52\nb,42.0,1.0\n";

    private ScriptedHttpServer server;
    private TestRunner runner;
    private OsrmRoutingEngine osrm;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedHttpServer();
        runner = TestRunners.newTestRunner(InvokeRoutingMatrix.class);
        osrm = new OsrmRoutingEngine();
        runner.addControllerService("osrm", osrm);
        runner.setProperty(osrm, AbstractHttpRoutingEngine.BASE_URL, server.baseUrl());
        runner.setProperty(osrm, AbstractHttpRoutingEngine.MAX_RETRIES, "0");
        runner.setProperty(osrm, OsrmRoutingEngine.SNAP_RADIUS, "900");
        runner.enableControllerService(osrm);
        final CSVReader csv = new CSVReader();
        runner.addControllerService("csv", csv);
        runner.setProperty(csv, "schema-access-strategy", "csv-header-derived");
        runner.enableControllerService(csv);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(InvokeRoutingMatrix.ROUTING_ENGINE, "osrm");
        runner.setProperty(InvokeRoutingMatrix.RECORD_READER, "csv");
        runner.setProperty(InvokeRoutingMatrix.RECORD_WRITER, "json-writer");
    }

    @AfterEach
    void tearDown() {
        runner.disableControllerService(osrm);
        server.close();
    }

    @Test
    void aPointWithoutARoadWithinMaxSnapDistanceGetsNoRoadAndTheRestIsRouted() throws Exception {
        runner.setProperty(InvokeRoutingMatrix.MAX_SNAP_DISTANCE, "250");
        // 2 x 2 among themselves: OSRM names b as a source (coordinate 1), then as a destination (coordinate 2 of a x {a, b})
        server.then(400, "{\"message\":\"Could not find a matching segment for coordinate 1\",\"code\":\"NoSegment\"}")
                .then(400, "{\"message\":\"Could not find a matching segment for coordinate 2\",\"code\":\"NoSegment\"}")
                .then(200, "{\"code\":\"Ok\",\"durations\":[[0]],\"distances\":[[0]],\"sources\":[{\"distance\":12.5}],"
                        + "\"destinations\":[{\"distance\":12.5}]}");
        runner.enqueue(TWO_POINTS);
        runner.run();

        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        final MockFlowFile out = runner.getFlowFilesForRelationship(InvokeRoutingMatrix.REL_SUCCESS).get(0);
        final Map<String, String> statuses = new HashMap<>();
        for (final JsonNode row : JSON.readTree(out.getContent())) {
            statuses.put(row.get(MatrixRowFields.ORIGIN_ID).asText() + ">" + row.get(MatrixRowFields.DESTINATION_ID).asText(),
                    row.get(MatrixRowFields.STATUS).asText());
        }
        assertEquals(Map.of("a>a", MatrixRowFields.STATUS_OK, "a>b", MatrixRowFields.STATUS_NO_ROAD, "b>a", MatrixRowFields.STATUS_NO_ROAD,
                "b>b", MatrixRowFields.STATUS_NO_ROAD), statuses);
        out.assertAttributeEquals("routing.pairs.ok", "1");
        out.assertAttributeEquals("routing.pairs.no.road", "3");
        assertEquals(3, server.requestCount());
        final String[] radiuses = {"&radiuses=250;250;250;250", "&radiuses=250;250;250", "&radiuses=250;250"};
        for (int i = 0; i < radiuses.length; i++) {
            assertTrue(server.requests().get(i).uri().endsWith(radiuses[i]), "the processor's 250 m, not the service's 900 m: "
                    + server.requests().get(i).uri());
        }
    }

    @Test
    void withoutMaxSnapDistanceTheServicesSnapRadiusIsSent() {
        server.then(200, "{\"code\":\"Ok\",\"durations\":[[0,10],[10,0]],\"distances\":[[0,100],[100,0]]}");
        runner.enqueue(TWO_POINTS);
        runner.run();
        runner.assertTransferCount(InvokeRoutingMatrix.REL_SUCCESS, 1);
        final String uri = server.requests().get(0).uri();
        assertTrue(uri.endsWith("&radiuses=900;900;900;900"), uri);
        assertFalse(uri.contains("250"), uri);
    }
}
