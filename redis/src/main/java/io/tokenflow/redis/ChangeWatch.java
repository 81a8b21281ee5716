package io.tokenflow.redis;

import io.tokenflow.core.store.Credential;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code changes()}: the record read again on every {@code saved}/{@code cleared} message and on a
 * poll every {@code pollInterval} (pub/sub alone loses what is published while disconnected), a
 * credential emitted when the record is newer than anything this store read or wrote (so its own
 * saves are not reported). The first read (at subscription, or the first that succeeds) only sets
 * that baseline. Hot and shared; never errors: a failed read is logged once and watching
 * goes on.
 */
final class ChangeWatch {

    private static final Logger log = LoggerFactory.getLogger(RedisCredentialStore.class);

    private final StoreContext store;
    private final Flux<Credential> changes;
    private final AtomicReference<@Nullable String> lastProblem = new AtomicReference<>();

    ChangeWatch(StoreContext store, Mono<Void> closed) {
        this.store = store;
        this.changes = Flux.defer(this::watch).takeUntilOther(closed).share();
    }

    Flux<Credential> changes() {
        return changes;
    }

    private Flux<Credential> watch() {
        Flux<Object> messages = store.connections().events().filter(m -> m.startsWith("saved:") || m.startsWith("cleared:"))
                .map(m -> (Object) m);
        Flux<Object> ticks = Flux.interval(store.settings().pollInterval(), store.settings().pollInterval(), store.timer())
                .map(t -> (Object) t);
        return Flux.merge(Mono.just((Object) "start"), messages, ticks)
                .onBackpressureLatest()
                .concatMap(trigger -> check(), 1);
    }

    private Mono<Credential> check() {
        return store.connections().subscribed().onErrorResume(e -> Mono.empty())
                .then(store.records().read())
                .flatMap(record -> {
                    boolean baseline = store.history().last() == null;
                    if (!store.history().observe(record) || baseline || !record.holdsCredential()) {
                        return Mono.empty();
                    }
                    log.debug("{}: generation {} written by someone else", store.describe(), record.gen());
                    return Mono.just(store.records().decode(record));
                })
                .doOnSuccess(found -> lastProblem.set(null))
                .onErrorResume(e -> {
                    String message = e.getMessage() == null ? Failures.reason(e) : e.getMessage();
                    if (!message.equals(lastProblem.getAndSet(message))) {
                        log.warn("{}: watching for changes: {}; still watching", store.describe(), message);
                    }
                    return Mono.empty();
                });
    }
}
