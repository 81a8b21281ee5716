package io.tokenflow.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * A store's two connections on the user's {@link RedisClient}, opened lazily with
 * {@code connectAsync}/{@code connectPubSubAsync} only (the blocking {@code connect()} would
 * block an event loop), on {@code boundedElastic} (TLS set-up may read key stores). A failed
 * connect is tried again by the next caller; once open, Lettuce reconnects (and re-subscribes)
 * by itself. The store closes its connections, never the client.
 *
 * <p>The events of the credential's channel go to a hot multicast ({@link #events()}): pub/sub
 * is at most once (a message published while disconnected is lost), so every reader also polls.
 */
final class Connections {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final String channel;
    private final Duration commandTimeout;
    private final Ids ids;
    private final Sinks.Many<String> events = Sinks.many().multicast().directBestEffort();
    private final AtomicReference<@Nullable Mono<StatefulRedisConnection<String, String>>> commands = new AtomicReference<>();
    private final AtomicReference<@Nullable Mono<StatefulRedisPubSubConnection<String, String>>> pubSub = new AtomicReference<>();
    private final AtomicBoolean warnedOptions = new AtomicBoolean();
    private final AtomicReference<@Nullable String> subscribeProblem = new AtomicReference<>();
    private volatile boolean closed;

    Connections(RedisClient client, RedisURI uri, String channel, Duration commandTimeout, Ids ids) {
        this.client = client;
        this.uri = uri;
        this.channel = channel;
        this.commandTimeout = commandTimeout;
        this.ids = ids;
    }

    /** The command connection's reactive API (connecting first if needed; the store's random generator seeded too). */
    Mono<RedisReactiveCommands<String, String>> redis() {
        return ids.ready().then(connection(commands, () -> Mono.fromFuture(() -> client.connectAsync(StringCodec.UTF8, uri)
                .toCompletableFuture())).map(StatefulRedisConnection::reactive));
    }

    /**
     * Subscribes to the credential's channel if not done yet (a failure is tried again by the next
     * call, its connection closed), then completes; messages arrive on {@link #events()}. The
     * SUBSCRIBE waits at most the command timeout.
     */
    Mono<Void> subscribed() {
        return connection(pubSub, () -> Mono.fromFuture(() -> client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture())
                .flatMap(ps -> {
                    ps.addListener(new RedisPubSubAdapter<>() {
                        @Override
                        public void message(String from, String message) {
                            if (channel.equals(from)) {
                                synchronized (events) {
                                    events.tryEmitNext(message);
                                }
                            }
                        }
                    });
                    return Mono.fromFuture(() -> ps.async().subscribe(channel).toCompletableFuture())
                            .timeout(commandTimeout)
                            .thenReturn(ps)
                            .onErrorResume(refused -> {
                                warnSubscribeFailed(refused);
                                return Mono.fromFuture(ps.closeAsync()).onErrorResume(e -> Mono.empty()).then(Mono.error(refused));
                            });
                })).doOnSuccess(subscribed -> subscribeProblem.set(null)).then();
    }

    /** Once per distinct problem: without the channel, changes are seen by polling only. */
    private void warnSubscribeFailed(Throwable refused) {
        String reason = Failures.reason(refused);
        if (!reason.equals(subscribeProblem.getAndSet(reason))) {
            log.warn("cannot subscribe to the channel {} ({}): changes are seen by polling only, waiters wake on their poll; "
                    + "an ACL user needs &{}", channel, reason, channel);
        }
    }

    /** Messages on the credential's channel ({@code saved:<gen>}, {@code cleared:<gen>}, {@code claimed:<gen>}, {@code released}); hot. */
    Flux<String> events() {
        return events.asFlux();
    }

    private <C extends io.lettuce.core.api.StatefulConnection<String, String>> Mono<C> connection(
            AtomicReference<@Nullable Mono<C>> slot, java.util.function.Supplier<Mono<C>> connect) {
        Mono<C> current = slot.get();
        if (current != null) {
            return current;
        }
        Mono<C> opening = Mono.defer(() -> {
                    if (closed) {
                        return Mono.error(new IllegalStateException("the store is closed"));
                    }
                    warnAboutOptions();
                    return connect.get();
                })
                .subscribeOn(Schedulers.boundedElastic())
                .doOnNext(c -> {
                    c.setTimeout(commandTimeout);
                    if (closed) {
                        c.closeAsync();
                    }
                })
                .cache(open -> Duration.ofMillis(Long.MAX_VALUE), failed -> Duration.ZERO, () -> Duration.ZERO);
        return slot.compareAndSet(null, opening) ? opening : java.util.Objects.requireNonNull(slot.get());
    }

    /**
     * Commands sent while disconnected are buffered and run after the reconnect by default, long
     * after their caller gave up: nothing unsafe for this store's scripts (a late claim or lease is
     * released or lapses), but slower to heal. REJECT_COMMANDS fails them at once.
     */
    private void warnAboutOptions() {
        ClientOptions options = client.getOptions();
        if (options.getDisconnectedBehavior() != ClientOptions.DisconnectedBehavior.REJECT_COMMANDS
                && warnedOptions.compareAndSet(false, true)) {
            log.warn("the RedisClient of the credential store buffers commands while disconnected ({}): configure it with "
                    + "ClientOptions.builder().disconnectedBehavior(REJECT_COMMANDS) so that no command runs long after "
                    + "its caller gave up", options.getDisconnectedBehavior());
        }
    }

    /** Closes both connections (asynchronously); the client stays open. */
    void close() {
        closed = true;
        for (AtomicReference<? extends @Nullable Mono<? extends io.lettuce.core.api.StatefulConnection<String, String>>> slot
                : java.util.List.of(commands, pubSub)) {
            Mono<? extends io.lettuce.core.api.StatefulConnection<String, String>> open = slot.get();
            if (open != null) {
                open.subscribe(c -> c.closeAsync(), failed -> { });
            }
        }
        events.tryEmitComplete();
    }
}
