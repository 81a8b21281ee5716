package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.test.TestScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Days of a token endpoint that flaps at random (seeded, so a failure is reproducible) between
 * healthy, 5xx, 429 with Retry-After, an HTML 403 and timeouts, with 100 callers every 30 s, on
 * virtual time. Invariants are checked as it runs. The default run is 7 days and one seed; the
 * {@code soak} profile runs more ({@code -Dtokenflow.soak.days}, {@code -Dtokenflow.soak.seeds}).
 */
class ChaosSoakTest {

    private static final int DAYS = Integer.getInteger("tokenflow.soak.days", 7);
    private static final int SEEDS = Integer.getInteger("tokenflow.soak.seeds", 1);
    private static final int CALLERS = 100;
    private static final Duration TICK = Duration.ofSeconds(30);
    private static final Duration LIFETIME = Duration.ofHours(1);
    private static final RetryPolicy POLICY = RetryPolicy.fromEnvironment(Map.of());

    enum Mode { HEALTHY, SERVER_ERROR, RATE_LIMITED, WAF_PAGE, TIMEOUT }

    @Test
    void aWeekOfAFlappingEndpointKeepsEveryInvariant() {
        for (int seed = 1; seed <= SEEDS; seed++) {
            Report report = soak(seed, Duration.ofDays(DAYS));
            System.out.printf("soak seed=%d days=%d: %s%n", seed, DAYS, report);
            assertThat(report.maxInFlight).as("seed %d: requests in flight at once", seed).isLessThanOrEqualTo(1);
            assertThat(report.expiredHandedOut).as("seed %d: expired tokens handed to callers", seed).isZero();
            assertThat(report.illegalTransitions).as("seed %d: illegal transitions", seed).isEmpty();
            assertThat(report.tooCloseRequests).as("seed %d: requests closer than the policy allows", seed).isZero();
            assertThat(report.leakedTimers).as("seed %d: timers left after dispose", seed).isZero();
            assertThat(report.leakedRequests).as("seed %d: requests left after dispose", seed).isZero();
            assertThat(report.leakedStateSubscriptions).as("seed %d: state subscriptions left", seed).isZero();
            assertThat(report.tokensServed).as("seed %d: callers served", seed).isPositive();
            assertThat(report.fastFailures).as("seed %d: callers failed fast", seed).isPositive();
            assertThat(report.statusesSeen).as("seed %d: statuses visited", seed)
                    .containsKeys(Status.RUNNING, Status.DEGRADED, Status.AUTH_RETRYING);
        }
    }

    private Report soak(long seed, Duration length) {
        Random random = new Random(seed);
        VirtualTimeScheduler virtual = VirtualTimeScheduler.create();
        TestScheduler clock = TestScheduler.delegatingTo(virtual);
        Report report = new Report();
        ChaosEndpoint endpoint = new ChaosEndpoint(clock, random, report);
        TokenService service = TokenService.builder()
                .tokenEndpoint(FakeTokenEndpoint.ENDPOINT)
                .clientCredentials(FakeTokenEndpoint.CLIENT_ID, "soak-secret")
                .scheduler(clock)
                .endpoint(endpoint)
                .build();
        AtomicInteger stateSubscriptions = new AtomicInteger();
        List<Status> seen = new ArrayList<>();
        Disposable watching = service.states()
                .doOnSubscribe(s -> stateSubscriptions.incrementAndGet())
                .doFinally(signal -> stateSubscriptions.decrementAndGet())
                .subscribe(state -> seen.add(state.status()));

        Instant end = now(clock).plus(length);
        Instant nextFlap = now(clock);
        while (now(clock).isBefore(end)) {
            if (!now(clock).isBefore(nextFlap)) {
                endpoint.mode = pickMode(random);
                // Modes last from a minute to about six hours.
                nextFlap = now(clock).plus(Duration.ofSeconds(60 + (long) (random.nextDouble() * random.nextDouble() * 6 * 3600)));
            }
            for (int i = 0; i < CALLERS; i++) {
                service.token().subscribe(token -> {
                    if (token.expiresAt().map(at -> !now(clock).isBefore(at)).orElse(false)) {
                        report.expiredHandedOut++;
                    }
                    report.tokensServed++;
                }, error -> {
                    if (error instanceof TokenUnavailableException) {
                        report.fastFailures++;
                    }
                });
            }
            virtual.advanceTimeBy(TICK);
        }
        service.dispose();
        watching.dispose();
        virtual.advanceTimeBy(Duration.ofDays(1));

        for (int i = 1; i < seen.size(); i++) {
            if (!Transitions.isLegal(seen.get(i - 1), seen.get(i))) {
                report.illegalTransitions.add(seen.get(i - 1) + " -> " + seen.get(i));
            }
        }
        seen.forEach(status -> report.statusesSeen.merge(status, 1, Integer::sum));
        report.leakedTimers = clock.pendingTasks();
        report.leakedRequests = endpoint.inFlight.get();
        report.leakedStateSubscriptions = stateSubscriptions.get();
        virtual.dispose();
        return report;
    }

    private static Mode pickMode(Random random) {
        double p = random.nextDouble();
        return p < 0.5 ? Mode.HEALTHY : Mode.values()[1 + random.nextInt(Mode.values().length - 1)];
    }

    private static Instant now(reactor.core.scheduler.Scheduler clock) {
        return Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS));
    }

    /** The flapping token endpoint: checks the in-flight and spacing invariants on every request. */
    private static final class ChaosEndpoint implements TokenEndpoint {
        private final reactor.core.scheduler.Scheduler clock;
        private final Random random;
        private final Report report;
        private final FakeTokenEndpoint tokens;
        final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicLong lastRequest = new AtomicLong(Long.MIN_VALUE);
        volatile Mode mode = Mode.HEALTHY;

        ChaosEndpoint(reactor.core.scheduler.Scheduler clock, Random random, Report report) {
            this.clock = clock;
            this.random = random;
            this.report = report;
            this.tokens = new FakeTokenEndpoint(clock, LIFETIME);
        }

        @Override
        public Mono<Credential> fetch(@Nullable Credential current) {
            return Mono.defer(() -> {
                long now = clock.now(TimeUnit.MILLISECONDS);
                long previous = lastRequest.getAndSet(now);
                // Between two requests the engine waits at least the short retry's smallest
                // jittered backoff; a success is followed by at least half a token lifetime.
                long minGap = (long) (POLICY.minBackoff().toMillis() * (1 - POLICY.jitter()));
                if (previous != Long.MIN_VALUE && now - previous < minGap) {
                    report.tooCloseRequests++;
                }
                report.requests++;
                report.maxInFlight = Math.max(report.maxInFlight, inFlight.incrementAndGet());
                return answer(current).doFinally(signal -> inFlight.decrementAndGet());
            });
        }

        private Mono<Credential> answer(@Nullable Credential current) {
            Function<@Nullable Credential, Mono<Credential>> answer = switch (mode) {
                case HEALTHY -> tokens.ok(LIFETIME);
                case SERVER_ERROR -> FakeTokenEndpoint.fail(TokenFailure.answer(FailureKind.TRANSIENT,
                        500 + random.nextInt(4), null, null, "HTTP 5xx"));
                case RATE_LIMITED -> FakeTokenEndpoint.rateLimited(Duration.ofSeconds(1 + random.nextInt(180)));
                case WAF_PAGE -> FakeTokenEndpoint.fail(TokenFailure.answer(FailureKind.TRANSIENT, 403, null, null,
                        "HTTP 403 without an OAuth error (text/html)"));
                case TIMEOUT -> tokens.after(Duration.ofSeconds(20), FakeTokenEndpoint.fail(
                        TokenFailure.noAnswer(FailureKind.TRANSIENT, "no answer from the token endpoint: timeout")));
            };
            return answer.apply(current);
        }

        @Override
        public java.net.URI endpoint() {
            return FakeTokenEndpoint.ENDPOINT;
        }

        /** As the confidential client it stands in for. */
        @Override
        public boolean hasOwnGrant() {
            return true;
        }

        @Override
        public Mono<Credential> fetchWithOwnGrant(Credential current) {
            return fetch(current.toBuilder().refreshToken(null).build());
        }

        @Override
        public String clientId() {
            return FakeTokenEndpoint.CLIENT_ID;
        }

        @Override
        public void dispose() {
        }
    }

    private static final class Report {
        int requests;
        int maxInFlight;
        long tokensServed;
        long fastFailures;
        int expiredHandedOut;
        int tooCloseRequests;
        int leakedTimers;
        int leakedRequests;
        int leakedStateSubscriptions;
        final List<String> illegalTransitions = new ArrayList<>();
        final Map<Status, Integer> statusesSeen = new EnumMap<>(Status.class);

        @Override
        public String toString() {
            return "requests=" + requests + ", maxInFlight=" + maxInFlight + ", tokensServed=" + tokensServed
                    + ", fastFailures=" + fastFailures + ", expiredHandedOut=" + expiredHandedOut
                    + ", tooCloseRequests=" + tooCloseRequests + ", transitions=" + statusesSeen
                    + ", leakedTimers=" + leakedTimers + ", leakedRequests=" + leakedRequests
                    + ", leakedStateSubscriptions=" + leakedStateSubscriptions;
        }
    }
}
