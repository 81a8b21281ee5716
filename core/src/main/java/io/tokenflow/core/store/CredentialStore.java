package io.tokenflow.core.store;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a {@link io.tokenflow.core.TokenService} keeps its credential, possibly shared with other
 * processes. Implementations must not block the subscribing thread: do I/O on
 * {@code Schedulers.boundedElastic()}.
 *
 * <p>The service reads the store at start (a valid stored token means no request), takes the
 * refresh lease around every refresh (reloading under it: another holder may have refreshed
 * already), saves every new credential, and adopts what {@link #changes()} reports.
 */
public interface CredentialStore {

    /** The stored credential; empty when there is none. Fails on an unreadable or invalid store. */
    Mono<Credential> load();

    /**
     * Replaces the stored credential.
     *
     * @throws io.tokenflow.core.CredentialDowngradeException (as the error signal) when it would
     *     replace a credential that has a refresh token with one that has none
     */
    Mono<Void> save(Credential credential);

    /** Removes the stored credential. */
    Mono<Void> clear();

    /**
     * Credentials written by someone else (another process, an operator), as they are found.
     * Hot; never errors: a store that cannot read logs and keeps watching.
     */
    Flux<Credential> changes();

    /**
     * The right to refresh: completes once this holder may refresh (other holders of the same
     * store wait meanwhile). Release it after the refreshed credential is saved.
     */
    Mono<RefreshLease> acquireRefreshLease();

    /** Names the store in messages, e.g. {@code file /etc/app/token.json}; never a secret. */
    String describe();

    /** A held refresh lease. */
    interface RefreshLease {
        /** Releases the lease; idempotent. */
        Mono<Void> release();

        /**
         * Called by the service immediately before it presents {@code presenting}'s refresh token
         * to the token endpoint, and only then (not for a grant without a refresh token, not when
         * it adopts a stored token). A store shared by several hosts claims the credential's
         * generation here, so that a refresh token is presented at most once; an error signal
         * (e.g. {@link io.tokenflow.core.CredentialBusyException}) means the service sends
         * nothing and fails this attempt with it. Must not block. Default: completes at once.
         *
         * @param presenting the credential whose refresh token is about to be sent
         */
        default Mono<Void> beforeRefresh(Credential presenting) {
            return Mono.empty();
        }
    }
}
