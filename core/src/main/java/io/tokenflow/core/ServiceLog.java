package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;
import reactor.util.context.Context;

/**
 * What one service tells its operators: every log line of the engine, on the logger
 * {@code io.tokenflow.core.TokenService}, each starting with the service's name. The lines are
 * the table in {@code docs/operations.md} ("Logging"). Never a token or a secret: only the client
 * id, the endpoint, the store's description and {@link TokenFailure}s (with their remediation
 * hints). Durations as people read them ({@code 9m 59s}).
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

    // Shared with the service's settings: an idle service holds no string of its own for its log.
    private final String clientId;
    private final URI endpoint;
    private final String store;

    /** @param store the credential store's {@code describe()} */
    ServiceLog(String clientId, URI endpoint, String store) {
        this.clientId = clientId;
        this.endpoint = endpoint;
        this.store = store;
    }

    /**
     * The service, {@code TokenService[<client id> @ <endpoint>]}, which every line starts with: made
     * per line, not kept.
     */
    String name() {
        return "TokenService[" + clientId + " @ " + endpoint + "]";
    }

    /** {@code context} with this service's key-values for the store's lines: give to {@code contextWrite} on every store call. */
    Context onStoreCalls(Context context) {
        Map<String, String> keys = new LinkedHashMap<>(4);
        keys.put(CLIENT_ID, clientId);
        keys.put(ENDPOINT_HOST, host());
        return context.put(STORE_CONTEXT_KEY, Collections.unmodifiableMap(keys));
    }

    /** A line at {@code level} with the client's key-values; a no-op when the level is off. */
    private LoggingEventBuilder at(Level level) {
        return log.atLevel(level).addKeyValue(CLIENT_ID, clientId).addKeyValue(ENDPOINT_HOST, host());
    }

    private String host() {
        return String.valueOf(endpoint.getHost());
    }

    /**
     * INFO for every status change but to {@code STOPPED}, and but those a failure line has
     * already told ({@link #permanentFailure}, {@link #ceilingReached}).
     */
    void moved(Status from, Status to, WorkloadState state) {
        if (to != Status.STOPPED) {
            at(Level.INFO).log("{}: {} -> {}{}", name(), from, to, state.lastFailure().map(f -> " (" + f + ")").orElse(""));
        }
    }

    /**
     * The line of a failed job that moves the service as {@code next} says: ERROR for a permanent
     * failure and for the ceiling (each also tells the move to {@code UNAUTHENTICATED}), WARN for
     * the first failure of a streak, DEBUG for one more failure in the same status.
     *
     * @param firstOfStreak whether no failure of the streak came before
     * @param streak how long the failure streak has lasted
     * @param now epoch ms, for the time to the next attempt
     * @return whether the line told the move, so that it is not logged again
     */
    boolean failed(Status from, Transitions.Next next, TokenFailure failure, boolean firstOfStreak, int failures,
                   Duration streak, Duration ceiling, long now) {
        if (!failure.isTransient()) {
            permanentFailure(from, failure);
            return true;
        }
        if (next.to() == Status.UNAUTHENTICATED && from != Status.UNAUTHENTICATED) {
            ceilingReached(from, failure, failures, streak, ceiling);
            return true;
        }
        if (firstOfStreak) {
            firstFailure(failure, next.hasAttempt() ? Duration.ofMillis(next.attemptAt() - now) : null);
        } else if (next.to() == from && from != Status.UNAUTHENTICATED) {
            stillFailing(from, failures, failure);
        }
        return false;
    }

    /**
     * ERROR, once per permanent failure, with the move it causes and the remediation hint: the
     * only line for it (the move is not logged again).
     */
    void permanentFailure(Status from, TokenFailure failure) {
        at(Level.ERROR).log("{}: {}permanent failure, no more token requests until the credential changes or refresh() is called: {}{}", name(), from == Status.UNAUTHENTICATED ? "" : from + " -> " + Status.UNAUTHENTICATED + ": ", failure, toFix(failure));
    }

    /**
     * ERROR: transient failures have gone on past the ceiling; the only line for the move to
     * {@code UNAUTHENTICATED}.
     *
     * @param streak how long the failure streak has lasted
     */
    void ceilingReached(Status from, TokenFailure failure, int failures, Duration streak, Duration ceiling) {
        at(Level.ERROR).log("{}: {} -> {}: token requests have failed for {} ({} attempts), past the ceiling of {}; giving up "
                + "until the credential changes or refresh() is called. Last failure: {}{}", name(), from, Status.UNAUTHENTICATED,
                Durations.readable(streak), failures, Durations.readable(ceiling), failure, toFix(failure));
    }

    /**
     * WARN, once per failure streak: its first failure (transient), when the next attempt is
     * due, and the hint when there is one.
     *
     * @param nextIn until the next attempt; {@code null} when none is scheduled
     */
    void firstFailure(TokenFailure failure, @Nullable Duration nextIn) {
        at(Level.WARN).log("{}: token request failed: {}; {}{}", name(), failure,
                nextIn == null ? "no attempt scheduled" : "next attempt in " + Durations.readable(nextIn), toFix(failure));
    }

    /**
     * A failed attempt that the short retry retries in {@code nextIn}: WARN with its hint when it is
     * the first failure of a streak ({@link #firstFailure}), else DEBUG.
     *
     * @param retry the retry to come, from 1
     */
    void retrying(boolean firstOfStreak, int retry, int maxRetries, TokenFailure failure, Duration nextIn) {
        if (firstOfStreak) {
            firstFailure(failure, nextIn);
        } else {
            at(Level.DEBUG).log("{}: token request failed, retry {} of {} in {}: {}", name(), retry, maxRetries, Durations.readable(nextIn),
                    failure);
        }
    }

    /** DEBUG: another failure that leaves the status as it is. */
    void stillFailing(Status status, int failures, TokenFailure failure) {
        at(Level.DEBUG).log("{}: still {} after {} failures: {}", name(), status, failures, failure);
    }

    void expiredWhileFailing() {
        at(Level.WARN).log("{}: the held token expired while refreshing fails; callers fail fast until a refresh succeeds", name());
    }

    void rejected() {
        at(Level.INFO).log("{}: a resource server rejected the current token; reloading the credential and refreshing", name());
    }

    /** WARN, once per pause: the resource server rejects new tokens; rejections refresh nothing until {@code until}. */
    void rejectionsPaused(int refreshes, Instant until) {
        at(Level.WARN).log("{}: a resource server rejected the tokens of {} rejection-driven refresh(es) soon after they were issued: "
                + "it probably expects another audience or scope (check scopes(..) and requestParameter(\"audience\", ..) "
                + "against what it requires); its rejections refresh nothing until {}", name(), refreshes, until);
    }

    void adoptingExternal() {
        at(Level.INFO).log("{}: adopting the credential written to {}", name(), store);
    }

    void tryingNewRefreshToken() {
        at(Level.INFO).log("{}: {} has a new refresh token; trying it", name(), store);
    }

    void refreshingAhead() {
        at(Level.DEBUG).log("{}: refreshing ahead of expiry", name());
    }

    /** INFO: a refresh token was turned down and the client uses its own grant instead. */
    void fallingBackToOwnGrant(Throwable refused) {
        at(Level.INFO).log("{}: the refresh token was refused ({}); using the client's own grant instead", name(),
                refused instanceof TokenEndpointException te ? te.failure() : refused.toString());
    }

    void notSaved(Throwable error) {
        at(Level.WARN).log("{}: the new token is used but could not be saved to {}: {}", name(), store, error.toString());
    }

    void stoppedWatching(Throwable error) {
        at(Level.WARN).log("{}: stopped watching {}: {}", name(), store, error.toString());
    }

    private static String toFix(TokenFailure failure) {
        return failure.remediation().map(hint -> ". To fix: " + hint).orElse("");
    }
}
