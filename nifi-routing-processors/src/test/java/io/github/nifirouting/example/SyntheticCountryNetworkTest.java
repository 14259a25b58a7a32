package io.github.nifirouting.example;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated country is deterministic, well-formed OSM and has the structure real road networks have. */
class SyntheticCountryNetworkTest {

    @TempDir
    static Path dir;

    private static SyntheticCountryNetwork country;
    private static Path file;
    private static Osm osm;

    /** What the test reads back from the file. */
    private record Way(long id, long[] refs, Map<String, String> tags) {
        String highway() {
            return tags.get("highway");
        }
    }

    private record Osm(Map<Long, double[]> nodes, List<Way> ways, List<long[]> restrictions, List<String> restrictionTypes) {
    }

    @BeforeAll
    static void write() throws Exception {
        country = new SyntheticCountryNetwork(30, 17);
        file = country.write(dir.resolve("country-30.osm"));
        osm = read(file);
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedAnotherNetwork() throws Exception {
        final Path again = new SyntheticCountryNetwork(30, 17).write(dir.resolve("again.osm"));
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
        final Path other = new SyntheticCountryNetwork(30, 18).write(dir.resolve("other.osm"));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(file), Files.readAllBytes(other)));
        // Counting without writing gives the written figures.
        final SyntheticCountryNetwork counted = new SyntheticCountryNetwork(30, 17);
        assertEquals(country.stats(), counted.stats());
        assertEquals(osm.nodes().size(), counted.nodeCount());
        assertEquals(osm.ways().size(), counted.stats().ways());
        assertEquals(osm.restrictions().size(), counted.stats().restrictions());
    }

    @Test
    void everyReferenceResolvesAndNodesLieInTheBounds() {
        final Set<Long> wayIds = new HashSet<>();
        for (final Way way : osm.ways()) {
            assertTrue(wayIds.add(way.id()), "way id repeated: " + way.id());
            assertTrue(way.refs().length >= 2, "way " + way.id());
            assertNotNull(way.highway(), "way " + way.id());
            for (final long ref : way.refs()) {
                assertTrue(osm.nodes().containsKey(ref), "way " + way.id() + " refers to missing node " + ref);
            }
        }
        for (final double[] node : osm.nodes().values()) {
            assertTrue(node[0] >= country.minLatitude() - 0.02 && node[0] <= country.maxLatitude() + 0.02, "latitude " + node[0]);
            assertTrue(node[1] >= country.minLongitude() - 0.03 && node[1] <= country.maxLongitude() + 0.03, "longitude " + node[1]);
        }
    }

    @Test
    void mostRoadNodesAreShapePointsNotJunctions() {
        final Map<Long, Integer> uses = new HashMap<>();
        final Set<Long> ends = new HashSet<>();
        for (final Way way : osm.ways()) {
            for (final long ref : way.refs()) {
                uses.merge(ref, 1, Integer::sum);
            }
            ends.add(way.refs()[0]);
            ends.add(way.refs()[way.refs().length - 1]);
        }
        long junctions = 0;
        for (final Map.Entry<Long, Integer> node : uses.entrySet()) {
            junctions += node.getValue() > 1 || ends.contains(node.getKey()) ? 1 : 0;
        }
        assertEquals(osm.nodes().size(), uses.size(), "every node is on a road");
        System.out.printf("%,d OSM nodes, %,d on more than one way or at a way's end; km by highway %s%n", osm.nodes().size(), junctions,
                country.stats().kilometresByHighway());
        assertTrue(junctions * 3 < osm.nodes().size(), junctions + " junction candidates of " + osm.nodes().size());
    }

    @Test
    void roadClassesFromResidentialToMotorway() {
        final Map<String, Double> kilometres = country.stats().kilometresByHighway();
        for (final String highway : List.of("motorway", "motorway_link", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential")) {
            assertTrue(kilometres.getOrDefault(highway, 0.0) > 1, highway + " in " + kilometres);
        }
        assertTrue(kilometres.get("residential") > kilometres.get("primary"), "more streets than main roads: " + kilometres);
        assertTrue(osm.ways().stream().anyMatch(way -> "residential".equals(way.highway()) && "yes".equals(way.tags().get("oneway"))),
                "some one-way streets");
    }

    @Test
    void motorwaysAreOneWayCarriagewaysJoinedToOtherRoadsOnlyByLinks() {
        final Map<Long, Set<String>> highwaysAtNode = new HashMap<>();
        for (final Way way : osm.ways()) {
            for (final long ref : way.refs()) {
                highwaysAtNode.computeIfAbsent(ref, r -> new HashSet<>()).add(way.highway());
            }
        }
        int interchangeNodes = 0;
        for (final Way way : osm.ways()) {
            if (way.highway().equals("motorway")) {
                assertEquals("yes", way.tags().get("oneway"), "motorway " + way.id());
                for (final long ref : way.refs()) {
                    final Set<String> highways = highwaysAtNode.get(ref);
                    assertTrue(Set.of("motorway", "motorway_link").containsAll(highways), "motorway node " + ref + " on " + highways);
                    interchangeNodes += highways.contains("motorway_link") ? 1 : 0;
                }
            }
        }
        assertTrue(interchangeNodes >= 8, interchangeNodes + " motorway nodes with links");
        // Other roads cross the motorways on bridges, sharing no node.
        assertTrue(osm.ways().stream().anyMatch(way -> !way.highway().startsWith("motorway") && "yes".equals(way.tags().get("bridge"))
                && "1".equals(way.tags().get("layer"))), "bridges over the motorways");
    }

    @Test
    void restrictionsSitWhereTheirTwoWaysMeet() {
        assertTrue(osm.restrictions().size() >= 3, osm.restrictions().size() + " restrictions");
        final Map<Long, Way> ways = new HashMap<>();
        osm.ways().forEach(way -> ways.put(way.id(), way));
        for (int i = 0; i < osm.restrictions().size(); i++) {
            final long[] r = osm.restrictions().get(i);
            final Way from = ways.get(r[0]);
            final Way to = ways.get(r[2]);
            assertNotNull(from, "from way " + r[0]);
            assertNotNull(to, "to way " + r[2]);
            assertEquals(r[1], from.refs()[from.refs().length - 1], "the from-way ends at the via node");
            assertEquals(r[1], to.refs()[to.refs().length - 1], "the to-way touches the via node");
            assertTrue(Set.of("no_left_turn", "no_right_turn").contains(osm.restrictionTypes().get(i)));
        }
        final long restrictedJunctions = country.centralJunctions().stream().filter(junction -> junction.restriction() != null).count();
        assertEquals(osm.restrictions().size(), restrictedJunctions);
    }

    private static Osm read(final Path file) throws Exception {
        final Map<Long, double[]> nodes = new HashMap<>();
        final List<Way> ways = new ArrayList<>();
        final List<long[]> restrictions = new ArrayList<>();
        final List<String> types = new ArrayList<>();
        int section = 0; // 0 nodes, 1 ways, 2 relations: OSM files list them in this order
        try (InputStream in = Files.newInputStream(file)) {
            final XMLStreamReader xml = XMLInputFactory.newFactory().createXMLStreamReader(in);
            List<Long> refs = null;
            Map<String, String> tags = null;
            long id = 0;
            long[] members = null;
            while (xml.hasNext()) {
                final int event = xml.next();
                if (event == XMLStreamConstants.START_ELEMENT) {
                    switch (xml.getLocalName()) {
                        case "node" -> {
                            assertEquals(0, section, "nodes before ways and relations");
                            final long nodeId = Long.parseLong(xml.getAttributeValue(null, "id"));
                            assertTrue(nodes.put(nodeId, new double[]{Double.parseDouble(xml.getAttributeValue(null, "lat")),
                                    Double.parseDouble(xml.getAttributeValue(null, "lon"))}) == null, "node id repeated: " + nodeId);
                        }
                        case "way" -> {
                            assertTrue(section <= 1, "ways before relations");
                            section = 1;
                            id = Long.parseLong(xml.getAttributeValue(null, "id"));
                            refs = new ArrayList<>();
                            tags = new HashMap<>();
                        }
                        case "relation" -> {
                            section = 2;
                            members = new long[3];
                            tags = new HashMap<>();
                        }
                        case "nd" -> refs.add(Long.parseLong(xml.getAttributeValue(null, "ref")));
                        case "member" -> {
                            final String role = xml.getAttributeValue(null, "role");
                            members[role.equals("from") ? 0 : role.equals("via") ? 1 : 2] = Long.parseLong(xml.getAttributeValue(null, "ref"));
                        }
                        case "tag" -> tags.put(xml.getAttributeValue(null, "k"), xml.getAttributeValue(null, "v"));
                        default -> {
                        }
                    }
                } else if (event == XMLStreamConstants.END_ELEMENT) {
                    if (xml.getLocalName().equals("way")) {
                        ways.add(new Way(id, refs.stream().mapToLong(Long::longValue).toArray(), tags));
                    } else if (xml.getLocalName().equals("relation")) {
                        assertEquals("restriction", tags.get("type"));
                        restrictions.add(members);
                        types.add(tags.get("restriction"));
                    }
                }
            }
        }
        return new Osm(nodes, ways, restrictions, types);
    }
}
