package io.tokenflow.core;

import static io.tokenflow.core.FakeTokenEndpoint.permanent;
import static io.tokenflow.core.FakeTokenEndpoint.unavailable503;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenEvent.Outcome;
import io.tokenflow.core.TokenEvent.RequestFinished;
import io.tokenflow.core.TokenEvent.RequestStarted;
import io.tokenflow.core.TokenEvent.StateChanged;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import io.tokenflow.core.store.InMemoryCredentialStore;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RequestHold;
import io.tokenflow.test.ScriptedAnswer;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@code events()}: each token request as it starts and finishes (grant, outcome, status, OAuth
 * {@code error}, duration on the service's clock) and each status change, in the order they
 * happened; hot, completing after {@code STOPPED}; nothing from the hot path.
 */
class EventsTest {

    private static final String CLIENT = "events-client";
    private static final String SECRET = "events-secret-3k9";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aTokenIsOneRequestStartedAndFinishedWithStatus200ThenTheMoveToRunning() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client(CLIENT, SECRET).start()) {
            VirtualTimeScheduler clock = VirtualTimeScheduler.create();
            Recorder events = new Recorder();
            TokenService service = realService(idp, clock, events);
            try {
                events.awaitStateChange(Status.RUNNING);

                assertThat(events.list()).hasSize(3);
                RequestStarted started = (RequestStarted) events.list().get(0);
                RequestFinished finished = (RequestFinished) events.list().get(1);
                StateChanged running = (StateChanged) events.list().get(2);
                assertThat(started.grant()).isEqualTo("client_credentials");
                assertThat(finished.grant()).isEqualTo("client_credentials");
                assertThat(finished.outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(finished.httpStatus()).isEqualTo(OptionalInt.of(200));
                assertThat(finished.oauthError()).isEmpty();
                assertThat(finished.failure()).isEmpty();
                assertThat(running.from()).isEqualTo(Status.STARTING);
                assertThat(running.to()).isEqualTo(Status.RUNNING);
                assertThat(running.failure()).isEmpty();
            } finally {
                service.dispose();
            }
        }
    }

    @Test
    void aRefusedRefreshTokenIsAPermanentRequestWithItsStatusAndOAuthErrorBeforeTheMove() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().publicClient(CLIENT).start()) {
            VirtualTimeScheduler clock = VirtualTimeScheduler.create();
            Recorder events = new Recorder();
            idp.script(ScriptedAnswer.oauthError(400, "invalid_grant"));
            TokenService service = subscribed(TokenService.builder()
                    .tokenEndpoint(idp.tokenEndpoint())
                    .clientId(CLIENT)
                    .refreshToken("rt-refused-9f2")
                    .scheduler(clock), events);
            try {
                StateChanged unauthenticated = events.awaitStateChange(Status.UNAUTHENTICATED);

                List<RequestFinished> finished = events.of(RequestFinished.class);
                assertThat(finished).hasSize(1);
                RequestFinished refused = finished.get(0);
                assertThat(refused.grant()).isEqualTo("refresh_token");
                assertThat(refused.outcome()).isEqualTo(Outcome.PERMANENT);
                assertThat(refused.httpStatus()).isEqualTo(OptionalInt.of(400));
                assertThat(refused.oauthError()).hasValue("invalid_grant");
                assertThat(events.list().indexOf(refused)).isLessThan(events.list().indexOf(unauthenticated));
                assertThat(unauthenticated.failure()).isEqualTo(refused.failure());
            } finally {
                service.dispose();
            }
        }
    }

    @Test
    void aRequestWithoutAnAnswerIsTransientWithoutAStatus() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1)).always(FakeTokenEndpoint.fail(
                TokenFailure.noAnswer(FailureKind.TRANSIENT, "connection refused")));
        Recorder events = new Recorder();
        TokenService service = subscribed(Services.on(fake, clock).retryPolicy(Services.EXACT.withMaxRetries(0)), events);
        try {
            events.awaitStateChange(Status.AUTH_RETRYING);

            RequestFinished failed = events.of(RequestFinished.class).get(0);
            assertThat(failed.outcome()).isEqualTo(Outcome.TRANSIENT);
            assertThat(failed.httpStatus()).isEmpty();
            assertThat(failed.oauthError()).isEmpty();
        } finally {
            service.dispose();
        }
    }

    @Test
    void theDurationOfARequestIsMeasuredOnTheServicesClock() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client(CLIENT, SECRET).start()) {
            VirtualTimeScheduler clock = VirtualTimeScheduler.create();
            Recorder events = new Recorder();
            RequestHold hold = idp.holdNextRequest();
            TokenService service = realService(idp, clock, events);
            try {
                hold.awaitHeld(WAIT);
                clock.advanceTimeBy(Duration.ofMillis(1500));
                hold.release();
                events.awaitStateChange(Status.RUNNING);

                RequestFinished finished = events.of(RequestFinished.class).get(0);
                RequestStarted started = events.of(RequestStarted.class).get(0);
                assertThat(finished.duration()).isEqualTo(Duration.ofMillis(1500));
                assertThat(Duration.between(started.at(), finished.at())).isEqualTo(Duration.ofMillis(1500));
            } finally {
                service.dispose();
            }
        }
    }

    @Test
    void eachAttemptOfTheShortRetryIsItsOwnRequest() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1));
        fake.then(unavailable503(), unavailable503());
        Recorder events = new Recorder();
        TokenService service = subscribed(Services.on(fake, clock), events);
        try {
            clock.advanceTimeBy(Duration.ofSeconds(5 + 10));
            events.awaitStateChange(Status.RUNNING);

            assertThat(events.of(RequestFinished.class)).extracting(RequestFinished::outcome)
                    .containsExactly(Outcome.TRANSIENT, Outcome.TRANSIENT, Outcome.SUCCESS);
            assertThat(events.of(RequestFinished.class)).extracting(RequestFinished::httpStatus)
                    .containsExactly(OptionalInt.of(503), OptionalInt.of(503), OptionalInt.of(200));
            assertThat(events.of(RequestStarted.class)).hasSize(3);
            assertThat(events.of(StateChanged.class)).extracting(StateChanged::to).containsExactly(Status.RUNNING);
        } finally {
            service.dispose();
        }
    }

    @Test
    void eventsCompleteAfterTheMoveToStoppedAndAtOnceForALaterSubscriber() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1));
        Recorder events = new Recorder();
        TokenService service = subscribed(Services.on(fake, clock), events);
        events.awaitStateChange(Status.RUNNING);

        service.dispose();

        assertThat(events.completed).isCompletedWithValue(true);
        TokenEvent last = events.list().get(events.list().size() - 1);
        assertThat(last).isInstanceOfSatisfying(StateChanged.class, stopped -> {
            assertThat(stopped.from()).isEqualTo(Status.RUNNING);
            assertThat(stopped.to()).isEqualTo(Status.STOPPED);
        });
        assertThat(service.events().collectList().block(WAIT)).isEmpty();
    }

    @Test
    void aLaterSubscriberSeesNothingThatHappenedBeforeIt() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1));
        TokenService service = Services.on(fake, clock).build();
        try {
            assertThat(service.state().status()).isEqualTo(Status.RUNNING);
            Recorder events = new Recorder();
            service.events().subscribe(events);

            service.refresh().block(WAIT);

            assertThat(events.list()).hasSize(2).allSatisfy(e -> assertThat(e).isNotInstanceOf(StateChanged.class));
        } finally {
            service.dispose();
        }
    }

    @Test
    void theHotPathPublishesNoEvent() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1));
        Recorder events = new Recorder();
        TokenService service = subscribed(Services.on(fake, clock), events);
        try {
            events.awaitStateChange(Status.RUNNING);
            int before = events.list().size();

            for (int i = 0; i < 10_000; i++) {
                service.token().block(WAIT);
            }

            assertThat(events.list()).hasSize(before);
            assertThat(fake.requests()).isEqualTo(1);
        } finally {
            service.dispose();
        }
    }

    /** On real threads, many times: a subscriber that keeps up sees each request and move once, in order. */
    @Test
    void aSubscriberThatKeepsUpSeesEveryEventOnceAndInOrder() throws Exception {
        Scheduler scheduler = Schedulers.parallel();
        for (int round = 0; round < 200; round++) {
            FakeTokenEndpoint fake = new FakeTokenEndpoint(scheduler, Duration.ofHours(1));
            TokenService service = Services.on(fake, scheduler).build();
            Await.until("RUNNING", () -> service.state().status() == Status.RUNNING);
            CompletableFuture<List<TokenEvent>> seen = service.events().collectList().toFuture();

            fake.then(permanent("invalid_client"));
            service.refresh().onErrorResume(e -> Mono.empty()).block(WAIT);
            service.refresh().block(WAIT);
            service.dispose();

            assertThat(seen.get(10, TimeUnit.SECONDS)).as("round %d", round).map(EventsTest::describe).containsExactly(
                    "started", "finished PERMANENT", "changed RUNNING->UNAUTHENTICATED",
                    "started", "finished SUCCESS", "changed UNAUTHENTICATED->RUNNING",
                    "changed RUNNING->STOPPED");
        }
    }

    @Test
    void aSubscriberWithoutDemandHoldsOnlyTheLatestEvent() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1));
        TokenService service = Services.on(fake, clock).build();
        List<TokenEvent> received = new CopyOnWriteArrayList<>();
        AtomicReference<BaseSubscriber<TokenEvent>> subscriber = new AtomicReference<>();
        service.events().subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
                subscriber.set(this);
            }

            @Override
            protected void hookOnNext(TokenEvent event) {
                received.add(event);
            }
        });
        try {
            for (int i = 0; i < 500; i++) {
                service.refresh().block(WAIT);
            }
            assertThat(received).isEmpty();

            subscriber.get().request(Long.MAX_VALUE);

            assertThat(received).singleElement().isInstanceOf(RequestFinished.class);
        } finally {
            service.dispose();
        }
    }

    private static String describe(TokenEvent event) {
        if (event instanceof RequestStarted) {
            return "started";
        }
        if (event instanceof RequestFinished finished) {
            return "finished " + finished.outcome();
        }
        StateChanged changed = (StateChanged) event;
        return "changed " + changed.from() + "->" + changed.to();
    }

    private static TokenService realService(EmbeddedAuthorizationServer idp, Scheduler clock, Recorder events) {
        return subscribed(TokenService.builder()
                .tokenEndpoint(idp.tokenEndpoint())
                .clientCredentials(CLIENT, SECRET)
                .scheduler(clock), events);
    }

    /**
     * Builds the service with {@code events} subscribed before its first request: {@code build()}
     * starts the first fetch at once, so the service's store holds that fetch back (its first
     * {@code load()} waits) until the recorder is subscribed.
     */
    private static TokenService subscribed(TokenService.Builder builder, Recorder events) {
        Sinks.Empty<Void> gate = Sinks.empty();
        InMemoryCredentialStore memory = InMemoryCredentialStore.empty();
        AtomicBoolean first = new AtomicBoolean(true);
        CredentialStore held = new CredentialStore() {
            @Override
            public Mono<Credential> load() {
                return Mono.defer(() -> first.getAndSet(false) ? gate.asMono().then(memory.load()) : memory.load());
            }

            @Override
            public Mono<Void> save(Credential credential) {
                return memory.save(credential);
            }

            @Override
            public Mono<Void> clear() {
                return memory.clear();
            }

            @Override
            public Flux<Credential> changes() {
                return memory.changes();
            }

            @Override
            public Mono<RefreshLease> acquireRefreshLease() {
                return memory.acquireRefreshLease();
            }

            @Override
            public String describe() {
                return "memory, first load held";
            }
        };
        TokenService service = builder.credentialStore(held).build();
        service.events().subscribe(events);
        gate.tryEmitEmpty();
        return service;
    }

    /** Records every event, with unbounded demand; waits (bounded) for a status change. */
    private static final class Recorder extends BaseSubscriber<TokenEvent> {
        private final List<TokenEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Boolean> completed = new CompletableFuture<>();

        @Override
        protected void hookOnNext(TokenEvent event) {
            events.add(event);
        }

        @Override
        protected void hookOnComplete() {
            completed.complete(true);
        }

        List<TokenEvent> list() {
            return List.copyOf(events);
        }

        <T extends TokenEvent> List<T> of(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }

        StateChanged awaitStateChange(Status to) {
            Await.until("a change to " + to + " in " + events, () -> of(StateChanged.class).stream().anyMatch(c -> c.to() == to));
            return of(StateChanged.class).stream().filter(c -> c.to() == to).findFirst().orElseThrow();
        }
    }
}
