package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenflow.core.FailureKind;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenFailure;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.http.StatusRoutes.Watched;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.ScriptedAnswer;
import io.tokenflow.test.SecretScan;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.test.scheduler.VirtualTimeScheduler;

class StatusRoutesTest {

    private static final Instant T0 = Instant.parse("2026-11-22T14:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Transient. */
    private static final ScriptedAnswer UNAVAILABLE = ScriptedAnswer.json(503, "{\"error\":\"temporarily_unavailable\"}");
    /** Permanent. */
    private static final ScriptedAnswer INVALID_CLIENT = ScriptedAnswer.json(401,
            "{\"error\":\"invalid_client\",\"error_description\":\"bad client secret\"}");

    private VirtualTimeScheduler clock;
    private final List<DisposableServer> servers = new ArrayList<>();
    private final List<TokenService> services = new ArrayList<>();
    private final List<EmbeddedAuthorizationServer> endpoints = new ArrayList<>();

    @BeforeEach
    void start() {
        clock = VirtualTimeScheduler.create();
        clock.advanceTimeTo(T0);
    }

    @AfterEach
    void stop() {
        services.forEach(TokenService::dispose);
        servers.forEach(DisposableServer::disposeNow);
        endpoints.forEach(EmbeddedAuthorizationServer::close);
        clock.dispose();
    }

    private DisposableServer serve(StatusRoutes routes) {
        DisposableServer server = Http.serve(routes);
        servers.add(server);
        return server;
    }

    /** Routes over fixed states, on the virtual clock. */
    private DisposableServer serve(Map<String, WorkloadState> states) {
        List<Watched> watched = new ArrayList<>();
        states.forEach((name, state) -> watched.add(new Watched(name, () -> state, Flux.just(state))));
        return serve(StatusRoutes.watching(watched).withScheduler(clock));
    }

    private static WorkloadState state(Status status, Optional<Instant> nextAttemptAt) {
        return new WorkloadState(status, T0.minusSeconds(60), Optional.empty(), Optional.empty(), nextAttemptAt, 0);
    }

    /**
     * A service on the virtual clock whose token endpoint answers from a script first, then with
     * tokens that live an hour.
     */
    private TokenService service(ScriptedAnswer... answers) {
        EmbeddedAuthorizationServer endpoint = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .start();
        endpoint.script(answers);
        endpoints.add(endpoint);
        TokenService service = TokenService.builder()
                .tokenEndpoint(endpoint.tokenEndpoint())
                .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .scheduler(clock)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0).withAuthRetryingInterval(Duration.ofSeconds(60)))
                .build();
        services.add(service);
        return service;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    @Test
    void statusListsEveryServiceInMapOrderWithEveryField() {
        WorkloadState failing = new WorkloadState(Status.AUTH_RETRYING, T0.minusSeconds(90), Optional.empty(),
                Optional.of(TokenFailure.answer(FailureKind.TRANSIENT, 503, null, Duration.ofSeconds(30), "token endpoint answered 503")),
                Optional.of(T0.plusSeconds(600)), 6);
        WorkloadState running = new WorkloadState(Status.RUNNING, T0.minusSeconds(3600), Optional.of(T0.plusSeconds(1800)),
                Optional.empty(), Optional.empty(), 0);
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("orders", failing);
        states.put("billing", running);

        Http.Reply reply = Http.get(serve(states), "/status");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(json(reply.body())).isEqualTo(json("""
                [{"name": "orders", "status": "AUTH_RETRYING", "since": "2026-11-22T13:58:30Z", "tokenExpiresAt": null,
                  "lastFailure": {"kind": "TRANSIENT", "httpStatus": 503, "oauthError": null,
                                  "message": "token endpoint answered 503", "remediation": null},
                  "nextAttemptAt": "2026-11-22T14:10:00Z", "consecutiveFailures": 6},
                 {"name": "billing", "status": "RUNNING", "since": "2026-11-22T13:00:00Z",
                  "tokenExpiresAt": "2026-11-22T14:30:00Z", "lastFailure": null, "nextAttemptAt": null,
                  "consecutiveFailures": 0}]
                """));
    }

    @Test
    void aFailureWithoutAnswerHasANullHttpStatus() {
        WorkloadState unauthenticated = new WorkloadState(Status.UNAUTHENTICATED, T0, Optional.empty(),
                Optional.of(TokenFailure.noAnswer(FailureKind.PERMANENT, "certificate rejected")), Optional.empty(), 1);

        JsonNode failure = json(Http.get(serve(Map.of("orders", unauthenticated)), "/status").body()).get(0).get("lastFailure");

        assertThat(failure.get("kind").asText()).isEqualTo("PERMANENT");
        assertThat(failure.get("httpStatus").isNull()).isTrue();
        assertThat(failure.get("message").asText()).isEqualTo("certificate rejected");
    }

    @Test
    void statusReportsTheCurrentStateOfRealServices() {
        Map<String, TokenService> map = new LinkedHashMap<>();
        map.put("orders", service());
        map.put("billing", service(INVALID_CLIENT));
        States.await(map.get("orders"), Status.RUNNING);
        States.await(map.get("billing"), Status.UNAUTHENTICATED);

        JsonNode status = json(Http.get(serve(StatusRoutes.of(map).withScheduler(clock)), "/status").body());

        assertThat(status.get(0).get("name").asText()).isEqualTo("orders");
        assertThat(status.get(0).get("status").asText()).isEqualTo("RUNNING");
        assertThat(status.get(0).get("tokenExpiresAt").asText()).isEqualTo("2026-11-22T15:00:00Z");
        assertThat(status.get(1).get("name").asText()).isEqualTo("billing");
        assertThat(status.get(1).get("status").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(status.get(1).get("lastFailure").get("oauthError").asText()).isEqualTo("invalid_client");
    }

    @Test
    void aRegistryIsListedUnderItsClientNamesInTheOrderTheyWereDeclared() {
        EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("reg-client", "reg-secret").start();
        endpoints.add(idp);
        TokenServices clients = TokenServices.builder()
                .client("shipping", c -> c.tokenEndpoint(idp.tokenEndpoint()).clientCredentials("reg-client", "reg-secret"))
                .client("audit", c -> c.tokenEndpoint(idp.tokenEndpoint()).clientCredentials("reg-client", "reg-secret"))
                .build();
        try {
            States.await(clients.get("shipping"), Status.RUNNING);
            States.await(clients.get("audit"), Status.RUNNING);

            JsonNode status = json(Http.get(serve(StatusRoutes.of(clients)), "/status").body());

            assertThat(status).extracting(n -> n.get("name").asText()).containsExactly("shipping", "audit");
            assertThat(status).extracting(n -> n.get("status").asText()).containsOnly("RUNNING");
        } finally {
            clients.dispose();
        }
    }

    @Test
    void noResponseContainsTheTokenOrTheClientSecret() {
        Map<String, TokenService> map = new LinkedHashMap<>();
        map.put("orders", service());
        map.put("billing", service(INVALID_CLIENT));
        States.await(map.get("orders"), Status.RUNNING);
        States.await(map.get("billing"), Status.UNAUTHENTICATED);
        DisposableServer server = serve(StatusRoutes.of(map).withScheduler(clock));

        try (SecretScan scan = SecretScan.attach()) {
            scan.basicCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET);
            scan.secret("access token", map.get("orders").token().block(Await.DEFAULT_TIMEOUT).value());
            List<String> bodies = new ArrayList<>();
            bodies.add(Http.get(server, "/status").body());
            bodies.add(Http.get(server, "/health").body());
            Sse.events(Http.client(server), "/status/stream").take(2).map(event -> String.valueOf(event.data()))
                    .toIterable().forEach(bodies::add);
            bodies.forEach(body -> scan.text("response body", body));

            assertThat(bodies).hasSize(4).allSatisfy(body -> assertThat(body).contains("\"status\""));
            assertThat(scan.secretKinds()).containsKeys("client secret", "access token");
            assertThat(scan.findings()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Status.class)
    void healthMapsEveryStatus(Status status) {
        Optional<Instant> next = status == Status.DEGRADED || status == Status.AUTH_RETRYING
                ? Optional.of(T0.plusSeconds(600)) : Optional.empty();
        DisposableServer server = serve(Map.of("orders", state(status, next)));

        Http.Reply reply = Http.get(server, "/health");

        String expectedRetryAfter = switch (status) {
            case RUNNING, DEGRADED -> null;
            case STARTING -> "5";
            case AUTH_RETRYING -> "600";
            case UNAUTHENTICATED, STOPPED -> "60";
        };
        assertThat(reply.status()).isEqualTo(status.servesTokens() ? 200 : 503);
        assertThat(reply.headers().get("Retry-After")).isEqualTo(expectedRetryAfter);
        JsonNode body = json(reply.body());
        assertThat(body.get("healthy").asBoolean()).isEqualTo(status.servesTokens());
        assertThat(body.get("services").get(0).get("status").asText()).isEqualTo(status.name());
    }

    @Test
    void healthIs503WhenAnyServiceServesNoToken() {
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("orders", state(Status.RUNNING, Optional.empty()));
        states.put("billing", state(Status.AUTH_RETRYING, Optional.of(T0.plusSeconds(30))));

        Http.Reply reply = Http.get(serve(states), "/health");

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.headers().get("Retry-After")).isEqualTo("30");
        assertThat(json(reply.body()).get("services")).hasSize(2);
    }

    @Test
    void retryAfterIsTheEarliestAttemptOfAFailingServiceRoundedUpToWholeSeconds() {
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("a", state(Status.AUTH_RETRYING, Optional.of(T0.plusSeconds(100))));
        states.put("b", state(Status.AUTH_RETRYING, Optional.of(T0.plusMillis(39_200))));
        // Serving tokens: its next attempt does not count.
        states.put("c", state(Status.DEGRADED, Optional.of(T0.plusSeconds(2))));

        assertThat(Http.get(serve(states), "/health").headers().get("Retry-After")).isEqualTo("40");
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        assertThat(StatusRoutes.retryAfterSeconds(List.of(new StatusJson.Named("a",
                state(Status.AUTH_RETRYING, Optional.of(T0.minusSeconds(5))))), T0)).isEqualTo(1);
        assertThat(StatusRoutes.retryAfterSeconds(List.of(new StatusJson.Named("a",
                state(Status.AUTH_RETRYING, Optional.of(T0.plusMillis(1))))), T0)).isEqualTo(1);
    }

    @Test
    void aScheduledAttemptWinsOverTheUnscheduledDefaults() {
        List<StatusJson.Named> states = List.of(
                new StatusJson.Named("a", state(Status.UNAUTHENTICATED, Optional.empty())),
                new StatusJson.Named("b", state(Status.STARTING, Optional.empty())),
                new StatusJson.Named("c", state(Status.AUTH_RETRYING, Optional.of(T0.plusSeconds(300)))));

        assertThat(StatusRoutes.retryAfterSeconds(states, T0)).isEqualTo(300);
        assertThat(StatusRoutes.retryAfterSeconds(states.subList(0, 2), T0)).isEqualTo(StatusRoutes.STARTING_RETRY_AFTER_SECONDS);
    }

    @Test
    void retryAfterOfARealServiceCountsDownOnTheServicesClock() {
        TokenService service = service(UNAVAILABLE);
        States.await(service, Status.AUTH_RETRYING);
        DisposableServer server = serve(StatusRoutes.of(Map.of("orders", service)).withScheduler(clock));

        Http.Reply first = Http.get(server, "/health");
        clock.advanceTimeBy(Duration.ofMillis(20_500));
        Http.Reply later = Http.get(server, "/health");

        assertThat(first.status()).isEqualTo(503);
        assertThat(first.headers().get("Retry-After")).isEqualTo("60");
        assertThat(later.headers().get("Retry-After")).isEqualTo("40");
    }

    @Test
    void healthNamesTheServicesThatAreDown() {
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("orders", state(Status.RUNNING, Optional.empty()));
        states.put("billing", state(Status.AUTH_RETRYING, Optional.of(T0.plusSeconds(30))));
        states.put("search", state(Status.UNAUTHENTICATED, Optional.empty()));

        JsonNode body = json(Http.get(serve(states), "/health").body());

        assertThat(body.get("down")).extracting(JsonNode::asText).containsExactly("billing", "search");
        assertThat(json(Http.get(serve(Map.of("orders", state(Status.RUNNING, Optional.empty()))), "/health").body())
                .get("down")).isEmpty();
    }

    @Test
    void healthOfOneServiceAnswersForThatServiceAlone() {
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("orders", state(Status.RUNNING, Optional.empty()));
        states.put("billing", state(Status.AUTH_RETRYING, Optional.of(T0.plusSeconds(30))));
        DisposableServer server = serve(states);

        Http.Reply orders = Http.get(server, "/health/orders");
        Http.Reply billing = Http.get(server, "/health/billing");

        assertThat(orders.status()).isEqualTo(200);
        assertThat(orders.headers().get("Retry-After")).isNull();
        assertThat(json(orders.body()).get("services")).singleElement()
                .satisfies(service -> assertThat(service.get("name").asText()).isEqualTo("orders"));
        assertThat(billing.status()).isEqualTo(503);
        assertThat(billing.headers().get("Retry-After")).isEqualTo("30");
        assertThat(json(billing.body()).get("down")).extracting(JsonNode::asText).containsExactly("billing");
    }

    @Test
    void healthOfAPercentEncodedNameFindsTheService() {
        DisposableServer server = serve(Map.of("orders api", state(Status.RUNNING, Optional.empty())));

        assertThat(Http.get(server, "/health/orders%20api").status()).isEqualTo(200);
    }

    @Test
    void healthOfAnUnknownNameIs404NamingTheKnownOnes() {
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("orders", state(Status.RUNNING, Optional.empty()));
        states.put("billing", state(Status.RUNNING, Optional.empty()));

        Http.Reply reply = Http.get(serve(states), "/health/shipping");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(json(reply.body())).isEqualTo(json("""
                {"error": "no service named 'shipping'", "services": ["orders", "billing"]}
                """));
    }

    @Test
    void headOnTheHealthRoutesAnswersTheStatusAndHeadersOfGetWithoutTheBody() {
        Map<String, WorkloadState> states = new LinkedHashMap<>();
        states.put("orders", state(Status.RUNNING, Optional.empty()));
        states.put("billing", state(Status.AUTH_RETRYING, Optional.of(T0.plusSeconds(30))));
        DisposableServer server = serve(states);

        for (String path : List.of("/health", "/health/orders", "/health/billing", "/health/shipping")) {
            Http.Reply get = Http.get(server, path);
            Http.Reply head = Http.head(server, path);

            assertThat(head.status()).as("HEAD %s", path).isEqualTo(get.status());
            assertThat(head.headers().get("Retry-After")).as("HEAD %s", path).isEqualTo(get.headers().get("Retry-After"));
            assertThat(head.headers().get("Content-Type")).as("HEAD %s", path).isEqualTo("application/json");
            assertThat(head.headers().get("Content-Length")).as("HEAD %s", path)
                    .isEqualTo(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
            assertThat(head.body()).as("HEAD %s", path).isEmpty();
        }
    }

    /** A wrong token endpoint path: its hint is in /status and in the SSE event of the move. */
    @Test
    void theRemediationHintIsInTheStatusJsonAndTheStreamEvents() {
        EmbeddedAuthorizationServer endpoint = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .start();
        endpoints.add(endpoint);
        URI wrong = endpoint.issuer().resolve("/oauth/token");
        TokenService service = TokenService.builder()
                .tokenEndpoint(wrong)
                .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .scheduler(clock)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0))
                .build();
        services.add(service);
        States.await(service, Status.AUTH_RETRYING);
        DisposableServer server = serve(StatusRoutes.of(Map.of("orders", service)).withScheduler(clock));

        JsonNode status = json(Http.get(server, "/status").body()).get(0).get("lastFailure");
        JsonNode event = json(String.valueOf(Sse.events(Http.client(server), "/status/stream").blockFirst(Await.DEFAULT_TIMEOUT)
                .data())).get("lastFailure");

        String hint = "check the token endpoint URL " + wrong + ": HTTP 404 means nothing takes token requests (POST) at that path";
        assertThat(status.get("httpStatus").asInt()).isEqualTo(404);
        assertThat(status.get("remediation").asText()).startsWith(hint);
        assertThat(event.get("remediation").asText()).startsWith(hint);
    }

    @Test
    void otherPathsAreNotServed() {
        DisposableServer server = serve(Map.of("orders", state(Status.RUNNING, Optional.empty())));

        assertThat(Http.get(server, "/status/other").status()).isEqualTo(404);
        assertThat(Http.get(server, "/").status()).isEqualTo(404);
    }

    @Test
    void anEmptyMapIsRejected() {
        assertThatThrownBy(() -> StatusRoutes.of(Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBlankNameIsRejected() {
        TokenService service = service();

        assertThatThrownBy(() -> StatusRoutes.of(Map.of(" ", service))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHeartbeatMustBePositive() {
        StatusRoutes routes = StatusRoutes.watching(List.of(new Watched("a", () -> state(Status.RUNNING, Optional.empty()), Flux.never())));

        assertThatThrownBy(() -> routes.withHeartbeat(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> routes.withHeartbeat(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
