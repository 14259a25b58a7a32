package io.github.nifirouting.parquet;

import com.github.luben.zstd.ZstdCompressCtx;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A file writer's compressors reuse their buffers page after page; each page still compresses to the bytes a fresh
 * compressor gives (pages of growing and shrinking sizes, given as concatenated parts as parquet-java passes them), and
 * decompresses back.
 */
class CodecsTest {

    @Test
    void reusedBuffersGiveTheBytesOfAFreshCompressor() throws Exception {
        final Random random = new Random(14);
        for (final CompressionCodecName codec : new CompressionCodecName[]{CompressionCodecName.ZSTD, CompressionCodecName.SNAPPY}) {
            final Codecs codecs = Codecs.forOneWriter(1);
            final CompressionCodecFactory.BytesInputCompressor compressor = codecs.getCompressor(codec);
            try (ZstdCompressCtx reference = new ZstdCompressCtx().setLevel(1)) {
                for (final int size : new int[]{0, 1, 100_000, 3_000, 1 << 20, 17, 250_000}) {
                    final byte[] page = new byte[size];
                    for (int i = 0; i < size; i++) {
                        page[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : i % 7);
                    }
                    final int split = size / 3;
                    final byte[] compressed = compressor.compress(BytesInput.concat(BytesInput.from(page, 0, split),
                            BytesInput.from(page, split, size - split))).toByteArray();
                    final byte[] expected = codec == CompressionCodecName.ZSTD ? reference.compress(page) : Snappy.compress(page);
                    assertArrayEquals(expected, compressed, codec + ", page of " + size + " bytes");
                    assertArrayEquals(page, Codecs.decompress(codec, compressed, size), codec + ", page of " + size + " bytes");
                }
            }
            codecs.release();
        }
    }
}
