package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How one service's engine runs, apart from the wire ({@link EndpointSettings}). Immutable; the
 * builder's setters replace it through the {@code withX} methods.
 *
 * @param scheduler the clock and timer source for every delay
 * @param policy the retry policy; {@code null}: {@link RetryPolicy#defaults()}, read when the service is built
 * @param lifetimes refresh and expiry timing
 * @param store where the credential lives; {@code null}: a new {@link InMemoryCredentialStore}
 * @param seed the credential to renew while the store holds none (a refresh token given to the builder)
 * @param startupTimeout how long callers wait in {@code STARTING}, counted from the service's start
 */
record EngineSettings(Scheduler scheduler, @Nullable RetryPolicy policy, Lifetimes lifetimes,
                      @Nullable CredentialStore store, @Nullable Credential seed, Duration startupTimeout) {

    /** {@link #startupTimeout()} unless set: {@value #DEFAULT_STARTUP_TIMEOUT_SECONDS} s. */
    static final long DEFAULT_STARTUP_TIMEOUT_SECONDS = 10;

    static final EngineSettings DEFAULTS = new EngineSettings(Schedulers.parallel(), null, Lifetimes.DEFAULTS, null, null,
            Duration.ofSeconds(DEFAULT_STARTUP_TIMEOUT_SECONDS));

    EngineSettings {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(lifetimes, "lifetimes");
        RetryPolicy.requirePositive("startupTimeout", startupTimeout);
    }

    EngineSettings withScheduler(Scheduler scheduler) {
        return new EngineSettings(Objects.requireNonNull(scheduler, "scheduler"), policy, lifetimes, store, seed, startupTimeout);
    }

    EngineSettings withPolicy(RetryPolicy policy) {
        return new EngineSettings(scheduler, Objects.requireNonNull(policy, "retryPolicy"), lifetimes, store, seed, startupTimeout);
    }

    EngineSettings withLifetimes(Lifetimes lifetimes) {
        return new EngineSettings(scheduler, policy, lifetimes, store, seed, startupTimeout);
    }

    EngineSettings withStore(CredentialStore store) {
        return new EngineSettings(scheduler, policy, lifetimes, Objects.requireNonNull(store, "store"), seed, startupTimeout);
    }

    EngineSettings withSeed(Credential seed) {
        return new EngineSettings(scheduler, policy, lifetimes, store, Objects.requireNonNull(seed, "seed"), startupTimeout);
    }

    EngineSettings withStartupTimeout(Duration startupTimeout) {
        return new EngineSettings(scheduler, policy, lifetimes, store, seed, startupTimeout);
    }

    /** These settings without the store and the seed: a service of its own credential (a variant), in memory. */
    EngineSettings withoutCredential() {
        return new EngineSettings(scheduler, policy, lifetimes, null, null, startupTimeout);
    }

    /** The policy to run with: the given one, else the defaults with the environment's overrides. */
    RetryPolicy effectivePolicy() {
        return policy != null ? policy : RetryPolicy.defaults();
    }

    /** What the store to run with is called in messages ({@code describe()}), without making one. */
    String storeDescription() {
        return store != null ? store.describe() : InMemoryCredentialStore.DESCRIPTION;
    }

    /** The store to run with: the given one, else a new, empty in-memory store. */
    CredentialStore effectiveStore() {
        return store != null ? store : InMemoryCredentialStore.empty();
    }
}
