package io.tokenflow.core;

import static io.tokenflow.core.FakeTokenEndpoint.permanent;
import static io.tokenflow.core.FakeTokenEndpoint.rateLimited;
import static io.tokenflow.core.FakeTokenEndpoint.unavailable503;
import static io.tokenflow.core.WorkloadState.Status.AUTH_RETRYING;
import static io.tokenflow.core.WorkloadState.Status.DEGRADED;
import static io.tokenflow.core.WorkloadState.Status.RUNNING;
import static io.tokenflow.core.WorkloadState.Status.STARTING;
import static io.tokenflow.core.WorkloadState.Status.STOPPED;
import static io.tokenflow.core.WorkloadState.Status.UNAUTHENTICATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.InMemoryCredentialStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reactivestreams.Subscription;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Signal;
import reactor.test.StepVerifier;

/** Classification-driven retry and the WorkloadState machine, on virtual time. */
class StateMachineTest extends VirtualTimeEngineTest {


    /** Runs a service into DEGRADED: an hourly token, then an outage from the first proactive refresh on. */
    private TokenService degraded() {
        return degrade(start());
    }

    private TokenService degrade(TokenService service) {
        fake.always(unavailable503());
        clock.advanceTimeBy(Duration.ofMinutes(55).plus(Services.shortRetrySpan(Services.EXACT)));
        assertThat(service.state().status()).isEqualTo(DEGRADED);
        return service;
    }

    private TokenService authRetrying() {
        fake.always(unavailable503());
        TokenService service = start();
        clock.advanceTimeBy(Services.shortRetrySpan(Services.EXACT));
        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
        return service;
    }

    @Test
    void threeTransientFailuresThenSuccessEndRunningAfterFourRequests() {
        fake.then(fake.after(Duration.ofSeconds(1), unavailable503()), unavailable503(), unavailable503());
        TokenService service = start();
        StateRecorder recorder = new StateRecorder(service);

        clock.advanceTimeBy(Duration.ofMinutes(5));

        assertThat(fake.requests()).isEqualTo(4);
        assertThat(service.state().status()).isEqualTo(RUNNING);
        assertThat(recorder.seen()).containsExactly(STARTING, RUNNING);
    }

    @Test
    void aTransientOutageDegradesWhileTheTokenIsValidThenAuthRetriesThenRecoversAtTheNextTick() {
        TokenService service = start();
        AccessToken held = current(service);
        StateRecorder recorder = new StateRecorder(service);

        degrade(service);
        assertThat(current(service)).isEqualTo(held);
        assertThat(service.state().lastFailure()).hasValueSatisfying(f -> assertThat(f.httpStatus()).hasValue(503));

        advanceTo(held.expiresAt().orElseThrow().minusSeconds(30));
        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
        assertThatThrownBy(() -> current(service)).isInstanceOf(TokenUnavailableException.class);

        fake.always(fake.ok(HOUR));
        int before = fake.requests();
        advanceTo(service.state().nextAttemptAt().orElseThrow());

        assertThat(fake.requests()).isEqualTo(before + 1);
        assertThat(service.state().status()).isEqualTo(RUNNING);
        assertThat(current(service)).isNotEqualTo(held);
        assertThat(recorder.seen()).containsExactly(RUNNING, DEGRADED, AUTH_RETRYING, RUNNING);
    }

    @Test
    void whileDegradedTheServiceRetriesOnTheDegradedCadence() {
        TokenService service = degraded();
        Instant degradedAt = now();
        int before = fake.requests();

        clock.advanceTimeBy(Services.EXACT.degradedRetryInterval().multipliedBy(3));

        assertThat(fake.requests()).isEqualTo(before + 3);
        assertThat(fake.requestTimes().subList(before, before + 3)).containsExactly(
                degradedAt.plus(Services.EXACT.degradedRetryInterval()),
                degradedAt.plus(Services.EXACT.degradedRetryInterval().multipliedBy(2)),
                degradedAt.plus(Services.EXACT.degradedRetryInterval().multipliedBy(3)));
    }

    @Test
    void anOutagePastTheCeilingEndsUnauthenticatedAfterTheRequestsThePolicyImplies() {
        RetryPolicy policy = Services.EXACT;
        Instant start = now();
        TokenService service = authRetrying();

        clock.advanceTimeBy(policy.ceiling());

        // Short retry: 1 + maxRetries requests; then one every authRetryingInterval, the last one
        // moved to the ceiling itself.
        long expected = 1 + policy.maxRetries();
        long t = Services.shortRetrySpan(policy).toMillis();
        long ceiling = policy.ceiling().toMillis();
        while (t < ceiling) {
            t = Math.min(t + policy.authRetryingInterval().toMillis(), ceiling);
            expected++;
        }
        assertThat(fake.requests()).isEqualTo(expected);
        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
        assertThat(service.state().since()).isEqualTo(start.plus(policy.ceiling()));
        assertThat(service.state().consecutiveFailures()).isEqualTo((int) expected);

        clock.advanceTimeBy(Duration.ofDays(2));
        assertThat(fake.requests()).isEqualTo(expected);
    }

    @Test
    void theCeilingComesFromTheEnvironmentOverride() {
        RetryPolicy policy = RetryPolicy.fromEnvironment(java.util.Map.of(
                RetryPolicy.ENV_AUTH_RETRYING_INTERVAL, "1m", RetryPolicy.ENV_AUTH_RETRYING_CEILING, "PT30M")).withJitter(0);
        fake.always(unavailable503());
        TokenService service = start(Services.on(fake, clock).retryPolicy(policy));

        clock.advanceTimeBy(Duration.ofMinutes(29));
        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
        clock.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
    }

    @Test
    void invalidGrantDuringAuthRetryingIsUnauthenticatedAtOnceWithoutFurtherRequests() {
        TokenService service = authRetrying();
        fake.always(permanent("invalid_grant"));
        int before = fake.requests();

        advanceTo(service.state().nextAttemptAt().orElseThrow());

        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
        assertThat(service.state().lastFailure()).hasValueSatisfying(f -> assertThat(f.oauthError()).hasValue("invalid_grant"));
        assertThat(fake.requests()).isEqualTo(before + 1);
        clock.advanceTimeBy(Duration.ofDays(2));
        assertThat(fake.requests()).isEqualTo(before + 1);
    }

    @Test
    void aPermanentErrorIsNeverRetried() {
        fake.always(permanent("invalid_client"));
        TokenService service = start();

        clock.advanceTimeBy(Duration.ofDays(1));

        assertThat(fake.requests()).isEqualTo(1);
        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
        assertThat(service.state().nextAttemptAt()).isEmpty();
    }

    @Test
    void aPermanentErrorWhileRunningIsUnauthenticatedAtOnceEvenWithAValidToken() {
        TokenService service = start();
        fake.always(permanent("invalid_grant"));

        clock.advanceTimeBy(Duration.ofMinutes(55));

        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
        assertThat(fake.requests()).as("the first token, the refresh, and one with the client's own grant").isEqualTo(3);
        StepVerifier.create(service.token()).expectError(TokenUnavailableException.class).verify(Duration.ofSeconds(1));
    }

    @Test
    void tenThousandHotCallersDuringAuthRetryingSendNothingAndEachGetsTheRetryAfter() {
        TokenService service = authRetrying();
        int before = fake.requests();
        Duration untilNext = Duration.between(now(), service.state().nextAttemptAt().orElseThrow());

        List<Signal<AccessToken>> outcomes = Flux.range(0, 10_000)
                .flatMap(i -> service.token().materialize())
                .collectList()
                .block(Duration.ofSeconds(10));

        assertThat(outcomes).hasSize(10_000).allSatisfy(signal -> {
            assertThat(signal.getThrowable()).isInstanceOfSatisfying(TokenUnavailableException.class, e -> {
                assertThat(e.retryAfter()).hasValue(untilNext);
                assertThat(e.state().status()).isEqualTo(AUTH_RETRYING);
                assertThat(e.getCause()).isInstanceOf(TokenEndpointException.class);
            });
        });
        assertThat(fake.requests()).isEqualTo(before);
    }

    @Test
    void aHugeRetryAfterSlowsTheServiceDownButNeverSilencesIt() {
        TokenService service = start();
        fake.always(rateLimited(Duration.ofSeconds(Long.MAX_VALUE / 2)));

        clock.advanceTimeBy(Duration.ofHours(3));

        List<Instant> times = fake.requestTimes();
        assertThat(times.size()).isGreaterThan(5);
        for (int i = 2; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i)))
                    .isLessThanOrEqualTo(Services.EXACT.authRetryingInterval().plus(Services.EXACT.maxBackoff()));
        }
        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
    }

    @Test
    void consecutiveFailuresCountEachFailedRequestOnce() {
        fake.always(fake.ok(Duration.ofMinutes(2)));
        TokenService service = start();
        fake.always(unavailable503());

        clock.advanceTimeBy(Duration.ofMinutes(10));

        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
        assertThat(service.state().consecutiveFailures()).isEqualTo(fake.requests() - 1);
    }

    @Test
    void retryAfterStretchesTheShortRetry() {
        Duration serverWait = Duration.ofSeconds(90);
        fake.then(rateLimited(serverWait));
        TokenService service = start();

        clock.advanceTimeBy(Duration.ofMinutes(5));

        List<Instant> times = fake.requestTimes();
        assertThat(times).hasSize(2);
        assertThat(Duration.between(times.get(0), times.get(1))).isGreaterThanOrEqualTo(serverWait);
        assertThat(service.state().status()).isEqualTo(RUNNING);
    }

    @Test
    void retryAfterStretchesTheLongCadence() {
        Duration serverWait = Duration.ofMinutes(3);
        TokenService service = start();
        fake.always(rateLimited(serverWait));
        clock.advanceTimeBy(Duration.ofMinutes(55).plus(Duration.ofMinutes(20)));
        assertThat(service.state().status()).isIn(DEGRADED, AUTH_RETRYING);

        List<Instant> times = fake.requestTimes();
        for (int i = 2; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i))).isGreaterThanOrEqualTo(serverWait);
        }
    }

    @Test
    void aSuccessOfTheShortRetryNeverShowsDegraded() {
        TokenService service = start();
        StateRecorder recorder = new StateRecorder(service);
        fake.then(unavailable503(), unavailable503());

        clock.advanceTimeBy(Duration.ofMinutes(59));

        assertThat(fake.requests()).isEqualTo(4);
        assertThat(recorder.seen()).containsExactly(RUNNING);
    }

    @Test
    void aSuccessOnACallersPathLeavesDegraded() {
        TokenService service = degraded();
        fake.always(fake.ok(HOUR));
        AccessToken held = current(service);

        AccessToken fresh = service.tokenRejected(held).block(Duration.ofSeconds(1));

        assertThat(fresh).isNotEqualTo(held);
        assertThat(service.state().status()).isEqualTo(RUNNING);
        assertThat(service.state().lastFailure()).isEmpty();
        assertThat(service.state().consecutiveFailures()).isZero();
    }

    @Test
    void aRejectedTokenWhileAuthRetryingFailsFastWithoutAnExtraRequest() {
        TokenService service = start();
        AccessToken held = current(service);
        degrade(service);
        advanceTo(held.expiresAt().orElseThrow());
        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
        int before = fake.requests();

        StepVerifier.create(service.tokenRejected(held)).expectError(TokenUnavailableException.class).verify(Duration.ofSeconds(1));

        assertThat(fake.requests()).isEqualTo(before);
    }

    @Test
    void refreshIsTheManualWayOutOfUnauthenticated() {
        fake.always(permanent("invalid_client"));
        TokenService service = start();
        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);

        fake.always(fake.ok(HOUR));
        AccessToken token = service.refresh().block(Duration.ofSeconds(1));

        assertThat(service.state().status()).isEqualTo(RUNNING);
        assertThat(current(service)).isEqualTo(token);
    }

    @Test
    void aCredentialWrittenToTheStoreLiftsUnauthenticated() {
        InMemoryCredentialStore store = InMemoryCredentialStore.empty();
        fake.always(permanent("invalid_grant"));
        TokenService service = start(Services.on(fake, clock).credentialStore(store));
        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);

        AccessToken operators = AccessToken.of("written-by-operator", "Bearer", now().plus(HOUR), Set.of());
        store.save(Credential.builder().accessToken(operators).refreshToken("new-refresh").build()).block(Duration.ofSeconds(1));

        assertThat(service.state().status()).isEqualTo(RUNNING);
        assertThat(current(service)).isEqualTo(operators);
        assertThat(fake.requests()).isEqualTo(1);
    }

    @Test
    void aTokenWithoutExpiryKeepsItsMonitor() {
        fake.then(fake.okWithoutExpiry());
        TokenService service = start();
        AccessToken token = current(service);
        assertThat(token.expiresAt()).isEmpty();
        clock.advanceTimeBy(Duration.ofDays(3));
        assertThat(fake.requests()).isEqualTo(1);

        fake.always(unavailable503());
        StepVerifier.create(service.tokenRejected(token))
                .then(() -> clock.advanceTimeBy(Services.shortRetrySpan(Services.EXACT)))
                .expectError(TokenUnavailableException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(service.state().status()).isEqualTo(AUTH_RETRYING);
        assertThat(service.state().nextAttemptAt()).isPresent();

        fake.always(fake.ok(HOUR));
        advanceTo(service.state().nextAttemptAt().orElseThrow());
        assertThat(service.state().status()).isEqualTo(RUNNING);
    }

    @Test
    void aDefaultLifetimeAppliesToTokensWithoutExpiry() {
        fake.always(fake.okWithoutExpiry());
        TokenService service = start(Services.on(fake, clock).defaultLifetime(Duration.ofMinutes(20)));

        clock.advanceTimeBy(Duration.ofMinutes(20));

        // Refreshed at half the assumed lifetime (the smaller of 5 min and half): every 15 min.
        assertThat(fake.requests()).isEqualTo(2);
        assertThat(service.state().tokenExpiresAt()).isPresent();
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"STARTING", "RUNNING", "DEGRADED", "AUTH_RETRYING", "UNAUTHENTICATED"})
    void disposeInAnyStateStopsEverything(Status status) {
        TokenService service = switch (status) {
            case STARTING -> {
                fake.then(fake.after(Duration.ofMinutes(1), fake.ok(HOUR)));
                yield start();
            }
            case RUNNING -> start();
            case DEGRADED -> degraded();
            case AUTH_RETRYING -> authRetrying();
            default -> {
                fake.always(permanent("invalid_grant"));
                yield start();
            }
        };
        assertThat(service.state().status()).isEqualTo(status);
        int before = fake.requests();

        service.dispose();

        assertThat(service.state().status()).isEqualTo(STOPPED);
        assertThat(service.isDisposed()).isTrue();
        StepVerifier.create(service.states()).expectNextMatches(s -> s.status() == STOPPED).verifyComplete();
        clock.advanceTimeBy(Duration.ofDays(3));
        assertThat(fake.requests()).isEqualTo(before);
        StepVerifier.create(service.token()).expectErrorSatisfies(e -> assertThat(e)
                .isInstanceOfSatisfying(TokenUnavailableException.class, u -> assertThat(u.state().status()).isEqualTo(STOPPED)))
                .verify(Duration.ofSeconds(1));
        StepVerifier.create(service.refresh()).expectError(TokenUnavailableException.class).verify(Duration.ofSeconds(1));
        assertThat(clock.isDisposed()).isFalse();
    }

    @Test
    void disposeFailsCallersWaitingForTheFirstFetch() {
        fake.then(fake.after(Duration.ofMinutes(1), fake.ok(HOUR)));
        TokenService service = start();

        StepVerifier.create(service.token())
                .then(service::dispose)
                .expectError(TokenUnavailableException.class)
                .verify(Duration.ofSeconds(1));
        clock.advanceTimeBy(Duration.ofMinutes(2));
        assertThat(fake.requests()).isEqualTo(1);
    }

    /** An outage is waited out, so it has no hint; a permanent failure has one, in its ERROR line. */
    @Test
    void anOutageLogsNoHintAndAPermanentFailureLogsOneAtError() {
        Logger logger = (Logger) LoggerFactory.getLogger(TokenService.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            authRetrying();
            clock.advanceTimeBy(Duration.ofHours(2));
            assertThat(appender.list).noneMatch(e -> e.getFormattedMessage().contains("To fix"));

            fake.always(permanent("invalid_client"));
            clock.advanceTimeBy(Duration.ofHours(1));
            assertThat(appender.list).filteredOn(e -> e.getFormattedMessage().contains("To fix"))
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                        assertThat(e.getFormattedMessage()).contains("client id and secret", FakeTokenEndpoint.CLIENT_ID)
                                .doesNotContain("fake-secret");
                    });
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void everyObservedTransitionIsLegalAndSeenOnce() {
        TokenService service = start();
        StateRecorder recorder = new StateRecorder(service);
        fake.always(unavailable503());
        clock.advanceTimeBy(Duration.ofHours(2));
        fake.always(fake.ok(HOUR));
        clock.advanceTimeBy(Duration.ofMinutes(15));
        fake.always(permanent("invalid_grant"));
        clock.advanceTimeBy(Duration.ofHours(2));
        service.dispose();

        List<Status> seen = recorder.seen();
        assertThat(seen).containsExactly(RUNNING, DEGRADED, AUTH_RETRYING, RUNNING, UNAUTHENTICATED, STOPPED);
        for (int i = 1; i < seen.size(); i++) {
            assertThat(Transitions.isLegal(seen.get(i - 1), seen.get(i))).as(seen.get(i - 1) + " -> " + seen.get(i)).isTrue();
        }
        assertThat(recorder.completed()).isTrue();
    }

    @Test
    void aSubscriberThatRequestsNothingNeitherBlocksTheServiceNorMissesTheLatestState() {
        TokenService service = start();
        List<WorkloadState> received = new ArrayList<>();
        BaseSubscriber<WorkloadState> idle = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                // requests nothing
            }

            @Override
            protected void hookOnNext(WorkloadState value) {
                received.add(value);
            }
        };
        service.states().subscribe(idle);
        for (int i = 0; i < 50; i++) {
            fake.always(unavailable503());
            clock.advanceTimeBy(Duration.ofHours(2));
            fake.always(fake.ok(HOUR));
            clock.advanceTimeBy(Duration.ofMinutes(15));
        }
        assertThat(current(service)).isNotNull();
        fake.always(permanent("invalid_grant"));
        clock.advanceTimeBy(Duration.ofHours(1));
        assertThat(service.state().status()).isEqualTo(UNAUTHENTICATED);
        assertThat(received).isEmpty();

        idle.request(1);

        assertThat(received).singleElement().satisfies(s -> assertThat(s.status()).isEqualTo(UNAUTHENTICATED));
        idle.dispose();
    }

    @Test
    void theTransitionTableAllowsOnlyTheDesignedMoves() {
        assertThat(Transitions.isLegal(AUTH_RETRYING, DEGRADED)).isFalse();
        assertThat(Transitions.isLegal(UNAUTHENTICATED, AUTH_RETRYING)).isFalse();
        assertThat(Transitions.isLegal(UNAUTHENTICATED, DEGRADED)).isFalse();
        assertThat(Transitions.isLegal(STOPPED, RUNNING)).isFalse();
        assertThat(Transitions.isLegal(RUNNING, STARTING)).isFalse();
        for (Status from : Status.values()) {
            assertThat(Transitions.isLegal(from, STOPPED) || from == STOPPED).isTrue();
        }
        assertThatThrownBy(() -> Transitions.check(STOPPED, RUNNING)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STOPPED -> RUNNING");
    }
}
