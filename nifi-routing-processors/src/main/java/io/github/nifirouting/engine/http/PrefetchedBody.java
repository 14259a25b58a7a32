package io.github.nifirouting.engine.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response body read as an {@link InputStream}, like {@link HttpResponse.BodyHandlers#ofInputStream()}, but with up to
 * {@link #AHEAD} of the client's buffers (16 KB each by default) asked for ahead of the reader instead of one. With
 * {@code ofInputStream} every buffer the reader takes makes the reading thread ask the client's selector thread for
 * the next one (a selector wake-up per 16 KB: 14 % of the thread that reads a 14 MB OSRM table answer in NiFi, JFR);
 * here the reader asks once per {@link #BATCH} buffers and the client keeps reading the socket meanwhile. Memory stays
 * bounded: at most {@link #AHEAD} buffers wait for the reader.
 */
final class PrefetchedBody implements HttpResponse.BodySubscriber<InputStream> {

    /** Buffers asked for ahead of the reader, and how many it consumes before asking for that many again. */
    static final int AHEAD = 32;
    static final int BATCH = AHEAD / 2;

    static final HttpResponse.BodyHandler<InputStream> HANDLER = responseInfo -> new PrefetchedBody();

    /** The end of the body: nothing follows. */
    private static final Object END = new Object();

    /** Delivered buffer lists, then END or the failure. Never more than AHEAD lists plus the end: demand bounds it. */
    private final LinkedBlockingQueue<Object> delivered = new LinkedBlockingQueue<>();
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private final Stream stream = new Stream();
    /** Set once the client has signalled the end or a failure: closing then has nothing to cancel (the connection can be reused). */
    private volatile boolean finished;

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedStage(stream);
    }

    @Override
    public void onSubscribe(final Flow.Subscription granted) {
        if (!subscription.complete(granted)) {
            granted.cancel();
            return;
        }
        granted.request(AHEAD);
    }

    @Override
    public void onNext(final List<ByteBuffer> buffers) {
        delivered.add(buffers);
    }

    @Override
    public void onError(final Throwable failure) {
        finished = true;
        delivered.add(failure);
    }

    @Override
    public void onComplete() {
        finished = true;
        delivered.add(END);
    }

    private final class Stream extends InputStream {
        private Iterator<ByteBuffer> lists = List.<ByteBuffer>of().iterator();
        private ByteBuffer current = ByteBuffer.allocate(0);
        private int taken;
        private boolean ended;
        private IOException failed;
        private volatile boolean closed;

        @Override
        public int read() throws IOException {
            final byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(final byte[] into, final int offset, final int length) throws IOException {
            java.util.Objects.checkFromIndexSize(offset, length, into.length);
            if (length == 0) {
                return 0;
            }
            if (!nextBytes()) {
                return -1;
            }
            final int count = Math.min(length, current.remaining());
            current.get(into, offset, count);
            return count;
        }

        @Override
        public int available() {
            return current.remaining();
        }

        /** Whether bytes are available in {@code current}, waiting for the client's next buffers if needed; false at the end. */
        private boolean nextBytes() throws IOException {
            while (!current.hasRemaining()) {
                if (closed) {
                    throw new IOException("the response body was closed");
                }
                if (lists.hasNext()) {
                    current = lists.next();
                    continue;
                }
                if (failed != null) {
                    throw failed;
                }
                if (ended) {
                    return false;
                }
                final Object next;
                try {
                    next = delivered.take();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading the response body");
                }
                if (closed) {
                    throw new IOException("the response body was closed");
                }
                if (next == END) {
                    ended = true;
                } else if (next instanceof Throwable failure) {
                    failed = failure instanceof IOException io ? io : new IOException(failure);
                } else {
                    @SuppressWarnings("unchecked") final List<ByteBuffer> buffers = (List<ByteBuffer>) next;
                    lists = buffers.iterator();
                    if (++taken == BATCH) {
                        taken = 0;
                        subscription.join().request(BATCH);
                    }
                }
            }
            return true;
        }

        /** Cancels the rest of the body (the connection is not reused for it), as {@code ofInputStream}'s stream does. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (!finished) {
                subscription.thenAccept(Flow.Subscription::cancel);
            }
            delivered.clear();
            // A reader blocked in take() on another thread (the deadline watchdog closes the body) wakes up and sees it closed.
            delivered.add(END);
        }
    }
}
