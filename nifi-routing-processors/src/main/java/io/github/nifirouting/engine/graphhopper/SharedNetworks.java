package io.github.nifirouting.engine.graphhopper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One loaded graph per (OSM file, mode, cache directory, storage, with or without CH) on a NiFi node, shared by every engine service
 * configured the same way and released when the last one is disabled. Two services must not open the same graph
 * directory twice: that doubles memory and GraphHopper's directory lock refuses it.
 */
final class SharedNetworks {

    private record Key(Path osmFile, RoadGraph.Mode mode, Path cacheRoot, double maxSnapMeters, boolean memoryMapped,
                       boolean contractionHierarchy) {
    }

    private static final class Entry {
        final RoadGraph network;
        int users;

        Entry(final RoadGraph network) {
            this.network = network;
        }
    }

    private static final Map<Key, Entry> NETWORKS = new HashMap<>();

    private SharedNetworks() {
    }

    static synchronized RoadGraph acquire(final Path osmFile, final RoadGraph.Mode mode, final Path cacheRoot,
                                                   final double maxSnapMeters, final boolean memoryMapped,
                                                   final boolean contractionHierarchy) throws IOException {
        final Key key = new Key(osmFile.toAbsolutePath().normalize(), mode, cacheRoot.toAbsolutePath().normalize(), maxSnapMeters, memoryMapped,
                contractionHierarchy);
        Entry entry = NETWORKS.get(key);
        if (entry == null) {
            entry = new Entry(RoadGraph.open(key.osmFile(), mode, key.cacheRoot(), maxSnapMeters, memoryMapped, mode.turnRestrictions,
                    contractionHierarchy));
            NETWORKS.put(key, entry);
        }
        entry.users++;
        return entry.network;
    }

    static synchronized void release(final RoadGraph network) {
        NETWORKS.entrySet().removeIf(e -> {
            if (e.getValue().network == network && --e.getValue().users == 0) {
                network.close();
                return true;
            }
            return false;
        });
    }
}
