package io.tokenflow.core.store;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * A store in this JVM's memory: the default. Its refresh lease is held by one refresh at a time
 * (waiters queue without blocking a thread), so several services sharing one instance refresh a
 * rotating refresh token one after the other, each adopting what the one before it saved; for a
 * store of its own, the lease is always free at once. {@link #changes()} reports every save, so
 * services sharing one instance see each other's credentials, and a test can play an operator who
 * writes a new credential.
 */
public final class InMemoryCredentialStore implements CredentialStore {

    /** What every in-memory store is called in messages: {@code memory}. */
    public static final String DESCRIPTION = "memory";


    private static final AtomicReferenceFieldUpdater<InMemoryCredentialStore, Credential> CURRENT =
            AtomicReferenceFieldUpdater.newUpdater(InMemoryCredentialStore.class, Credential.class, "current");

    private volatile @Nullable Credential current;
    /** Made on the first {@link #changes()}: a store nobody watches (a service's default one) holds no sink. */
    private Sinks.@Nullable Many<Credential> changes;
    /** Marks the lease held with nobody waiting. */
    private static final Object HELD = new Object();
    /**
     * Guarded by this, one field so that an idle store costs no more: {@code null} when the lease is
     * free, {@link #HELD} when a refresh holds it, the queue of waiters when others wait for it.
     */
    private @Nullable Object lease;

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

    /** The lease, at once when it is free, else when the holder before releases it (FIFO); cancelling a wait leaves the queue. */
    @Override
    public Mono<RefreshLease> acquireRefreshLease() {
        return Mono.<RefreshLease>create(sink -> {
            boolean free;
            synchronized (this) {
                free = lease == null;
                if (free) {
                    lease = HELD;
                } else {
                    waiters().add(sink);
                }
            }
            if (free) {
                sink.success(new Lease());
            } else {
                sink.onCancel(() -> {
                    synchronized (this) {
                        if (lease instanceof ArrayDeque<?> queue) {
                            queue.remove(sink);
                        }
                    }
                });
            }
        }).doOnDiscard(Lease.class, Lease::releaseNow);
    }

    /** The queue of waiters, made when the first one comes; the caller holds this and the lease is held. */
    @SuppressWarnings("unchecked")
    private ArrayDeque<MonoSink<RefreshLease>> waiters() {
        if (lease instanceof ArrayDeque<?> queue) {
            return (ArrayDeque<MonoSink<RefreshLease>>) queue;
        }
        ArrayDeque<MonoSink<RefreshLease>> queue = new ArrayDeque<>();
        lease = queue;
        return queue;
    }

    /** The next waiter gets the lease, or it is free. */
    private void handOn() {
        MonoSink<RefreshLease> next;
        synchronized (this) {
            next = lease instanceof ArrayDeque<?> ? waiters().poll() : null;
            if (next == null) {
                lease = null;
                return;
            }
        }
        // Delivered to a waiter that cancelled meanwhile, the lease is discarded, and so released (doOnDiscard).
        next.success(new Lease());
    }

    /** One holding of the lease; releasing it is idempotent. */
    private final class Lease implements RefreshLease {
        private final AtomicBoolean released = new AtomicBoolean();

        @Override
        public Mono<Void> release() {
            return Mono.fromRunnable(this::releaseNow);
        }

        void releaseNow() {
            if (released.compareAndSet(false, true)) {
                handOn();
            }
        }
    }

    @Override
    public String describe() {
        return DESCRIPTION;
    }
}
