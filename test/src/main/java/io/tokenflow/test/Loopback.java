package io.tokenflow.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Loopback addresses for tests: servers on {@code 127.0.0.1} (never on every interface, never on a
 * name a resolver may map elsewhere) and the URLs that reach them. Non-blocking unless said otherwise.
 */
public final class Loopback {

    /** The IPv4 loopback address, as a literal: {@value}. */
    public static final String HOST = "127.0.0.1";

    private Loopback() {
    }

    /**
     * A Reactor Netty server bound to {@link #HOST} on a port the OS chooses (port 0): configure
     * its routes, then {@code bindNow()}, and read the port from the {@link DisposableServer}.
     */
    public static HttpServer httpServer() {
        return HttpServer.create().host(HOST).port(0);
    }

    /**
     * {@code http://127.0.0.1:<port><path>}.
     *
     * @param path empty, or starting with {@code /}; may carry a query
     * @throws IllegalArgumentException if the port is not in 1..65535 or the path is neither
     */
    public static URI url(int port, String path) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535: " + port);
        }
        if (!path.isEmpty() && !path.startsWith("/")) {
            throw new IllegalArgumentException("path must be empty or start with '/': " + path);
        }
        return URI.create("http://" + HOST + ":" + port + path);
    }

    /** {@code https://127.0.0.1:<port><path>}, for a server bound with {@link #httpServer()} and secured (TLS). */
    public static URI httpsUrl(DisposableServer server, String path) {
        return URI.create("https" + url(server.port(), path).toString().substring("http".length()));
    }

    /** {@link #url(int, String)} for a server bound with {@link #httpServer()} (or on loopback otherwise). */
    public static URI url(DisposableServer server, String path) {
        return url(server.port(), path);
    }

    /**
     * A TCP port on {@link #HOST} that was free a moment ago: bound with port 0, read, and released.
     * Another process may take it before the test does, so prefer binding to port 0 and reading the
     * port; this is for what must know a port first, e.g. a URL that must meet a closed port
     * ("connection refused"). <b>Blocks</b> briefly (socket calls): call it from a test thread.
     *
     * @throws UncheckedIOException if no port can be bound
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0), 1);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }
}
