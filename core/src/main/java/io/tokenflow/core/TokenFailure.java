package io.tokenflow.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What went wrong at the token endpoint, without secrets: the kind, the HTTP status and the
 * RFC 6749 {@code error} code when there was an answer, the server's {@code Retry-After} when it
 * sent one, and a short message for people.
 */
public final class TokenFailure {

    private static final int MAX_MESSAGE = 300;

    private final FailureKind kind;
    private final FailureOrigin origin;
    private final int httpStatus;
    private final @Nullable String oauthError;
    private final @Nullable Duration retryAfter;
    private final String message;

    private TokenFailure(FailureKind kind, FailureOrigin origin, int httpStatus, @Nullable String oauthError,
                         @Nullable Duration retryAfter, String message) {
        this.kind = kind;
        this.origin = origin;
        this.httpStatus = httpStatus;
        this.oauthError = oauthError;
        this.retryAfter = retryAfter;
        this.message = message;
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
                oauthError == null ? null : clean(oauthError), retryAfter, clean(message));
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
        return new TokenFailure(Objects.requireNonNull(kind, "kind"), origin, -1, null, null, clean(message));
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
            s.append(", retryAfter=").append(retryAfter);
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
