package io.tokenflow.test;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens one server has minted: access tokens, refresh tokens and the families that tie a
 * chain of rotated refresh tokens (and the access tokens issued with them) together, with the
 * counters tests read.
 *
 * <p>Thread-safe; every method may be called from any thread, including an event loop. A
 * redemption under rotation takes its family's monitor for a few instructions (no I/O, no wait):
 * the choice between rotating, a grace-period reuse and revoking the family is one decision.
 * Validity is decided when a token is used, never cached at issue, so a token minted concurrently
 * with {@link #revokeAll()} or with the revocation of its family is born invalid.
 */
final class TokenRegistry {

    private static final Logger log = LoggerFactory.getLogger(TokenRegistry.class);
    private static final Base64.Encoder TOKEN_ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final int TOKEN_BYTES = 32;

    private final SecureRandom random;
    private final Clock clock;
    private final long lifetimeSeconds;
    private final boolean rotateRefreshTokens;
    private final Duration reuseGrace;
    private final ConcurrentMap<String, AccessGrant> accessTokens = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, RefreshGrant> refreshTokens = new ConcurrentHashMap<>();
    /** Incremented by {@link #revokeAll()}; a token is valid only in the epoch it was minted in. */
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicInteger rotations = new AtomicInteger();
    private final AtomicInteger graceReuses = new AtomicInteger();
    private final AtomicInteger reuseDetections = new AtomicInteger();
    private final AtomicInteger invalidGrants = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> presented = new ConcurrentLinkedQueue<>();

    /**
     * @param random an already seeded generator whose {@code nextBytes} does no I/O (see
     *     {@link #seededRandom()})
     * @param lifetime access-token lifetime, whole seconds, at least one
     * @param reuseGrace how long the refresh token rotated last in a family may be presented
     *     again without revoking it; zero for never
     */
    TokenRegistry(SecureRandom random, Clock clock, Duration lifetime, boolean rotateRefreshTokens,
            Duration reuseGrace) {
        this.random = random;
        this.clock = clock;
        this.lifetimeSeconds = lifetime.toSeconds();
        this.rotateRefreshTokens = rotateRefreshTokens;
        this.reuseGrace = reuseGrace;
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

    /**
     * Mints an access token for the client credentials grant.
     *
     * @param withRefreshToken also start a family and hand out its first refresh token; the
     *     access token then belongs to that family
     */
    Issued clientCredentials(String clientId, @Nullable String scope, boolean withRefreshToken) {
        if (!withRefreshToken) {
            return new Issued(mintAccessToken(epoch.get(), null), lifetimeSeconds, scope, null);
        }
        Family family = new Family(clientId, epoch.get());
        String refreshToken = mintRefreshToken(family, scope);
        return new Issued(mintAccessToken(family.epoch, family), lifetimeSeconds, scope, refreshToken);
    }

    /** Starts a new family with one refresh token, no scope recorded. */
    Family newFamily(String clientId) {
        Family family = new Family(clientId, epoch.get());
        mintRefreshToken(family, null);
        return family;
    }

    /**
     * Redeems a refresh token for {@code clientId}, and records it in {@link #presented()}.
     *
     * @param scope the requested scope, or null to keep the scope recorded with the refresh token
     * @return the new tokens, or null when the grant is invalid: unknown token, issued to another
     *     client, revoked (family or {@link #revokeAll()}), or already used under rotation, in
     *     which case the whole family is revoked too, unless it is the token rotated last in its
     *     family and the grace period since that rotation has not passed
     */
    @Nullable Issued redeem(String clientId, String refreshToken, @Nullable String scope) {
        presented.add(refreshToken);
        RefreshGrant grant = refreshTokens.get(refreshToken);
        if (grant == null || !grant.family.clientId.equals(clientId) || !isLive(grant.family)) {
            invalidGrants.incrementAndGet();
            return null;
        }
        if (!rotateRefreshTokens) {
            return issue(grant, scope, false);
        }
        Family family = grant.family;
        synchronized (family) {
            if (family.revoked) {
                invalidGrants.incrementAndGet();
                return null;
            }
            Instant now = clock.instant();
            Instant usedAt = grant.usedAt;
            if (usedAt == null) {
                grant.usedAt = now;
                family.rotatedLast = grant;
            } else if (family.rotatedLast == grant && now.isBefore(usedAt.plus(reuseGrace))) {
                graceReuses.incrementAndGet();
            } else {
                family.revoked = true;
                reuseDetections.incrementAndGet();
                invalidGrants.incrementAndGet();
                log.warn("Refresh token reuse by client '{}': its token family is revoked", clientId);
                return null;
            }
            rotations.incrementAndGet();
            return issue(grant, scope, true);
        }
    }

    private Issued issue(RefreshGrant grant, @Nullable String scope, boolean rotate) {
        String granted = scope != null ? scope : grant.scope;
        String accessToken = mintAccessToken(grant.family.epoch, grant.family);
        String next = rotate ? mintRefreshToken(grant.family, granted) : null;
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

    /** True unless the family was revoked, by reuse detection or by {@link #revokeAll()}. */
    boolean isLive(Family family) {
        return !family.revoked && family.epoch == epoch.get();
    }

    /** Invalidates every token minted so far and forgets them. */
    void revokeAll() {
        epoch.incrementAndGet();
        accessTokens.clear();
        refreshTokens.clear();
    }

    int rotations() {
        return rotations.get();
    }

    int graceReuses() {
        return graceReuses.get();
    }

    int reuseDetections() {
        return reuseDetections.get();
    }

    int invalidGrants() {
        return invalidGrants.get();
    }

    /** Every refresh token presented to {@link #redeem}, in the order the redemptions began. */
    List<String> presented() {
        return List.copyOf(presented);
    }

    void resetCounters() {
        rotations.set(0);
        graceReuses.set(0);
        reuseDetections.set(0);
        invalidGrants.set(0);
        presented.clear();
    }

    private String mintAccessToken(long tokenEpoch, @Nullable Family family) {
        String token = newTokenValue();
        Instant expiresAt = clock.instant().plusSeconds(lifetimeSeconds);
        accessTokens.put(token, new AccessGrant(expiresAt, tokenEpoch, family));
        if (family != null) {
            family.accessTokens.add(token);
        }
        return token;
    }

    private String mintRefreshToken(Family family, @Nullable String scope) {
        String token = newTokenValue();
        refreshTokens.put(token, new RefreshGrant(family, scope));
        family.refreshTokens.add(token);
        return token;
    }

    private String newTokenValue() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return TOKEN_ENCODER.encodeToString(bytes);
    }

    /**
     * A chain of refresh tokens descending from one original grant, with the access tokens issued
     * with them. Fields other than the lists are written under the family's monitor.
     */
    static final class Family {
        final String clientId;
        final long epoch;
        /** Every refresh token minted in the family, oldest first. */
        final List<String> refreshTokens = new CopyOnWriteArrayList<>();
        /** Every access token issued with the family's refresh tokens, oldest first. */
        final List<String> accessTokens = new CopyOnWriteArrayList<>();
        volatile boolean revoked;
        /** The refresh token redeemed last for the first time; a grace-period reuse applies to it only. */
        @Nullable RefreshGrant rotatedLast;

        private Family(String clientId, long epoch) {
            this.clientId = clientId;
            this.epoch = epoch;
        }
    }

    private record AccessGrant(Instant expiresAt, long epoch, @Nullable Family family) {}

    private static final class RefreshGrant {
        final Family family;
        final @Nullable String scope;
        /** When it was first redeemed under rotation; null while unused. Guarded by the family's monitor. */
        @Nullable Instant usedAt;

        RefreshGrant(Family family, @Nullable String scope) {
            this.family = family;
            this.scope = scope;
        }
    }
}
