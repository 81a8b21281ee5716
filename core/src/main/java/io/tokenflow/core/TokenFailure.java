package io.tokenflow.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What went wrong at the token endpoint, without secrets: the kind, the HTTP status and the
 * RFC 6749 {@code error} code when there was an answer, the server's {@code Retry-After} when it
 * sent one, a short message for people, and, when the service knows one, the operator's hint of
 * what to fix ({@link #remediation()}).
 */
public final class TokenFailure {

    private static final int MAX_MESSAGE = 300;

    private final FailureKind kind;
    private final FailureOrigin origin;
    private final int httpStatus;
    private final @Nullable String oauthError;
    private final @Nullable Duration retryAfter;
    private final String message;
    private final @Nullable String remediation;

    private TokenFailure(FailureKind kind, FailureOrigin origin, int httpStatus, @Nullable String oauthError,
                         @Nullable Duration retryAfter, String message, @Nullable String remediation) {
        this.kind = kind;
        this.origin = origin;
        this.httpStatus = httpStatus;
        this.oauthError = oauthError;
        this.retryAfter = retryAfter;
        this.message = message;
        this.remediation = remediation;
    }

    /**
     * A failure with an HTTP answer.
     *
     * @param httpStatus the status code, 100 to 999
     * @param oauthError the RFC 6749 {@code error} code; {@code null} when the body had none
     * @param retryAfter the server's {@code Retry-After}; {@code null} when absent
     * @param message for people; control characters are dropped and it is cut at 300 characters
     */
    public static TokenFailure answer(FailureKind kind, int httpStatus, @Nullable String oauthError,
                                      @Nullable Duration retryAfter, String message) {
        // RFC 9110 §15: any three-digit code may arrive, not only the 100-599 it defines.
        if (httpStatus < 100 || httpStatus > 999) {
            throw new IllegalArgumentException("not an HTTP status: " + httpStatus);
        }
        return new TokenFailure(Objects.requireNonNull(kind, "kind"), FailureOrigin.ANSWER, httpStatus,
                oauthError == null ? null : clean(oauthError), retryAfter, clean(message), null);
    }

    /** A failure without an HTTP answer: connect, timeout, TLS, truncated body. */
    public static TokenFailure noAnswer(FailureKind kind, String message) {
        return of(FailureOrigin.TRANSPORT, kind, message);
    }

    /** A failure without an HTTP answer, from {@code origin} (not {@link FailureOrigin#ANSWER}). */
    static TokenFailure of(FailureOrigin origin, FailureKind kind, String message) {
        if (origin == FailureOrigin.ANSWER) {
            throw new IllegalArgumentException("a failure with an answer has an HTTP status: use answer(..)");
        }
        return new TokenFailure(Objects.requireNonNull(kind, "kind"), origin, -1, null, null, clean(message), null);
    }

    /** This failure with the operator's hint; {@code null}: none. */
    TokenFailure withRemediation(@Nullable String hint) {
        return new TokenFailure(kind, origin, httpStatus, oauthError, retryAfter, message, hint);
    }

    public FailureKind kind() {
        return kind;
    }

    /** Where it arose; decides the remediation hint. */
    FailureOrigin origin() {
        return origin;
    }

    /** The HTTP status of the answer; empty when there was none (network failure). */
    public OptionalInt httpStatus() {
        return httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
    }

    /** The RFC 6749 {@code error} code, e.g. {@code invalid_grant}; empty when the answer had none. */
    public Optional<String> oauthError() {
        return Optional.ofNullable(oauthError);
    }

    /** How long the server asked us to wait ({@code Retry-After}); empty when it did not say. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public boolean isTransient() {
        return kind == FailureKind.TRANSIENT;
    }

    /** A short description for people; never contains a secret. */
    public String message() {
        return message;
    }

    /**
     * What an operator should check or fix, chosen by where the failure arose and its HTTP status
     * (never by its text): for a permanent failure always (which credential or setting to fix),
     * for a transient one when its cause is recognizable (a wrong URL answering 404, a refused
     * connection, {@code https} to a plain-HTTP port, a gateway's 403). Empty for a failure that
     * passes by itself (a 503, a timeout). Names the client id, the endpoint or the credential
     * store, never a secret.
     */
    public Optional<String> remediation() {
        return Optional.ofNullable(remediation);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("TokenFailure[").append(kind);
        if (httpStatus > 0) {
            s.append(", http=").append(httpStatus);
        }
        if (oauthError != null) {
            s.append(", error=").append(oauthError);
        }
        if (retryAfter != null) {
            s.append(", retryAfter=").append(Durations.readable(retryAfter));
        }
        return s.append(", ").append(message).append(']').toString();
    }

    static String clean(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_MESSAGE));
        for (int i = 0; i < text.length() && out.length() < MAX_MESSAGE; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (text.length() > MAX_MESSAGE) {
            out.append("...");
        }
        return out.toString();
    }
}
