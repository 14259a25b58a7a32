package io.github.nifirouting.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local HTTP server on 127.0.0.1 that answers OSRM {@code /table/v1} requests instantly with haversine-based
 * travel times (so a benchmark measures the bundle, not an engine), and can inject faults at a configured rate:
 * 429 with Retry-After, 5xx, responses slower than the client's timeout, connection resets, truncated and malformed
 * JSON, and a matrix of the wrong shape. It can also be switched "down" (every request reset) to simulate an outage.
 * A raw socket server rather than a mock library, because resets and truncation need control of the socket.
 */
public final class FakeOsrmServer implements AutoCloseable {

    /** The faults it can inject. */
    public enum Fault { RATE_LIMITED, SERVER_ERROR, SLOW, RESET, TRUNCATED, MALFORMED, WRONG_SHAPE }

    /** Average speed used for durations: 40 km/h on a route 1.3 x the great-circle distance. */
    public static final double SPEED_METERS_PER_SECOND = 40 / 3.6;
    public static final double DETOUR_FACTOR = 1.3;
    /** Points north of this latitude form a separate network: pairs across it are unroutable (null cells). */
    public static final double UNREACHABLE_LATITUDE = 60;

    private final ServerSocket socket;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        final Thread thread = new Thread(r, "fake-osrm");
        thread.setDaemon(true);
        return thread;
    });
    private final Random random;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong okResponses = new AtomicLong();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile double faultRate;
    private volatile long slowMillis = 3000;
    private volatile int retryAfterSeconds = 1;
    private volatile int maxTableSize = 100;

    public FakeOsrmServer(final long seed) throws IOException {
        this.random = new Random(seed);
        for (final Fault fault : Fault.values()) {
            injected.put(fault, new AtomicLong());
        }
        socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        final Thread acceptor = new Thread(this::acceptLoop, "fake-osrm-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    public FakeOsrmServer faultRate(final double rate) {
        this.faultRate = rate;
        return this;
    }

    public FakeOsrmServer slowMillis(final long millis) {
        this.slowMillis = millis;
        return this;
    }

    public FakeOsrmServer retryAfterSeconds(final int seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    public FakeOsrmServer maxTableSize(final int size) {
        this.maxTableSize = size;
        return this;
    }

    /** While down, every connection is reset: an outage. */
    public void setDown(final boolean isDown) {
        down.set(isDown);
    }

    public long requests() {
        return requests.get();
    }

    public long okResponses() {
        return okResponses.get();
    }

    public long injected(final Fault fault) {
        return injected.get(fault).get();
    }

    public long injectedTotal() {
        return injected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Duration in seconds the server answers for a pair: exposed so tests can check every written value. */
    public static double durationSeconds(final double lat1, final double lon1, final double lat2, final double lon2) {
        return distanceMeters(lat1, lon1, lat2, lon2) / SPEED_METERS_PER_SECOND;
    }

    public static double distanceMeters(final double lat1, final double lon1, final double lat2, final double lon2) {
        final double p1 = Math.toRadians(lat1);
        final double p2 = Math.toRadians(lat2);
        final double dp = p2 - p1;
        final double dl = Math.toRadians(lon2 - lon1);
        final double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return DETOUR_FACTOR * 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                final Socket connection = socket.accept();
                workers.execute(() -> serve(connection));
            } catch (final IOException closed) {
                return;
            }
        }
    }

    private void serve(final Socket connection) {
        try (connection) {
            connection.setSoTimeout(30_000);
            final BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
            final String requestLine = in.readLine();
            if (requestLine == null) {
                return;
            }
            String header;
            while ((header = in.readLine()) != null && !header.isEmpty()) {
                // headers are not needed
            }
            requests.incrementAndGet();
            final OutputStream out = connection.getOutputStream();
            if (down.get()) {
                reset(connection);
                return;
            }
            final Fault fault = pickFault();
            if (fault != null) {
                injected.get(fault).incrementAndGet();
            }
            final String target = requestLine.split(" ")[1];
            if (fault == Fault.RESET) {
                reset(connection);
                return;
            }
            if (fault == Fault.RATE_LIMITED) {
                respond(out, 429, "Too Many Requests", "{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}",
                        "Retry-After: " + retryAfterSeconds + "\r\n");
                return;
            }
            if (fault == Fault.SERVER_ERROR) {
                final int status = new int[]{500, 502, 503, 504}[(int) (requests.get() % 4)];
                respond(out, status, "Error", "<html>upstream error</html>", "");
                return;
            }
            if (fault == Fault.SLOW) {
                Thread.sleep(slowMillis);
            }
            final String body = table(target, fault == Fault.WRONG_SHAPE);
            if (body == null) {
                respond(out, 400, "Bad Request", "{\"code\":\"InvalidQuery\",\"message\":\"Query string malformed\"}", "");
                return;
            }
            if (body.startsWith("{\"code\":\"TooBig\"")) {
                respond(out, 400, "Bad Request", body, "");
                return;
            }
            if (fault == Fault.TRUNCATED) {
                final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                // Promise the full length, send half, then close: the client sees a truncated body.
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(bytes, 0, bytes.length / 2);
                out.flush();
                return;
            }
            if (fault == Fault.MALFORMED) {
                respond(out, 200, "OK", body.replace("\"durations\":[[", "\"durations\":[[,oops"), "");
                return;
            }
            respond(out, 200, "OK", body, "");
            if (fault == null || fault == Fault.SLOW) {
                okResponses.incrementAndGet();
            }
        } catch (final IOException | InterruptedException | RuntimeException e) {
            // the client went away or the test is over
        }
    }

    private final java.util.Deque<Fault> scripted = new java.util.ArrayDeque<>();

    /** The next requests get these faults, in order, before random faults apply again. */
    public synchronized FakeOsrmServer script(final Fault... faults) {
        scripted.addAll(List.of(faults));
        return this;
    }

    private synchronized Fault pickFault() {
        if (!scripted.isEmpty()) {
            return scripted.poll();
        }
        if (faultRate <= 0 || random.nextDouble() >= faultRate) {
            return null;
        }
        final Fault[] faults = Fault.values();
        return faults[random.nextInt(faults.length)];
    }

    private static void reset(final Socket connection) throws IOException {
        connection.setSoLinger(true, 0); // RST instead of FIN
        connection.close();
    }

    private static void respond(final OutputStream out, final int status, final String reason, final String body, final String extraHeaders)
            throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n" + extraHeaders + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    /** The OSRM table response for {@code /table/v1/{profile}/{coordinates}?sources=..&destinations=..}, or null if malformed. */
    String table(final String target, final boolean wrongShape) {
        final int query = target.indexOf('?');
        final String path = query < 0 ? target : target.substring(0, query);
        final String[] segments = path.split("/");
        if (segments.length < 5 || !"table".equals(segments[1])) {
            return null;
        }
        final double[][] points = OsrmCoordinates.parse(URLDecoder.decode(segments[4], StandardCharsets.UTF_8));
        if (points == null) {
            return null;
        }
        final double[] lat = points[0];
        final double[] lon = points[1];
        final Map<String, String> parameters = new java.util.HashMap<>();
        if (query >= 0) {
            for (final String parameter : target.substring(query + 1).split("&")) {
                final int eq = parameter.indexOf('=');
                if (eq > 0) {
                    parameters.put(parameter.substring(0, eq), URLDecoder.decode(parameter.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        final List<Integer> sources = indices(parameters.get("sources"), lat.length);
        final List<Integer> destinations = indices(parameters.get("destinations"), lat.length);
        if ((long) sources.size() * destinations.size() > (long) maxTableSize * maxTableSize) {
            return "{\"code\":\"TooBig\",\"message\":\"Too many table coordinates\"}";
        }
        final int columns = wrongShape ? destinations.size() - 1 : destinations.size();
        final StringBuilder durations = new StringBuilder("[");
        final StringBuilder distances = new StringBuilder("[");
        for (int r = 0; r < sources.size(); r++) {
            durations.append(r == 0 ? "[" : ",[");
            distances.append(r == 0 ? "[" : ",[");
            for (int c = 0; c < columns; c++) {
                final int s = sources.get(r);
                final int d = destinations.get(c);
                if ((lat[s] > UNREACHABLE_LATITUDE) != (lat[d] > UNREACHABLE_LATITUDE)) {
                    durations.append(c == 0 ? "" : ",").append("null");
                    distances.append(c == 0 ? "" : ",").append("null");
                    continue;
                }
                final double meters = distanceMeters(lat[s], lon[s], lat[d], lon[d]);
                durations.append(c == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", meters / SPEED_METERS_PER_SECOND));
                distances.append(c == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", meters));
            }
            durations.append(']');
            distances.append(']');
        }
        durations.append(']');
        distances.append(']');
        return "{\"code\":\"Ok\",\"durations\":" + durations + ",\"distances\":" + distances
                + ",\"sources\":" + waypoints(sources, lat, lon) + ",\"destinations\":" + waypoints(destinations, lat, lon) + "}";
    }

    private static List<Integer> indices(final String value, final int all) {
        final List<Integer> indices = new ArrayList<>();
        if (value == null || value.equals("all")) {
            for (int i = 0; i < all; i++) {
                indices.add(i);
            }
        } else {
            for (final String index : value.split(";")) {
                indices.add(Integer.parseInt(index));
            }
        }
        return indices;
    }

    private static String waypoints(final List<Integer> indices, final double[] lat, final double[] lon) {
        final StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < indices.size(); i++) {
            final int k = indices.get(i);
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"hint\":\"\",\"distance\":0.5,\"name\":\"\",\"location\":[%.6f,%.6f]}", lon[k], lat[k]));
        }
        return json.append(']').toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        workers.shutdownNow();
    }
}
