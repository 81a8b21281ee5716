package io.tokenflow.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An OAuth 2.0 access token as handed to callers.
 *
 * <p>Immutable. {@link #toString()} never contains the token value, and a refresh token is
 * never reachable through this type. Two tokens are equal when their values are equal.
 */
public final class AccessToken {

    private final String value;
    private final String tokenType;
    private final @Nullable Instant expiresAt;
    private final Set<String> scopes;
    /** Made on first use and kept (a benign race: any thread may make the same immutable string). */
    private @Nullable String authorizationHeader;

    private AccessToken(String value, String tokenType, @Nullable Instant expiresAt, Set<String> scopes) {
        this.value = value;
        this.tokenType = tokenType;
        this.expiresAt = expiresAt;
        this.scopes = scopes;
    }

    /**
     * @param value the token, not blank
     * @param tokenType as the token endpoint named it, e.g. {@code Bearer}
     * @param expiresAt when the authorization server says it expires; {@code null}: unknown,
     *     valid until rejected
     * @param scopes the granted scopes, empty when the server named none
     */
    public static AccessToken of(String value, String tokenType, @Nullable Instant expiresAt, Set<String> scopes) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(tokenType, "tokenType");
        Objects.requireNonNull(scopes, "scopes");
        if (value.isBlank()) {
            throw new IllegalArgumentException("access token value is blank");
        }
        if (tokenType.isBlank()) {
            throw new IllegalArgumentException("token type is blank");
        }
        return new AccessToken(value, tokenType, expiresAt, Set.copyOf(scopes));
    }

    /** The token itself, to be sent as {@code Authorization: <tokenType> <value>}. */
    public String value() {
        return value;
    }

    /** The token type as the server named it, e.g. {@code Bearer} or {@code DPoP}. */
    public String tokenType() {
        return tokenType;
    }

    /** When the authorization server says the token expires; empty: valid until rejected. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    /** The granted scopes; empty when the server named none. */
    public Set<String> scopes() {
        return scopes;
    }

    /**
     * The value of an {@code Authorization} header carrying this token: {@code <tokenType> <value>}
     * (built on the first call, then the same string: a token nobody sends holds none).
     */
    public String authorizationHeader() {
        String header = authorizationHeader;
        if (header == null) {
            header = tokenType + " " + value;
            authorizationHeader = header;
        }
        return header;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessToken other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "AccessToken[type=" + tokenType
                + ", expiresAt=" + (expiresAt == null ? "unknown" : expiresAt)
                + ", scopes=" + scopes + "]";
    }
}
