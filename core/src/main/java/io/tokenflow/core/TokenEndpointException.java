package io.tokenflow.core;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * The token endpoint did not give a token: the {@link #failure()} says why and whether it is
 * worth retrying. Emitted by {@link TokenService#refresh()}; {@link TokenService#token()} callers
 * see it as the cause of a {@link TokenUnavailableException}.
 */
public final class TokenEndpointException extends TokenflowException {

    private static final long serialVersionUID = 1L;

    private final transient TokenFailure failure;

    private TokenEndpointException(TokenFailure failure, URI endpoint, @Nullable String clientId,
                                   @Nullable Throwable cause) {
        super("token request failed: " + failure + failure.remediation().map(hint -> ". To fix: " + hint).orElse("")
                + source(endpoint, clientId), endpoint, clientId, cause, true);
        this.failure = failure;
    }

    /**
     * @param cause the transport error behind a failure without an answer; it must not carry a
     *     secret (Reactor Netty's and the JDK's network exceptions do not)
     */
    public static TokenEndpointException of(TokenFailure failure, URI endpoint, @Nullable String clientId,
                                            @Nullable Throwable cause) {
        return new TokenEndpointException(failure, endpoint, clientId, cause);
    }

    public TokenFailure failure() {
        return failure;
    }

    /**
     * This failure as {@code remediated} (the same one with its hint attached): same cause and
     * stack trace; itself when the hint adds nothing.
     */
    TokenEndpointException remediated(TokenFailure remediated) {
        if (remediated == failure) {
            return this;
        }
        TokenEndpointException copy = new TokenEndpointException(remediated, endpoint().orElseThrow(), clientId().orElse(null),
                getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }
}
