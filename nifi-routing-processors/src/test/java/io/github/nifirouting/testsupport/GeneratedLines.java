package io.github.nifirouting.testsupport;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;

/** Text of a header and {@code count} lines made on demand as it is read, so benchmarks can stream millions of records in a small heap. */
public final class GeneratedLines extends InputStream {

    private final long count;
    private final LongFunction<String> lineFor;
    private long next = -1;
    private byte[] line;
    private int position;

    /** @param lineFor the text of line i, ending with a newline */
    public GeneratedLines(final String header, final long count, final LongFunction<String> lineFor) {
        this.count = count;
        this.lineFor = lineFor;
        this.line = header.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int read() {
        if (position == line.length && !advance()) {
            return -1;
        }
        return line[position++] & 0xff;
    }

    @Override
    public int read(final byte[] target, final int offset, final int length) {
        if (position == line.length && !advance()) {
            return -1;
        }
        final int n = Math.min(length, line.length - position);
        System.arraycopy(line, position, target, offset, n);
        position += n;
        return n;
    }

    private boolean advance() {
        if (++next >= count) {
            return false;
        }
        line = lineFor.apply(next).getBytes(StandardCharsets.UTF_8);
        position = 0;
        return true;
    }
}
