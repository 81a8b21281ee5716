package io.tokenflow.core;

import static io.tokenflow.core.FakeTokenEndpoint.unavailable503;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tokenflow.core.WorkloadState.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** What people read: states, durations and the errors of misuse, and closing a service. */
class OperatorTextTest extends VirtualTimeEngineTest {

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Durations.readable(Duration.parse("PT9M59.988S"))).isEqualTo("9m 59s");
        assertThat(Durations.readable(Duration.ofHours(24))).isEqualTo("1d");
        assertThat(Durations.readable(Duration.ofMinutes(90))).isEqualTo("1h 30m");
        assertThat(Durations.readable(Duration.ofSeconds(3605))).isEqualTo("1h 5s");
        assertThat(Durations.readable(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.readable(Duration.ZERO)).isEqualTo("0ms");
        assertThat(Durations.readable(Duration.ofSeconds(-5))).isEqualTo("-5s");
    }

    @Test
    void aStateLeavesOutWhatIsAbsent() {
        WorkloadState starting = new WorkloadState(Status.STARTING, Instant.parse("2026-11-22T15:00:00Z"), Optional.empty(),
                Optional.empty(), Optional.empty(), 0);

        assertThat(starting).hasToString("WorkloadState[STARTING since 2026-11-22T15:00:00Z]");
    }

    @Test
    void aFailingStateSaysTheFailureTheNextAttemptAndTheCount() {
        TokenFailure failure = TokenFailure.answer(FailureKind.TRANSIENT, 503, null, Duration.ofSeconds(90), "HTTP 503");
        WorkloadState retrying = new WorkloadState(Status.AUTH_RETRYING, Instant.parse("2026-11-22T15:00:00Z"), Optional.empty(),
                Optional.of(failure), Optional.of(Instant.parse("2026-11-22T15:10:00Z")), 6);

        assertThat(retrying.toString())
                .isEqualTo("WorkloadState[AUTH_RETRYING since 2026-11-22T15:00:00Z, last failure TokenFailure[TRANSIENT, http=503, "
                        + "retryAfter=1m 30s, HTTP 503], next attempt at 2026-11-22T15:10:00Z, 6 consecutive failures]")
                .doesNotContain("Optional", "PT");
    }

    @Test
    void unavailableSaysWhenTheNextAttemptIsInReadableTime() {
        fake.always(unavailable503());
        TokenService service = start();
        clock.advanceTimeBy(Services.shortRetrySpan(Services.EXACT).plusMillis(12));

        Throwable unavailable = catchThrowable(() -> current(service));

        assertThat(unavailable).isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("AUTH_RETRYING, next attempt in 9m 59s, last failure: TokenFailure[TRANSIENT, http=503")
                .hasMessageNotContaining("PT9M");
    }

    @Test
    void blockingAtColdStartOnANonBlockingThreadSaysWhatToDoInstead() {
        fake.always(fake.after(Duration.ofMinutes(1), fake.ok(HOUR)));
        TokenService service = start();

        Throwable refused = Mono.fromCallable(() -> service.token().block())
                .subscribeOn(Schedulers.parallel())
                .map(token -> (Throwable) new AssertionError("block() returned " + token))
                .onErrorResume(Mono::just)
                .block(Duration.ofSeconds(5));

        assertThat(refused).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("block() on a token of " + service)
                .hasMessageContaining("which must not block")
                .hasMessageContaining("token().flatMap(token -> ...)")
                .hasMessageContaining("TokenExchangeFilter");
    }

    @Test
    void blockingARefreshOnANonBlockingThreadSaysWhatToDoInstead() {
        TokenService service = start();
        fake.always(fake.after(Duration.ofMinutes(1), fake.ok(HOUR)));

        Throwable refused = Mono.fromCallable(() -> service.refresh().block(Duration.ofSeconds(1)))
                .subscribeOn(Schedulers.parallel())
                .map(token -> (Throwable) new AssertionError("block() returned " + token))
                .onErrorResume(Mono::just)
                .block(Duration.ofSeconds(5));

        assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining("Chain the call instead");
    }

    /** Why such code seems to work: a held token is a completed Mono (documented in token()). */
    @Test
    void aHeldTokenIsHandedOutAtOnceEvenToBlockOnANonBlockingThread() {
        TokenService service = start();
        AccessToken held = current(service);

        AccessToken blocked = Mono.fromCallable(() -> service.token().block())
                .subscribeOn(Schedulers.parallel())
                .block(Duration.ofSeconds(5));

        assertThat(blocked).isEqualTo(held);
    }

    @Test
    void closeIsDisposeForTryWithResources() {
        TokenService closed;
        try (TokenService service = start()) {
            closed = service;
            assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        }

        assertThat(closed.state().status()).isEqualTo(Status.STOPPED);
        assertThat(closed.isDisposed()).isTrue();
        closed.close();
        assertThat(closed.state().status()).isEqualTo(Status.STOPPED);
    }
}
