package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.ScriptedAnswer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A test that moves a virtual clock the moment it sees a state must find that state's timers (next
 * attempt, refresh) already scheduled from the instant the state was made: the engine schedules a
 * state's timers before it publishes the state. Were it the other way round, a clock moved in
 * between would push the timers later by as much as it moved, and the attempt due would not come.
 *
 * <p>Each scenario runs {@value #ROUNDS} times over real HTTP, waiting for the state with nothing
 * but {@code states()}: no pass through the service's lock, no other synchronization.
 */
class StateTimersTest {

    private static final int ROUNDS = 500;
    private static final Instant T0 = Instant.parse("2026-11-22T14:00:00Z");
    private static final Duration WITHIN = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofSeconds(60);
    /** Tokens live 100 s; without jitter the refresh is due at half the lifetime. */
    private static final Duration LIFETIME = Duration.ofSeconds(100);
    private static final Duration REFRESH_DUE = Duration.ofSeconds(50);

    private EmbeddedAuthorizationServer server;

    @BeforeEach
    void start() {
        server = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .tokenLifetime(LIFETIME)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theAttemptOfARetryingStateSeenComesAtItsNextAttemptAt() {
        repeat(this::retryingThenRunning);
    }

    @Test
    void theRefreshOfARunningStateSeenComesWhenItWasPlanned() {
        repeat(this::runningThenRefreshed);
    }

    private void retryingThenRunning(Round round) {
        server.script(ScriptedAnswer.json(503, "{\"error\":\"temporarily_unavailable\"}"));
        TokenService service = round.service();

        WorkloadState retrying = seen(service, Status.AUTH_RETRYING, round);
        round.clock.advanceTimeBy(RETRY);

        assertThat(retrying.nextAttemptAt()).as("round %d", round.number).hasValue(T0.plus(RETRY));
        seen(service, Status.RUNNING, round);
        assertThat(server.tokenRequests()).as("round %d", round.number).isEqualTo(2);
    }

    private void runningThenRefreshed(Round round) {
        TokenService service = round.service();

        WorkloadState running = seen(service, Status.RUNNING, round);
        round.clock.advanceTimeBy(REFRESH_DUE);

        assertThat(running.tokenExpiresAt()).as("round %d", round.number).hasValue(T0.plus(LIFETIME));
        Await.until(WITHIN, "round " + round.number + ": the refresh due at +50 s", () -> server.tokenRequests() == 2);
        Await.until(WITHIN, "round " + round.number + ": the refreshed token held", () -> service.state().tokenExpiresAt()
                .equals(Optional.of(T0.plus(REFRESH_DUE).plus(LIFETIME))));
    }

    private void repeat(Consumer<Round> scenario) {
        for (int n = 1; n <= ROUNDS; n++) {
            server.resetCounters();
            Round round = new Round(n, VirtualTimeScheduler.create());
            try {
                round.clock.advanceTimeTo(T0);
                scenario.accept(round);
            } finally {
                round.dispose();
            }
        }
    }

    /** The first {@code status} the service publishes, as soon as it is seen; bounded. */
    private static WorkloadState seen(TokenService service, Status status, Round round) {
        try {
            return service.states().filter(s -> s.status() == status).next().blockOptional(WITHIN).orElseThrow();
        } catch (IllegalStateException timeout) {
            throw new AssertionError("round " + round.number + ": no " + status + " within " + WITHIN + "; state is "
                    + service.state(), timeout);
        }
    }

    /** One repetition: its own virtual clock and service. */
    private final class Round {
        final int number;
        final VirtualTimeScheduler clock;
        private TokenService service;

        Round(int number, VirtualTimeScheduler clock) {
            this.number = number;
            this.clock = clock;
        }

        TokenService service() {
            service = TokenService.builder()
                    .tokenEndpoint(server.tokenEndpoint())
                    .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                    .scheduler(clock)
                    .retryPolicy(RetryPolicy.defaults().withMaxRetries(0).withAuthRetryingInterval(RETRY))
                    .refreshJitter(0)
                    .build();
            return service;
        }

        void dispose() {
            if (service != null) {
                service.dispose();
            }
            clock.dispose();
        }
    }
}
