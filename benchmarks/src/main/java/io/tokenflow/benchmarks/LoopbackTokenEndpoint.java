package io.tokenflow.benchmarks;

import io.tokenflow.core.TokenService;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A token endpoint on 127.0.0.1 (port 0) for benchmarks: answers every {@code POST /token} with a
 * client_credentials token response ({@code expires_in} as configured), counts the requests, and
 * records the last one so that a baseline can replay the exact bytes.
 *
 * <p>Runs on its own two event-loop threads, so that closing it leaves the clients' loops alone.
 * Answers can be held back ({@link #hold()}/{@link #release()}) and delayed, both without blocking
 * an event loop.
 */
final class LoopbackTokenEndpoint implements AutoCloseable {

    static final String CLIENT_ID = "bench-client";
    static final String CLIENT_SECRET = "bench-secret";

    /** One token request as received: headers in arrival order, and the form body. */
    record RecordedRequest(List<Map.Entry<String, String>> headers, String body) {
    }

    private final LoopResources loops = LoopResources.create("bench-idp", 1, 2, true);
    private final AtomicInteger requests = new AtomicInteger();
    /** Numbers the tokens handed out; never reset, so that every token differs from every earlier one. */
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final long expiresInSeconds;
    private final Duration delay;
    private final DisposableServer server;
    private volatile @Nullable RecordedRequest last;
    private volatile Sinks.Empty<Void> gate = released();

    private LoopbackTokenEndpoint(Duration delay, long expiresInSeconds) {
        this.delay = delay;
        this.expiresInSeconds = expiresInSeconds;
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .runOn(loops)
                .doOnChannelInit((observer, channel, remote) -> connections.incrementAndGet())
                .route(routes -> routes.post("/token", (request, response) -> {
                    requests.incrementAndGet();
                    int n = issued.incrementAndGet();
                    Mono<Void> open = gate.asMono();
                    // As RFC 9449 servers do: a request with a DPoP proof gets a DPoP-bound token.
                    String type = request.requestHeaders().contains("DPoP") ? "DPoP" : "Bearer";
                    Mono<String> answer = request.receive().aggregate().asString().defaultIfEmpty("")
                            .doOnNext(body -> last = new RecordedRequest(List.copyOf(request.requestHeaders().entries()), body))
                            .then(open)
                            .then(delay.isZero() ? Mono.empty() : Mono.delay(delay).then())
                            .thenReturn("{\"access_token\":\"bench-token-" + n + "\",\"token_type\":\"" + type + "\","
                                    + "\"expires_in\":" + expiresInSeconds + ",\"scope\":\"api.read\"}");
                    return response
                            .header(HttpHeaderNames.CONTENT_TYPE, "application/json;charset=UTF-8")
                            .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                            .sendString(answer);
                }))
                .bindNow(Duration.ofSeconds(10));
    }

    /** Answers at once, tokens valid for an hour. */
    static LoopbackTokenEndpoint start() {
        return start(Duration.ZERO, 3600);
    }

    /**
     * @param delay how long each answer takes after the request body is read (0: at once)
     * @param expiresInSeconds the {@code expires_in} of every token handed out
     */
    static LoopbackTokenEndpoint start(Duration delay, long expiresInSeconds) {
        return new LoopbackTokenEndpoint(delay, expiresInSeconds);
    }

    URI tokenUri() {
        return URI.create("http://127.0.0.1:" + server.port() + "/token");
    }

    /** A tokenflow service of the benchmark client (client_secret_basic, scope api.read) on this endpoint. */
    TokenService.Builder service() {
        return TokenService.builder()
                .tokenEndpoint(tokenUri())
                .clientCredentials(CLIENT_ID, CLIENT_SECRET)
                .scopes("api.read");
    }

    /** A built service of the benchmark client that already holds its first token (one request made). */
    TokenService runningService() {
        TokenService tokens = service().build();
        if (tokens.token().block(Duration.ofSeconds(10)) == null) {
            tokens.dispose();
            throw new IllegalStateException("no token after setup");
        }
        return tokens;
    }

    /** Fails the trial unless exactly {@code expected} token requests arrived: every measured call took the cached path. */
    void requireRequests(int expected, String what) {
        int seen = requests();
        if (seen != expected) {
            throw new IllegalStateException(what + ": expected " + expected + " token request(s) (every call cached), saw " + seen);
        }
    }

    /** Token requests received since start or the last {@link #resetCount()}. */
    int requests() {
        return requests.get();
    }

    /** TCP connections accepted since start or the last {@link #resetCount()}. */
    int connections() {
        return connections.get();
    }

    void resetCount() {
        requests.set(0);
        connections.set(0);
    }

    /** The last request received (headers and body), or null before the first. */
    @Nullable RecordedRequest lastRequest() {
        return last;
    }

    /** From now on, requests are read and counted but not answered until {@link #release()}. */
    void hold() {
        gate = Sinks.empty();
    }

    /** Answers every held request (each still after the configured delay). */
    void release() {
        gate.tryEmitEmpty();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        loops.disposeLater().block(Duration.ofSeconds(5));
    }

    private static Sinks.Empty<Void> released() {
        Sinks.Empty<Void> open = Sinks.empty();
        open.tryEmitEmpty();
        return open;
    }
}
