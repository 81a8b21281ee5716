package io.tokenflow.core;

import static io.tokenflow.core.WorkloadState.Status.AUTH_RETRYING;
import static io.tokenflow.core.WorkloadState.Status.DEGRADED;
import static io.tokenflow.core.WorkloadState.Status.RUNNING;
import static io.tokenflow.core.WorkloadState.Status.STARTING;
import static io.tokenflow.core.WorkloadState.Status.UNAUTHENTICATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.Transitions.Next;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure decision of where a failed refresh leads ({@link Transitions#afterFailure}). */
class TransitionsTest {

    private static final RetryPolicy POLICY = RetryPolicy.fromEnvironment(Map.of());
    private static final long NOW = 1_800_000_000_000L;
    private static final long MINUTE = 60_000;

    private static final TokenFailure UNAVAILABLE = TokenFailure.answer(FailureKind.TRANSIENT, 503, null, null, "HTTP 503");
    private static final TokenFailure INVALID_GRANT = TokenFailure.answer(FailureKind.PERMANENT, 400, "invalid_grant", null,
            "HTTP 400 invalid_grant");

    @Test
    void aPermanentFailureLeadsToUnauthenticatedWithNothingScheduledFromAnyStatus() {
        for (var from : new WorkloadState.Status[] {STARTING, RUNNING, DEGRADED, AUTH_RETRYING, UNAUTHENTICATED}) {
            assertThat(Transitions.afterFailure(from, INVALID_GRANT, true, NOW, NOW, POLICY))
                    .as("from %s", from).isEqualTo(new Next(UNAUTHENTICATED, Transitions.NO_ATTEMPT));
        }
    }

    @Test
    void aTransientFailureWhileUnauthenticatedStaysThereWithNothingScheduled() {
        assertThat(Transitions.afterFailure(UNAUTHENTICATED, UNAVAILABLE, true, NOW, NOW, POLICY))
                .isEqualTo(new Next(UNAUTHENTICATED, Transitions.NO_ATTEMPT));
    }

    @Test
    void aTransientFailureWithAValidTokenDegradesAndRetriesAfterTheDegradedInterval() {
        assertThat(Transitions.afterFailure(RUNNING, UNAVAILABLE, true, NOW, NOW, POLICY))
                .isEqualTo(new Next(DEGRADED, NOW + POLICY.degradedRetryInterval().toMillis()));
    }

    @Test
    void aTransientFailureWithoutAValidTokenRetriesOnTheLongCadence() {
        assertThat(Transitions.afterFailure(RUNNING, UNAVAILABLE, false, NOW, NOW - MINUTE, POLICY))
                .isEqualTo(new Next(AUTH_RETRYING, NOW + POLICY.authRetryingInterval().toMillis()));
    }

    @Test
    void theLastAttemptIsDueAtTheCeilingNeverAfterIt() {
        long streakStart = NOW - POLICY.ceiling().toMillis() + MINUTE;

        assertThat(Transitions.afterFailure(AUTH_RETRYING, UNAVAILABLE, false, NOW, streakStart, POLICY))
                .isEqualTo(new Next(AUTH_RETRYING, streakStart + POLICY.ceiling().toMillis()));
    }

    @Test
    void aTransientFailureAtTheCeilingGivesUp() {
        long streakStart = NOW - POLICY.ceiling().toMillis();

        assertThat(Transitions.afterFailure(AUTH_RETRYING, UNAVAILABLE, false, NOW, streakStart, POLICY))
                .isEqualTo(new Next(UNAUTHENTICATED, Transitions.NO_ATTEMPT));
    }

    @Test
    void aValidTokenKeepsTheServiceDegradedEvenPastTheCeiling() {
        long streakStart = NOW - POLICY.ceiling().toMillis() - MINUTE;

        assertThat(Transitions.afterFailure(DEGRADED, UNAVAILABLE, true, NOW, streakStart, POLICY).to()).isEqualTo(DEGRADED);
    }

    @Test
    void retryAfterStretchesTheCadenceButNeverPastTheLongInterval() {
        TokenFailure slowDown = TokenFailure.answer(FailureKind.TRANSIENT, 429, null, Duration.ofMinutes(3), "HTTP 429");
        TokenFailure stop = TokenFailure.answer(FailureKind.TRANSIENT, 429, null, Duration.ofDays(2), "HTTP 429");

        assertThat(Transitions.afterFailure(RUNNING, slowDown, true, NOW, NOW, POLICY).attemptAt())
                .isEqualTo(NOW + Duration.ofMinutes(3).toMillis());
        assertThat(Transitions.afterFailure(RUNNING, stop, true, NOW, NOW, POLICY).attemptAt())
                .isEqualTo(NOW + POLICY.authRetryingInterval().toMillis());
        assertThat(Transitions.afterFailure(AUTH_RETRYING, slowDown, false, NOW, NOW, POLICY).attemptAt())
                .as("a Retry-After shorter than the interval does not shorten it")
                .isEqualTo(NOW + POLICY.authRetryingInterval().toMillis());
    }
}
