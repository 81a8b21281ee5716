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
import java.util.ArrayList;
import java.util.List;
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
 * printing its states until stopped.
 */
public final class Demo {

    private static final String CLIENT_ID = "demo-client";
    private static final String CLIENT_SECRET = "demo-secret";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(40);

    private final PrintStream out;
    private final long startNanos = System.nanoTime();
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
        int code = options.tokenEndpoint() == null ? demo.runScripted() : demo.runAgainst(options);
        System.exit(code);
    }

    /** Runs the scripted scenario; returns the process exit code (0: every step reached). */
    int runScripted() throws InterruptedException, IOException {
        Path folder = Files.createTempDirectory("tokenflow-demo");
        Path credentialFile = folder.resolve("credential.json");
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder()
                .client(CLIENT_ID, CLIENT_SECRET)
                .tokenLifetime(Duration.ofSeconds(20))
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
            DisposableServer status = statusServer(tokens);
            Disposable watching = watch(tokens);
            Disposable calling = callEverySecond(tokens, api.baseUri());
            try {
                say("status: GET http://127.0.0.1:" + status.port() + "/health | /status | /status/stream");
                say("status page: open http://127.0.0.1:" + status.port() + "/status/ui to watch the outage and recovery live");
                say("credential file: " + credentialFile);
                await(Status.RUNNING);
                pause(Duration.ofSeconds(2));

                say("script: the token endpoint goes down (503)");
                idp.fault(Fault.SERVICE_UNAVAILABLE);
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

    /** Runs against a real token endpoint until the process is stopped. */
    int runAgainst(DemoOptions options) throws InterruptedException {
        TokenService.Builder builder = TokenService.builder()
                .tokenEndpoint(options.tokenEndpoint())
                .clientCredentials(options.clientId(), options.clientSecret());
        if (options.scope() != null) {
            builder.scopes(options.scope().split(" "));
        }
        TokenService tokens = builder.build();
        DisposableServer status = statusServer(tokens);
        Disposable watching = watch(tokens);
        Disposable reporting = Flux.interval(Duration.ZERO, Duration.ofSeconds(10))
                .concatMap(tick -> tokens.token()
                        .map(token -> "token ok: " + token)
                        .onErrorResume(e -> Mono.just("no token: " + e.getMessage())))
                .subscribe(this::say);
        say("status: GET http://127.0.0.1:" + status.port() + "/health | /status | /status/stream; Ctrl-C to stop");
        say("status page: open http://127.0.0.1:" + status.port() + "/status/ui");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reporting.dispose();
            watching.dispose();
            tokens.dispose();
            status.disposeNow();
            stopped.countDown();
        }));
        stopped.await();
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

    private static DisposableServer statusServer(TokenService tokens) {
        return HttpServer.create().host("127.0.0.1").port(0).route(StatusRoutes.of(Map.of("demo", tokens))).bindNow();
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
        return Flux.interval(Duration.ofSeconds(1))
                .concatMap(tick -> client.get().uri("/hello").retrieve().bodyToMono(String.class)
                        .map(body -> "GET /hello -> 200 " + body)
                        .onErrorResume(e -> Mono.just("GET /hello -> " + outcome(e))))
                .subscribe(this::say);
    }

    private static String outcome(Throwable e) {
        if (e instanceof TokenUnavailableException unavailable) {
            return "not sent, no token (" + unavailable.state().status()
                    + unavailable.retryAfter().map(d -> ", next attempt in " + d.toMillis() + " ms").orElse("") + ")";
        }
        if (e instanceof WebClientResponseException response) {
            return response.getStatusCode().value() + " " + response.getStatusText();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static String describe(WorkloadState state) {
        StringBuilder s = new StringBuilder(state.status().name());
        state.tokenExpiresAt().ifPresent(at -> s.append(", token expires ").append(at));
        state.lastFailure().ifPresent(f -> s.append(", last failure: ").append(f.message()));
        state.nextAttemptAt().ifPresent(at -> s.append(", next attempt ").append(at));
        return s.toString();
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
