package io.tokenflow.core;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How transient token-endpoint failures are retried. Immutable; change it with the
 * {@code withX} methods, which validate their argument.
 *
 * <ol>
 *   <li>Short retry at the start of a failure streak: {@code Retry.backoff(maxRetries, minBackoff)
 *       .maxBackoff(maxBackoff).jitter(jitter)}, only for transient failures; a server's
 *       {@code Retry-After} is waited out after the backoff delay. Callers wait for it; the state
 *       shows its failures and next attempt (in {@code STARTING} too) but does not change while it runs.</li>
 *   <li>Then, while the held token is still valid ({@code DEGRADED}): one attempt every
 *       {@code degradedRetryInterval}, up to the token's expiry.</li>
 *   <li>A server's {@code Retry-After} stretches any of these waits, up to {@code authRetryingInterval}
 *       at most: a server can slow tokenflow down, not silence it.</li>
 *   <li>Without a valid token ({@code AUTH_RETRYING}): one attempt every
 *       {@code authRetryingInterval}, until {@code ceiling} after the first failure of the
 *       streak; then {@code UNAUTHENTICATED}.</li>
 * </ol>
 *
 * @param maxRetries retries of the short retry after the first attempt (default 5)
 * @param minBackoff first delay of the short retry (default 5 s)
 * @param maxBackoff largest delay of the short retry (default 2 min)
 * @param jitter jitter factor of the short retry, 0 to 1 (default 0.5)
 * @param degradedRetryInterval cadence while {@code DEGRADED} (default 30 s)
 * @param authRetryingInterval cadence while {@code AUTH_RETRYING} (default 10 min; env
 *     {@code TOKENFLOW_AUTH_RETRYING_INTERVAL})
 * @param ceiling how long a failure streak is retried before {@code UNAUTHENTICATED} (default
 *     24 h; env {@code TOKENFLOW_AUTH_RETRYING_CEILING})
 */
public record RetryPolicy(int maxRetries, Duration minBackoff, Duration maxBackoff, double jitter,
                          Duration degradedRetryInterval, Duration authRetryingInterval, Duration ceiling) {

    /** Environment variable overriding {@link #authRetryingInterval()}. */
    public static final String ENV_AUTH_RETRYING_INTERVAL = "TOKENFLOW_AUTH_RETRYING_INTERVAL";
    /** Environment variable overriding {@link #ceiling()}. */
    public static final String ENV_AUTH_RETRYING_CEILING = "TOKENFLOW_AUTH_RETRYING_CEILING";

    /** Longest duration accepted anywhere: far beyond any sensible setting, far below overflow. */
    static final Duration MAX_DURATION = Duration.ofDays(3650);

    private static final RetryPolicy BUILT_IN = new RetryPolicy(5, Duration.ofSeconds(5), Duration.ofMinutes(2), 0.5,
            Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(24));

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
        requirePositive("minBackoff", minBackoff);
        requirePositive("maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") < minBackoff (" + minBackoff + ")");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within [0, 1], was " + jitter);
        }
        requirePositive("degradedRetryInterval", degradedRetryInterval);
        requirePositive("authRetryingInterval", authRetryingInterval);
        requirePositive("ceiling", ceiling);
    }

    /** The built-in defaults, with the environment's overrides applied. */
    public static RetryPolicy defaults() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The built-in defaults with overrides read from {@code env}: {@value #ENV_AUTH_RETRYING_INTERVAL}
     * and {@value #ENV_AUTH_RETRYING_CEILING}, as ISO-8601 ({@code PT10M}) or {@code 10m}-style
     * ({@code ms}, {@code s}, {@code m}, {@code h}, {@code d}) durations.
     *
     * @throws IllegalArgumentException naming the variable, for a value that is not a positive duration
     */
    public static RetryPolicy fromEnvironment(Map<String, String> env) {
        RetryPolicy policy = BUILT_IN;
        String interval = env.get(ENV_AUTH_RETRYING_INTERVAL);
        if (interval != null) {
            policy = policy.withAuthRetryingInterval(parseDuration(ENV_AUTH_RETRYING_INTERVAL, interval));
        }
        String ceiling = env.get(ENV_AUTH_RETRYING_CEILING);
        if (ceiling != null) {
            policy = policy.withCeiling(parseDuration(ENV_AUTH_RETRYING_CEILING, ceiling));
        }
        return policy;
    }

    public RetryPolicy withMaxRetries(int maxRetries) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    public RetryPolicy withMinBackoff(Duration minBackoff) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    public RetryPolicy withMaxBackoff(Duration maxBackoff) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    public RetryPolicy withJitter(double jitter) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    public RetryPolicy withDegradedRetryInterval(Duration degradedRetryInterval) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    public RetryPolicy withAuthRetryingInterval(Duration authRetryingInterval) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    public RetryPolicy withCeiling(Duration ceiling) {
        return new RetryPolicy(maxRetries, minBackoff, maxBackoff, jitter, degradedRetryInterval, authRetryingInterval, ceiling);
    }

    /** The server's {@code Retry-After}, capped at {@link #authRetryingInterval()}: a server can slow tokenflow down, not stop it. */
    Optional<Duration> serverAskedToWait(TokenFailure failure) {
        return failure.retryAfter()
                .filter(d -> !d.isZero() && !d.isNegative())
                .map(d -> d.compareTo(authRetryingInterval) > 0 ? authRetryingInterval : d);
    }

    /** {@code interval}, stretched to the server's {@code Retry-After} but never past {@link #authRetryingInterval()}. */
    Duration stretched(Duration interval, TokenFailure failure) {
        return serverAskedToWait(failure).filter(d -> d.compareTo(interval) > 0).orElse(interval);
    }

    /**
     * Parses {@code PT10M}-style ISO-8601 or {@code 10m}-style durations.
     *
     * @param what named in the error, e.g. the environment variable
     * @throws IllegalArgumentException for anything else, or a duration that is not positive
     */
    static Duration parseDuration(String what, @Nullable String text) {
        String value = text == null ? "" : text.trim();
        Duration parsed = null;
        Matcher m = SHORT_DURATION.matcher(value.toLowerCase(Locale.ROOT));
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                parsed = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } else if (!value.isEmpty()) {
                parsed = Duration.parse(value);
            }
        } catch (RuntimeException e) {
            parsed = null;
        }
        if (parsed == null || parsed.isNegative() || parsed.isZero() || parsed.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(what + " must be a positive duration (at most 3650 days) such as PT10M or 10m, was '"
                    + value + "'");
        }
        return parsed;
    }

    static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_DURATION.toDays() + " days, was " + d);
        }
    }
}
