package io.tokenflow.redis;

import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A store whose refresh lease stops right before (or right after) the claim it makes, or whose
 * save stops right before it runs (the authorization server has answered the refresh token then),
 * telling {@code reached} and then waiting for {@code go}: a test stands the process (or Redis)
 * still exactly there. Only the first claim or save waits ({@code go} completes once).
 */
final class HookedStore implements CredentialStore {

    /** Where the lease stops. */
    enum Stop { BEFORE_CLAIM, AFTER_CLAIM, BEFORE_SAVE }

    private final CredentialStore store;
    private final Stop stop;
    private final Runnable reached;
    private final Mono<Void> go;

    HookedStore(CredentialStore store, Stop stop, Runnable reached, Mono<Void> go) {
        this.store = store;
        this.stop = stop;
        this.reached = reached;
        this.go = go;
    }

    @Override
    public Mono<Credential> load() {
        return store.load();
    }

    @Override
    public Mono<Void> save(Credential credential) {
        return stop == Stop.BEFORE_SAVE ? Mono.fromRunnable(reached).then(go).then(store.save(credential)) : store.save(credential);
    }

    @Override
    public Mono<Void> clear() {
        return store.clear();
    }

    @Override
    public Flux<Credential> changes() {
        return store.changes();
    }

    @Override
    public Mono<RefreshLease> acquireRefreshLease() {
        return store.acquireRefreshLease().map(lease -> new RefreshLease() {
            @Override
            public Mono<Void> release() {
                return lease.release();
            }

            @Override
            public Mono<Void> beforeRefresh(Credential presenting) {
                Mono<Void> wait = Mono.fromRunnable(reached).then(go);
                return switch (stop) {
                    case BEFORE_CLAIM -> wait.then(lease.beforeRefresh(presenting));
                    case AFTER_CLAIM -> lease.beforeRefresh(presenting).then(wait);
                    case BEFORE_SAVE -> lease.beforeRefresh(presenting);
                };
            }
        });
    }

    @Override
    public String describe() {
        return store.describe();
    }
}
