package io.tokenflow.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link TokenService} is doing, as published by {@link TokenService#states()}.
 *
 * @param status the status
 * @param since when the service entered this status (the service's scheduler clock)
 * @param tokenExpiresAt when the held token expires; empty when none is held or it has no expiry
 * @param lastFailure the last failure of the current failure streak; empty when there is none
 * @param nextAttemptAt when the next token request is scheduled; empty when none is
 * @param consecutiveFailures token requests failed in a row (reset by a success)
 */
public record WorkloadState(Status status, Instant since, Optional<Instant> tokenExpiresAt,
                            Optional<TokenFailure> lastFailure, Optional<Instant> nextAttemptAt,
                            int consecutiveFailures) {

    /** The six statuses; see {@code docs/states.md} for the transitions. */
    public enum Status {
        /** No token yet; the first fetch is under way. Callers wait for it. */
        STARTING,
        /** A valid token is held. Callers get it at once. */
        RUNNING,
        /** Refresh is failing transiently; the held token is still valid and callers get it. */
        DEGRADED,
        /** No valid token; retrying on a long cadence. Callers fail fast. */
        AUTH_RETRYING,
        /** A permanent error, or transient failures past the ceiling. Callers fail fast. */
        UNAUTHENTICATED,
        /** Disposed. */
        STOPPED;

        /** Whether callers are handed a token in this status ({@code RUNNING}, {@code DEGRADED}). */
        public boolean servesTokens() {
            return this == RUNNING || this == DEGRADED;
        }
    }

    public WorkloadState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(tokenExpiresAt, "tokenExpiresAt");
        Objects.requireNonNull(lastFailure, "lastFailure");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        if (consecutiveFailures < 0) {
            throw new IllegalArgumentException("consecutiveFailures < 0: " + consecutiveFailures);
        }
    }

    /**
     * For people: {@code WorkloadState[STARTING since 2026-11-22T15:00:00Z, last failure
     * TokenFailure[...], next attempt at 2026-11-22T15:00:05Z, 1 consecutive failure]}; what is
     * absent is left out.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("WorkloadState[").append(status).append(" since ").append(since);
        tokenExpiresAt.ifPresent(at -> s.append(", token expires at ").append(at));
        lastFailure.ifPresent(failure -> s.append(", last failure ").append(failure));
        nextAttemptAt.ifPresent(at -> s.append(", next attempt at ").append(at));
        if (consecutiveFailures > 0) {
            s.append(", ").append(consecutiveFailures).append(consecutiveFailures == 1 ? " consecutive failure" : " consecutive failures");
        }
        return s.append(']').toString();
    }
}
