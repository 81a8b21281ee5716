package io.tokenflow.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.http.StatusJson.Named;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * Status, health and a live state stream of {@link TokenService}s, as routes of a Reactor Netty
 * {@code HttpServer}:
 *
 * <pre>{@code
 * HttpServer.create().port(8081)
 *     .route(StatusRoutes.of(Map.of("orders", orderTokens, "billing", billingTokens)))
 *     .bindNow();
 * }</pre>
 *
 * <dl>
 *   <dt>{@code GET /status}</dt>
 *   <dd>{@code 200}, a JSON array with one object per service, in the map's iteration order:
 *       <pre>{@code
 * {"name": "orders", "status": "AUTH_RETRYING", "since": "2026-11-22T15:00:00Z",
 *  "tokenExpiresAt": null,
 *  "lastFailure": {"kind": "TRANSIENT", "httpStatus": 503, "oauthError": null, "message": "...",
 *                  "remediation": null},
 *  "nextAttemptAt": "2026-11-22T15:10:00Z", "consecutiveFailures": 6}
 *       }</pre>
 *       Every key is always present: an absent value is {@code null} (so is {@code httpStatus} of a
 *       failure without an HTTP answer, and {@code remediation} of a failure without a hint).
 *       Instants are ISO-8601 UTC. Nothing in it is a token or a secret.</dd>
 *   <dt>{@code GET /status/stream}</dt>
 *   <dd>Server-Sent Events ({@code text/event-stream}). First the current state of every service,
 *       then one event per status change of any of them, in each service's order:
 *       <pre>{@code
 * id: 7
 * event: state
 * data: {"name": "orders", "status": "RUNNING", ...}
 *       }</pre>
 *       {@code id} counts the events of one connection from 1. A comment line
 *       {@code : heartbeat} every {@link #withHeartbeat heartbeat interval} (default 15 s) keeps
 *       proxies from closing an idle stream. The stream ends when every service has stopped. A
 *       client that disconnects releases its subscriptions at once. A slow client may miss
 *       intermediate states but is sent each service's latest; it never holds up the services or
 *       other clients, and what waits for it is bounded.</dd>
 *   <dt>{@code GET /health}</dt>
 *   <dd>{@code 200} when every service serves tokens ({@code RUNNING} or {@code DEGRADED}), else
 *       {@code 503} with {@code Retry-After} in whole seconds: until the earliest scheduled attempt
 *       among the services that do not serve tokens, rounded up, at least 1; when none is scheduled,
 *       {@value #STARTING_RETRY_AFTER_SECONDS} while one is {@code STARTING} (its first fetch is
 *       under way), else {@value #UNSCHEDULED_RETRY_AFTER_SECONDS} ({@code UNAUTHENTICATED} and
 *       {@code STOPPED} do not recover on their own). Body:
 *       {@code {"healthy": false, "down": ["orders"], "services": [same objects as /status]}}, where
 *       {@code down} names the services that hand out no token.</dd>
 *   <dt>{@code GET /health/{name}}</dt>
 *   <dd>The same for the one service registered under {@code name} (percent-decoded); {@code 404}
 *       with {@code {"error": "...", "services": [the names]}} for a name not registered.</dd>
 *   <dt>{@code HEAD /health}, {@code HEAD /health/{name}}</dt>
 *   <dd>The status and headers of the {@code GET}, with the length of its body, without the body.</dd>
 *   <dt>{@code GET /status/ui}</dt>
 *   <dd>The live status page, {@code text/html}: one self-contained page (its CSS and script
 *       inline; a {@code Content-Security-Policy} lets it load nothing else and talk only to this
 *       server) that follows {@code /status/stream}: each service's status as a coloured badge,
 *       since when, the token's time to expiry counting down, the next attempt, the last failure
 *       with its remediation hint when the JSON has one, and a timeline of transitions. It
 *       reconnects by itself when the stream drops.</dd>
 * </dl>
 *
 * <p>Immutable; the {@code withX} methods return a copy. All work is non-blocking.
 */
public final class StatusRoutes implements Consumer<HttpServerRoutes> {

    /** {@code Retry-After} of {@code /health} while a service is STARTING without a scheduled attempt. */
    public static final long STARTING_RETRY_AFTER_SECONDS = 5;
    /** {@code Retry-After} of {@code /health} when no failing service has an attempt scheduled. */
    public static final long UNSCHEDULED_RETRY_AFTER_SECONDS = 60;

    private static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    private static final String JSON = "application/json";
    private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
    /** Marks the end of the state events; compared by identity. */
    private static final String END = new String("end of states");

    private final List<Watched> services;
    private final Duration heartbeat;
    private final Scheduler scheduler;
    private final StatusPage page = StatusPage.get();

    /** One service as the routes see it; tests watch its subscriptions through {@code states}. */
    record Watched(String name, Supplier<WorkloadState> current, Flux<WorkloadState> states) {
    }

    private StatusRoutes(List<Watched> services, Duration heartbeat, Scheduler scheduler) {
        this.services = services;
        this.heartbeat = heartbeat;
        this.scheduler = scheduler;
    }

    /** Routes for a registry's services, under their names, in registration order. */
    public static StatusRoutes of(TokenServices services) {
        return of(Objects.requireNonNull(services, "services").asMap());
    }

    /**
     * Routes for these services, reported under their keys, in the map's iteration order (give a
     * {@code LinkedHashMap} or {@code TreeMap} for a stable order).
     *
     * @throws IllegalArgumentException when the map is empty or a name is blank
     */
    public static StatusRoutes of(Map<String, TokenService> services) {
        Objects.requireNonNull(services, "services");
        List<Watched> watched = new ArrayList<>(services.size());
        services.forEach((name, service) -> {
            Objects.requireNonNull(service, () -> "service '" + name + "'");
            watched.add(new Watched(name, service::state, service.states()));
        });
        return watching(watched);
    }

    static StatusRoutes watching(List<Watched> services) {
        if (services.isEmpty()) {
            throw new IllegalArgumentException("no services to report: give at least one");
        }
        for (Watched w : services) {
            Objects.requireNonNull(w.name(), "service name");
            if (w.name().isBlank()) {
                throw new IllegalArgumentException("a service name must not be blank");
            }
        }
        return new StatusRoutes(List.copyOf(services), DEFAULT_HEARTBEAT, Schedulers.parallel());
    }

    /** How often {@code /status/stream} sends a {@code : heartbeat} comment (default 15 s). */
    public StatusRoutes withHeartbeat(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive, was " + interval);
        }
        return new StatusRoutes(services, interval, scheduler);
    }

    /**
     * The clock for {@code Retry-After} and the timer for heartbeats (default
     * {@code Schedulers.parallel()}). Give the services' scheduler, so that "now" is theirs.
     */
    public StatusRoutes withScheduler(Scheduler scheduler) {
        return new StatusRoutes(services, heartbeat, Objects.requireNonNull(scheduler, "scheduler"));
    }

    /** Adds {@code GET /status}, {@code GET /status/stream}, {@code GET /status/ui}, and {@code GET} and {@code HEAD} of {@code /health} and {@code /health/{name}}. */
    @Override
    public void accept(HttpServerRoutes routes) {
        routes.get("/status", this::status)
                .get("/status/stream", this::stream)
                .get("/status/ui", this::ui)
                .get("/health", (request, response) -> health(response, snapshot(), false))
                .head("/health", (request, response) -> health(response, snapshot(), true))
                .get("/health/{name}", (request, response) -> oneHealth(request, response, false))
                .head("/health/{name}", (request, response) -> oneHealth(request, response, true));
    }

    private Publisher<Void> ui(HttpServerRequest request, HttpServerResponse response) {
        return response.header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .header(HttpHeaderNames.CONTENT_SECURITY_POLICY, page.contentSecurityPolicy())
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .sendByteArray(Mono.fromSupplier(page::html));
    }

    private Publisher<Void> status(HttpServerRequest request, HttpServerResponse response) {
        return response.header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.fromSupplier(() -> StatusJson.array(snapshot())), StandardCharsets.UTF_8);
    }

    /** @param head answer a {@code HEAD}: the headers of the {@code GET}, no body */
    private Publisher<Void> health(HttpServerResponse response, List<Named> states, boolean head) {
        boolean healthy = states.stream().allMatch(named -> named.state().status().servesTokens());
        response.status(healthy ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE);
        if (!healthy) {
            Instant now = Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS));
            response.header(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds(states, now)));
        }
        return json(response, StatusJson.health(healthy, states), head);
    }

    private Publisher<Void> oneHealth(HttpServerRequest request, HttpServerResponse response, boolean head) {
        String raw = request.param("name");
        String name = raw == null ? "" : QueryStringDecoder.decodeComponent(raw);
        for (Watched w : services) {
            if (w.name().equals(name)) {
                return health(response, List.of(new Named(w.name(), w.current().get())), head);
            }
        }
        response.status(HttpResponseStatus.NOT_FOUND);
        return json(response, StatusJson.unknown(name, services.stream().map(Watched::name).toList()), head);
    }

    /** Sends {@code body} as JSON, not cached; for a {@code HEAD}, only its length. */
    private static Publisher<Void> json(HttpServerResponse response, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
        return head ? response.send() : response.sendByteArray(Mono.just(bytes));
    }

    private Publisher<Void> stream(HttpServerRequest request, HttpServerResponse response) {
        List<Flux<String>> perService = new ArrayList<>(services.size());
        for (Watched w : services) {
            perService.add(w.states().map(state -> StatusJson.line(new Named(w.name(), state))));
        }
        Flux<String> events = Flux.merge(perService)
                .index((i, json) -> "id: " + (i + 1) + "\nevent: state\ndata: " + json + "\n\n")
                .concatWith(Mono.just(END));
        Flux<String> heartbeats = Flux.interval(heartbeat, heartbeat, scheduler)
                .onBackpressureDrop()
                .map(tick -> ": heartbeat\n\n");
        // Heartbeats first: their timer runs before the first event can reach the client.
        Flux<String> body = Flux.merge(heartbeats, events).takeWhile(chunk -> chunk != END);
        return response.header(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .sendString(body, StandardCharsets.UTF_8);
    }

    private List<Named> snapshot() {
        List<Named> states = new ArrayList<>(services.size());
        for (Watched w : services) {
            states.add(new Named(w.name(), w.current().get()));
        }
        return states;
    }

    /** See the class comment: the earliest scheduled attempt among services that serve no token, in whole seconds. */
    static long retryAfterSeconds(List<Named> states, Instant now) {
        Optional<Instant> earliest = states.stream()
                .map(Named::state)
                .filter(state -> !state.status().servesTokens())
                .flatMap(state -> state.nextAttemptAt().stream())
                .min(Instant::compareTo);
        if (earliest.isPresent()) {
            long millis = Duration.between(now, earliest.get()).toMillis();
            return Math.max(1, (millis + 999) / 1000);
        }
        boolean starting = states.stream().anyMatch(named -> named.state().status() == Status.STARTING);
        return starting ? STARTING_RETRY_AFTER_SECONDS : UNSCHEDULED_RETRY_AFTER_SECONDS;
    }

    @Override
    public String toString() {
        return "StatusRoutes" + services.stream().map(Watched::name).toList();
    }
}
