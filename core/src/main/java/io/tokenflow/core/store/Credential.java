package io.tokenflow.core.store;

import io.tokenflow.core.AccessToken;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link CredentialStore} keeps: an access token and, when the grant has one, the refresh
 * token that renews it, plus bookkeeping. Immutable; {@link #toString()} never shows a token.
 *
 * <p>{@link #extensions()} holds fields a store read but does not know, so that a rewrite keeps
 * them (other tools write the same file).
 */
public final class Credential {

    private final @Nullable AccessToken accessToken;
    private final @Nullable String refreshToken;
    private final @Nullable Instant issuedAt;
    private final @Nullable Instant refreshTokenRotatedAt;
    private final @Nullable URI tokenEndpoint;
    private final @Nullable String clientId;
    private final Map<String, Object> extensions;

    private Credential(Builder b) {
        this.accessToken = b.accessToken;
        this.refreshToken = b.refreshToken;
        this.issuedAt = b.issuedAt;
        this.refreshTokenRotatedAt = b.refreshTokenRotatedAt;
        this.tokenEndpoint = b.tokenEndpoint;
        this.clientId = b.clientId;
        this.extensions = Map.copyOf(b.extensions);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this credential's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.accessToken = accessToken;
        b.refreshToken = refreshToken;
        b.issuedAt = issuedAt;
        b.refreshTokenRotatedAt = refreshTokenRotatedAt;
        b.tokenEndpoint = tokenEndpoint;
        b.clientId = clientId;
        b.extensions.putAll(extensions);
        return b;
    }

    /** The access token; empty for a credential that only has a refresh token (a seed). */
    public Optional<AccessToken> accessToken() {
        return Optional.ofNullable(accessToken);
    }

    public Optional<String> refreshToken() {
        return Optional.ofNullable(refreshToken);
    }

    public Optional<Instant> issuedAt() {
        return Optional.ofNullable(issuedAt);
    }

    /** When the refresh token last changed (the server rotated it). */
    public Optional<Instant> refreshTokenRotatedAt() {
        return Optional.ofNullable(refreshTokenRotatedAt);
    }

    public Optional<URI> tokenEndpoint() {
        return Optional.ofNullable(tokenEndpoint);
    }

    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }

    /** Fields a store read and did not know; kept on rewrite. Values are JSON-like (String, Number, Boolean, List, Map). */
    public Map<String, Object> extensions() {
        return extensions;
    }

    /**
     * This credential in the public credential format, version 1 (the JSON of a
     * {@link FileCredentialStore}'s file, {@link #extensions()} included): UTF-8, ending with a new
     * line. For stores that keep the same format elsewhere (e.g. tokenflow-redis).
     *
     * @throws IllegalArgumentException when the credential has no access token (the format requires one)
     */
    public byte[] toJson() {
        return CredentialJson.encode(this);
    }

    /**
     * Reads the public credential format, version 1 (see {@link #toJson()}).
     *
     * @throws IllegalArgumentException naming the problem, never quoting the content
     */
    public static Credential fromJson(byte[] json) {
        return CredentialJson.decode(json, problem -> new IllegalArgumentException("not a valid credential (format version "
                + CredentialJson.VERSION + "): " + problem));
    }

    /** Whether both hold the same access token and refresh token (bookkeeping aside). */
    public boolean sameTokens(@Nullable Credential other) {
        return other != null
                && Objects.equals(accessToken == null ? null : accessToken.value(),
                        other.accessToken == null ? null : other.accessToken.value())
                && Objects.equals(refreshToken, other.refreshToken);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credential c && sameTokens(c)
                && Objects.equals(accessToken == null ? null : accessToken.expiresAt(),
                        c.accessToken == null ? null : c.accessToken.expiresAt())
                && Objects.equals(issuedAt, c.issuedAt)
                && Objects.equals(refreshTokenRotatedAt, c.refreshTokenRotatedAt)
                && Objects.equals(tokenEndpoint, c.tokenEndpoint)
                && Objects.equals(clientId, c.clientId)
                && extensions.equals(c.extensions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(accessToken, refreshToken);
    }

    @Override
    public String toString() {
        return "Credential[accessToken=" + accessToken
                + ", refreshToken=" + (refreshToken == null ? "none" : "present")
                + ", issuedAt=" + issuedAt
                + ", clientId=" + clientId + "]";
    }

    /** Builds a {@link Credential}; every field is optional. */
    public static final class Builder {
        private @Nullable AccessToken accessToken;
        private @Nullable String refreshToken;
        private @Nullable Instant issuedAt;
        private @Nullable Instant refreshTokenRotatedAt;
        private @Nullable URI tokenEndpoint;
        private @Nullable String clientId;
        private final Map<String, Object> extensions = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder accessToken(@Nullable AccessToken accessToken) {
            this.accessToken = accessToken;
            return this;
        }

        public Builder refreshToken(@Nullable String refreshToken) {
            if (refreshToken != null && refreshToken.isBlank()) {
                throw new IllegalArgumentException("refresh token is blank");
            }
            this.refreshToken = refreshToken;
            return this;
        }

        public Builder issuedAt(@Nullable Instant issuedAt) {
            this.issuedAt = issuedAt;
            return this;
        }

        public Builder refreshTokenRotatedAt(@Nullable Instant refreshTokenRotatedAt) {
            this.refreshTokenRotatedAt = refreshTokenRotatedAt;
            return this;
        }

        public Builder tokenEndpoint(@Nullable URI tokenEndpoint) {
            this.tokenEndpoint = tokenEndpoint;
            return this;
        }

        public Builder clientId(@Nullable String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** Replaces the unknown fields kept on rewrite. */
        public Builder extensions(Map<String, Object> extensions) {
            this.extensions.clear();
            this.extensions.putAll(extensions);
            return this;
        }

        public Credential build() {
            return new Credential(this);
        }
    }
}
