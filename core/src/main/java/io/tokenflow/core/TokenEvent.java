package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one {@link TokenService} did, as published by {@link TokenService#events()}: each token
 * request as it starts and as it finishes, and each status change. Never holds a token or a
 * secret. Times are the service's scheduler clock.
 *
 * <p>A service makes one token request at a time: each {@link RequestStarted} is followed by its
 * {@link RequestFinished} before the next one starts, unless the service stops meanwhile (a
 * request cancelled by {@code dispose()} does not finish).
 */
public sealed interface TokenEvent permits TokenEvent.RequestStarted, TokenEvent.RequestFinished, TokenEvent.StateChanged {

    /** When it happened (the service's scheduler clock). */
    Instant at();

    /** How a token request ended. */
    enum Outcome {
        /** A token. */
        SUCCESS,
        /** A failure worth retrying ({@link FailureKind#TRANSIENT}). */
        TRANSIENT,
        /** A failure that is not retried ({@link FailureKind#PERMANENT}). */
        PERMANENT
    }

    /**
     * A token request is about to be sent.
     *
     * @param grant the {@code grant_type} of the request, e.g. {@code client_credentials}, {@code refresh_token}
     */
    record RequestStarted(Instant at, String grant) implements TokenEvent {
        public RequestStarted {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(grant, "grant");
        }
    }

    /**
     * A token request finished: a token, or a failure.
     *
     * @param at when it finished
     * @param grant the {@code grant_type} of the request
     * @param httpStatus the HTTP status of the answer (200 for a token); empty when there was no
     *     answer (network, TLS, a request that could not be built)
     * @param duration from the start of the request to its end (resolution: the scheduler's clock,
     *     milliseconds for Reactor's own schedulers)
     * @param failure why it gave no token; empty for a token
     */
    record RequestFinished(Instant at, String grant, OptionalInt httpStatus, Duration duration,
                           Optional<TokenFailure> failure) implements TokenEvent {

        public RequestFinished {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(grant, "grant");
            Objects.requireNonNull(httpStatus, "httpStatus");
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(failure, "failure");
            if (duration.isNegative()) {
                throw new IllegalArgumentException("duration < 0: " + duration);
            }
        }

        /** {@link Outcome#SUCCESS} for a token, else the failure's kind. */
        public Outcome outcome() {
            return failure.map(f -> f.isTransient() ? Outcome.TRANSIENT : Outcome.PERMANENT).orElse(Outcome.SUCCESS);
        }

        /** The RFC 6749 {@code error} of the answer; empty for a token or an answer without one. */
        public Optional<String> oauthError() {
            return failure.flatMap(TokenFailure::oauthError);
        }
    }

    /**
     * The service moved from {@code from} to {@code state.status()}.
     *
     * @param state the state entered, as {@link TokenService#states()} publishes it
     */
    record StateChanged(Status from, WorkloadState state) implements TokenEvent {

        public StateChanged {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(state, "state");
        }

        /** When the service entered the new status ({@link WorkloadState#since()}). */
        @Override
        public Instant at() {
            return state.since();
        }

        public Status to() {
            return state.status();
        }

        /** The failure that caused the move, or that the streak last had; empty when there is none. */
        public Optional<TokenFailure> failure() {
            return state.lastFailure();
        }
    }
}
