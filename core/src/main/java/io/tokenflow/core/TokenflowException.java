package io.tokenflow.core;

import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The base of tokenflow's few exceptions. Each names its source (token endpoint, client id,
 * credential file) and never carries a secret or a token.
 */
public abstract class TokenflowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final @Nullable URI endpoint;
    private final @Nullable String clientId;

    TokenflowException(String message, @Nullable URI endpoint, @Nullable String clientId,
                       @Nullable Throwable cause, boolean stackTrace) {
        super(message, cause, stackTrace, stackTrace);
        this.endpoint = endpoint;
        this.clientId = clientId;
    }

    /** The token endpoint concerned, when there is one. */
    public Optional<URI> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /** The OAuth client id concerned, when there is one. */
    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }

    static String source(@Nullable URI endpoint, @Nullable String clientId) {
        return " [endpoint=" + (endpoint == null ? "none" : endpoint)
                + ", client_id=" + (clientId == null ? "none" : clientId) + "]";
    }
}
