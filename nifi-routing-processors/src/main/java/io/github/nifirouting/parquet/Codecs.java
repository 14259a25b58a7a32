package io.github.nifirouting.parquet;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Page compression without Hadoop: parquet-java's default codec factory goes through Hadoop's codec classes, which a
 * NiFi installation without the Hadoop bundle does not have. Snappy (snappy-java) and ZSTD (zstd-jni) use the same
 * native libraries parquet-java already depends on; GZIP uses the JDK.
 */
final class Codecs implements CompressionCodecFactory {

    /** For reading, and for writing where no ZSTD context is kept. */
    static final Codecs INSTANCE = new Codecs();

    /** ZSTD level when none is configured: zstd's default. */
    static final int DEFAULT_ZSTD_LEVEL = 3;

    private final int zstdLevel;

    /** ZSTD contexts of this factory's compressors, freed by {@link #release()} (parquet-java calls it when a writer closes). */
    private final java.util.List<ZstdCompressCtx> contexts = new java.util.ArrayList<>();

    /**
     * A factory for one file writer: its ZSTD compressor keeps one native context for all pages of the file instead of
     * making (and zeroing) one per page. Not for sharing between threads, as a file writer is not.
     */
    static Codecs forOneWriter(final int zstdLevel) {
        return new Codecs(zstdLevel);
    }

    private Codecs(final int zstdLevel) {
        this.zstdLevel = zstdLevel;
    }

    private Codecs() {
        this(DEFAULT_ZSTD_LEVEL);
    }

    @Override
    public BytesInputCompressor getCompressor(final CompressionCodecName codec) {
        final ZstdCompressCtx zstd;
        if (codec == CompressionCodecName.ZSTD && this != INSTANCE) {
            zstd = new ZstdCompressCtx().setLevel(zstdLevel);
            contexts.add(zstd);
        } else {
            zstd = null;
        }
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(final BytesInput bytes) throws IOException {
                return BytesInput.from(zstd != null ? zstd.compress(bytes.toByteArray()) : Codecs.compress(codec, bytes.toByteArray()));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(final CompressionCodecName codec) {
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(final BytesInput bytes, final int uncompressedSize) throws IOException {
                return BytesInput.from(Codecs.decompress(codec, bytes.toByteArray(), uncompressedSize));
            }

            @Override
            public void decompress(final ByteBuffer input, final int compressedSize, final ByteBuffer output, final int uncompressedSize)
                    throws IOException {
                final byte[] compressed = new byte[compressedSize];
                input.get(compressed);
                output.put(Codecs.decompress(codec, compressed, uncompressedSize));
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public void release() {
        contexts.forEach(ZstdCompressCtx::close);
        contexts.clear();
    }

    static byte[] compress(final CompressionCodecName codec, final byte[] input) throws IOException {
        return switch (codec) {
            case UNCOMPRESSED -> input;
            case SNAPPY -> Snappy.compress(input);
            case ZSTD -> Zstd.compress(input, DEFAULT_ZSTD_LEVEL);
            case GZIP -> {
                final ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 64);
                try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                    gzip.write(input);
                }
                yield out.toByteArray();
            }
            default -> throw new IOException("compression codec " + codec + " is not supported without Hadoop; use SNAPPY, ZSTD, GZIP or UNCOMPRESSED");
        };
    }

    static byte[] decompress(final CompressionCodecName codec, final byte[] input, final int uncompressedSize) throws IOException {
        return switch (codec) {
            case UNCOMPRESSED -> input;
            case SNAPPY -> {
                final byte[] output = new byte[uncompressedSize];
                Snappy.uncompress(input, 0, input.length, output, 0);
                yield output;
            }
            case ZSTD -> Zstd.decompress(input, uncompressedSize);
            case GZIP -> {
                try (InputStream gzip = new GZIPInputStream(new java.io.ByteArrayInputStream(input))) {
                    yield gzip.readNBytes(uncompressedSize);
                }
            }
            default -> throw new IOException("compression codec " + codec + " is not supported without Hadoop");
        };
    }
}
