package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** The seam between the engine and the wire ({@link TokenEndpointClient}): one token request per subscription. */
interface TokenEndpoint {

    /**
     * Fetches a new credential, renewing {@code current}: with its refresh token when it has one,
     * else with the client's own grant.
     */
    Mono<Credential> fetch(@Nullable Credential current);

    /**
     * Fetches a new credential with the client's own grant although {@code current} has a refresh
     * token (it was refused): the new credential does not keep that refresh token, and the server
     * quoting it is still redacted. Only for a client that {@link #hasOwnGrant()}.
     */
    Mono<Credential> fetchWithOwnGrant(Credential current);

    /**
     * Whether the client can get a token without a refresh token: it authenticates itself
     * ({@code client_credentials}), or its grant does (jwt-bearer, token exchange). A public
     * client with client_credentials cannot.
     */
    boolean hasOwnGrant();

    /** The {@code grant_type} that {@link #fetch fetch(current)} sends: {@code refresh_token} when {@code current} has one, else {@link #ownGrantType()}. */
    default String grantType(@Nullable Credential current) {
        return current != null && current.refreshToken().isPresent() ? "refresh_token" : ownGrantType();
    }

    /**
     * The client's own grant ({@link #fetchWithOwnGrant}): {@code client_credentials}, or (short for
     * their URNs) {@code jwt-bearer}, {@code token-exchange}.
     */
    default String ownGrantType() {
        return "client_credentials";
    }

    URI endpoint();

    String clientId();

    void dispose();
}
