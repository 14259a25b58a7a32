package io.github.nifirouting.coordinates;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A buffered file stream whose mark has no read limit: {@link #reset()} seeks back in the file. Record readers
 * that infer a schema read far ahead and then reset, which a {@code BufferedInputStream} can only do by holding
 * everything it read in memory.
 */
final class SeekableFileInputStream extends InputStream {

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).flip();
    private long bufferStart;
    private long mark;

    SeekableFileInputStream(final Path path) throws IOException {
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return buffer.get() & 0xff;
    }

    @Override
    public int read(final byte[] target, final int offset, final int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        final int count = Math.min(length, buffer.remaining());
        buffer.get(target, offset, count);
        return count;
    }

    private boolean fill() throws IOException {
        if (buffer.hasRemaining()) {
            return true;
        }
        bufferStart = channel.position();
        buffer.clear();
        final int read = channel.read(buffer);
        buffer.flip();
        return read > 0;
    }

    private long position() {
        return bufferStart + buffer.position();
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public synchronized void mark(final int readLimitIgnored) {
        mark = position();
    }

    @Override
    public synchronized void reset() throws IOException {
        channel.position(mark);
        bufferStart = mark;
        buffer.clear().flip();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
