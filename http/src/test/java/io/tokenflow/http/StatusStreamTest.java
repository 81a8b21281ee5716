package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.http.StatusRoutes.Watched;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RequestHold;
import io.tokenflow.test.ScriptedAnswer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@code GET /status/stream} read as real SSE text by Reactor Netty clients. Services run on a
 * virtual clock; their token requests are real HTTP to an embedded authorization server, so each
 * step waits (bounded) for the state it causes before the clock moves on.
 */
class StatusStreamTest {

    private static final Instant T0 = Instant.parse("2026-11-22T14:00:00Z");
    /** Transient: the service keeps its token while it lasts. */
    private static final ScriptedAnswer UNAVAILABLE = ScriptedAnswer.json(503, "{\"error\":\"temporarily_unavailable\"}");
    private static final List<String> THROUGH_A_FAILURE = List.of("STARTING", "RUNNING", "DEGRADED", "AUTH_RETRYING", "RUNNING");

    private VirtualTimeScheduler clock;
    private EmbeddedAuthorizationServer endpoint;
    private TokenService service;
    private DisposableServer server;
    private final List<Client> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        clock = VirtualTimeScheduler.create();
        clock.advanceTimeTo(T0);
        endpoint = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .tokenLifetime(Duration.ofSeconds(100))
                .start();
    }

    @AfterEach
    void stop() {
        clients.forEach(Client::disconnect);
        if (service != null) {
            service.dispose();
        }
        if (server != null) {
            server.disposeNow();
        }
        endpoint.close();
        clock.dispose();
    }

    /** One SSE connection; keeps every event it received. */
    private static final class Client {
        final ConnectableFlux<Sse.Event> events;
        final Disposable connection;

        Client(HttpClient http) {
            this.events = Sse.events(http, "/status/stream").replay();
            this.connection = events.connect();
        }

        /** The first {@code n} state events, waiting for them (bounded). */
        List<Sse.Event> states(int n) {
            return events.filter(Sse.Event::isState).take(n).collectList().block(Await.DEFAULT_TIMEOUT);
        }

        Sse.Event nextHeartbeat(int skip) {
            return events.filter(Sse.Event::isHeartbeat).skip(skip).next().block(Await.DEFAULT_TIMEOUT);
        }

        void disconnect() {
            connection.dispose();
        }
    }

    /**
     * A service on the virtual clock. Tokens live 100 s: refresh at +50 s, expired at +90 s (10 s
     * margin). No short retry; the next attempt comes 60 s after a failure.
     */
    private TokenService service() {
        return TokenService.builder()
                .tokenEndpoint(endpoint.tokenEndpoint())
                .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .scheduler(clock)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0)
                        .withDegradedRetryInterval(Duration.ofSeconds(60))
                        .withAuthRetryingInterval(Duration.ofSeconds(60)))
                .refreshJitter(0)
                .build();
    }

    private void serve(StatusRoutes routes) {
        server = Http.serve(routes);
    }

    private Client connect() {
        Client client = new Client(Http.client(server));
        clients.add(client);
        return client;
    }

    private List<Client> connect(int n) {
        List<Client> connected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            connected.add(connect());
        }
        return connected;
    }

    /**
     * Connects {@code n} clients while the service is STARTING, then drives it through
     * RUNNING, DEGRADED, AUTH_RETRYING and back to RUNNING.
     */
    private List<Client> connectThenDriveThroughAFailure(int n) {
        RequestHold first = endpoint.holdNextRequest();
        service = service();
        serve(StatusRoutes.of(Map.of("orders", service)).withScheduler(clock));
        List<Client> connected = connect(n);
        connected.forEach(client -> assertThat(client.states(1)).extracting(Sse.Event::status).containsExactly("STARTING"));

        first.release();
        States.await(service, Status.RUNNING);

        endpoint.script(UNAVAILABLE);
        clock.advanceTimeBy(Duration.ofSeconds(50));
        States.await(service, Status.DEGRADED);

        clock.advanceTimeBy(Duration.ofSeconds(40));
        States.await(service, Status.AUTH_RETRYING);

        clock.advanceTimeBy(Duration.ofSeconds(20));
        States.await(service, Status.RUNNING);
        return connected;
    }

    @Test
    void theStreamIsServerSentEvents() {
        service = service();
        serve(StatusRoutes.of(Map.of("orders", service)).withScheduler(clock));

        Http.Reply head = Http.client(server).get().uri("/status/stream")
                .response((response, body) -> Mono.just(new Http.Reply(response.status().code(), response.responseHeaders(), "")))
                .next()
                .block(Await.DEFAULT_TIMEOUT);

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).startsWith("text/event-stream");
        assertThat(head.headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("no-cache");
    }

    @Test
    void aClientConnectedBeforeAFailureSeesEveryTransitionInOrder() {
        Client client = connectThenDriveThroughAFailure(1).get(0);

        List<Sse.Event> states = client.states(5);

        assertThat(states).extracting(Sse.Event::status).containsExactlyElementsOf(THROUGH_A_FAILURE);
        assertThat(states).extracting(Sse.Event::id).containsExactly("1", "2", "3", "4", "5");
        assertThat(states).extracting(Sse.Event::name).containsOnly("orders");
        assertThat(states.get(3).data()).contains("\"lastFailure\":{\"kind\":\"TRANSIENT\",\"httpStatus\":503");
    }

    @Test
    void aHundredConcurrentClientsAllSeeEveryEvent() {
        List<Client> hundred = connectThenDriveThroughAFailure(100);

        for (Client client : hundred) {
            assertThat(client.states(5)).extracting(Sse.Event::status).containsExactlyElementsOf(THROUGH_A_FAILURE);
        }
    }

    @Test
    void aClientConnectingLaterStartsWithTheCurrentState() {
        connectThenDriveThroughAFailure(1);

        Client late = connect();

        assertThat(late.states(1)).extracting(Sse.Event::status, Sse.Event::id).containsExactly(org.assertj.core.groups.Tuple.tuple("RUNNING", "1"));
    }

    @Test
    void eventsOfEveryServiceCarryTheirNameAndIdsCountUpPerConnection() {
        Sinks.Many<WorkloadState> orders = Sinks.many().replay().latest();
        Sinks.Many<WorkloadState> billing = Sinks.many().replay().latest();
        orders.tryEmitNext(state(Status.RUNNING));
        billing.tryEmitNext(state(Status.STARTING));
        serve(StatusRoutes.watching(List.of(
                new Watched("orders", () -> state(Status.RUNNING), orders.asFlux()),
                new Watched("billing", () -> state(Status.STARTING), billing.asFlux()))));
        Client client = connect();
        client.states(2);

        billing.tryEmitNext(state(Status.AUTH_RETRYING));
        orders.tryEmitNext(state(Status.DEGRADED));
        List<Sse.Event> states = client.states(4);

        assertThat(states.subList(0, 2)).extracting(Sse.Event::name).containsExactlyInAnyOrder("orders", "billing");
        assertThat(states.subList(2, 4)).extracting(Sse.Event::name, Sse.Event::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("billing", "AUTH_RETRYING"),
                org.assertj.core.groups.Tuple.tuple("orders", "DEGRADED"));
        assertThat(states).extracting(Sse.Event::id).containsExactly("1", "2", "3", "4");
    }

    @Test
    void aHeartbeatCommentIsSentEveryConfiguredInterval() {
        Sinks.Many<WorkloadState> orders = Sinks.many().replay().latest();
        orders.tryEmitNext(state(Status.RUNNING));
        serve(StatusRoutes.watching(List.of(new Watched("orders", () -> state(Status.RUNNING), orders.asFlux())))
                .withHeartbeat(Duration.ofSeconds(5))
                .withScheduler(clock));
        Client client = connect();
        client.states(1);

        clock.advanceTimeBy(Duration.ofSeconds(5));
        Sse.Event first = client.nextHeartbeat(0);
        clock.advanceTimeBy(Duration.ofSeconds(5));
        Sse.Event second = client.nextHeartbeat(1);

        assertThat(first.comments()).containsExactly("heartbeat");
        assertThat(second.comments()).containsExactly("heartbeat");
    }

    @Test
    void theDefaultHeartbeatIsEveryFifteenSeconds() {
        service = service();
        States.await(service, Status.RUNNING);
        serve(StatusRoutes.of(Map.of("orders", service)).withScheduler(clock));
        Client client = connect();
        client.states(1);

        clock.advanceTimeBy(Duration.ofSeconds(15));

        assertThat(client.nextHeartbeat(0).comments()).containsExactly("heartbeat");
    }

    @Test
    void disconnectingClientsReleaseTheirSubscriptionsAndTheOthersKeepReceiving() {
        service = service();
        States.await(service, Status.RUNNING);
        AtomicInteger subscribed = new AtomicInteger();
        serve(StatusRoutes.watching(List.of(new Watched("orders", service::state, service.states()
                .doOnSubscribe(s -> subscribed.incrementAndGet())
                .doFinally(signal -> subscribed.decrementAndGet()))))
                .withScheduler(clock));
        List<Client> ten = connect(10);
        ten.forEach(client -> client.states(1));
        assertThat(subscribed).hasValue(10);

        ten.subList(0, 5).forEach(Client::disconnect);
        Await.until("5 subscriptions released, " + subscribed.get() + " left", () -> subscribed.get() == 5);

        endpoint.script(UNAVAILABLE);
        clock.advanceTimeBy(Duration.ofSeconds(50));
        States.await(service, Status.DEGRADED);
        ten.subList(5, 10).forEach(client ->
                assertThat(client.states(2)).extracting(Sse.Event::status).containsExactly("RUNNING", "DEGRADED"));

        ten.subList(5, 10).forEach(Client::disconnect);
        Await.until("every subscription released, " + subscribed.get() + " left", () -> subscribed.get() == 0);
    }

    @Test
    void theStreamEndsOnceEveryServiceHasStopped() {
        service = service();
        States.await(service, Status.RUNNING);
        serve(StatusRoutes.of(Map.of("orders", service)).withScheduler(clock));
        Client client = connect();
        client.states(1);

        service.dispose();

        List<String> all = client.events.filter(Sse.Event::isState).map(Sse.Event::status)
                .collectList().block(Await.DEFAULT_TIMEOUT);
        assertThat(all).containsExactly("RUNNING", "STOPPED");
    }

    private static WorkloadState state(Status status) {
        return new WorkloadState(status, T0, Optional.empty(), Optional.empty(), Optional.empty(), 0);
    }
}
