package io.tokenflow.test;

import java.util.List;
import java.util.Optional;

/**
 * One refresh token family of an {@link EmbeddedAuthorizationServer}: the refresh tokens that
 * descend, rotation after rotation, from one original grant, and the access tokens issued with
 * them. Started by {@link EmbeddedAuthorizationServer#startFamily(String)}, or by a
 * {@code client_credentials} grant when the server {@linkplain
 * AuthorizationServerBuilder#refreshTokensForClientCredentials issues refresh tokens for it}.
 *
 * <p>A live view: every method reads the server's current state. Thread-safe and non-blocking.
 */
public final class RefreshTokenFamily {

    private final TokenRegistry registry;
    private final TokenRegistry.Family family;

    RefreshTokenFamily(TokenRegistry registry, TokenRegistry.Family family) {
        this.registry = registry;
        this.family = family;
    }

    /** The client the family was issued to. */
    public String clientId() {
        return family.clientId;
    }

    /**
     * The newest refresh token of the family: with rotation, the one a client must present next.
     * Right after {@link EmbeddedAuthorizationServer#startFamily(String)} it is the family's only
     * one; each rotation (a grace-period reuse included) replaces it.
     */
    public String currentRefreshToken() {
        List<String> tokens = family.refreshTokens;
        return tokens.get(tokens.size() - 1);
    }

    /** Every refresh token minted in the family, oldest first; never empty. */
    public List<String> refreshTokens() {
        return List.copyOf(family.refreshTokens);
    }

    /**
     * The newest access token issued in the family: by its latest refresh, or by the
     * {@code client_credentials} grant that started it. Empty for a family from
     * {@link EmbeddedAuthorizationServer#startFamily(String)} until its first refresh.
     */
    public Optional<String> currentAccessToken() {
        List<String> tokens = family.accessTokens;
        return tokens.isEmpty() ? Optional.empty() : Optional.of(tokens.get(tokens.size() - 1));
    }

    /**
     * True once the family is revoked: by reuse detection (a used refresh token was presented again)
     * or by {@link EmbeddedAuthorizationServer#revokeAll()}. Its tokens are then all invalid.
     */
    public boolean isRevoked() {
        return !registry.isLive(family);
    }

    /** Names the client, the number of refresh tokens and whether revoked; never a token value. */
    @Override
    public String toString() {
        return "RefreshTokenFamily[client=" + family.clientId + ", refreshTokens=" + family.refreshTokens.size()
                + (isRevoked() ? ", revoked" : "") + "]";
    }
}
