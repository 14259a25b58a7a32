package io.github.nifirouting.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server (127.0.0.1 only) that answers from a script of canned responses and records the requests
 * it got. A raw socket server, so that answers can also misbehave the way real servers and proxies do: reset the
 * connection, promise a body and cut it off, stall before the headers or in the middle of the body, or stream a body
 * larger than any client should accept.
 */
public final class ScriptedHttpServer implements AutoCloseable {

    /** How an answer misbehaves. */
    public enum Fault {
        /** A well-formed answer. */
        NONE,
        /** Reset the connection (RST) instead of answering. */
        RESET,
        /** Declare the full Content-Length, send half of the body, close. */
        TRUNCATE,
        /** Wait {@code millis} before the status line, then answer normally. */
        STALL_HEADERS,
        /** Send the headers and half of the body, wait {@code millis}, send the rest. */
        STALL_BODY,
        /** Send {@code amount} bytes of body with chunked encoding and no Content-Length. */
        STREAM,
        /** Declare a Content-Length of {@code amount} bytes but send only the body. */
        DECLARE_LENGTH
    }

    /** One canned answer. */
    public record Answer(int status, String body, Map<String, String> headers, Fault fault, long amount) {

        public Answer(final int status, final String body, final Map<String, String> headers) {
            this(status, body, headers, Fault.NONE, 0);
        }

        public static Answer json(final int status, final String body) {
            return new Answer(status, body, Map.of());
        }

        public static Answer html(final int status, final String body) {
            return new Answer(status, body, Map.of("Content-Type", "text/html"));
        }

        public static Answer reset() {
            return new Answer(0, "", Map.of(), Fault.RESET, 0);
        }

        public static Answer truncated(final String body) {
            return new Answer(200, body, Map.of(), Fault.TRUNCATE, 0);
        }

        public static Answer stallBeforeHeaders(final long millis, final String body) {
            return new Answer(200, body, Map.of(), Fault.STALL_HEADERS, millis);
        }

        public static Answer stallInBody(final long millis, final String body) {
            return new Answer(200, body, Map.of(), Fault.STALL_BODY, millis);
        }

        /** A 200 whose JSON body (an unknown field every engine skips) goes on for {@code bytes} bytes, chunked. */
        public static Answer streaming(final long bytes) {
            return new Answer(200, "", Map.of(), Fault.STREAM, bytes);
        }

        public static Answer declaringLength(final long bytes, final String body) {
            return new Answer(200, body, Map.of(), Fault.DECLARE_LENGTH, bytes);
        }
    }

    /** One recorded request. */
    public record Request(String method, String uri, Map<String, List<String>> headers, String body) {
        public String header(final String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }
    }

    private final ServerSocket socket;
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        final Thread thread = new Thread(runnable, "scripted-http");
        thread.setDaemon(true);
        return thread;
    });
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Answer fallback = Answer.json(500, "{\"error\":\"no scripted answer\"}");

    public ScriptedHttpServer() throws IOException {
        socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        final Thread acceptor = new Thread(this::acceptLoop, "scripted-http-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    public ScriptedHttpServer then(final Answer... answers) {
        synchronized (script) {
            script.addAll(List.of(answers));
        }
        return this;
    }

    public ScriptedHttpServer then(final int status, final String body) {
        return then(Answer.json(status, body));
    }

    /** The answer once the script is used up (by default a 500). */
    public ScriptedHttpServer otherwise(final Answer answer) {
        fallback = answer;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                final Socket connection = socket.accept();
                connections.incrementAndGet();
                workers.execute(() -> serve(connection));
            } catch (final IOException closed) {
                return;
            }
        }
    }

    private void serve(final Socket connection) {
        try (connection) {
            connection.setSoTimeout(30_000);
            final InputStream in = new BufferedInputStream(connection.getInputStream());
            final String requestLine = line(in);
            if (requestLine == null || requestLine.isEmpty()) {
                return;
            }
            final Map<String, List<String>> headers = new LinkedHashMap<>();
            String header;
            while ((header = line(in)) != null && !header.isEmpty()) {
                final int colon = header.indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(header.substring(0, colon).trim(), k -> new ArrayList<>()).add(header.substring(colon + 1).trim());
                }
            }
            final int length = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Length"))
                    .findFirst().map(e -> Integer.parseInt(e.getValue().get(0))).orElse(0);
            final String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            final String[] parts = requestLine.split(" ");
            final Answer answer;
            synchronized (script) {
                requests.add(new Request(parts[0], parts[1], Map.copyOf(headers), body));
                answer = script.isEmpty() ? fallback : script.poll();
            }
            answer(connection, answer);
        } catch (final IOException | InterruptedException | RuntimeException e) {
            // the client went away or the test is over
        }
    }

    private static void answer(final Socket connection, final Answer answer) throws IOException, InterruptedException {
        final OutputStream out = connection.getOutputStream();
        final byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        switch (answer.fault()) {
            case RESET -> {
                connection.setSoLinger(true, 0);
                connection.close();
            }
            case TRUNCATE -> {
                out.write(head(answer, "Content-Length: " + body.length));
                out.write(body, 0, body.length / 2);
                out.flush();
            }
            case STALL_HEADERS -> {
                Thread.sleep(answer.amount());
                out.write(head(answer, "Content-Length: " + body.length));
                out.write(body);
                out.flush();
            }
            case STALL_BODY -> {
                out.write(head(answer, "Content-Length: " + body.length));
                out.write(body, 0, body.length / 2);
                out.flush();
                Thread.sleep(answer.amount());
                out.write(body, body.length / 2, body.length - body.length / 2);
                out.flush();
            }
            case STREAM -> {
                out.write(head(answer, "Transfer-Encoding: chunked"));
                final byte[] chunk = "[1,2,3,4,5,6,7,8,9,0],".repeat(372).getBytes(StandardCharsets.US_ASCII);
                long sent = 0;
                writeChunk(out, "{\"padding\":[".getBytes(StandardCharsets.US_ASCII));
                while (sent < answer.amount()) {
                    writeChunk(out, chunk);
                    sent += chunk.length;
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            case DECLARE_LENGTH -> {
                out.write(head(answer, "Content-Length: " + answer.amount()));
                out.write(body);
                out.flush();
            }
            case NONE -> {
                out.write(head(answer, "Content-Length: " + body.length));
                out.write(body);
                out.flush();
            }
        }
    }

    private static void writeChunk(final OutputStream out, final byte[] chunk) throws IOException {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] head(final Answer answer, final String framing) {
        final StringBuilder head = new StringBuilder("HTTP/1.1 ").append(answer.status()).append(' ').append(reason(answer.status())).append("\r\n");
        if (answer.headers().keySet().stream().noneMatch(name -> name.equalsIgnoreCase("Content-Type"))) {
            head.append("Content-Type: application/json\r\n");
        }
        answer.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append(framing).append("\r\nConnection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String reason(final int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 414 -> "URI Too Long";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status";
        };
    }

    private static String line(final InputStream in) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                final String text = bytes.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            bytes.write(b);
        }
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (final IOException ignored) {
            // closing
        }
        workers.shutdownNow();
    }
}
