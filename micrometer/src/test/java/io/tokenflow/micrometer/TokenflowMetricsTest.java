package io.tokenflow.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenEvent;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.InMemoryCredentialStore;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.ScriptedAnswer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The meters and observations of a scripted run against a real authorization server on loopback:
 * a refresh, a refresh through two 503s (the short retry), an {@code invalid_grant}, the way back
 * and the stop. Counts are exact, per tag set. The service runs on virtual time, and so does the
 * registry's clock.
 */
class TokenflowMetricsTest {

    private static final String CLIENT_ID = "metrics-client";
    private static final Instant T0 = Instant.parse("2026-11-22T14:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder()
            .publicClient(CLIENT_ID)
            .tokenLifetime(Duration.ofHours(1))
            .start();
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, new VirtualClock(clock));
    private final List<TokenEvent> events = new CopyOnWriteArrayList<>();
    private TokenService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.dispose();
        }
        idp.close();
        clock.dispose();
    }

    @Test
    void aScriptedRunCountsEachRequestAndTransitionUnderItsTags() {
        startRunningService();
        TokenflowMetrics.of(Map.of("orders", service)).bindTo(meters);

        scriptedRun();

        assertThat(timerCounts()).isEqualTo(Map.of(
                "refresh_token/success/none", 3L,
                "refresh_token/transient/http_503", 2L,
                "refresh_token/permanent/invalid_grant", 1L));
        assertThat(transitionCounts()).isEqualTo(Map.of(
                "running->unauthenticated", 1.0,
                "unauthenticated->running", 1.0,
                "running->stopped", 1.0));
        assertThat(meters.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTag("client")).isEqualTo("orders"));
    }

    @Test
    void theStateGaugesFollowTheService() {
        startRunningService();
        TokenflowMetrics.of(Map.of("orders", service)).bindTo(meters);

        assertThat(stateGauges()).isEqualTo(oneHot("running"));
        assertThat(gauge(ServiceMeters.EXPIRY)).isEqualTo(3600.0);
        clock.advanceTimeBy(Duration.ofSeconds(90));
        assertThat(gauge(ServiceMeters.EXPIRY)).isEqualTo(3510.0);
        assertThat(gauge(ServiceMeters.FAILURES)).isZero();

        idp.script(ScriptedAnswer.oauthError(400, "invalid_grant"));
        service.refresh().onErrorResume(e -> Mono.empty()).block(WAIT);

        assertThat(stateGauges()).isEqualTo(oneHot("unauthenticated"));
        assertThat(gauge(ServiceMeters.EXPIRY)).isNaN();
        assertThat(gauge(ServiceMeters.FAILURES)).isEqualTo(1.0);
        assertThat(meters.get(ServiceMeters.EXPIRY).timeGauge().getId().getBaseUnit()).isEqualTo("seconds");
    }

    @Test
    void withAnObservationRegistryEachRequestIsAnObservationFromItsStartToItsEnd() {
        startRunningService();
        TestObservationRegistry observations = TestObservationRegistry.create();
        List<String> lifecycle = new CopyOnWriteArrayList<>();
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                lifecycle.add("start " + context.getName());
            }

            @Override
            public void onStop(Observation.Context context) {
                lifecycle.add("stop " + context.getLowCardinalityKeyValue("outcome").getValue());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        TokenflowMetrics.of(Map.of("orders", service)).withObservationRegistry(observations).bindTo(meters);

        scriptedRun();

        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo(ServiceMeters.OBSERVATION, 6)
                .forAllObservationsWithNameEqualTo(ServiceMeters.OBSERVATION, observation -> observation
                        .hasLowCardinalityKeyValue("client", "orders")
                        .hasLowCardinalityKeyValue("grant", "refresh_token")
                        .hasLowCardinalityKeyValueWithKey("outcome"))
                .hasHandledContextsThatSatisfy(contexts -> {
                    assertThat(contexts).extracting(context -> context.getLowCardinalityKeyValue("outcome").getValue())
                            .containsExactly("success", "transient", "transient", "success", "permanent", "success");
                    assertThat(contexts).filteredOn(context -> !"success".equals(context.getLowCardinalityKeyValue("outcome").getValue()))
                            .allSatisfy(context -> assertThat(context.getError()).isNotNull()
                                    .hasMessageStartingWith("token request failed: TokenFailure["));
                    assertThat(contexts).filteredOn(context -> "success".equals(context.getLowCardinalityKeyValue("outcome").getValue()))
                            .allSatisfy(context -> assertThat(context.getError()).isNull());
                });
        assertThat(lifecycle).containsExactly(
                "start tokenflow.token.request", "stop success",
                "start tokenflow.token.request", "stop transient",
                "start tokenflow.token.request", "stop transient",
                "start tokenflow.token.request", "stop success",
                "start tokenflow.token.request", "stop permanent",
                "start tokenflow.token.request", "stop success");
    }

    @Test
    void aRequestCutShortByDisposeIsAnObservationStoppedAsCancelled() {
        startRunningService();
        TestObservationRegistry observations = TestObservationRegistry.create();
        TokenflowMetrics.of(Map.of("orders", service)).withObservationRegistry(observations).bindTo(meters);

        var hold = idp.holdNextRequest();
        service.refresh().subscribe(token -> { }, error -> { });
        hold.awaitHeld(WAIT);
        service.dispose();

        TestObservationRegistryAssert.assertThat(observations).hasSingleObservationThat()
                .hasBeenStopped()
                .hasLowCardinalityKeyValue("outcome", "cancelled");
        assertThat(meters.find(ServiceMeters.REQUESTS).timers()).isEmpty();
    }

    @Test
    void anUnregisteredOAuthErrorCountsUnderItsHttpStatus() {
        startRunningService();
        TokenflowMetrics.of(Map.of("orders", service)).bindTo(meters);

        // A 4xx whose error is not one of RFC 6749's token errors is transient (a gateway's page, say).
        idp.script(ScriptedAnswer.oauthError(400, "made_up_" + System.identityHashCode(this)));
        var refreshing = service.refresh().toFuture();
        advanceUntil("the retry after the made-up error", refreshing::isDone);

        assertThat(timerCounts()).isEqualTo(Map.of("refresh_token/transient/http_400", 1L, "refresh_token/success/none", 1L));
    }

    @Test
    void namedClientsAreMeteredEachUnderItsName() {
        TokenServices clients = TokenServices.builder()
                .client("orders", c -> c.tokenEndpoint(idp.tokenEndpoint()).clientId(CLIENT_ID).refreshToken(idp.issueRefreshToken(CLIENT_ID)))
                .client("billing", c -> c.tokenEndpoint(idp.tokenEndpoint()).clientId(CLIENT_ID).refreshToken(idp.issueRefreshToken(CLIENT_ID)))
                .build();
        try {
            TokenflowMetrics metrics = TokenflowMetrics.of(clients);
            metrics.bindTo(meters);

            assertThat(meters.find(ServiceMeters.STATE).gauges()).extracting(g -> g.getId().getTag("client"))
                    .containsOnly("orders", "billing");
            assertThat(meters.find(ServiceMeters.EXPIRY).timeGauges()).hasSize(2);
            assertThat(metrics).hasToString("TokenflowMetrics[orders, billing]");
        } finally {
            clients.dispose();
        }
    }

    @Test
    void aBlankNameIsRefused() {
        startRunningService();
        assertThatThrownBy(() -> TokenflowMetrics.of(Map.of(" ", service)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
    }

    /**
     * A refresh; a refresh through two 503s (the short retry waits 1 s, then 2 s); an
     * {@code invalid_grant} (to UNAUTHENTICATED); a refresh that succeeds (back to RUNNING); the stop.
     */
    private void scriptedRun() {
        service.refresh().block(WAIT);

        idp.script(ScriptedAnswer.status(503), ScriptedAnswer.status(503));
        var refreshing = service.refresh().toFuture();
        advanceUntil("two retries after two 503s", () -> idp.tokenRequests() == 4 && refreshing.isDone());

        idp.script(ScriptedAnswer.oauthError(400, "invalid_grant"));
        service.refresh().onErrorResume(e -> Mono.empty()).block(WAIT);
        assertThat(service.state().status()).isEqualTo(Status.UNAUTHENTICATED);

        service.refresh().block(WAIT);
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        service.dispose();
        Await.until("every event delivered", () -> events.size() == 15);
    }

    /** RUNNING from a stored token, without a request: what is counted starts with the run. */
    private void startRunningService() {
        clock.advanceTimeTo(T0);
        Credential stored = Credential.builder()
                .accessToken(AccessToken.of("at-stored", "Bearer", T0.plus(Duration.ofHours(1)), Set.of()))
                .refreshToken(idp.issueRefreshToken(CLIENT_ID))
                .build();
        service = TokenService.builder()
                .tokenEndpoint(idp.tokenEndpoint())
                .clientId(CLIENT_ID)
                .credentialStore(InMemoryCredentialStore.of(stored))
                .scheduler(clock)
                .retryPolicy(RetryPolicy.defaults().withJitter(0).withMinBackoff(Duration.ofSeconds(1)))
                .refreshJitter(0)
                .build();
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(idp.tokenRequests()).isZero();
        service.events().subscribe(events::add);
    }

    /** Moves the virtual clock a second at a time until {@code condition} holds: the retry delays start when the answers arrive. */
    private void advanceUntil(String what, java.util.function.BooleanSupplier condition) {
        Await.until(what, () -> {
            if (condition.getAsBoolean()) {
                return true;
            }
            clock.advanceTimeBy(Duration.ofSeconds(1));
            return false;
        });
    }

    /** {@code grant/outcome/error} of every request timer, with its count. */
    private Map<String, Long> timerCounts() {
        return meters.find(ServiceMeters.REQUESTS).timers().stream().collect(Collectors.toMap(
                timer -> timer.getId().getTag("grant") + "/" + timer.getId().getTag("outcome") + "/" + timer.getId().getTag("error"),
                Timer::count, Long::sum, TreeMap::new));
    }

    private Map<String, Double> transitionCounts() {
        return meters.find(ServiceMeters.TRANSITIONS).counters().stream().collect(Collectors.toMap(
                counter -> counter.getId().getTag("from") + "->" + counter.getId().getTag("to"),
                counter -> counter.count(), Double::sum, TreeMap::new));
    }

    private Map<String, Double> stateGauges() {
        return meters.find(ServiceMeters.STATE).gauges().stream().collect(Collectors.toMap(
                gauge -> gauge.getId().getTag("status"), gauge -> gauge.value(), Double::sum, TreeMap::new));
    }

    private static Map<String, Double> oneHot(String status) {
        Map<String, Double> expected = new TreeMap<>();
        for (Status s : Status.values()) {
            String name = s.name().toLowerCase(java.util.Locale.ROOT);
            expected.put(name, name.equals(status) ? 1.0 : 0.0);
        }
        return expected;
    }

    private double gauge(String name) {
        Meter meter = meters.get(name).meter();
        return meter.measure().iterator().next().getValue();
    }

    /** The registry's clock is the service's virtual one. */
    private static final class VirtualClock implements Clock {
        private final VirtualTimeScheduler scheduler;

        VirtualClock(VirtualTimeScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public long wallTime() {
            return scheduler.now(TimeUnit.MILLISECONDS);
        }

        @Override
        public long monotonicTime() {
            return scheduler.now(TimeUnit.NANOSECONDS);
        }
    }
}
