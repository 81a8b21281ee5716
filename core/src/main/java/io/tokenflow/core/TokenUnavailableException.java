package io.tokenflow.core;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * No token can be had now: the service is {@code AUTH_RETRYING}, {@code UNAUTHENTICATED} or
 * {@code STOPPED}, the fetch a caller waited for failed, or the first token did not come within
 * {@code startupTimeout} ({@code STARTING}, while the service goes on trying). Thrown without a
 * request; the cause is the last {@link TokenEndpointException} when there was one. The message
 * says the status, when the next attempt is due, the last failure and its remediation hint.
 *
 * <p>It has no stack trace (it is a status answer handed to many callers, not a bug report)
 * and ignores {@code addSuppressed}, so sharing it cannot leak memory.
 */
public final class TokenUnavailableException extends TokenflowException {

    private static final long serialVersionUID = 1L;

    private final transient WorkloadState state;
    private final @Nullable Duration retryAfter;

    private TokenUnavailableException(String message, WorkloadState state, @Nullable Duration retryAfter,
                                      @Nullable URI endpoint, @Nullable String clientId, @Nullable Throwable cause) {
        super(message, endpoint, clientId, cause, false);
        this.state = state;
        this.retryAfter = retryAfter;
    }

    /**
     * @param retryAfter when the next attempt is due, from now; {@code null}: none is scheduled
     */
    public static TokenUnavailableException of(WorkloadState state, @Nullable Duration retryAfter,
                                               @Nullable URI endpoint, @Nullable String clientId,
                                               @Nullable Throwable cause) {
        String message = "no access token available: " + state.status()
                + (state.status() == WorkloadState.Status.STARTING && state.lastFailure().isEmpty()
                        ? ", the first token request is still under way" : "")
                + (retryAfter == null ? "" : ", next attempt in " + Durations.readable(retryAfter))
                + state.lastFailure().map(f -> ", last failure: " + f + f.remediation().map(hint -> ". To fix: " + hint).orElse(""))
                        .orElse("")
                + source(endpoint, clientId);
        return new TokenUnavailableException(message, state, retryAfter, endpoint, clientId, cause);
    }

    /** The service's state when this was raised. */
    public WorkloadState state() {
        return state;
    }

    /** How long until the service tries again; empty when no attempt is scheduled. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
