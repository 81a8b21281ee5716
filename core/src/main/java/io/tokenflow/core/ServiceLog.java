package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one service tells its operators: every log line of the engine, on the logger
 * {@code io.tokenflow.core.TokenService}, each starting with the service's name. The lines are
 * the table in {@code docs/operations.md} ("Logging"). Never a token or a secret: only the client
 * id, the endpoint, the store's description and {@link TokenFailure}s.
 */
final class ServiceLog {

    /** The logger's name: the public type operators know, though the lines come from the engine's rooms. */
    static final String LOGGER = "io.tokenflow.core.TokenService";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final String clientId;
    private final String endpoint;
    private final String store;

    /** @param store the credential store's {@code describe()} */
    ServiceLog(String clientId, String endpoint, String store) {
        this.clientId = clientId;
        this.endpoint = endpoint;
        this.store = store;
    }

    /**
     * The service, {@code TokenService[<client id> @ <endpoint>]}, which every line starts with: made
     * per line, not kept (an idle service holds no string of its own for it).
     */
    String name() {
        return "TokenService[" + clientId + " @ " + endpoint + "]";
    }

    /** INFO for every status change but to {@code STOPPED}. */
    void moved(Status from, Status to, WorkloadState state) {
        if (to != Status.STOPPED) {
            log.info("{}: {} -> {}{}", name(), from, to, state.lastFailure().map(f -> " (" + f + ")").orElse(""));
        }
    }

    /**
     * A failed refresh that moved {@code from} to {@code to}: ERROR with the remediation hint for a
     * permanent failure, ERROR when the ceiling ends a streak, DEBUG when the status stays.
     *
     * @param streak how long the failure streak has lasted
     */
    void failed(Status from, Status to, TokenFailure failure, int failures, Duration streak, Duration ceiling) {
        if (!failure.isTransient()) {
            log.error("{}: permanent failure, no more token requests until the credential changes or refresh() "
                    + "is called: {}. To fix: {}", name(), failure, Remediation.hint(failure, clientId, endpoint, store));
        } else if (to == Status.UNAUTHENTICATED && from != Status.UNAUTHENTICATED) {
            log.error("{}: token requests have failed for {} ({} attempts), past the ceiling of {}; giving up "
                    + "until the credential changes or refresh() is called. Last failure: {}",
                    name(), streak, failures, ceiling, failure);
        } else if (to != Status.UNAUTHENTICATED && from == to) {
            log.debug("{}: still {} after {} failures: {}", name(), to, failures, failure);
        }
    }

    void expiredWhileFailing() {
        log.warn("{}: the held token expired while refreshing fails; callers fail fast until a refresh succeeds", name());
    }

    void rejected() {
        log.info("{}: a resource server rejected the current token; reloading the credential and refreshing", name());
    }

    /** WARN, once per pause: the resource server rejects new tokens; rejections refresh nothing until {@code until}. */
    void rejectionsPaused(int refreshes, Instant until) {
        log.warn("{}: a resource server rejected the tokens of {} rejection-driven refresh(es) soon after they were issued: "
                + "it probably expects another audience or scope (check scopes(..) and requestParameter(\"audience\", ..) "
                + "against what it requires); its rejections refresh nothing until {}", name(), refreshes, until);
    }

    void adoptingExternal() {
        log.info("{}: adopting the credential written to {}", name(), store);
    }

    void tryingNewRefreshToken() {
        log.info("{}: {} has a new refresh token; trying it", name(), store);
    }

    void refreshingAhead() {
        log.debug("{}: refreshing ahead of expiry", name());
    }

    /** DEBUG for each retry of the short retry. */
    void retrying(long retry, int maxRetries, Throwable failure) {
        log.debug("{}: token request failed, retry {} of {}: {}", name(), retry, maxRetries, failure.getMessage());
    }

    /** INFO: a refresh token was turned down and the client uses its own grant instead. */
    void fallingBackToOwnGrant(Throwable refused) {
        log.info("{}: the refresh token was refused ({}); using the client's own grant instead", name(),
                refused instanceof TokenEndpointException te ? te.failure() : refused.toString());
    }

    void notSaved(Throwable error) {
        log.warn("{}: the new token is used but could not be saved to {}: {}", name(), store, error.toString());
    }

    void stoppedWatching(Throwable error) {
        log.warn("{}: stopped watching {}: {}", name(), store, error.toString());
    }
}
