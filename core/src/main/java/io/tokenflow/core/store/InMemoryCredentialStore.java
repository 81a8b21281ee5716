package io.tokenflow.core.store;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A store in this JVM's memory: the default. Its refresh lease is always free (the service's own
 * single flight already coordinates callers). {@link #changes()} reports every save, so several
 * services sharing one instance see each other's credentials, and a test can play an operator who
 * writes a new credential.
 */
public final class InMemoryCredentialStore implements CredentialStore {

    /** What every in-memory store is called in messages: {@code memory}. */
    public static final String DESCRIPTION = "memory";

    private static final RefreshLease FREE = () -> Mono.empty();

    private static final AtomicReferenceFieldUpdater<InMemoryCredentialStore, Credential> CURRENT =
            AtomicReferenceFieldUpdater.newUpdater(InMemoryCredentialStore.class, Credential.class, "current");

    private volatile @Nullable Credential current;
    /** Made on the first {@link #changes()}: a store nobody watches (a service's default one) holds no sink. */
    private Sinks.@Nullable Many<Credential> changes;

    private InMemoryCredentialStore(@Nullable Credential initial) {
        this.current = initial;
    }

    /** An empty store. */
    public static InMemoryCredentialStore empty() {
        return new InMemoryCredentialStore(null);
    }

    /** A store holding {@code credential}. */
    public static InMemoryCredentialStore of(Credential credential) {
        return new InMemoryCredentialStore(credential);
    }

    @Override
    public Mono<Credential> load() {
        return Mono.fromSupplier(() -> current);
    }

    @Override
    public Mono<Void> save(Credential credential) {
        return Mono.fromRunnable(() -> {
            Credential previous = CURRENT.getAndUpdate(this, old -> {
                if (old != null && old.refreshToken().isPresent() && credential.refreshToken().isEmpty()) {
                    throw io.tokenflow.core.CredentialDowngradeException.refreshTokenWouldBeLost(describe());
                }
                return credential;
            });
            if (!credential.equals(previous)) {
                synchronized (this) {
                    if (changes != null) {
                        changes.tryEmitNext(credential);
                    }
                }
            }
        });
    }

    @Override
    public Mono<Void> clear() {
        return Mono.fromRunnable(() -> current = null);
    }

    @Override
    public synchronized Flux<Credential> changes() {
        if (changes == null) {
            changes = Sinks.many().multicast().directBestEffort();
        }
        return changes.asFlux();
    }

    @Override
    public Mono<RefreshLease> acquireRefreshLease() {
        return Mono.just(FREE);
    }

    @Override
    public String describe() {
        return DESCRIPTION;
    }
}
