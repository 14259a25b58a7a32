package org.apache.parquet;

import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;

import java.util.Map;

/**
 * Read options built without Hadoop. parquet-java's only public route, {@code ParquetReadOptions.builder(...)}, loads
 * Hadoop's {@code FileInputFormat} to read its defaults, which a NiFi without the Hadoop bundle does not have; the
 * constructor it ends in is package-private, hence this class in parquet's package. The values are parquet-java
 * 1.16's defaults for a plain sequential read.
 */
public final class HadoopFreeReadOptions {

    private HadoopFreeReadOptions() {
    }

    public static ParquetReadOptions of(final CompressionCodecFactory codecs) {
        return new ParquetReadOptions(
                false, // useSignedStringMinMax
                true, // useStatsFilter
                true, // useDictionaryFilter
                true, // useRecordFilter
                true, // useColumnIndexFilter
                false, // usePageChecksumVerification
                true, // useBloomFilter
                false, // useOffHeapDecryptBuffer
                false, // useHadoopVectoredIo
                FilterCompat.NOOP,
                ParquetMetadataConverter.NO_FILTER,
                codecs,
                new HeapByteBufferAllocator(),
                8 * 1024 * 1024, // maxAllocationSize
                Map.of(),
                null, // no decryption
                null, // no metrics callback
                new PlainParquetConfiguration());
    }
}
