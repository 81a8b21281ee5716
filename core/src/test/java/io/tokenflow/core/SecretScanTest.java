package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.SecretScan;
import io.tokenflow.test.SecretScanExtension;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/**
 * No secret reaches a log, a {@code toString()} or an exception while a hostile token endpoint
 * does its worst: a short chaos run over real HTTP with services built the way an application
 * builds them (the builder alone, real time), plus the one known way a secret used to reach the
 * logs. The fault matrix ({@link FaultMatrixTest}) runs under the same scan, row by row.
 */
class SecretScanTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    @RegisterExtension
    static final WireMockExtension tls = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort().dynamicHttpsPort())
            .build();

    private static final String CLIENT_ID = "scan-client";

    /**
     * A server that puts the request body where its status line belongs. A form body has no space,
     * so Netty's decoder reads all of it as the HTTP version and quotes it, upper-cased, in its
     * exception ({@code invalid version format: CLIENT_SECRET=...&REFRESH_TOKEN=...}), which Reactor
     * Netty logs at WARN ({@code HttpClientConnect}: "The connection observed an error") before
     * tokenflow sees it. {@code TokenEndpointClient} now replaces the decoder's cause, so the WARN
     * is still logged, without the quote.
     */
    @Test
    void aStatusLineQuotingTheRequestBodyReachesNoLogInAnyLetterCase() {
        String secret = "cs-" + random();
        String refreshToken = "rt-" + random();
        SecretScan scan = secrets.scan();
        scan.during("status line quoting the request body");
        scan.secret("client secret", secret);
        scan.secret("refresh token", refreshToken);
        try (RawTcpServer echo = RawTcpServer.start(ex -> {
            RawTcpServer.Request request = ex.request();
            ex.write(request.body() + " 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        })) {
            TokenService service = TokenService.builder()
                    .tokenEndpoint(URI.create(echo.url("/token")))
                    .clientCredentials(CLIENT_ID, secret)
                    .clientSecretPost()
                    .refreshToken(refreshToken)
                    .retryPolicy(RetryPolicy.fromEnvironment(Map.of()).withMaxRetries(0))
                    .build();
            try {
                StepVerifier.create(service.token())
                        .expectErrorSatisfies(e -> scan.text("token() error", e))
                        .verify(Duration.ofSeconds(10));
                scan.text("state", service.state());
            } finally {
                service.dispose();
            }
            assertThat(echo.requests()).singleElement()
                    .satisfies(r -> assertThat(r.body()).contains(secret).contains(refreshToken));
        }

        // The WARN is still there (the test would not notice a leak if it were not), without the quote.
        assertThat(scan.logged("reactor.netty.http.client.HttpClientConnect"))
                .anySatisfy(event -> assertThat(event).contains("WARN").contains("UnreadableAnswerException"));
        assertThat(scan.findings("status line quoting the request body")).isEmpty();
    }

    @Test
    void theGuardAgainstQuotingDecodersSitsOnTlsConnectionsToo() throws Exception {
        tls.stubFor(post("/token").willReturn(okJson("{\"access_token\":\"at-" + random() + "\",\"token_type\":\"Bearer\"}")));
        List<String> handlers = new CopyOnWriteArrayList<>();
        HttpClient trustingWireMock = HttpClient.create()
                .secure(spec -> {
                    try {
                        spec.sslContext(SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build());
                    } catch (javax.net.ssl.SSLException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .doOnConnected(connection -> handlers.addAll(connection.channel().pipeline().names()));
        TokenService service = TokenService.builder()
                .tokenEndpoint(URI.create("https://127.0.0.1:" + tls.getRuntimeInfo().getHttpsPort() + "/token"))
                .clientCredentials(CLIENT_ID, "cs-" + random())
                .httpClient(trustingWireMock)
                .build();
        try {
            StepVerifier.create(service.token()).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
        } finally {
            service.dispose();
        }

        assertThat(handlers).containsSubsequence("reactor.left.sslHandler", "reactor.left.httpCodec",
                UnreadableAnswer.NAME);
    }

    // ------------------------------------------------------------------ chaos

    private enum Mode {
        HEALTHY, SERVER_ERROR, WAF_PAGE_ECHOING_THE_BODY, INVALID_GRANT_ECHOING_THE_REQUEST, STATUS_LINE_ECHO,
        HEADER_ECHO, RESET, SLOW, REDIRECT, DAMAGED_TOKEN
    }

    private static final Duration CHAOS = Duration.ofSeconds(6);

    /**
     * Three services (client_secret_basic with a rotating refresh token, client_secret_post,
     * private_key_jwt), built by the builder alone on the real scheduler, against one raw server
     * that picks a hostile answer at random (seeded) per connection, for a few seconds, while
     * callers ask for tokens, reject them, and force refreshes. Every token the server issued,
     * every credential the clients sent (read off the wire), and the private key are looked for.
     */
    @Test
    void aShortChaosRunOverRealHttpLeaksNoSecret() throws Exception {
        SecretScan scan = secrets.scan();
        scan.during("chaos");
        Random random = new Random(20_261_122);
        AtomicInteger issued = new AtomicInteger();
        Map<Mode, Integer> served = new ConcurrentHashMap<>();
        String basicSecret = "cs-basic-" + random();
        String postSecret = "cs-post-" + random();
        String seedRefresh = "rt-seed-" + random();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair key = generator.generateKeyPair();
        scan.basicCredentials(CLIENT_ID + "-basic", basicSecret);
        scan.secret("client_secret_post secret", postSecret);
        scan.secret("seed refresh token", seedRefresh);
        scan.privateKey(key.getPrivate());

        try (RawTcpServer server = RawTcpServer.start(ex -> {
            RawTcpServer.Request request = ex.request();
            recordCredentials(scan, request);
            Mode mode;
            synchronized (random) {
                mode = random.nextDouble() < 0.45 ? Mode.HEALTHY : Mode.values()[1 + random.nextInt(Mode.values().length - 1)];
            }
            served.merge(mode, 1, Integer::sum);
            answer(ex, request, mode, scan, issued);
        })) {
            RetryPolicy quick = RetryPolicy.fromEnvironment(Map.of())
                    .withMaxRetries(1)
                    .withMinBackoff(Duration.ofMillis(50))
                    .withMaxBackoff(Duration.ofMillis(100))
                    .withJitter(0)
                    .withDegradedRetryInterval(Duration.ofMillis(200))
                    .withAuthRetryingInterval(Duration.ofMillis(300))
                    .withCeiling(Duration.ofSeconds(2));
            URI endpoint = URI.create(server.url("/token"));
            List<TokenService> services = List.of(
                    TokenService.builder().tokenEndpoint(endpoint).clientCredentials(CLIENT_ID + "-basic", basicSecret)
                            .refreshToken(seedRefresh).retryPolicy(quick).responseTimeout(Duration.ofMillis(500)).build(),
                    TokenService.builder().tokenEndpoint(endpoint).clientCredentials(CLIENT_ID + "-post", postSecret)
                            .clientSecretPost().retryPolicy(quick).responseTimeout(Duration.ofMillis(500)).build(),
                    TokenService.builder().tokenEndpoint(endpoint).privateKeyJwt(CLIENT_ID + "-jwt", key.getPrivate(), "key-1")
                            .retryPolicy(quick).responseTimeout(Duration.ofMillis(500)).build());
            Set<Status> statuses = Collections.synchronizedSet(EnumSet.noneOf(Status.class));
            Set<String> texts = ConcurrentHashMap.newKeySet();
            List<Disposable> watching = new ArrayList<>();
            for (TokenService service : services) {
                watching.add(service.states().subscribe(state -> {
                    statuses.add(state.status());
                    keep(scan, texts, "state", state);
                }));
            }
            AtomicInteger tokens = new AtomicInteger();
            AtomicInteger failures = new AtomicInteger();
            long end = System.nanoTime() + CHAOS.toNanos();
            int round = 0;
            try {
                while (System.nanoTime() < end) {
                    round++;
                    for (TokenService service : services) {
                        service.token().subscribe(token -> {
                            tokens.incrementAndGet();
                            keep(scan, texts, "token", token);
                            if (tokens.get() % 7 == 0) {
                                service.tokenRejected(token).subscribe(t -> { }, e -> keep(scan, texts, "tokenRejected() error", e));
                            }
                        }, error -> {
                            failures.incrementAndGet();
                            keep(scan, texts, "token() error", error);
                        });
                        if (round % 25 == 0 && service.state().status() == Status.UNAUTHENTICATED) {
                            service.refresh().subscribe(t -> { }, e -> keep(scan, texts, "refresh() error", e));
                        }
                        keep(scan, texts, "service", service);
                    }
                    // The pace of callers, not synchronization: nothing waits for anything here.
                    LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
            } finally {
                services.forEach(TokenService::dispose);
                watching.forEach(Disposable::dispose);
            }
            for (TokenService service : services) {
                keep(scan, texts, "final state", service.state());
                service.state().lastFailure().ifPresent(f -> keep(scan, texts, "failure", f));
            }
            System.out.printf("chaos: %d requests %s, %d tokens issued, callers got %d tokens and %d failures, statuses %s%n",
                    server.requests().size(), served, issued.get(), tokens.get(), failures.get(), statuses);

            assertThat(issued.get()).as("tokens issued").isGreaterThan(3);
            assertThat(served.keySet()).as("hostile answers given").hasSizeGreaterThan(5);
            assertThat(statuses).as("statuses visited").contains(Status.RUNNING).containsAnyOf(Status.DEGRADED,
                    Status.AUTH_RETRYING, Status.UNAUTHENTICATED);
            assertThat(tokens.get()).isPositive();
            assertThat(failures.get()).isPositive();
        }
        assertThat(scan.findings("chaos")).isEmpty();
    }

    private static void answer(RawTcpServer.Exchange ex, RawTcpServer.Request request, Mode mode, SecretScan scan,
                               AtomicInteger issued) throws java.io.IOException, InterruptedException {
        switch (mode) {
            case HEALTHY -> {
                String access = "at-chaos-" + issued.incrementAndGet() + "-" + random();
                String refresh = "rt-chaos-" + issued.get() + "-" + random();
                scan.secret("issued access token", access);
                scan.secret("issued refresh token", refresh);
                ex.write(RawTcpServer.answer(200, "application/json", "{\"access_token\":\"" + access
                        + "\",\"token_type\":\"Bearer\",\"expires_in\":2,\"refresh_token\":\"" + refresh + "\"}"));
            }
            case SERVER_ERROR -> ex.write("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n");
            case WAF_PAGE_ECHOING_THE_BODY -> ex.write(RawTcpServer.answer(403, "text/html",
                    "<html><pre>" + request.body() + "\n" + request.header("authorization") + "</pre></html>"));
            case INVALID_GRANT_ECHOING_THE_REQUEST -> ex.write(RawTcpServer.answer(400, "application/json",
                    "{\"error\":\"invalid_grant\",\"error_description\":\"cannot accept " + request.body().replace("\"", "")
                            + " with " + request.header("authorization") + "\"}"));
            case STATUS_LINE_ECHO -> ex.write(request.body() + " 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            case HEADER_ECHO -> ex.write("HTTP/1.1 500 Internal Server Error\r\nX-Echo: " + request.header("authorization")
                    + "\r\nX-Echo-Body: " + request.body() + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            case RESET -> ex.reset();
            case SLOW -> ex.pause(Duration.ofMillis(900));
            case REDIRECT -> ex.write("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/steal?" + request.body()
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            case DAMAGED_TOKEN -> ex.write(RawTcpServer.answer(200, "application/json",
                    "{\"access_token\":\"at-damaged-" + random() + "\\r\\nX-Injected: 1\",\"token_type\":\"Bearer\"}"));
        }
    }

    /** What the client sent that is a credential: the Authorization header and the form's secrets. */
    private static void recordCredentials(SecretScan scan, RawTcpServer.Request request) {
        scan.secret("Authorization header sent", request.header("authorization"));
        String authorization = request.header("authorization");
        if (authorization != null && authorization.startsWith("Basic ")) {
            scan.secret("Basic credentials sent", authorization.substring("Basic ".length()));
        }
        for (String pair : request.body().split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2 && Set.of("client_secret", "client_assertion", "refresh_token").contains(kv[0])) {
                String value = URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
                scan.secret(kv[0] + " sent", value);
                if (kv[0].equals("client_assertion")) {
                    // The signature alone is a credential-bearing part that could be logged on its own.
                    scan.secret("client_assertion signature sent", value.substring(value.lastIndexOf('.') + 1));
                }
            }
        }
    }

    /** Scans each distinct text once (a chaos run produces the same few over and over). */
    private static void keep(SecretScan scan, Set<String> seen, String where, Object value) {
        String key = where + ":" + (value instanceof Throwable t ? t.getClass().getName() + t.getMessage() : String.valueOf(value));
        if (seen.add(key)) {
            scan.text(where, value);
        }
    }

    private static String random() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
