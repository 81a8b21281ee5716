package io.tokenflow.core;

import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The connections of many services: one Reactor Netty connection pool (per remote host, as Reactor
 * Netty keeps them), one event-loop group, and one configured {@link HttpClient} per pair of
 * timeouts, shared by every service that uses it. A service holds no pool, thread or file
 * descriptor of its own.
 *
 * <p>{@link #shared()} is tokenflow-wide (every lone {@code TokenService} without an
 * {@code HttpClient} of its own), on Reactor Netty's global event loops, and is never disposed. A
 * {@code TokenServices} registry {@linkplain #owned(String) owns} one, with its own event loops,
 * and disposes it with itself: its connections close and its threads end.
 *
 * <p>Idle connections are closed {@link #MAX_IDLE} after their last use, in the background (every
 * {@link #EVICTION_INTERVAL}): Reactor Netty checks {@code maxIdleTime} only on the next acquire
 * unless eviction runs in the background, and a token endpoint is used once an hour. Thread-safe.
 */
final class Transport {

    /** How long a pooled connection may stay idle. */
    static final Duration MAX_IDLE = Duration.ofSeconds(20);
    /** How often idle connections are looked for: one is closed between 20 and 25 s after its last use. */
    static final Duration EVICTION_INTERVAL = Duration.ofSeconds(5);
    /** Connections per token endpoint host. */
    static final int MAX_CONNECTIONS = 8;

    private static final AtomicInteger OWNED = new AtomicInteger();
    private static volatile @Nullable Transport shared;

    private final ConnectionProvider pool;
    private final @Nullable LoopResources loops;
    /** Keyed by connect and response timeout, in ms. */
    private final Map<Timeouts, HttpClient> clients = new ConcurrentHashMap<>();
    /** The senders of services without an {@code HttpClient} of their own, keyed by timeouts and cap: shared, not one per service. */
    private final Map<Senders, TokenPost> posts = new ConcurrentHashMap<>();

    private record Timeouts(long connectMillis, long responseMillis) {
    }

    private record Senders(long connectMillis, long responseMillis, int maxResponseBytes) {
    }

    Transport(String name, @Nullable LoopResources loops, Duration maxIdle, Duration evictionInterval) {
        this.pool = pool(name, maxIdle, evictionInterval);
        this.loops = loops;
    }

    private static ConnectionProvider pool(String name, Duration maxIdle, Duration evictionInterval) {
        return ConnectionProvider.builder(name)
                .maxConnections(MAX_CONNECTIONS)
                .pendingAcquireMaxCount(-1)
                .maxIdleTime(maxIdle)
                .evictInBackground(evictionInterval)
                .build();
    }

    /** A pool for one client's connections alone (a client certificate of its own); its owner disposes it. */
    static ConnectionProvider ownPool(String name) {
        return pool(name, MAX_IDLE, EVICTION_INTERVAL);
    }

    /** The tokenflow-wide transport, on Reactor Netty's global event loops; created on first use, never disposed. */
    static Transport shared() {
        Transport t = shared;
        if (t == null) {
            synchronized (Transport.class) {
                t = shared;
                if (t == null) {
                    t = new Transport("tokenflow", null, MAX_IDLE, EVICTION_INTERVAL);
                    shared = t;
                }
            }
        }
        return t;
    }

    /** A transport of its own (a registry's): its pool and event loops (daemon threads {@code <name>-nio-*}) end with {@link #dispose()}. */
    static Transport owned(String name) {
        String unique = name + "-" + OWNED.incrementAndGet();
        // Token requests are rare: two event-loop threads at most, started on first use.
        int workers = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        return new Transport(unique, LoopResources.create(unique, 1, workers, true), MAX_IDLE, EVICTION_INTERVAL);
    }

    /**
     * The client every service with these timeouts shares: tokenflow's pool, redirects off, the
     * timeouts, the guards against decoder messages quoting a request or the server's bytes
     * ({@link UnreadableAnswer}, {@link PlainTextAnswer}).
     */
    HttpClient client(Duration connectTimeout, Duration responseTimeout) {
        return clients.computeIfAbsent(new Timeouts(connectTimeout.toMillis(), responseTimeout.toMillis()),
                t -> client(pool, connectTimeout, responseTimeout));
    }

    /** A client on {@code connections} and this transport's event loops, configured as {@link #client(Duration, Duration)}. */
    HttpClient client(ConnectionProvider connections, Duration connectTimeout, Duration responseTimeout) {
        HttpClient base = HttpClient.create(connections);
        return configure(loops != null ? base.runOn(loops) : base, connectTimeout, responseTimeout);
    }

    /**
     * The sender for {@code settings}: shared by every service with the same timeouts and cap, or
     * one of its own for a service with the user's {@code HttpClient} or a TLS identity of its own.
     */
    TokenPost post(EndpointSettings settings) {
        if (settings.httpClient() != null || settings.binding().tls() != null) {
            return new TokenPost(settings, this);
        }
        return posts.computeIfAbsent(new Senders(settings.connectTimeout().toMillis(), settings.responseTimeout().toMillis(),
                settings.maxResponseBytes()), k -> new TokenPost(settings, this));
    }

    /** What tokenflow sets on any client it sends with, the user's included. */
    static HttpClient configure(HttpClient client, Duration connectTimeout, Duration responseTimeout) {
        return client
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .responseTimeout(responseTimeout)
                // At init for HTTP/1.1 and TLS; at each request for a codec that ALPN put in place later, and
                // for an HTTP/2 stream (its own channel, which init and connect never see).
                .doOnChannelInit((observer, channel, remote) -> guard(channel.pipeline()))
                .doOnRequest((request, connection) -> guard(connection.channel().pipeline()));
    }

    /** The handlers that keep what Netty quotes of the server's bytes out of errors and logs. */
    private static void guard(ChannelPipeline pipeline) {
        PlainTextAnswer.guard(pipeline);
        UnreadableAnswer.guard(pipeline);
    }

    /** Closes the pool's connections and ends the event loops of an owned transport; idempotent. Never blocks. */
    void dispose() {
        pool.disposeLater().subscribe(null, e -> { });
        if (loops != null) {
            loops.disposeLater().subscribe(null, e -> { });
        }
    }

    @Override
    public String toString() {
        return "Transport[" + pool.name() + "]";
    }
}
