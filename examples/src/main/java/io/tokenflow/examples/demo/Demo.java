package io.tokenflow.examples.demo;

import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenUnavailableException;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.FileCredentialStore;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import io.tokenflow.http.StatusRoutes;
import io.tokenflow.http.TokenExchangeFilter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The demo: tokenflow against an embedded authorization server, through a scripted outage,
 * recovery, a revoked refresh token and an operator's fix, in about 40 seconds.
 *
 * <pre>
 * ./mvnw -B -q -pl examples -am package exec:java -DskipTests
 * </pre>
 *
 * With {@code --token-endpoint URL --client-id ID [--scope S]} (secret from the environment
 * variable {@code TOKENFLOW_CLIENT_SECRET}) it runs against a real authorization server instead,
 * printing its states until stopped (Ctrl-C). {@code --status-port N} puts the status routes on
 * that port (default: a free one). Every time printed is relative to the demo's start.
 */
public final class Demo {

    private static final String CLIENT_ID = "demo-client";
    private static final String CLIENT_SECRET = "demo-secret";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(40);
    /** The embedded server's token lifetime: short, so that a refresh comes every few seconds. */
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(20);

    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Instant start = Instant.now();
    private final BlockingQueue<Status> transitions = new LinkedBlockingQueue<>();

    Demo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(DemoOptions.USAGE);
            System.exit(2);
            return;
        }
        Demo demo = new Demo(System.out);
        int code = options.tokenEndpoint() == null ? demo.runScripted(options.statusPort()) : demo.runAgainst(options);
        System.exit(code);
    }

    /**
     * Runs the scripted scenario; returns the process exit code (0: every step reached).
     *
     * @param statusPort the port of the status routes; 0: a free one
     */
    int runScripted(int statusPort) throws InterruptedException, IOException {
        Path folder = Files.createTempDirectory("tokenflow-demo");
        Path credentialFile = folder.resolve("credential.json");
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder()
                .client(CLIENT_ID, CLIENT_SECRET)
                .tokenLifetime(TOKEN_LIFETIME)
                .start();
             ProtectedResource api = ProtectedResource.start(idp::isActive)) {

            FileCredentialStore store = FileCredentialStore.at(credentialFile).withPollInterval(Duration.ofMillis(500));
            TokenService tokens = TokenService.builder()
                    .tokenEndpoint(idp.tokenEndpoint())
                    .clientCredentials(CLIENT_ID, CLIENT_SECRET)
                    .refreshToken(idp.issueRefreshToken(CLIENT_ID))
                    .credentialStore(store)
                    .retryPolicy(demoPolicy())
                    .build();
            DisposableServer status = statusServer(tokens, statusPort);
            Disposable watching = watch(tokens);
            Disposable calling = callEverySecond(tokens, api.baseUri());
            try {
                sayWhereTheStatusIs(status, statusPort);
                say("credential file: " + credentialFile);
                await(Status.RUNNING);
                pause(Duration.ofSeconds(2));

                say("script: the token endpoint goes down (503)");
                idp.fault(Fault.SERVICE_UNAVAILABLE);
                explainTheOutage(tokens.state());
                await(Status.DEGRADED);
                await(Status.AUTH_RETRYING);
                pause(Duration.ofSeconds(2));

                say("script: the token endpoint is back");
                idp.fault(Fault.HEALTHY);
                await(Status.RUNNING);

                say("script: the authorization server revokes the refresh token (invalid_grant from now on)");
                idp.fault(Fault.INVALID_GRANT);
                await(Status.UNAUTHENTICATED);
                pause(Duration.ofSeconds(2));

                say("script: an operator logs in again and writes the new credential to the file");
                idp.fault(Fault.HEALTHY);
                OperatorLogin.writeCredential(idp, CLIENT_ID, CLIENT_SECRET, credentialFile);
                await(Status.RUNNING);
                pause(Duration.ofSeconds(2));

                say("script: done, every state reached; " + idp.tokenRequests() + " token requests in all");
                return 0;
            } catch (IllegalStateException stepMissed) {
                say("script: FAILED: " + stepMissed.getMessage());
                return 1;
            } finally {
                calling.dispose();
                watching.dispose();
                tokens.dispose();
                status.disposeNow();
            }
        } finally {
            try (var files = Files.list(folder)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(folder);
        }
    }

    /** Runs against a real token endpoint until the process is stopped (Ctrl-C). */
    int runAgainst(DemoOptions options) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                cleanedUp.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            return runAgainst(options, stop);
        } finally {
            cleanedUp.countDown();
        }
    }

    /** Runs against a real token endpoint until {@code stop} opens. */
    int runAgainst(DemoOptions options, CountDownLatch stop) throws InterruptedException {
        TokenService.Builder builder = TokenService.builder()
                .tokenEndpoint(options.tokenEndpoint())
                .clientCredentials(options.clientId(), options.clientSecret());
        if (options.scope() != null) {
            builder.scopes(options.scope().split(" "));
        }
        say("running against " + options.tokenEndpoint() + " until you stop it (Ctrl-C); a token is asked for every 10s");
        try (TokenService tokens = builder.build()) {
            DisposableServer status = statusServer(tokens, options.statusPort());
            Disposable watching = watch(tokens);
            Disposable reporting = Flux.interval(Duration.ZERO, Duration.ofSeconds(10))
                    .onBackpressureDrop()
                    .concatMap(tick -> tokens.token()
                            .map(token -> "token ok: " + token)
                            .onErrorResume(e -> Mono.just("no token: " + e.getMessage())))
                    .subscribe(this::say);
            sayWhereTheStatusIs(status, options.statusPort());
            try {
                stop.await();
            } finally {
                reporting.dispose();
                watching.dispose();
                status.disposeNow();
            }
        }
        say("stopped");
        return 0;
    }

    private static RetryPolicy demoPolicy() {
        return RetryPolicy.defaults()
                .withMaxRetries(2)
                .withMinBackoff(Duration.ofMillis(500))
                .withMaxBackoff(Duration.ofSeconds(1))
                .withDegradedRetryInterval(Duration.ofSeconds(2))
                .withAuthRetryingInterval(Duration.ofSeconds(3))
                .withCeiling(Duration.ofMinutes(5));
    }

    private static DisposableServer statusServer(TokenService tokens, int port) {
        return HttpServer.create().host("127.0.0.1").port(port).route(StatusRoutes.of(Map.of("demo", tokens))).bindNow();
    }

    private void sayWhereTheStatusIs(DisposableServer status, int asked) {
        say("status routes: http://127.0.0.1:" + status.port() + "/health, /health/demo, /status, /status/stream"
                + (asked == 0 ? " (a free port; --status-port N to choose one)" : ""));
        say("status page: open http://127.0.0.1:" + status.port() + "/status/ui to watch the outage and recovery live");
    }

    /**
     * Why DEGRADED does not come at once: the held token is still valid and is handed out; the
     * service finds the outage only at its next refresh, ahead of expiry, and says DEGRADED once
     * that refresh and its short retry have failed.
     */
    private void explainTheOutage(WorkloadState state) {
        state.tokenExpiresAt().ifPresent(expiresAt -> {
            Instant refresh = expiresAt.minus(TOKEN_LIFETIME.dividedBy(2));
            say("script: callers keep getting the held token (it expires at " + at(expiresAt) + "); the service notices the "
                    + "outage at its refresh ahead of expiry (about " + at(refresh) + ", half of the token's "
                    + TOKEN_LIFETIME.toSeconds() + "s life), says DEGRADED once that refresh and its "
                    + demoPolicy().maxRetries() + " short retries have failed, and AUTH_RETRYING when the token is about to expire");
        });
    }

    private Disposable watch(TokenService tokens) {
        return tokens.states().subscribe(state -> {
            say("state: " + describe(state));
            transitions.add(state.status());
        });
    }

    private Disposable callEverySecond(TokenService tokens, URI api) {
        WebClient client = WebClient.builder()
                .baseUrl(api.toString())
                .filter(TokenExchangeFilter.forHosts(tokens, api.getHost()))
                .build();
        // A call may take longer than a second (waiting for the first token): drop the ticks meanwhile
        // rather than fail the interval, which cannot wait.
        Sinks.Empty<Void> stop = Sinks.empty();
        Mono<Void> calls = Flux.interval(Duration.ofSeconds(1))
                .takeUntilOther(stop.asMono())
                .onBackpressureDrop()
                .concatMap(tick -> client.get().uri("/hello").retrieve().bodyToMono(String.class)
                        .map(body -> "GET /hello -> 200 " + body)
                        .onErrorResume(e -> Mono.just("GET /hello -> " + outcome(e))))
                .doOnNext(this::say)
                .then()
                .cache();
        Disposable running = calls.subscribe();
        // Stopping lets the call in flight finish (a few ms) instead of cancelling it mid-answer, which
        // Spring's WebClient reports as an error nobody can handle ("body released due to cancellation").
        return () -> {
            stop.tryEmitEmpty();
            calls.timeout(Duration.ofSeconds(5), Mono.empty()).block();
            running.dispose();
        };
    }

    private static String outcome(Throwable e) {
        if (e instanceof TokenUnavailableException unavailable) {
            return "not sent, no token (" + unavailable.state().status()
                    + unavailable.retryAfter().map(d -> ", next attempt in " + seconds(d)).orElse("") + ")";
        }
        if (e instanceof WebClientResponseException response) {
            return response.getStatusCode().value() + " " + response.getStatusText();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private String describe(WorkloadState state) {
        StringBuilder s = new StringBuilder(state.status().name());
        state.tokenExpiresAt().ifPresent(at -> s.append(", token expires at ").append(at(at)));
        state.lastFailure().ifPresent(f -> s.append(", last failure: ").append(f.message()));
        state.lastFailure().flatMap(f -> f.remediation()).ifPresent(hint -> s.append(", to fix: ").append(hint));
        state.nextAttemptAt().ifPresent(at -> s.append(", next attempt at ").append(at(at)));
        return s.toString();
    }

    /** An instant as the demo prints every time: seconds since its start, as in the line's stamp. */
    private String at(Instant instant) {
        return "+" + seconds(Duration.between(start, instant));
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1fs", duration.toMillis() / 1000.0);
    }

    /** Waits for the next transition to {@code status}, skipping others. */
    private void await(Status status) throws InterruptedException {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        List<Status> skipped = new ArrayList<>();
        while (true) {
            Status next = transitions.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new IllegalStateException("no " + status + " within " + STEP_TIMEOUT + " (saw " + skipped + ")");
            }
            if (next == status) {
                return;
            }
            skipped.add(next);
        }
    }

    private static void pause(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    private synchronized void say(String line) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        out.printf("[%3d.%01ds] %s%n", millis / 1000, (millis % 1000) / 100, line);
        out.flush();
    }

}
