package io.tokenflow.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A token endpoint that answers with bytes no HTTP server library would write: a status line that
 * never comes, a body that drips, stops or never ends, a reset, an echo of the request, a refused
 * connection. Classic blocking sockets on the test's own platform threads (one per connection),
 * never on a Reactor or Netty thread; bound to 127.0.0.1 on a free port.
 *
 * <p>Each connection is handed to the current {@link Behaviour}, which may read the request
 * ({@link Exchange#request()}) and writes whatever it likes; the connection is closed when it
 * returns. It records every connection, every request read, and what happened to the bytes it
 * wrote (a write that failed means the client closed the connection).
 */
final class RawTcpServer implements AutoCloseable {

    /** What the server does with one connection. Runs on its own platform thread; may block. */
    @FunctionalInterface
    interface Behaviour {
        void serve(Exchange exchange) throws IOException, InterruptedException;
    }

    /** A request as read from the wire: the head (request line and headers) and the body. */
    record Request(String line, Map<String, String> headers, String body) {
        @Nullable String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final ServerSocket listener;
    private final int port;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raw-tcp-server");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Behaviour> behaviour;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<Exchange> exchanges = Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    private RawTcpServer(Behaviour behaviour) throws IOException {
        this.behaviour = new AtomicReference<>(behaviour);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = listener.getLocalPort();
        threads.execute(this::acceptLoop);
    }

    static RawTcpServer start(Behaviour behaviour) {
        try {
            return new RawTcpServer(behaviour);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind a raw TCP server on 127.0.0.1", e);
        }
    }

    int port() {
        return port;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Replaces what the server does with the next connections. */
    void behave(Behaviour next) {
        behaviour.set(next);
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Complete HTTP requests read so far, in order. */
    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Every exchange so far, in order of connection. */
    List<Exchange> exchanges() {
        synchronized (exchanges) {
            return List.copyOf(exchanges);
        }
    }

    /** Stops accepting: from now on a connection attempt is refused. Open connections are left alone. */
    void stopListening() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }

    @Override
    public void close() {
        closed = true;
        stopListening();
        synchronized (open) {
            for (Socket socket : open) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed && !listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException stopped) {
                return;
            }
            connections.incrementAndGet();
            Exchange exchange;
            try {
                exchange = new Exchange(socket);
            } catch (IOException e) {
                continue;
            }
            exchanges.add(exchange);
            open.add(socket);
            Behaviour current = behaviour.get();
            threads.execute(() -> {
                try {
                    current.serve(exchange);
                } catch (IOException e) {
                    exchange.writeFailure = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.finish();
                    open.remove(exchange.socket);
                }
            });
        }
    }

    /** One connection, as seen by the server. */
    final class Exchange {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private @Nullable Request request;
        private volatile long bytesWritten;
        private volatile @Nullable IOException writeFailure;
        private volatile boolean reset;

        private Exchange(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Reads the request head and its Content-Length body (once); records it. */
        Request request() throws IOException {
            if (request != null) {
                return request;
            }
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the client closed the connection before a whole request head");
                }
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                }
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            request = new Request(lines[0], headers, new String(body, StandardCharsets.UTF_8));
            requests.add(request);
            return request;
        }

        /** Reads whatever the client sends first (up to {@code max} bytes), without parsing it as HTTP. */
        byte[] readSome(int max) throws IOException {
            byte[] buffer = new byte[max];
            int n = in.read(buffer);
            return n <= 0 ? new byte[0] : java.util.Arrays.copyOf(buffer, n);
        }

        void write(String ascii) throws IOException {
            write(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        void write(byte[] bytes) throws IOException {
            try {
                out.write(bytes);
                out.flush();
                bytesWritten += bytes.length;
            } catch (IOException e) {
                writeFailure = e;
                throw e;
            }
        }

        /** A server that is thinking: part of the behaviour under test, not synchronization. */
        void pause(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis());
        }

        /** Shrinks the send buffer, so that what the server has written is close to what the client read. */
        void smallSendBuffer() throws IOException {
            socket.setSendBufferSize(16 * 1024);
        }

        /** Ends the connection with a TCP reset (RST) instead of an orderly close (FIN). */
        void reset() throws IOException {
            reset = true;
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Pipes this connection to {@code port} on loopback, both ways, until either side closes. */
        void forwardTo(int port) throws IOException, InterruptedException {
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread back = new Thread(() -> pipe(upstream, socket), "raw-tcp-forward");
                back.setDaemon(true);
                back.start();
                pipe(socket, upstream);
                back.join(TimeUnit.SECONDS.toMillis(10));
            }
        }

        private void pipe(Socket from, Socket to) {
            byte[] buffer = new byte[8192];
            try {
                InputStream source = from.getInputStream();
                OutputStream sink = to.getOutputStream();
                int n;
                while ((n = source.read(buffer)) >= 0) {
                    sink.write(buffer, 0, n);
                    sink.flush();
                }
                to.shutdownOutput();
            } catch (IOException closed) {
                // One side went away: so does the pipe.
            }
        }

        long bytesWritten() {
            return bytesWritten;
        }

        /** The write that failed because the client had closed the connection, if one did. */
        @Nullable IOException writeFailure() {
            return writeFailure;
        }

        private void finish() {
            if (reset) {
                return;
            }
            try {
                socket.shutdownOutput();
            } catch (IOException | RuntimeException ignored) {
                // Closed already.
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closed already.
            }
        }
    }

    /** An answer with a status line, headers and a body, {@code Connection: close}. */
    static String answer(int status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + (contentType.isEmpty() ? "" : "Content-Type: " + contentType + "\r\n")
                + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n"
                + new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            default -> "Status";
        };
    }

    /** Whether the failure of a write means the peer had closed or reset the connection. */
    static boolean peerClosed(@Nullable IOException e) {
        return e != null && (e instanceof SocketException || String.valueOf(e.getMessage()).matches(
                "(?i).*(broken pipe|connection reset|closed).*"));
    }
}
