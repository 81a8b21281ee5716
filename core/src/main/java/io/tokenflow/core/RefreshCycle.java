package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One refresh attempt under the store's refresh lease: reload first (another holder may have
 * refreshed already, and its rotated refresh token must not be replayed), then fetch and save.
 * Knows the store and the wire, not the state machine: it asks the service what it holds through
 * {@link Held} and hands back a credential (or an error) for the engine to adopt.
 */
final class RefreshCycle {

    /** The refusals of a refresh token after which a client with a grant of its own uses that instead. */
    private static final Set<String> FALL_BACK_ON = Set.of("invalid_grant", "unauthorized_client", "unsupported_grant_type");

    /** What a cycle needs to know of its service's state; answered by the engine, without blocking. */
    interface Held {
        /** The held credential; {@code null} before the first. */
        @Nullable Credential credential();

        /** Whether {@code stored} is worth adopting instead of a request: a token other than the held one, still valid. */
        boolean adoptable(Credential stored);

        /** The credential adopted since {@code generation} and still served (another holder's refresh); {@code null} when none. */
        @Nullable Credential adoptedSince(long generation);
    }

    private final CredentialStore store;
    private final TokenEndpoint endpoint;
    private final Held held;
    private final @Nullable Credential seed;
    private final ServiceLog log;
    private final EventFeed events;
    private final Scheduler clock;
    /** The credential this service last wrote, so that the store reporting it back is not taken for someone else's. */
    private volatile @Nullable Credential lastSaved;

    /**
     * @param seed the credential to renew while neither the store nor the service holds one (a refresh token given to the builder)
     * @param events where each token request is published as it starts and finishes ({@link RequestEvents})
     * @param clock the service's clock, which times the requests
     */
    RefreshCycle(CredentialStore store, TokenEndpoint endpoint, Held held, @Nullable Credential seed, ServiceLog log,
                 EventFeed events, Scheduler clock) {
        this.store = store;
        this.endpoint = endpoint;
        this.held = held;
        this.seed = seed;
        this.log = log;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Load, and adopt what the store holds when it is worth it; only otherwise take the lease,
     * load again (another holder may have refreshed meanwhile), then adopt or fetch and save. The
     * lease is released on success, error and cancellation. Reading first means a store that can
     * be read but not locked (a read-only mount) still serves its valid credential. Lazy: each
     * subscription is one attempt.
     *
     * @param startGeneration the generation of the job's start: a token adopted since (another
     *     holder's, found through the store) finishes the job without a request
     */
    Mono<Credential> run(long startGeneration) {
        return store.load()
                .filter(held::adoptable)
                .switchIfEmpty(Mono.defer(() -> underLease(startGeneration)))
                .contextWrite(log::onStoreCalls);
    }

    private Mono<Credential> underLease(long startGeneration) {
        return Mono.usingWhen(store.acquireRefreshLease(),
                lease -> store.load()
                        .flatMap(stored -> held.adoptable(stored) ? Mono.just(stored)
                                : Mono.justOrEmpty(held.adoptedSince(startGeneration))
                                        .switchIfEmpty(Mono.defer(() -> fetchAndSave(lease, stored))))
                        .switchIfEmpty(Mono.defer(() -> fetchAndSave(lease, heldOrSeed()))),
                CredentialStore.RefreshLease::release,
                (lease, error) -> lease.release(),
                CredentialStore.RefreshLease::release);
    }

    /** Whether {@code credential} is the one this service saved last (its own write, reported back). */
    boolean savedByThisService(Credential credential) {
        return credential.sameTokens(lastSaved);
    }

    private Mono<Credential> fetchAndSave(CredentialStore.RefreshLease lease, @Nullable Credential base) {
        return present(lease, base)
                .onErrorResume(RefreshCycle::isInvalidGrant, invalidGrant -> reloadAfterInvalidGrant(lease, base, invalidGrant))
                .flatMap(this::save)
                .onErrorResume(refused -> canFallBack(base, refused), refused -> ownGrant(base, refused));
    }

    /**
     * Whether {@code refused} is a refresh token turned down for good ({@code invalid_grant}: expired,
     * revoked; {@code unauthorized_client}, {@code unsupported_grant_type}: the client may not use
     * the grant) while the client has a grant of its own: a refresh token it may never have asked
     * for (some servers hand one out with {@code client_credentials}) must not lock it out.
     */
    private boolean canFallBack(@Nullable Credential base, Throwable refused) {
        return endpoint.hasOwnGrant() && base != null && base.refreshToken().isPresent()
                && refused instanceof TokenEndpointException te
                && te.failure().oauthError().filter(FALL_BACK_ON::contains).isPresent();
    }

    /**
     * One request with the client's own grant, the refresh token dropped. When the client may not
     * use that grant either, the refusal of the refresh token is what it gets (log in again).
     * The new credential replaces the stored one (which had the refresh token) on purpose.
     */
    private Mono<Credential> ownGrant(Credential base, Throwable refused) {
        log.fallingBackToOwnGrant(refused);
        return RequestEvents.observed(events, clock, endpoint.ownGrantType(), () -> endpoint.fetchWithOwnGrant(base), this::remediated)
                .onErrorMap(RefreshCycle::mayNotUseOwnGrant, notAllowed -> refused)
                .flatMap(fresh -> kept(fresh, store.clear().then(store.save(fresh))));
    }

    private static boolean mayNotUseOwnGrant(Throwable e) {
        return e instanceof TokenEndpointException te
                && te.failure().oauthError().filter(c -> c.equals("unauthorized_client") || c.equals("unsupported_grant_type"))
                .isPresent();
    }

    /**
     * Before an {@code invalid_grant} is final: another process may have rotated the refresh
     * token meanwhile. Adopt what it stored, or renew that once.
     */
    private Mono<Credential> reloadAfterInvalidGrant(CredentialStore.RefreshLease lease, @Nullable Credential sent,
                                                     Throwable invalidGrant) {
        return store.load()
                .filter(stored -> !stored.sameTokens(sent))
                .flatMap(stored -> held.adoptable(stored) ? Mono.just(stored) : present(lease, stored))
                .switchIfEmpty(Mono.error(invalidGrant));
    }

    /**
     * The token request renewing {@code base}. When it presents a refresh token, the lease hears of
     * it right before (a shared store claims the generation there; its refusal sends nothing).
     */
    private Mono<Credential> present(CredentialStore.RefreshLease lease, @Nullable Credential base) {
        if (base == null || base.refreshToken().isEmpty()) {
            return fetch(base);
        }
        return lease.beforeRefresh(base).then(Mono.defer(() -> fetch(base)));
    }

    /** One token request renewing {@code base}, published as events. */
    private Mono<Credential> fetch(@Nullable Credential base) {
        return RequestEvents.observed(events, clock, endpoint.grantType(base), () -> endpoint.fetch(base), this::remediated);
    }

    /** Saves {@code fresh}; a store that fails does not cost the new token (it is used anyway). */
    private Mono<Credential> save(Credential fresh) {
        return kept(fresh, store.save(fresh));
    }

    /** {@code fresh} once {@code writes} (the store's writes of it) end; should they fail, {@code fresh} all the same. */
    private Mono<Credential> kept(Credential fresh, Mono<Void> writes) {
        lastSaved = fresh;
        return writes
                .thenReturn(fresh)
                .onErrorResume(e -> {
                    log.notSaved(e);
                    return Mono.just(fresh);
                });
    }

    /**
     * {@code error} as the service's failure, with its remediation hint ({@link TokenFailure#remediation()}):
     * the wire's own failure, or else a failure of the credential store, transient when the store
     * was busy, permanent otherwise.
     */
    TokenEndpointException asEndpointFailure(Throwable error) {
        TokenEndpointException failure;
        if (error instanceof TokenEndpointException te) {
            failure = te;
        } else {
            FailureKind kind = error instanceof CredentialBusyException ? FailureKind.TRANSIENT : FailureKind.PERMANENT;
            failure = TokenEndpointException.of(TokenFailure.of(FailureOrigin.STORE, kind, "refresh failed before or after the "
                            + "token request (credential store " + store.describe() + "): " + error),
                    endpoint.endpoint(), endpoint.clientId(), error);
        }
        return remediated(failure);
    }

    /** {@code failure} with its remediation hint attached (itself when it has one already, or none applies). */
    private TokenEndpointException remediated(TokenEndpointException failure) {
        return failure.failure().remediation().isPresent() ? failure
                : failure.remediated(Remediation.forService(endpoint.clientId(), endpoint.endpoint(), store.describe())
                        .attachTo(failure.failure()));
    }

    private static boolean isInvalidGrant(Throwable e) {
        return e instanceof TokenEndpointException te && te.failure().oauthError().filter("invalid_grant"::equals).isPresent();
    }

    private @Nullable Credential heldOrSeed() {
        Credential current = held.credential();
        return current != null ? current : seed;
    }
}
