package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;
import reactor.util.context.Context;

/**
 * What one service tells its operators: every log line of the engine, on the logger
 * {@code io.tokenflow.core.TokenService}, each starting with the service's name. The lines are
 * the table in {@code docs/operations.md} ("Logging"). Never a token or a secret: only the client
 * id, the endpoint, the store's description and {@link TokenFailure}s.
 *
 * <p>Every line also carries the client as SLF4J key-values, {@value #CLIENT_ID} and
 * {@value #ENDPOINT_HOST}, so that a JSON encoder shows them as fields. The credential store's
 * lines carry them too: the service subscribes to the store with them in the Reactor
 * {@code Context} ({@link #onStoreCalls}).
 */
final class ServiceLog {

    /** The logger's name: the public type operators know, though the lines come from the engine's rooms. */
    static final String LOGGER = "io.tokenflow.core.TokenService";
    /** The key of the client id on every line. */
    static final String CLIENT_ID = "client_id";
    /** The key of the token endpoint's host on every line. */
    static final String ENDPOINT_HOST = "endpoint_host";
    /** Where the store finds the key-values: the same key as {@code io.tokenflow.core.store.StoreLog.CONTEXT_KEY}. */
    static final String STORE_CONTEXT_KEY = "io.tokenflow.log.keyValues";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final String name;
    private final String clientId;
    private final String endpoint;
    private final String host;
    private final String store;
    private final Map<String, String> keyValues;

    /**
     * @param name the service, {@code TokenService[<client id> @ <endpoint>]}
     * @param store the credential store's {@code describe()}
     */
    ServiceLog(String name, String clientId, URI endpoint, String store) {
        this.name = name;
        this.clientId = clientId;
        this.endpoint = endpoint.toString();
        this.host = String.valueOf(endpoint.getHost());
        this.store = store;
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(CLIENT_ID, clientId);
        keys.put(ENDPOINT_HOST, host);
        this.keyValues = Collections.unmodifiableMap(keys);
    }

    /** {@code context} with this service's key-values for the store's lines: give to {@code contextWrite} on every store call. */
    Context onStoreCalls(Context context) {
        return context.put(STORE_CONTEXT_KEY, keyValues);
    }

    /** A line at {@code level} with the client's key-values; a no-op when the level is off. */
    private LoggingEventBuilder at(Level level) {
        return log.atLevel(level).addKeyValue(CLIENT_ID, clientId).addKeyValue(ENDPOINT_HOST, host);
    }

    /** INFO for every status change but to {@code STOPPED}. */
    void moved(Status from, Status to, WorkloadState state) {
        if (to != Status.STOPPED) {
            at(Level.INFO).log("{}: {} -> {}{}", name, from, to, state.lastFailure().map(f -> " (" + f + ")").orElse(""));
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
            at(Level.ERROR).log("{}: permanent failure, no more token requests until the credential changes or refresh() "
                    + "is called: {}. To fix: {}", name, failure, Remediation.hint(failure, clientId, endpoint, store));
        } else if (to == Status.UNAUTHENTICATED && from != Status.UNAUTHENTICATED) {
            at(Level.ERROR).log("{}: token requests have failed for {} ({} attempts), past the ceiling of {}; giving up "
                    + "until the credential changes or refresh() is called. Last failure: {}",
                    name, streak, failures, ceiling, failure);
        } else if (to != Status.UNAUTHENTICATED && from == to) {
            at(Level.DEBUG).log("{}: still {} after {} failures: {}", name, to, failures, failure);
        }
    }

    void expiredWhileFailing() {
        at(Level.WARN).log("{}: the held token expired while refreshing fails; callers fail fast until a refresh succeeds", name);
    }

    void rejected() {
        at(Level.INFO).log("{}: a resource server rejected the current token; reloading the credential and refreshing", name);
    }

    /** WARN, once per pause: the resource server rejects new tokens; rejections refresh nothing until {@code until}. */
    void rejectionsPaused(int refreshes, Instant until) {
        at(Level.WARN).log("{}: a resource server rejected the tokens of {} rejection-driven refresh(es) soon after they were issued: "
                + "it probably expects another audience or scope (check scopes(..) and requestParameter(\"audience\", ..) "
                + "against what it requires); its rejections refresh nothing until {}", name, refreshes, until);
    }

    void adoptingExternal() {
        at(Level.INFO).log("{}: adopting the credential written to {}", name, store);
    }

    void tryingNewRefreshToken() {
        at(Level.INFO).log("{}: {} has a new refresh token; trying it", name, store);
    }

    void refreshingAhead() {
        at(Level.DEBUG).log("{}: refreshing ahead of expiry", name);
    }

    /** DEBUG for each retry of the short retry. */
    void retrying(long retry, int maxRetries, Throwable failure) {
        at(Level.DEBUG).log("{}: token request failed, retry {} of {}: {}", name, retry, maxRetries, failure.getMessage());
    }

    /** INFO: a refresh token was turned down and the client uses its own grant instead. */
    void fallingBackToOwnGrant(Throwable refused) {
        at(Level.INFO).log("{}: the refresh token was refused ({}); using the client's own grant instead", name,
                refused instanceof TokenEndpointException te ? te.failure() : refused.toString());
    }

    void notSaved(Throwable error) {
        at(Level.WARN).log("{}: the new token is used but could not be saved to {}: {}", name, store, error.toString());
    }

    void stoppedWatching(Throwable error) {
        at(Level.WARN).log("{}: stopped watching {}: {}", name, store, error.toString());
    }
}
