package io.tokenflow.core;

import static io.tokenflow.core.FakeTokenEndpoint.fail;
import static io.tokenflow.core.FakeTokenEndpoint.permanent;
import static io.tokenflow.core.FakeTokenEndpoint.rateLimited;
import static io.tokenflow.core.FakeTokenEndpoint.unavailable503;
import static io.tokenflow.core.WorkloadState.Status.AUTH_RETRYING;
import static io.tokenflow.core.WorkloadState.Status.RUNNING;
import static io.tokenflow.core.WorkloadState.Status.STARTING;
import static io.tokenflow.core.WorkloadState.Status.UNAUTHENTICATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tokenflow.test.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A cold start that fails is never silent: the state shows the failure, the count and the next
 * attempt from the first failed attempt; the first failure of a streak is one WARN with its hint;
 * callers wait at most {@code startupTimeout}. On virtual time against the recording fake.
 */
class ColdStartTest extends VirtualTimeEngineTest {

    /** What a wrong token endpoint path answers: transient, with the URL hint. */
    private static final TokenFailure NOT_FOUND = TokenFailure.answer(FailureKind.TRANSIENT, 404, null, null,
            "HTTP 404 without an OAuth error (text/plain, 9 chars)");

    @Test
    void startingShowsTheFailureTheCountAndTheNextAttemptFromTheFirstFailedAttempt() {
        fake.always(unavailable503());
        Instant start = now();
        TokenService service = start();

        WorkloadState first = service.state();
        assertThat(first.status()).isEqualTo(STARTING);
        assertThat(first.consecutiveFailures()).isEqualTo(1);
        assertThat(first.lastFailure()).hasValueSatisfying(f -> assertThat(f.httpStatus()).hasValue(503));
        assertThat(first.nextAttemptAt()).hasValue(start.plusSeconds(5));

        clock.advanceTimeBy(Duration.ofSeconds(5));

        WorkloadState second = service.state();
        assertThat(second.status()).isEqualTo(STARTING);
        assertThat(second.consecutiveFailures()).isEqualTo(2);
        assertThat(second.nextAttemptAt()).hasValue(start.plusSeconds(15));
        assertThat(second.since()).isEqualTo(start);
    }

    /** Reactor's backoff is jittered; the time shown is the one the short retry keeps, for every retry. */
    @Test
    void theNextAttemptShownIsTheOneTheJitteredShortRetryKeeps() {
        RetryPolicy jittered = Services.EXACT.withJitter(0.5);
        fake.always(unavailable503());
        for (int round = 0; round < 40; round++) {
            TokenService service = start(Services.on(fake, clock).retryPolicy(jittered));
            for (int retry = 1; retry <= jittered.maxRetries(); retry++) {
                Instant shown = service.state().nextAttemptAt().orElseThrow();
                int before = fake.requests();

                advanceTo(shown.minusMillis(1));
                assertThat(fake.requests()).as("round %d, retry %d: no request before the time shown", round, retry)
                        .isEqualTo(before);
                advanceTo(shown);
                assertThat(fake.requests()).as("round %d, retry %d: the request at the time shown", round, retry)
                        .isEqualTo(before + 1);
            }
            assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
            service.dispose();
        }
    }

    @Test
    void aServersRetryAfterIsPartOfTheNextAttemptShown() {
        fake.then(rateLimited(Duration.ofSeconds(30)));
        Instant start = now();
        TokenService service = start();

        assertThat(service.state().nextAttemptAt()).as("the backoff, then the server's wait").hasValue(start.plusSeconds(35));
        advanceTo(start.plusSeconds(35));
        assertThat(fake.requestTimes()).containsExactly(start, start.plusSeconds(35));
        assertThat(service.state().status()).isEqualTo(RUNNING);
    }

    @Test
    void callersWaitingInStartingFailAfterTheStartupTimeoutWithTheLastFailureAndTheNextAttempt() {
        fake.always(unavailable503());
        TokenService service = start();
        CompletableFuture<AccessToken> caller = service.token().toFuture();

        clock.advanceTimeBy(Duration.ofMillis(9_999));
        assertThat(caller).as("still within the default startupTimeout of 10 s").isNotDone();
        clock.advanceTimeBy(Duration.ofMillis(1));

        assertThat(caller).isCompletedExceptionally();
        TokenUnavailableException unavailable = unavailable(caller);
        assertThat(unavailable.state().status()).isEqualTo(STARTING);
        assertThat(unavailable.state().consecutiveFailures()).as("requests at 0 and 5 s").isEqualTo(2);
        assertThat(unavailable.state().lastFailure()).hasValueSatisfying(f -> assertThat(f.httpStatus()).hasValue(503));
        assertThat(unavailable.retryAfter()).as("the next request at 15 s").hasValue(Duration.ofSeconds(5));
        assertThat(unavailable.getCause()).isInstanceOf(TokenEndpointException.class);
        assertThat(unavailable.getMessage()).contains("STARTING", "next attempt in 5s", "HTTP 503");
    }

    @Test
    void theServiceGoesOnRetryingAfterTheStartupTimeout() {
        fake.always(unavailable503());
        TokenService service = start();
        CompletableFuture<AccessToken> caller = service.token().toFuture();
        clock.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(caller).isCompletedExceptionally();

        fake.always(fake.ok(HOUR));
        clock.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(fake.requests()).isEqualTo(3);
        assertThat(service.state().status()).isEqualTo(RUNNING);
        assertThat(current(service)).isNotNull();
    }

    @Test
    void aCallerAfterTheStartupTimeoutFailsAtOnceWhileStillStarting() {
        fake.always(unavailable503());
        TokenService service = start();
        clock.advanceTimeBy(Duration.ofSeconds(12));
        int requests = fake.requests();

        CompletableFuture<AccessToken> late = service.token().toFuture();

        assertThat(late).isCompletedExceptionally();
        assertThat(unavailable(late).state().status()).isEqualTo(STARTING);
        assertThat(unavailable(late).retryAfter()).hasValue(Duration.ofSeconds(3));
        assertThat(fake.requests()).as("no request for the late caller").isEqualTo(requests);
    }

    @Test
    void aFirstTokenWithinTheStartupTimeoutReachesTheWaitingCaller() {
        fake.then(unavailable503());
        TokenService service = start();
        CompletableFuture<AccessToken> caller = service.token().toFuture();

        clock.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(caller).isCompleted();
        assertThat(caller.join().value()).isEqualTo("at-1");
    }

    @Test
    void theStartupTimeoutIsTheBuildersSetting() {
        fake.always(unavailable503());
        TokenService service = start(Services.on(fake, clock).startupTimeout(Duration.ofSeconds(30)));
        CompletableFuture<AccessToken> caller = service.token().toFuture();

        clock.advanceTimeBy(Duration.ofSeconds(29));
        assertThat(caller).isNotDone();
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(caller).isCompletedExceptionally();
        assertThat(unavailable(caller).state().status()).isEqualTo(STARTING);
    }

    @Test
    void aTokenExpiringDuringTheShortRetryShowsThatRetryAsTheNextAttempt() {
        fake.always(fake.ok(Duration.ofMinutes(2)));
        Instant start = now();
        TokenService service = start();
        fake.always(unavailable503());
        // Refresh at 1:00, retries at 1:05, 1:15, 1:35 and 2:15; the token counts as expired at 1:48.
        advanceTo(start.plusSeconds(108));

        WorkloadState state = service.state();
        assertThat(state.status()).isEqualTo(AUTH_RETRYING);
        assertThat(state.nextAttemptAt()).as("the retry of the short retry in flight").hasValue(start.plusSeconds(135));
        assertThat(state.lastFailure()).hasValueSatisfying(f -> assertThat(f.httpStatus()).hasValue(503));
        assertThat(unavailable(service.token().toFuture()).retryAfter()).hasValue(Duration.ofSeconds(27));

        advanceTo(start.plusSeconds(135));
        assertThat(fake.requestTimes()).last().isEqualTo(start.plusSeconds(135));
    }

    @Test
    void runningShowsNothingOfTheShortRetryWhileTheTokenIsValid() {
        TokenService service = start();
        fake.always(unavailable503());
        clock.advanceTimeBy(Duration.ofMinutes(55).plusSeconds(20));

        assertThat(fake.requests()).as("the first token, the refresh and two retries").isEqualTo(4);
        WorkloadState state = service.state();
        assertThat(state.status()).isEqualTo(RUNNING);
        assertThat(state.lastFailure()).isEmpty();
        assertThat(state.nextAttemptAt()).isEmpty();
        assertThat(state.consecutiveFailures()).isZero();
    }

    @Test
    void theFirstFailureOfAStreakIsOneWarnWithItsHintAndTheRetriesAreDebug() {
        try (LogCapture logs = LogCapture.of(ServiceLog.LOGGER, Level.DEBUG)) {
            fake.always(fail(NOT_FOUND));
            start();
            clock.advanceTimeBy(Services.shortRetrySpan(Services.EXACT));

            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .contains("token request failed", "http=404", "next attempt in 5s",
                            "To fix: check the token endpoint URL " + FakeTokenEndpoint.ENDPOINT);
            assertThat(logs.messages(Level.DEBUG)).filteredOn(m -> m.contains("token request failed, retry"))
                    .hasSize(Services.EXACT.maxRetries() - 1)
                    .first().asString().contains("retry 2 of 5 in 10s");
        }
    }

    @Test
    void eachNewStreakIsWarnedOnce() {
        try (LogCapture logs = LogCapture.of(ServiceLog.LOGGER)) {
            fake.then(unavailable503(), unavailable503());
            TokenService service = start();
            clock.advanceTimeBy(Duration.ofSeconds(15));
            assertThat(service.state().status()).isEqualTo(RUNNING);
            fake.then(unavailable503());

            clock.advanceTimeBy(Duration.ofMinutes(55).plusSeconds(5));

            assertThat(fake.requests()).isEqualTo(5);
            assertThat(logs.messages(Level.WARN)).hasSize(2).allSatisfy(m -> assertThat(m).contains("token request failed"));
        }
    }

    @Test
    void aPermanentFailureIsOneErrorLineThatAlsoTellsTheMove() {
        try (LogCapture logs = LogCapture.of(ServiceLog.LOGGER)) {
            fake.always(permanent("invalid_client"));
            TokenService service = start();

            assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
            assertThat(logs.messages()).singleElement().asString()
                    .startsWith("ERROR")
                    .contains("STARTING -> UNAUTHENTICATED", "permanent failure", "error=invalid_client",
                            "To fix: check the client id and secret (or key) of client '" + FakeTokenEndpoint.CLIENT_ID + "'");
        }
    }

    @Test
    void theCeilingIsOneErrorLineInReadableDurations() {
        try (LogCapture logs = LogCapture.of(ServiceLog.LOGGER)) {
            fake.always(unavailable503());
            TokenService service = start(Services.on(fake, clock).retryPolicy(Services.EXACT.withCeiling(Duration.ofMinutes(30))));
            clock.advanceTimeBy(Duration.ofHours(1));

            assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
            List<String> unauthenticated = logs.messages().stream().filter(m -> m.contains("UNAUTHENTICATED")).toList();
            assertThat(unauthenticated).singleElement().asString()
                    .startsWith("ERROR")
                    .contains("AUTH_RETRYING -> UNAUTHENTICATED", "failed for 30m", "past the ceiling of 30m")
                    .doesNotContain("PT");
        }
    }

    private static TokenUnavailableException unavailable(CompletableFuture<AccessToken> caller) {
        Throwable thrown = catchThrowable(caller::join);
        assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseInstanceOf(TokenUnavailableException.class);
        return (TokenUnavailableException) thrown.getCause();
    }
}
