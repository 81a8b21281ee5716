package io.tokenflow.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * When a token counts as expired and when to refresh it, from its lifetime. Immutable; each
 * {@code withX} validates its argument.
 *
 * @param refreshAhead how long before expiry to refresh; {@code null}: the smaller of 5 min and half the lifetime
 * @param refreshJitter spread of {@code refreshAhead}, 0 to 0.5 (±)
 * @param expiryMargin how long before {@code expires_at} a token counts as expired; {@code null}: the smaller
 *     of 30 s and 10 % of the lifetime
 * @param defaultLifetime assumed for tokens without {@code expires_in}; {@code null}: valid until rejected
 */
record Lifetimes(@Nullable Duration refreshAhead, double refreshJitter, @Nullable Duration expiryMargin,
                 @Nullable Duration defaultLifetime) {

    /** {@link Plan} times of a token without expiry: never. */
    static final long NEVER = Long.MAX_VALUE;

    static final Lifetimes DEFAULTS = new Lifetimes(null, 0.1, null, null);

    private static final long DEFAULT_REFRESH_AHEAD_MS = Duration.ofMinutes(5).toMillis();
    private static final long DEFAULT_EXPIRY_MARGIN_MS = Duration.ofSeconds(30).toMillis();

    Lifetimes {
        if (refreshAhead != null) {
            RetryPolicy.requirePositive("refreshAhead", refreshAhead);
        }
        if (!(refreshJitter >= 0 && refreshJitter <= 0.5)) {
            throw new IllegalArgumentException("refreshJitter must be within [0, 0.5], was " + refreshJitter);
        }
        if (expiryMargin != null && expiryMargin.isNegative()) {
            throw new IllegalArgumentException("expiryMargin must not be negative, was " + expiryMargin);
        }
        if (defaultLifetime != null) {
            RetryPolicy.requirePositive("defaultLifetime", defaultLifetime);
        }
    }

    Lifetimes withRefreshAhead(Duration refreshAhead) {
        return new Lifetimes(Objects.requireNonNull(refreshAhead, "refreshAhead"), refreshJitter, expiryMargin, defaultLifetime);
    }

    Lifetimes withRefreshJitter(double refreshJitter) {
        return new Lifetimes(refreshAhead, refreshJitter, expiryMargin, defaultLifetime);
    }

    Lifetimes withExpiryMargin(Duration expiryMargin) {
        return new Lifetimes(refreshAhead, refreshJitter, Objects.requireNonNull(expiryMargin, "expiryMargin"), defaultLifetime);
    }

    Lifetimes withDefaultLifetime(Duration defaultLifetime) {
        return new Lifetimes(refreshAhead, refreshJitter, expiryMargin, Objects.requireNonNull(defaultLifetime, "defaultLifetime"));
    }

    /**
     * When {@code token}, received {@code now}, counts as expired ({@code expiryMargin} before its
     * expiry, at most half its remaining lifetime) and when to refresh it ({@code refreshAhead}
     * before expiry, at most half the remaining lifetime, jittered by ±{@code refreshJitter}, never
     * past the expiry margin, never before now).
     */
    Plan plan(AccessToken token, Instant now) {
        Instant expiresAt = expiresAt(token, now);
        if (expiresAt == null) {
            return new Plan(null, NEVER, NEVER);
        }
        long nowMs = now.toEpochMilli();
        long exp = expiresAt.toEpochMilli();
        long lifetime = Math.max(0, exp - nowMs);
        long validUntil = validUntil(token, now);
        long ahead = Math.min(refreshAhead != null ? refreshAhead.toMillis() : DEFAULT_REFRESH_AHEAD_MS, lifetime / 2);
        double jitter = refreshJitter == 0 ? 0 : refreshJitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        long refreshAt = Math.min(exp - Math.round(ahead * (1 + jitter)), validUntil);
        return new Plan(expiresAt, validUntil, Math.max(refreshAt, nowMs));
    }

    /** Epoch ms before which {@code token} is served: {@code expiryMargin} before its expiry; {@link #NEVER} without one. */
    long validUntil(AccessToken token, Instant now) {
        Instant expiresAt = expiresAt(token, now);
        if (expiresAt == null) {
            return NEVER;
        }
        long exp = expiresAt.toEpochMilli();
        long lifetime = Math.max(0, exp - now.toEpochMilli());
        long margin = expiryMargin != null ? Math.min(expiryMargin.toMillis(), lifetime / 2)
                : Math.min(DEFAULT_EXPIRY_MARGIN_MS, lifetime / 10);
        return exp - margin;
    }

    /** Whether {@code token} may still be served {@code now}. */
    boolean stillValid(AccessToken token, Instant now) {
        return now.toEpochMilli() < validUntil(token, now);
    }

    /** The token's expiry, or {@code defaultLifetime} from now; {@code null}: valid until rejected. */
    @Nullable Instant expiresAt(AccessToken token, Instant now) {
        return token.expiresAt().orElse(defaultLifetime == null ? null : now.plus(defaultLifetime));
    }

    /**
     * @param expiresAt the expiry the plan is made for; {@code null}: none
     * @param validUntil epoch ms from which the token counts as expired, or {@link #NEVER}
     * @param refreshAt epoch ms at which to refresh, or {@link #NEVER}
     */
    record Plan(@Nullable Instant expiresAt, long validUntil, long refreshAt) {
    }
}
