package io.tokenflow.redis;

import io.tokenflow.core.CredentialBusyException;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore.RefreshLease;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Taking the refresh lease: ACQUIRE until it is granted, waking on the credential's channel
 * ({@code released}, {@code saved}, {@code cleared}) or on a poll tick (100 ms doubling to 1 s,
 * ±20 % jitter, never past the holder's remaining TTL), at most {@code writeLockWait}; then
 * {@link CredentialBusyException}. While another holder's claim is live the lease is not granted
 * even if free: that holder's save comes first, and the waiter then adopts it.
 *
 * <p>When Redis cannot be reached, a refresh gets an offline lease instead of an error: a grant
 * without refresh token (client_credentials) then renews locally, while the offline lease refuses
 * to let any refresh token be sent (every host would send the same one).
 */
final class Leases {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);
    private static final Duration FIRST_WAIT = Duration.ofMillis(100);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(1);
    private static final List<String> WAKE_ON = List.of("released", "saved:", "cleared:");

    private final StoreContext store;
    private final AtomicReference<@Nullable RedisLease> held = new AtomicReference<>();
    private final AtomicBoolean offline = new AtomicBoolean();

    Leases(StoreContext store) {
        this.store = store;
    }

    /** The lease this store holds now, if any: its own saves and clears run under it. */
    @Nullable RedisLease held() {
        return held.get();
    }

    /**
     * For a refresh: the lease, or an offline lease while Redis is unreachable. It becomes this
     * store's {@linkplain #held() held} lease: the refresh's own save and clear run under it.
     */
    Mono<RefreshLease> forRefresh() {
        return acquire(true).<RefreshLease>map(lease -> lease)
                .doOnNext(lease -> {
                    if (offline.compareAndSet(true, false)) {
                        log.info("{}: redis answers again", store.describe());
                    }
                })
                .onErrorResume(Failures::unreachable, e -> {
                    if (offline.compareAndSet(false, true)) {
                        log.warn("{}: redis is unreachable ({}): held tokens are served; a refresh token shared by the hosts "
                                + "is not sent until it answers; a grant without one renews locally", store.describe(),
                                Failures.reason(e));
                    }
                    return Mono.just(new Offline(e));
                });
    }

    /**
     * The lease for one write of its own (an operator's save or clear), waiting at most
     * {@code writeLockWait}; not {@linkplain #held() held} for others to write under. Errors:
     * {@link CredentialBusyException}, or Redis unreachable.
     */
    Mono<RedisLease> forWrite() {
        return acquire(false);
    }

    private Mono<RedisLease> acquire(boolean held) {
        return Mono.defer(() -> attempt(System.nanoTime() + store.settings().writeLockWait().toNanos(), 0, System.nanoTime(), held));
    }

    private Mono<RedisLease> attempt(long deadline, int round, long started, boolean held) {
        return store.connections().redis().flatMap(redis -> {
            String owner = store.ids().nextOwner();
            // Listening before asking: a release published between the refusal and the wait still wakes it.
            Mono<Void> message = store.connections().events().filter(m -> WAKE_ON.stream().anyMatch(m::startsWith)).next().then()
                    .cache();
            Disposable listening = message.subscribe();
            return Scripts.ACQUIRE.multi(redis, new String[] {store.keys().cred(), store.keys().lease(), store.keys().fence()},
                            owner, Long.toString(store.settings().leaseTtl().toMillis()),
                            Long.toString(store.settings().orphanTimeout().toMillis()))
                    .timeout(store.settings().commandTimeout())
                    .flatMap(answer -> {
                        long fence = Scripts.at(answer, 0);
                        if (fence > 0) {
                            return Mono.just(granted(owner, fence, held));
                        }
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return Mono.error(busy(answer, Duration.ofNanos(System.nanoTime() - started)));
                        }
                        return wake(message, round, Scripts.at(answer, 1), Duration.ofNanos(left))
                                .then(Mono.defer(() -> attempt(deadline, round + 1, started, held)));
                    })
                    .doFinally(signal -> listening.dispose());
        });
    }

    private RedisLease granted(String owner, long fence, boolean hold) {
        RedisLease lease = new RedisLease(store, released -> held.compareAndSet(released, null), owner, fence);
        if (hold) {
            held.set(lease);
        }
        lease.startRenewal();
        return lease;
    }

    /** Waits for the first of: a wake-up {@code message}, the poll tick, the holder's TTL running out, the deadline. */
    private Mono<Void> wake(Mono<Void> message, int round, long holderTtlMillis, Duration left) {
        long tick = Math.min(FIRST_WAIT.toMillis() << Math.min(round, 10), LONGEST_WAIT.toMillis());
        long wait = Math.round(tick * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        if (holderTtlMillis > 0) {
            wait = Math.min(wait, holderTtlMillis + 1);
        }
        wait = Math.max(1, Math.min(wait, left.toMillis()));
        return store.connections().subscribed().onErrorResume(e -> Mono.empty())
                .then(Mono.firstWithSignal(message, Mono.delay(Duration.ofMillis(wait), store.timer()).then()));
    }

    private CredentialBusyException busy(List<Object> answer, Duration waited) {
        long claimAge = Scripts.at(answer, 3);
        String why = claimAge >= 0
                ? "another holder claimed generation " + Scripts.at(answer, 2) + " " + claimAge + " ms ago and is sending its "
                        + "refresh token; waited " + waited.toMillis() + " ms for its save"
                : "another holder has the refresh lease; waited " + waited.toMillis() + " ms for it";
        return CredentialBusyException.unavailable(store.describe(), why + "; nothing was written");
    }

    /** A lease while Redis cannot be reached: nothing to release, and no refresh token may be sent under it. */
    private final class Offline implements RefreshLease {
        private final Throwable why;

        Offline(Throwable why) {
            this.why = why;
        }

        @Override
        public Mono<Void> release() {
            return Mono.empty();
        }

        @Override
        public Mono<Void> beforeRefresh(Credential presenting) {
            return Mono.error(Failures.unreachable(store.describe(), "take the refresh lease", why));
        }
    }
}
