package io.github.nifirouting.cache;

import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.util.StandardValidators;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

@Tags({"routing", "cache", "matrix", "persistent", "local"})
@CapabilityDescription("A bounded result cache on this node's local disk, kept across NiFi restarts. Travel times and distances are stored "
        + "under a 64-bit key of engine, profile, service and coordinates rounded to Coordinate Precision, in two generations: two "
        + "memory-mapped files of Max Size / 2, each a hash table of 32-byte slots. When the current generation is 70% full the older "
        + "one is cleared and becomes current; entries still used are carried forward, so the cache keeps what is in use and never "
        + "exceeds Max Size on disk. Nothing is held in the Java heap: the operating system's page cache keeps the used part in memory.")
@SeeAlso(classNames = {"io.github.nifirouting.cache.DistributedMatrixCache", "io.github.nifirouting.processors.InvokeRoutingMatrix"})
public class LocalMatrixCache extends AbstractMatrixCache {

    public static final PropertyDescriptor DIRECTORY = new PropertyDescriptor.Builder()
            .name("Directory")
            .description("Local directory for the cache files.")
            .required(true)
            .defaultValue("./state/nifi-routing/matrix-cache")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAX_SIZE = new PropertyDescriptor.Builder()
            .name("Max Size")
            .description("Disk space of the cache (two files of half this size, created sparse): about 46 bytes per pair when full, so "
                    + "256 MB holds up to 5.9 million pairs and 1 GB 23 million. Uses no Java heap. Changing it keeps the pairs "
                    + "that fit.")
            .required(true)
            .defaultValue("256 MB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .build();

    private volatile GenerationalStore store;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return List.of(DIRECTORY, MAX_SIZE, PRECISION);
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) throws IOException {
        decimals = context.getProperty(PRECISION).asInteger();
        final long maxBytes = context.getProperty(MAX_SIZE).asDataSize(DataUnit.B).longValue();
        store = new GenerationalStore(Path.of(context.getProperty(DIRECTORY).evaluateAttributeExpressions().getValue()), maxBytes);
        getLogger().info("Matrix cache loaded {} pairs ({} bytes on disk, at most {} pairs)", store.size(), store.bytesOnDisk(), store.maxEntries());
    }

    @OnDisabled
    public void onDisabled() throws IOException {
        if (store != null) {
            store.close();
            store = null;
        }
    }

    @Override
    protected void getAll(final long[] keys, final double[] durations, final double[] distances, final BitSet found) throws IOException {
        store.getAll(keys, durations, distances, found);
    }

    @Override
    protected void putAll(final long[] keys, final double[] durations, final double[] distances, final int count) throws IOException {
        store.putAll(keys, durations, distances, count);
    }

    /** Pairs held now. */
    public long size() {
        return store.size();
    }

    public long bytesOnDisk() throws IOException {
        return store.bytesOnDisk();
    }
}
