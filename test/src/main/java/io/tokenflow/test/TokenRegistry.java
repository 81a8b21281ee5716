package io.tokenflow.test;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens one server has minted: access tokens, refresh tokens and the families that tie a
 * chain of rotated refresh tokens (and the access tokens issued with them) together.
 *
 * <p>Thread-safe and lock-free: every method may be called from any thread, including an event
 * loop. Validity is decided when a token is used, never cached at issue, so a token minted
 * concurrently with {@link #revokeAll()} or with the revocation of its family is born invalid.
 */
final class TokenRegistry {

    private static final Logger log = LoggerFactory.getLogger(TokenRegistry.class);
    private static final Base64.Encoder TOKEN_ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final int TOKEN_BYTES = 32;

    private final SecureRandom random;
    private final Clock clock;
    private final long lifetimeSeconds;
    private final boolean rotateRefreshTokens;
    private final ConcurrentMap<String, AccessGrant> accessTokens = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, RefreshGrant> refreshTokens = new ConcurrentHashMap<>();
    /** Incremented by {@link #revokeAll()}; a token is valid only in the epoch it was minted in. */
    private final AtomicLong epoch = new AtomicLong();

    /**
     * @param random an already seeded generator whose {@code nextBytes} does no I/O (see
     *     {@link EmbeddedAuthorizationServer.Builder#start()})
     * @param lifetime access-token lifetime, whole seconds, at least one
     */
    TokenRegistry(SecureRandom random, Clock clock, Duration lifetime, boolean rotateRefreshTokens) {
        this.random = random;
        this.clock = clock;
        this.lifetimeSeconds = lifetime.toSeconds();
        this.rotateRefreshTokens = rotateRefreshTokens;
    }

    /**
     * A {@code DRBG} generator, seeded now on the calling thread: seeding may read the OS entropy
     * source, but later {@code nextBytes} calls do no I/O, so they may run on an event loop.
     */
    static SecureRandom seededRandom() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[1]);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("DRBG SecureRandom is required (JDK 9+)", e);
        }
    }

    /** What a successful grant hands out; {@code refreshToken} null means none is issued. */
    record Issued(
            String accessToken,
            long expiresInSeconds,
            @Nullable String scope,
            @Nullable String refreshToken) {}

    /** Mints an access token for the client credentials grant; it belongs to no family. */
    Issued clientCredentials(String clientId, @Nullable String scope) {
        return new Issued(mintAccessToken(clientId, epoch.get(), null), lifetimeSeconds, scope, null);
    }

    /** Mints a refresh token that starts a new family, with no scope recorded. */
    String newRefreshTokenFamily(String clientId) {
        return mintRefreshToken(new Family(clientId, epoch.get()), null);
    }

    /**
     * Redeems a refresh token for {@code clientId}.
     *
     * @param scope the requested scope, or null to keep the scope recorded with the refresh token
     * @return the new tokens, or null when the grant is invalid: unknown token, issued to another
     *     client, revoked (family or {@link #revokeAll()}), or already used under rotation, in
     *     which case the whole family is revoked too
     */
    @Nullable Issued redeem(String clientId, String refreshToken, @Nullable String scope) {
        RefreshGrant grant = refreshTokens.get(refreshToken);
        if (grant == null || !grant.family.clientId.equals(clientId) || !isLive(grant.family)) {
            return null;
        }
        if (rotateRefreshTokens && !grant.used.compareAndSet(false, true)) {
            grant.family.revoked = true;
            log.warn("Refresh token reuse by client '{}': its token family is revoked", clientId);
            return null;
        }
        String granted = scope != null ? scope : grant.scope;
        String accessToken = mintAccessToken(clientId, grant.family.epoch, grant.family);
        String next = rotateRefreshTokens ? mintRefreshToken(grant.family, granted) : null;
        return new Issued(accessToken, lifetimeSeconds, granted, next);
    }

    /** True if {@code accessToken} was minted here, is not expired by the clock, and not revoked. */
    boolean isActive(String accessToken) {
        AccessGrant grant = accessTokens.get(accessToken);
        return grant != null
                && grant.epoch == epoch.get()
                && (grant.family == null || !grant.family.revoked)
                && clock.instant().isBefore(grant.expiresAt);
    }

    /** Invalidates every token minted so far and forgets them. */
    void revokeAll() {
        epoch.incrementAndGet();
        accessTokens.clear();
        refreshTokens.clear();
    }

    private boolean isLive(Family family) {
        return !family.revoked && family.epoch == epoch.get();
    }

    private String mintAccessToken(String clientId, long tokenEpoch, @Nullable Family family) {
        String token = newTokenValue();
        Instant expiresAt = clock.instant().plusSeconds(lifetimeSeconds);
        accessTokens.put(token, new AccessGrant(expiresAt, tokenEpoch, family));
        return token;
    }

    private String mintRefreshToken(Family family, @Nullable String scope) {
        String token = newTokenValue();
        refreshTokens.put(token, new RefreshGrant(family, scope));
        return token;
    }

    private String newTokenValue() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return TOKEN_ENCODER.encodeToString(bytes);
    }

    /** A chain of refresh tokens descending from one original grant. */
    private static final class Family {
        final String clientId;
        final long epoch;
        volatile boolean revoked;

        Family(String clientId, long epoch) {
            this.clientId = clientId;
            this.epoch = epoch;
        }
    }

    private record AccessGrant(Instant expiresAt, long epoch, @Nullable Family family) {}

    private static final class RefreshGrant {
        final Family family;
        final @Nullable String scope;
        final AtomicBoolean used = new AtomicBoolean();

        RefreshGrant(Family family, @Nullable String scope) {
            this.family = family;
            this.scope = scope;
        }
    }
}
