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
        if (this != INSTANCE && (codec == CompressionCodecName.ZSTD || codec == CompressionCodecName.SNAPPY)) {
            final ZstdCompressCtx zstd = codec == CompressionCodecName.ZSTD ? new ZstdCompressCtx().setLevel(zstdLevel) : null;
            if (zstd != null) {
                contexts.add(zstd);
            }
            return new ReusingCompressor(codec, zstd);
        }
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(final BytesInput bytes) throws IOException {
                return BytesInput.from(Codecs.compress(codec, bytes.toByteArray()));
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

    /**
     * A file writer's ZSTD or Snappy compressor that keeps one page buffer and one output buffer for all its pages instead
     * of three new arrays per page (the page's bytes, the compressor's worst-case output, the output trimmed to size). The
     * bytes it returns are valid until its next call: parquet-java's page writer copies them before compressing the next
     * page (its own codec factory reuses its output buffer the same way). Same compressed bytes as {@link #compress}.
     */
    private static final class ReusingCompressor implements BytesInputCompressor {
        private final CompressionCodecName codec;
        private final ZstdCompressCtx zstd;
        private final PageBytes page = new PageBytes();
        private byte[] output = new byte[0];

        ReusingCompressor(final CompressionCodecName codec, final ZstdCompressCtx zstd) {
            this.codec = codec;
            this.zstd = zstd;
        }

        @Override
        public BytesInput compress(final BytesInput bytes) throws IOException {
            page.reset();
            bytes.writeAllTo(page);
            final int bound = zstd != null ? (int) Zstd.compressBound(page.size) : Snappy.maxCompressedLength(page.size);
            if (output.length < bound) {
                output = new byte[Math.max(bound, output.length + (output.length >> 1))];
            }
            final int length = zstd != null ? zstd.compressByteArray(output, 0, output.length, page.bytes, 0, page.size)
                    : Snappy.compress(page.bytes, 0, page.size, output, 0);
            return BytesInput.from(output, 0, length);
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {
        }
    }

    /** A growable byte array written as a stream and reused page after page. */
    private static final class PageBytes extends java.io.OutputStream {
        private byte[] bytes = new byte[0];
        private int size;

        void reset() {
            size = 0;
        }

        @Override
        public void write(final int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(final byte[] source, final int offset, final int length) {
            ensure(length);
            System.arraycopy(source, offset, bytes, size, length);
            size += length;
        }

        private void ensure(final int more) {
            if (size + more > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(size + more, bytes.length + (bytes.length >> 1)));
            }
        }
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
