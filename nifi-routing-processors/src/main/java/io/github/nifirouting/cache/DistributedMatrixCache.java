package io.github.nifirouting.cache;

import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.distributed.cache.client.Deserializer;
import org.apache.nifi.distributed.cache.client.DistributedMapCacheClient;
import org.apache.nifi.distributed.cache.client.Serializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

@Tags({"routing", "cache", "matrix", "distributed", "cluster"})
@CapabilityDescription("A result cache shared by every node of a NiFi cluster through a Distributed Map Cache Client (e.g. NiFi's "
        + "MapCacheClientService talking to a MapCacheServer, or Redis). Pairs are looked up and stored in batches (subMap/putAll). "
        + "Size limits and eviction are those of the cache server.")
@SeeAlso(classNames = {"io.github.nifirouting.cache.LocalMatrixCache", "io.github.nifirouting.processors.InvokeRoutingMatrix"})
public class DistributedMatrixCache extends AbstractMatrixCache {

    public static final PropertyDescriptor CACHE_CLIENT = new PropertyDescriptor.Builder()
            .name("Distributed Map Cache Client")
            .description("The cache client the pairs are stored through.")
            .required(true)
            .identifiesControllerService(DistributedMapCacheClient.class)
            .build();

    private static final Serializer<String> KEYS = (key, out) -> out.write(key.getBytes(StandardCharsets.UTF_8));
    private static final Serializer<byte[]> VALUES = (value, out) -> out.write(value);
    private static final Deserializer<byte[]> READ_VALUES = input -> input == null || input.length == 0 ? null : input;

    private volatile DistributedMapCacheClient client;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return List.of(CACHE_CLIENT, PRECISION);
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) {
        decimals = context.getProperty(PRECISION).asInteger();
        client = context.getProperty(CACHE_CLIENT).asControllerService(DistributedMapCacheClient.class);
    }

    static String cacheKey(final long key) {
        return "nifi-routing:" + Long.toHexString(key);
    }

    @Override
    protected void getAll(final long[] keys, final double[] durations, final double[] distances, final BitSet found) throws IOException {
        final Set<String> names = new LinkedHashSet<>();
        for (final long key : keys) {
            names.add(cacheKey(key));
        }
        final Map<String, byte[]> values = client.subMap(names, KEYS, READ_VALUES);
        for (int i = 0; i < keys.length; i++) {
            final byte[] value = values.get(cacheKey(keys[i]));
            if (value != null && value.length == 16) {
                final ByteBuffer buffer = ByteBuffer.wrap(value);
                durations[i] = buffer.getDouble();
                distances[i] = buffer.getDouble();
                found.set(i);
            }
        }
    }

    @Override
    protected void putAll(final long[] keys, final double[] durations, final double[] distances, final int count) throws IOException {
        final Map<String, byte[]> values = new HashMap<>();
        for (int i = 0; i < count; i++) {
            values.put(cacheKey(keys[i]), ByteBuffer.allocate(16).putDouble(durations[i]).putDouble(distances[i]).array());
        }
        client.putAll(values, KEYS, VALUES);
    }
}
