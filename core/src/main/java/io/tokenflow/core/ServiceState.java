package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Everything one service knows, immutable, swapped whole by the engine under its lock and read
 * without a lock by the hot path. Changed only through the named withers below, each of which
 * says what a move keeps and what it drops.
 *
 * @param state what is published
 * @param credential the held credential (access token, refresh token, bookkeeping); {@code null} before the first
 * @param hot {@code Mono.just(token)}, built once per token generation, while callers may be handed the held token;
 *     {@code null} when they may not
 * @param validUntil epoch ms before which {@code hot} is served; {@link #NO_TOKEN} without it
 * @param generation incremented by every adopted token
 * @param job the refresh in flight, which callers join; {@code null} when none runs
 * @param rejected a resource server rejected this generation's token (one refresh per generation)
 * @param rejections how rejections may drive refreshes across generations (pauses while they go on)
 * @param streakStart epoch ms of the first failure of the current failure streak; {@link #NO_STREAK} without one
 * @param lastError the last failure of the streak, the cause handed to callers that fail fast
 */
record ServiceState(WorkloadState state, @Nullable Credential credential, @Nullable Mono<AccessToken> hot,
                    long validUntil, long generation, @Nullable RefreshJob job, boolean rejected, Rejections rejections,
                    long streakStart, @Nullable TokenEndpointException lastError) {

    /** {@link #validUntil()} when no token is served. */
    static final long NO_TOKEN = Long.MIN_VALUE;
    /** {@link #streakStart()} outside a failure streak. */
    static final long NO_STREAK = -1;

    /** Before the first token: {@code STARTING}, no credential, no job, no streak. */
    static ServiceState starting(Instant now) {
        WorkloadState starting = new WorkloadState(Status.STARTING, now, Optional.empty(), Optional.empty(), Optional.empty(), 0);
        return new ServiceState(starting, null, null, NO_TOKEN, 0, null, false, Rejections.NONE, NO_STREAK, null);
    }

    Status status() {
        return state.status();
    }

    /** The held access token, served or not. */
    @Nullable AccessToken token() {
        return credential == null ? null : credential.accessToken().orElse(null);
    }

    /** The pre-built {@code Mono} of the held token when it may be handed out at {@code nowMs}, else {@code null}. */
    @Nullable Mono<AccessToken> servable(long nowMs) {
        return hot != null && nowMs < validUntil ? hot : null;
    }

    boolean inStreak() {
        return streakStart != NO_STREAK;
    }

    /**
     * Whether a credential found in the store is worth adopting instead of a request: its access
     * token is not the held one and is still valid {@code now}.
     */
    boolean adoptable(Credential stored, Lifetimes lifetimes, Instant now) {
        AccessToken candidate = stored.accessToken().orElse(null);
        if (candidate == null || stored.sameTokens(credential) || candidate.equals(token())) {
            return false;
        }
        return lifetimes.stillValid(candidate, now);
    }

    /** A token other than the one of {@code generation} was adopted since, and is still served. */
    boolean adoptedSince(long generation, long nowMs) {
        return this.generation != generation && servable(nowMs) != null;
    }

    /**
     * What callers get when no token can be had: this state, the time to the next attempt (none
     * when none is scheduled), and {@code cause}, or else the streak's last failure.
     */
    TokenUnavailableException unavailable(Instant now, URI endpoint, String clientId, @Nullable TokenEndpointException cause) {
        Duration retryAfter = state.nextAttemptAt()
                .map(at -> Duration.between(now, at))
                .map(d -> d.isNegative() ? Duration.ZERO : d)
                .orElse(null);
        return TokenUnavailableException.of(state, retryAfter, endpoint, clientId, cause != null ? cause : lastError);
    }

    /** A rejection at {@code now} within the pause: nothing is refreshed; the pause is reported once. */
    ServiceState withPausedRejection(long now) {
        return new ServiceState(state, credential, hot, validUntil, generation, job, rejected, rejections.pausedRejection(now),
                streakStart, lastError);
    }

    ServiceState withJob(RefreshJob job) {
        return new ServiceState(state, credential, hot, validUntil, generation, job, rejected, rejections, streakStart, lastError);
    }

    ServiceState withoutJob() {
        return new ServiceState(state, credential, hot, validUntil, generation, null, rejected, rejections, streakStart, lastError);
    }

    /** Holds {@code credential} (a new refresh token to try) without serving anything new. */
    ServiceState withCredential(Credential credential) {
        return new ServiceState(state, credential, hot, validUntil, generation, job, rejected, rejections, streakStart, lastError);
    }

    /** The held token leaves the hot path; the status stays. */
    ServiceState withoutToken() {
        return new ServiceState(state, credential, null, NO_TOKEN, generation, job, rejected, rejections, streakStart, lastError);
    }

    /**
     * A resource server rejected this generation's token at {@code now} and a refresh starts: the
     * token leaves the hot path, this generation is not refreshed for again, and the next pause of
     * rejection-driven refreshes begins.
     */
    ServiceState rejectedNow(long now) {
        return new ServiceState(state, credential, null, NO_TOKEN, generation, job, true, rejections.refreshing(now), streakStart,
                lastError);
    }

    /**
     * A new token is held and served, {@code RUNNING} (since when it was, if it was): the next
     * generation; the streak and the rejection are over.
     *
     * @param plan the token's plan, for its expiry and {@code validUntil}
     * @param stillRunning the job that stays in flight ({@code null} when the adopting job was it)
     */
    ServiceState adopted(Credential credential, AccessToken token, Lifetimes.Plan plan, Instant now,
                         @Nullable RefreshJob stillRunning) {
        WorkloadState running = new WorkloadState(Status.RUNNING, status() == Status.RUNNING ? state.since() : now,
                token.expiresAt().or(() -> Optional.ofNullable(plan.expiresAt())), Optional.empty(), Optional.empty(), 0);
        return new ServiceState(running, credential, Mono.just(token), plan.validUntil(), generation + 1, stillRunning, false,
                rejections, NO_STREAK, null);
    }

    /**
     * A job failed with {@code error} and the service moves as {@code next} says: no job runs now,
     * the held token is still served only when {@code DEGRADED}, and the streak goes on from
     * {@code streakStart}.
     *
     * @param failures failed attempts of the streak, this one included
     */
    ServiceState failed(Transitions.Next next, TokenEndpointException error, int failures, long streakStart, Instant now) {
        Status to = next.to();
        boolean keepToken = to == Status.DEGRADED;
        WorkloadState moved = new WorkloadState(to, status() == to ? state.since() : now,
                keepToken ? state.tokenExpiresAt() : Optional.empty(), Optional.of(error.failure()),
                next.hasAttempt() ? Optional.of(Instant.ofEpochMilli(next.attemptAt())) : Optional.empty(), failures);
        return new ServiceState(moved, credential, keepToken ? hot : null, keepToken ? validUntil : NO_TOKEN, generation,
                null, rejected, rejections, streakStart, error);
    }

    /**
     * An attempt of the job in flight failed with {@code error} and its short retry makes the next
     * one at {@code nextAttemptAt} (epoch ms): the streak goes on (or starts) from
     * {@code streakStart}. {@code STARTING} and {@code AUTH_RETRYING} show the failure, the count
     * and the next attempt at once; {@code RUNNING}, whose token is still served, shows nothing
     * until the short retry ends.
     *
     * @param failures failed attempts of the streak, this one included
     */
    ServiceState retrying(TokenEndpointException error, int failures, long streakStart, long nextAttemptAt) {
        WorkloadState shown = state;
        if (status() == Status.STARTING || status() == Status.AUTH_RETRYING) {
            shown = new WorkloadState(status(), state.since(), state.tokenExpiresAt(), Optional.of(error.failure()),
                    Optional.of(Instant.ofEpochMilli(nextAttemptAt)), failures);
        }
        return new ServiceState(shown, credential, hot, validUntil, generation, job, rejected, rejections, streakStart, error);
    }

    /**
     * The held token expired while refreshing fails: {@code AUTH_RETRYING}, nothing is served, the
     * job in flight goes on. It shows the streak's last failure and the next attempt: the
     * scheduled one, or the retry of the job in flight.
     *
     * @param retryAt epoch ms of the retry the job in flight has scheduled, or {@link RefreshJob#NO_RETRY}
     */
    ServiceState expired(Instant now, int failures, long streakStart, long retryAt) {
        Optional<TokenFailure> failure = lastError != null ? Optional.of(lastError.failure()) : state.lastFailure();
        Optional<Instant> next = retryAt != RefreshJob.NO_RETRY ? Optional.of(Instant.ofEpochMilli(retryAt)) : state.nextAttemptAt();
        WorkloadState authRetrying = new WorkloadState(Status.AUTH_RETRYING, now, Optional.empty(), failure, next, failures);
        return new ServiceState(authRetrying, credential, null, NO_TOKEN, generation, job, rejected, rejections, streakStart, lastError);
    }

    /** Disposed, {@code STOPPED}: nothing is served and no job runs; the last failure stays readable. */
    ServiceState stopped(Instant now) {
        WorkloadState stopped = new WorkloadState(Status.STOPPED, now, Optional.empty(), state.lastFailure(), Optional.empty(),
                state.consecutiveFailures());
        return new ServiceState(stopped, credential, null, NO_TOKEN, generation, null, rejected, rejections, streakStart, lastError);
    }
}
