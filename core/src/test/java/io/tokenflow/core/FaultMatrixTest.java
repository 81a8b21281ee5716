package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tokenflow.core.WorkloadState.Status.AUTH_RETRYING;
import static io.tokenflow.core.WorkloadState.Status.DEGRADED;
import static io.tokenflow.core.WorkloadState.Status.RUNNING;
import static io.tokenflow.core.WorkloadState.Status.UNAUTHENTICATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.test.SecretScan;
import io.tokenflow.test.SecretScanExtension;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The fault matrix: a real {@link TokenService} holding a valid token, whose proactive refresh hits
 * one token-endpoint fault per row, over real loopback HTTP (WireMock where it can express the
 * fault, {@link RawTcpServer} where it cannot), checked for classification, states, the requests
 * the server received, and what callers were handed meanwhile.
 *
 * <p><b>Time.</b> The service runs on a {@link VirtualTimeScheduler}; HTTP runs in real time. The
 * test advances virtual time in 100 ms steps (every delay of the policy below is a multiple of it)
 * and, after each step, waits (bounded) until no token request is in flight before the next one,
 * so that virtual time stands still while a request is on the wire and every request happens at
 * its exact virtual instant. To know that, the wire is the real {@link TokenEndpointClient}, built
 * with the same arguments {@code TokenService.Builder.build()} passes, wrapped in a counter of
 * exchanges in flight ({@link Wire}); everything else is the builder's.
 *
 * <p><b>Timeline of every row</b> (seconds after T0; virtual): the first fetch at 0 gets a 60 s
 * token ({@code expires_in: 60}, refresh token rotated). {@code refreshAhead} 20 s and no jitter:
 * the proactive refresh at 40 s hits the fault. {@code expiryMargin} 6 s: the token is served until
 * 54 s. Retry policy: 1 retry after 100 ms, then one attempt every 10 s while DEGRADED, every 60 s
 * while AUTH_RETRYING. Observed until 110 s. So a transient fault is requested at 40.0 and 40.1
 * (short retry), 50.1 (DEGRADED) and 60.1 (the attempt already scheduled when the token expired at
 * 54, now AUTH_RETRYING); the next would be at 120.1. A {@code Retry-After: 3} adds its 3 s to the
 * short retry's wait and stretches nothing longer than itself: 40.0, 43.1, 53.1, 63.1.
 *
 * <p>Every log event and every {@code toString()} and exception of the run is scanned for the
 * client secret, the Basic credentials, every refresh token and every access token the servers
 * issued ({@link SecretScanExtension}).
 */
class FaultMatrixTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    @RegisterExtension
    static final WireMockExtension idp = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort().dynamicHttpsPort())
            .build();

    /** Another host, where a redirect points: it must never be asked anything. */
    @RegisterExtension
    static final WireMockExtension elsewhere = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort())
            .build();

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration STEP = Duration.ofMillis(100);
    private static final Duration OBSERVED = Duration.ofSeconds(110);
    private static final long REFRESH_AT = 40_000;
    private static final long VALID_UNTIL = 54_000;
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Longest real wait for one step's requests: a few attempts of twice the response timeout, on a busy machine. */
    private static final Duration QUIET_WITHIN = Duration.ofSeconds(20);
    private static final int CAP = 64 * 1024;
    private static final int TEN_MB = 10 * 1024 * 1024;

    private static final RetryPolicy POLICY = RetryPolicy.fromEnvironment(Map.of())
            .withMaxRetries(1)
            .withMinBackoff(Duration.ofMillis(100))
            .withMaxBackoff(Duration.ofSeconds(1))
            .withJitter(0)
            .withDegradedRetryInterval(Duration.ofSeconds(10))
            .withAuthRetryingInterval(Duration.ofSeconds(60))
            .withCeiling(Duration.ofHours(24));

    /** Short retry, one DEGRADED attempt, then the attempt that finds the token expired (AUTH_RETRYING). */
    private static final String TRANSIENT_TIMES = "40.0 40.1 50.1 60.1";
    /** The same with the server's {@code Retry-After: 3} waited out before the short retry's backoff. */
    private static final String RETRY_AFTER_TIMES = "40.0 43.1 53.1 63.1";
    private static final String ONE_REQUEST = "40.0";

    // Distinctive random secrets, so that a finding cannot be a coincidence.
    private static final String CLIENT_ID = "matrix-client";
    private static final String CLIENT_SECRET = "cs-" + random();
    private static final String SEED_REFRESH = "rt-seed-" + random();
    private static final String HELD = "at-held-" + random();
    private static final String ROTATED_REFRESH = "rt-rotated-" + random();
    private static final String NEW_TOKEN = "at-new-" + random();
    private static final String NEW_REFRESH = "rt-new-" + random();
    private static final String DUPLICATE_FIRST = "at-dup-first-" + random();
    private static final String DUPLICATE_SECOND = "at-dup-second-" + random();

    private static final String HTML_BLOCK_PAGE = "<html><body><h1>Request blocked</h1><p>Incident 4711</p></body></html>";
    private static final String CAPTIVE_PORTAL = "<html><body><form action=\"/login\">Sign in to the hotel Wi-Fi</form></body></html>";

    // ------------------------------------------------------------------ the table

    /**
     * A confidential client whose refresh token is refused for good falls back to its own grant at
     * once (issue 12.1): the refresh and that one request, both at the refresh instant.
     */
    private static final String OWN_GRANT_FALLBACK = "40.0 40.0";

    static Stream<Row> rows() {
        return Stream.of(
                // 4xx without an RFC 6749 error: a WAF, proxy or gateway answered.
                transientRow("HTML 403 from a WAF", 403, wire(html(403, HTML_BLOCK_PAGE))),
                transientRow("HTML 401 from a proxy", 401, wire(html(401, "<html><h1>401 Authorization Required</h1></html>"))),
                transientRow("empty 400", 400, wire(aResponse().withStatus(400))),
                // 4xx with one of RFC 6749's six token errors; the description quotes secrets.
                permanentRow("400 invalid_grant, then one request with the client's own grant", 400, "invalid_grant",
                        wire(oauthError(400, "invalid_grant"))).times(OWN_GRANT_FALLBACK),
                permanentRow("401 invalid_client", 401, "invalid_client", wire(oauthError(401, "invalid_client"))),
                permanentRow("400 invalid_request", 400, "invalid_request", wire(oauthError(400, "invalid_request"))),
                permanentRow("400 unauthorized_client, then one request with the client's own grant", 400, "unauthorized_client",
                        wire(oauthError(400, "unauthorized_client"))).times(OWN_GRANT_FALLBACK),
                permanentRow("400 unsupported_grant_type, then one request with the client's own grant", 400, "unsupported_grant_type",
                        wire(oauthError(400, "unsupported_grant_type"))).times(OWN_GRANT_FALLBACK),
                permanentRow("400 invalid_scope", 400, "invalid_scope", wire(oauthError(400, "invalid_scope"))),
                // Throttling, timeouts, server errors.
                transientRow("429 Retry-After: 3 (seconds)", 429, wire(aResponse().withStatus(429).withHeader("Retry-After", "3")))
                        .times(RETRY_AFTER_TIMES),
                transientRow("429 Retry-After as an HTTP-date 3 s ahead", 429, wire(aResponse().withStatus(429)
                        .withHeader("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME.format(T0.plusSeconds(43).atZone(ZoneOffset.UTC)))))
                        .times(RETRY_AFTER_TIMES),
                transientRow("408 Request Timeout", 408, wire(aResponse().withStatus(408))),
                transientRow("500", 500, wire(aResponse().withStatus(500).withBody("Internal Server Error"))),
                transientRow("502 HTML from a gateway", 502, wire(html(502, "<html><h1>502 Bad Gateway</h1></html>"))),
                transientRow("503 Retry-After: 3", 503, wire(aResponse().withStatus(503).withHeader("Retry-After", "3")))
                        .times(RETRY_AFTER_TIMES),
                // 2xx that is not a token response.
                transientRow("200 captive-portal HTML", 200, wire(html(200, CAPTIVE_PORTAL))),
                transientRow("200 JSON without access_token", 200, wire(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3600,"
                        + "\"refresh_token\":\"" + NEW_REFRESH + "\"}"))),
                transientRow("200 carrying only an error", 200, wire(okJson("{\"error\":\"invalid_grant\","
                        + "\"error_description\":\"refresh token " + ROTATED_REFRESH + " revoked\"}"))),
                successRow("200 with a token and an error member: the token is taken", NEW_TOKEN,
                        wire(okJson(token(NEW_TOKEN, "3600") .replace("}", ",\"error\":\"invalid_grant\"}")))),
                // The network.
                transientRow("connection reset after the request", -1, wire(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))),
                transientRow("connection closed without an answer", -1, wire(aResponse().withFault(Fault.EMPTY_RESPONSE))),
                transientRow("connection refused", -1, FaultMatrixTest::refused).serverRequests(0),
                transientRow("response timeout (WireMock answers after 3 s)", -1, wire(okJson(token(NEW_TOKEN, "3600")).withFixedDelay(3_000))),
                transientRow("slow headers: no status line for 3 s", -1, raw(ex -> {
                    ex.request();
                    ex.pause(Duration.ofSeconds(3));
                    ex.write(RawTcpServer.answer(200, "application/json", token(NEW_TOKEN, "3600")));
                })),
                transientRow("slow body drip: 1 byte per 400 ms, past the 2 s deadline", -1, raw(ex -> {
                    ex.request();
                    ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n");
                    for (int i = 0; i < 200; i++) {
                        ex.write(" ");
                        ex.pause(Duration.ofMillis(400));
                    }
                })),
                transientRow("truncated body: Content-Length 400, 60 bytes, FIN", -1, raw(ex -> {
                    ex.request();
                    ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\nConnection: close\r\n\r\n"
                            + token(NEW_TOKEN, "3600").substring(0, 60));
                })),
                transientRow("server closes mid-body: chunked, no last chunk, FIN", -1, raw(ex -> {
                    ex.request();
                    String part = token(NEW_TOKEN, "3600").substring(0, 40);
                    ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(part.length()) + "\r\n" + part + "\r\n");
                })),
                transientRow("connection reset mid-body (RST)", -1, raw(ex -> {
                    ex.request();
                    ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                            + token(NEW_TOKEN, "3600").substring(0, 60));
                    ex.reset();
                })),
                transientRow("garbled status line: the request body echoed", -1, raw(ex -> {
                    RawTcpServer.Request request = ex.request();
                    ex.write(request.body() + " 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
                })),
                // Redirects, TLS.
                transientRow("302 to another host", 302, () -> new WireStage(aResponse().withStatus(302)
                        .withHeader("Location", "http://localhost:" + elsewhere.getPort() + "/token")))
                        .check(stage -> assertThat(elsewhere.getAllServeEvents()).as("requests at the redirect target").isEmpty()),
                permanentRow("TLS certificate rejected", -1, null, FaultMatrixTest::tlsRejected).serverRequests(0),
                transientRow("https:// to a plain-HTTP port", -1, FaultMatrixTest::httpsToPlainPort),
                // Size.
                transientRow("10 MB body streamed (chunked), cut at the 64 KiB cap", 200, raw(FaultMatrixTest::tenMegabytes))
                        .check(FaultMatrixTest::cutEarly),
                transientRow("10 MB body declared by Content-Length, not read", 200, raw(ex -> {
                    ex.request();
                    ex.smallSendBuffer();
                    ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + TEN_MB + "\r\n\r\n");
                    byte[] chunk = spaces(64 * 1024);
                    for (int sent = 0; sent < TEN_MB; sent += chunk.length) {
                        ex.write(chunk);
                    }
                })).check(FaultMatrixTest::cutEarly),
                // What a token answer may hold.
                transientRow("invalid UTF-8 in access_token", 200, wire(aResponse().withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(invalidUtf8Token()))),
                transientRow("access_token with CR LF (header injection)", 200, wire(okJson("{\"access_token\":\"" + NEW_TOKEN
                        + "\\r\\nX-Injected: yes\",\"token_type\":\"Bearer\",\"expires_in\":3600}"))),
                transientRow("expires_in an object", 200, wire(okJson(token(NEW_TOKEN, "{\"seconds\":3600}")))),
                transientRow("expires_in an array", 200, wire(okJson(token(NEW_TOKEN, "[3600]")))),
                transientRow("expires_in a boolean", 200, wire(okJson(token(NEW_TOKEN, "true")))),
                successRow("expires_in a numeric string (Nimbus reads it)", NEW_TOKEN, wire(okJson(token(NEW_TOKEN, "\"3600\"")))),
                transientRow("expires_in negative", 200, wire(okJson(token(NEW_TOKEN, "-60")))),
                transientRow("expires_in zero", 200, wire(okJson(token(NEW_TOKEN, "0")))),
                successRow("expires_in 10^12 s (cut to 3650 days)", NEW_TOKEN, wire(okJson(token(NEW_TOKEN, "1000000000000"))))
                        .expiresAt(T0.plusSeconds(40).plus(AnswerParser.MAX_LIFETIME)),
                successRow("expires_in 2^64 + 60 s (cut to 3650 days, not wrapped to 60 s)", NEW_TOKEN,
                        wire(okJson(token(NEW_TOKEN, "18446744073709551676"))))
                        .expiresAt(T0.plusSeconds(40).plus(AnswerParser.MAX_LIFETIME)),
                transientRow("token_type mac", 200, wire(okJson("{\"access_token\":\"" + NEW_TOKEN + "\",\"token_type\":\"mac\","
                        + "\"expires_in\":3600}"))),
                successRow("duplicate access_token keys: the last one wins", DUPLICATE_SECOND, wire(okJson("{\"access_token\":\""
                        + DUPLICATE_FIRST + "\",\"access_token\":\"" + DUPLICATE_SECOND + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"))));
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("rows")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aProactiveRefreshHittingTheFaultEndsAsTheTableSays(Row row) throws Exception {
        SecretScan scan = secrets.scan();
        scan.during(row.name);
        registerSecrets(scan);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        clock.advanceTimeTo(T0);
        try (Stage stage = row.stage.get()) {
            stage.arm(token(HELD, "60").replace("}", ",\"refresh_token\":\"" + ROTATED_REFRESH + "\"}"));
            EndpointSettings settings = EndpointSettings.of(stage.endpoint(), new ClientAuth.SecretBasic(CLIENT_ID, CLIENT_SECRET))
                    .withScopes("api.read").withMaxResponseBytes(CAP).withConnectTimeout(CONNECT_TIMEOUT)
                    .withResponseTimeout(RESPONSE_TIMEOUT).withClock(clock);
            HttpClient base = stage.base();
            Wire wire = new Wire(new TokenEndpointClient((base == null ? settings : settings.withHttpClient(base)).validated()), clock);
            TokenService service = TokenService.builder()
                    .tokenEndpoint(stage.endpoint())
                    .clientCredentials(CLIENT_ID, CLIENT_SECRET)
                    .refreshToken(SEED_REFRESH)
                    .scopes("api.read")
                    .scheduler(clock)
                    .retryPolicy(POLICY)
                    .refreshAhead(Duration.ofSeconds(20))
                    .refreshJitter(0)
                    .expiryMargin(Duration.ofSeconds(6))
                    .responseTimeout(RESPONSE_TIMEOUT)
                    .connectTimeout(CONNECT_TIMEOUT)
                    .endpoint(wire)
                    .build();
            StateRecorder recorder = null;
            try {
                wire.awaitQuiet(row.name);
                assertThat(service.state().status()).as("after the first fetch").isEqualTo(RUNNING);
                // From here on every status change is seen (the latest state is replayed to a new subscriber).
                recorder = new StateRecorder(service);
                assertThat(servedNow(service).value()).as("the first token").isEqualTo(HELD);
                int requestsBeforeTheFault = stage.requestsSoFar();
                stage.afterFirstToken();

                List<Step> steps = drive(clock, wire, service, scan);

                assertOutcome(row, service, wire, steps, recorder);
                assertThat(stage.requestsSoFar() - requestsBeforeTheFault).as("requests the server received after the first token")
                        .isEqualTo(row.serverRequests >= 0 ? row.serverRequests : wire.attempts() - 1);
                if (row.check != null) {
                    row.check.verify(stage);
                }
                stage.recordSecrets(scan);
                scan.text("service", service);
                scan.text("state", service.state());
                service.state().lastFailure().ifPresent(f -> scan.text("failure", f));
                report(row, service, wire, stage.requestsSoFar() - requestsBeforeTheFault, recorder);
            } finally {
                service.dispose();
                if (recorder != null) {
                    recorder.dispose();
                }
                clock.dispose();
            }
            assertThat(scan.findings(row.name)).as("secrets in this row's logs, toString() or exceptions").isEmpty();
        }
    }

    /** Advances virtual time to the end of the window in steps, each once nothing is in flight, and records what callers got. */
    private static List<Step> drive(VirtualTimeScheduler clock, Wire wire, TokenService service, SecretScan scan) {
        List<Step> steps = new ArrayList<>();
        Set<Status> scanned = EnumSet.noneOf(Status.class);
        while (elapsed(clock) < OBSERVED.toMillis()) {
            clock.advanceTimeBy(STEP);
            wire.awaitQuiet("step at " + seconds(elapsed(clock)));
            Served served = servedNow(service);
            Status status = service.state().status();
            steps.add(new Step(elapsed(clock), status, served));
            if (scanned.add(status)) {
                scan.text("state " + status, service.state());
                scan.text("token() in " + status, served.token != null ? served.token : served.error);
            }
        }
        return steps;
    }

    private static void assertOutcome(Row row, TokenService service, Wire wire, List<Step> steps, StateRecorder recorder) {
        assertThat(wire.times()).as("virtual seconds of each token request after the first token; ended %s", service.state())
                .isEqualTo(row.times);
        assertThat(steps).as("callers are answered at once, never kept waiting").allSatisfy(s -> assertThat(s.served.waiting).isFalse());
        List<Step> before = steps.stream().filter(s -> s.at < REFRESH_AT).toList();
        assertThat(before).allSatisfy(s -> {
            assertThat(s.status).isEqualTo(RUNNING);
            assertThat(s.served.value()).isEqualTo(HELD);
        });
        WorkloadState end = service.state();
        switch (row.outcome) {
            case TRANSIENT -> {
                // The held token is served until it counts as expired, whatever the refresh meets.
                assertThat(steps.stream().filter(s -> s.at >= REFRESH_AT && s.at < VALID_UNTIL))
                        .as("the held token while it is valid; ended %s", end)
                        .allSatisfy(s -> {
                            assertThat(s.served.value()).isEqualTo(HELD);
                            assertThat(s.status).isIn(RUNNING, DEGRADED);
                        });
                assertThat(steps.stream().filter(s -> s.at >= VALID_UNTIL)).as("callers fail fast once it expired; ended %s", end)
                        .allSatisfy(s -> {
                            assertThat(s.status).isEqualTo(AUTH_RETRYING);
                            assertThat(s.served.error).isInstanceOf(TokenUnavailableException.class);
                            assertThat(((TokenUnavailableException) s.served.error).state().status()).isEqualTo(AUTH_RETRYING);
                        });
                assertThat(statusAt(steps, 45_000)).as("after the short retry").isEqualTo(DEGRADED);
                assertThat(recorder.seen()).containsExactly(RUNNING, DEGRADED, AUTH_RETRYING);
                assertThat(end.consecutiveFailures()).as("failed requests of the streak").isEqualTo(wire.attempts() - 1);
                assertFailure(row, end, FailureKind.TRANSIENT, steps);
            }
            case PERMANENT -> {
                assertThat(steps.stream().filter(s -> s.at >= REFRESH_AT)).as("UNAUTHENTICATED at once, the token dropped; ended %s", end)
                        .allSatisfy(s -> {
                            assertThat(s.status).isEqualTo(UNAUTHENTICATED);
                            assertThat(s.served.error).isInstanceOf(TokenUnavailableException.class);
                        });
                assertThat(recorder.seen()).containsExactly(RUNNING, UNAUTHENTICATED);
                assertThat(end.nextAttemptAt()).as("nothing scheduled").isEmpty();
                assertFailure(row, end, FailureKind.PERMANENT, steps);
            }
            case SUCCESS -> {
                assertThat(steps.stream().filter(s -> s.at >= REFRESH_AT)).as("the new token from the refresh on; ended %s", end)
                        .allSatisfy(s -> {
                            assertThat(s.status).isEqualTo(RUNNING);
                            assertThat(s.served.value()).isEqualTo(row.expectedToken);
                        });
                assertThat(recorder.seen()).containsExactly(RUNNING);
                assertThat(end.lastFailure()).isEmpty();
                if (row.expiresAt != null) {
                    assertThat(end.tokenExpiresAt()).hasValue(row.expiresAt);
                }
            }
        }
    }

    private static void assertFailure(Row row, WorkloadState end, FailureKind kind, List<Step> steps) {
        TokenFailure failure = end.lastFailure().orElseThrow();
        assertThat(failure.kind()).as("%s", failure).isEqualTo(kind);
        if (row.status > 0) {
            assertThat(failure.httpStatus()).as("%s", failure).hasValue(row.status);
        } else {
            assertThat(failure.httpStatus()).as("%s", failure).isEmpty();
        }
        assertThat(failure.oauthError()).as("%s", failure).isEqualTo(java.util.Optional.ofNullable(row.oauthError));
        // Callers see the same failure as the cause of their TokenUnavailableException.
        Throwable last = steps.get(steps.size() - 1).served.error;
        assertThat(last).isInstanceOf(TokenUnavailableException.class);
        assertThat(last.getCause()).isInstanceOf(TokenEndpointException.class);
        assertThat(((TokenEndpointException) last.getCause()).failure().kind()).isEqualTo(kind);
    }

    // ------------------------------------------------------------------ hostile input beyond the table

    @Test
    void aRedirectToAnotherHostIsNotFollowedEvenByAnHttpClientThatFollowsRedirects() {
        idp.resetAll();
        elsewhere.resetAll();
        elsewhere.stubFor(post("/token").willReturn(okJson(token(NEW_TOKEN, "3600"))));
        idp.stubFor(post("/token").willReturn(aResponse().withStatus(307)
                .withHeader("Location", "http://localhost:" + elsewhere.getPort() + "/token")));
        secrets.scan().during("redirect through a redirect-following HttpClient");
        registerSecrets(secrets.scan());
        // Built by the builder alone, on the real scheduler: the path an application takes.
        TokenService service = TokenService.builder()
                .tokenEndpoint(URI.create("http://127.0.0.1:" + idp.getPort() + "/token"))
                .clientCredentials(CLIENT_ID, CLIENT_SECRET)
                .retryPolicy(POLICY.withMaxRetries(0))
                .httpClient(HttpClient.create().followRedirect(true))
                .build();
        try {
            StepVerifier.create(service.token())
                    .expectErrorSatisfies(e -> {
                        secrets.scan().text("redirect error", e);
                        assertThat(e).isInstanceOf(TokenUnavailableException.class);
                        assertThat(((TokenEndpointException) e.getCause()).failure().httpStatus()).hasValue(307);
                    })
                    .verify(Duration.ofSeconds(10));
            assertThat(elsewhere.getAllServeEvents()).as("requests at the other host").isEmpty();
            assertThat(idp.findAll(postRequestedFor(urlEqualTo("/token")))).hasSize(1)
                    .allSatisfy(r -> assertThat(r.getHeader("Authorization")).startsWith("Basic "));
        } finally {
            service.dispose();
        }
    }

    // ------------------------------------------------------------------ rows

    enum Outcome { TRANSIENT, PERMANENT, SUCCESS }

    /** Checks a row needs beyond the common ones. */
    @FunctionalInterface
    interface Check {
        void verify(Stage stage) throws Exception;
    }

    static final class Row {
        final String name;
        final Outcome outcome;
        final int status;
        final @Nullable String oauthError;
        final @Nullable String expectedToken;
        final Supplier<Stage> stage;
        String times;
        int serverRequests = -1;
        @Nullable Check check;
        @Nullable Instant expiresAt;

        Row(String name, Outcome outcome, int status, @Nullable String oauthError, @Nullable String expectedToken,
            String times, Supplier<Stage> stage) {
            this.name = name;
            this.outcome = outcome;
            this.status = status;
            this.oauthError = oauthError;
            this.expectedToken = expectedToken;
            this.times = times;
            this.stage = stage;
        }

        Row times(String times) {
            this.times = times;
            return this;
        }

        /** Requests the server receives after the first token, when not one per attempt. */
        Row serverRequests(int n) {
            this.serverRequests = n;
            return this;
        }

        Row check(Check check) {
            this.check = check;
            return this;
        }

        Row expiresAt(Instant at) {
            this.expiresAt = at;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** @param status the HTTP status the failure reports; -1: none (no answer) */
    private static Row transientRow(String name, int status, Supplier<Stage> stage) {
        return new Row(name, Outcome.TRANSIENT, status, null, null, TRANSIENT_TIMES, stage);
    }

    private static Row permanentRow(String name, int status, @Nullable String error, Supplier<Stage> stage) {
        return new Row(name, Outcome.PERMANENT, status, error, null, ONE_REQUEST, stage);
    }

    private static Row successRow(String name, String token, Supplier<Stage> stage) {
        return new Row(name, Outcome.SUCCESS, 200, null, token, ONE_REQUEST, stage);
    }

    // ------------------------------------------------------------------ stages: servers that turn bad after the first token

    /** A token endpoint that answers the first request with a valid token and every later one with the fault. */
    interface Stage extends AutoCloseable {
        URI endpoint();

        /** The HttpClient the client starts from (TLS trust); null: tokenflow's own. */
        default @Nullable HttpClient base() {
            return null;
        }

        /** Serves {@code healthy} to the first request, the fault to every later one. */
        void arm(String healthy);

        /** Called once the service holds the first token. */
        default void afterFirstToken() {
        }

        /** Requests (or, where no HTTP request can be read, connections) the server has received. */
        int requestsSoFar();

        /** Registers what the client sent (its Authorization header, form secrets) as secrets. */
        void recordSecrets(SecretScan scan);

        @Override
        default void close() {
        }
    }

    private static Supplier<Stage> wire(ResponseDefinitionBuilder fault) {
        return () -> new WireStage(fault);
    }

    private static Supplier<Stage> raw(RawTcpServer.Behaviour fault) {
        return () -> new RawStage(fault);
    }

    private static final class WireStage implements Stage {
        private final ResponseDefinitionBuilder fault;

        WireStage(ResponseDefinitionBuilder fault) {
            this.fault = fault;
        }

        @Override
        public URI endpoint() {
            return URI.create("http://127.0.0.1:" + idp.getPort() + "/token");
        }

        @Override
        public void arm(String healthy) {
            armWireMock(healthy, fault);
        }

        @Override
        public int requestsSoFar() {
            return idp.findAll(anyRequestedFor(anyUrl())).size();
        }

        @Override
        public void recordSecrets(SecretScan scan) {
            recordWireMockSecrets(scan);
        }
    }

    private static void armWireMock(String healthy, ResponseDefinitionBuilder fault) {
        idp.resetAll();
        elsewhere.resetAll();
        idp.stubFor(post("/token").inScenario("row").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(healthy)).willSetStateTo("failing"));
        idp.stubFor(post("/token").inScenario("row").whenScenarioStateIs("failing").willReturn(fault));
    }

    private static void recordWireMockSecrets(SecretScan scan) {
        for (ServeEvent event : idp.getAllServeEvents()) {
            scan.secret("Authorization header sent", event.getRequest().getHeader("Authorization"));
        }
    }

    private static class RawStage implements Stage {
        final RawTcpServer server;
        private final AtomicInteger connection = new AtomicInteger();
        private volatile String healthy = "{}";

        RawStage(RawTcpServer.Behaviour fault) {
            this.server = RawTcpServer.start(ex -> {
                if (connection.getAndIncrement() == 0) {
                    ex.request();
                    // Before the answer: once the client has its token, the next connection must meet the new behaviour
                    // (after it, a refresh started at once could reach the listener's backlog before it closes).
                    afterHealthy();
                    ex.write(RawTcpServer.answer(200, "application/json", healthy));
                } else {
                    fault.serve(ex);
                }
            });
        }

        /** Runs once the healthy request is read, before it is answered. */
        void afterHealthy() {
        }

        @Override
        public URI endpoint() {
            return URI.create(server.url("/token"));
        }

        @Override
        public void arm(String healthy) {
            this.healthy = healthy;
        }

        @Override
        public int requestsSoFar() {
            return server.connections();
        }

        @Override
        public void recordSecrets(SecretScan scan) {
            for (RawTcpServer.Request request : server.requests()) {
                scan.secret("Authorization header sent", request.header("authorization"));
            }
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** Answers the first request, then stops listening: every later connection is refused. */
    private static Stage refused() {
        return new RawStage(ex -> fail("nothing listens any more")) {
            @Override
            void afterHealthy() {
                server.stopListening();
            }
        };
    }

    /**
     * WireMock over TLS, trusted for the first token; then the certificate is judged by the JDK's
     * default trust store, which rejects WireMock's self-signed one: what a client sees after the
     * server's certificate changed to one it does not trust.
     */
    private static Stage tlsRejected() {
        SwitchableTrust trust = new SwitchableTrust();
        return new Stage() {
            @Override
            public URI endpoint() {
                return URI.create("https://127.0.0.1:" + idp.getRuntimeInfo().getHttpsPort() + "/token");
            }

            @Override
            public HttpClient base() {
                return trusting(trust);
            }

            @Override
            public void arm(String healthy) {
                armWireMock(healthy, okJson(token(NEW_TOKEN, "3600")));
            }

            @Override
            public void afterFirstToken() {
                trust.distrust();
            }

            @Override
            public int requestsSoFar() {
                return idp.findAll(anyRequestedFor(anyUrl())).size();
            }

            @Override
            public void recordSecrets(SecretScan scan) {
                recordWireMockSecrets(scan);
            }
        };
    }

    /**
     * {@code https://} to a port that speaks plain HTTP: the first connection is forwarded to
     * WireMock's TLS port (the first token), every later one meets a plain HTTP server, which
     * answers the TLS ClientHello with an HTTP 400 as such servers do.
     */
    private static Stage httpsToPlainPort() {
        SwitchableTrust trustAll = new SwitchableTrust();
        RawStage plain = new RawStage(ex -> {
            ex.readSome(4096);
            ex.write(RawTcpServer.answer(400, "text/plain", "Bad Request"));
        }) {
            @Override
            public URI endpoint() {
                return URI.create("https://127.0.0.1:" + server.port() + "/token");
            }

            @Override
            public HttpClient base() {
                return trusting(trustAll);
            }

            @Override
            public void arm(String healthy) {
                armWireMock(healthy, okJson(token(NEW_TOKEN, "3600")));
                AtomicInteger first = new AtomicInteger();
                server.behave(ex -> {
                    if (first.getAndIncrement() == 0) {
                        ex.forwardTo(idp.getRuntimeInfo().getHttpsPort());
                    } else {
                        ex.readSome(4096);
                        ex.write(RawTcpServer.answer(400, "text/plain", "Bad Request"));
                    }
                });
            }
        };
        return plain;
    }

    /** A client without connection reuse (each request meets the server's current mood), trusting as told. */
    private static HttpClient trusting(SwitchableTrust trust) {
        try {
            SslContext ssl = SslContextBuilder.forClient().trustManager(trust).build();
            trust.sessions = ssl.sessionContext();
            return HttpClient.create(ConnectionProvider.newConnection()).secure(spec -> spec.sslContext(ssl));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trusts every server until {@link #distrust()}; from then on it is the JDK's default trust manager. */
    private static final class SwitchableTrust extends X509ExtendedTrustManager {
        private volatile boolean acceptAll = true;
        private volatile @Nullable SSLSessionContext sessions;
        private final X509ExtendedTrustManager platform;

        /** From now on the server's certificate is judged; sessions are forgotten, so that the next handshake is a full one. */
        void distrust() {
            acceptAll = false;
            SSLSessionContext cached = sessions;
            if (cached != null) {
                for (byte[] id : Collections.list(cached.getIds())) {
                    SSLSession session = cached.getSession(id);
                    if (session != null) {
                        session.invalidate();
                    }
                }
            }
        }

        SwitchableTrust() {
            try {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init((KeyStore) null);
                this.platform = (X509ExtendedTrustManager) factory.getTrustManagers()[0];
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            if (!acceptAll) {
                platform.checkServerTrusted(chain, authType, engine);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            if (!acceptAll) {
                platform.checkServerTrusted(chain, authType, socket);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (!acceptAll) {
                platform.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client trust manager only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Streams a 10 MB chunked JSON body in 64 KiB chunks until done or the client hangs up. */
    private static void tenMegabytes(RawTcpServer.Exchange ex) throws IOException {
        ex.request();
        ex.smallSendBuffer();
        ex.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        String start = "{\"access_token\":\"" + NEW_TOKEN + "\",\"pad\":\"";
        ex.write(Integer.toHexString(start.length()) + "\r\n" + start + "\r\n");
        byte[] pad = spaces(64 * 1024);
        String size = Integer.toHexString(pad.length) + "\r\n";
        for (int sent = 0; sent < TEN_MB; sent += pad.length) {
            ex.write(size);
            ex.write(pad);
            ex.write("\r\n");
        }
        ex.write("0\r\n\r\n");
    }

    /** Every oversized answer was cut by the client: the server's write failed long before 10 MB. */
    private static void cutEarly(Stage stage) {
        List<RawTcpServer.Exchange> faults = ((RawStage) stage).server.exchanges().stream().skip(1).toList();
        assertThat(faults).isNotEmpty().allSatisfy(ex -> {
            assertThat(RawTcpServer.peerClosed(ex.writeFailure())).as("the client closed the connection: %s", ex.writeFailure()).isTrue();
            assertThat(ex.bytesWritten()).as("bytes the server got to write").isLessThan(TEN_MB);
        });
        System.out.println("10 MB answers cut after " + faults.stream().map(ex -> ex.bytesWritten() / 1024 + " KiB")
                .collect(Collectors.joining(", ")) + " written by the server");
    }

    // ------------------------------------------------------------------ the wire, counted

    /** The real client, with a count of exchanges in flight and the virtual instant each began. */
    private static final class Wire implements TokenEndpoint {
        private final TokenEndpointClient client;
        private final Scheduler clock;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final List<Long> startedAt = Collections.synchronizedList(new ArrayList<>());

        Wire(TokenEndpointClient client, Scheduler clock) {
            this.client = client;
            this.clock = clock;
        }

        @Override
        public Mono<Credential> fetch(@Nullable Credential current) {
            return Mono.defer(() -> {
                startedAt.add(clock.now(TimeUnit.MILLISECONDS) - T0.toEpochMilli());
                inFlight.incrementAndGet();
                // doFinally runs after the service has handled the outcome (scheduled its retry, moved its state).
                return client.fetch(current).doFinally(signal -> inFlight.decrementAndGet());
            });
        }

        /** Waits (bounded) until no exchange is in flight. */
        void awaitQuiet(String when) {
            long deadline = System.nanoTime() + QUIET_WITHIN.toNanos();
            while (inFlight.get() > 0) {
                if (System.nanoTime() > deadline) {
                    fail("a token request still in flight after " + QUIET_WITHIN + " (" + when + ")");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        int attempts() {
            return startedAt.size();
        }

        /** Virtual seconds of each request after the first one. */
        String times() {
            synchronized (startedAt) {
                return startedAt.stream().skip(1).map(FaultMatrixTest::seconds).collect(Collectors.joining(" "));
            }
        }

        @Override
        public Mono<Credential> fetchWithOwnGrant(Credential current) {
            return Mono.defer(() -> {
                startedAt.add(clock.now(TimeUnit.MILLISECONDS) - T0.toEpochMilli());
                inFlight.incrementAndGet();
                return client.fetchWithOwnGrant(current).doFinally(signal -> inFlight.decrementAndGet());
            });
        }

        @Override
        public boolean hasOwnGrant() {
            return client.hasOwnGrant();
        }

        @Override
        public URI endpoint() {
            return client.endpoint();
        }

        @Override
        public String clientId() {
            return client.clientId();
        }

        @Override
        public void dispose() {
            client.dispose();
        }
    }

    // ------------------------------------------------------------------ what callers got

    /** What {@code token()} gave at once: a token, an error, or nothing yet (a caller kept waiting). */
    private record Served(@Nullable AccessToken token, @Nullable Throwable error, boolean waiting) {
        @Nullable String value() {
            return token == null ? null : token.value();
        }
    }

    private record Step(long at, Status status, Served served) {
    }

    private static Served servedNow(TokenService service) {
        CompletableFuture<AccessToken> future = service.token().toFuture();
        if (!future.isDone()) {
            future.cancel(true);
            return new Served(null, null, true);
        }
        try {
            return new Served(future.join(), null, false);
        } catch (CompletionException e) {
            return new Served(null, e.getCause(), false);
        }
    }

    private static Status statusAt(List<Step> steps, long at) {
        return steps.stream().filter(s -> s.at == at).findFirst().orElseThrow().status;
    }

    // ------------------------------------------------------------------ helpers

    private static void registerSecrets(SecretScan scan) {
        scan.basicCredentials(CLIENT_ID, CLIENT_SECRET);
        scan.secret("seed refresh token", SEED_REFRESH);
        scan.secret("held access token", HELD);
        scan.secret("rotated refresh token", ROTATED_REFRESH);
        scan.secret("new access token", NEW_TOKEN);
        scan.secret("new refresh token", NEW_REFRESH);
        scan.secret("duplicate access token, first", DUPLICATE_FIRST);
        scan.secret("duplicate access token, second", DUPLICATE_SECOND);
    }

    /** One line per row for the report: outcome, failure, statuses, request times, server count. */
    private static void report(Row row, TokenService service, Wire wire, int serverRequests, StateRecorder recorder) {
        WorkloadState state = service.state();
        System.out.printf(Locale.ROOT, "ROW | %s | %s | %s | %s | requests at %s | server received %d%n", row.name,
                state.lastFailure().map(f -> f.kind() + f.httpStatus().stream().mapToObj(s -> " " + s).collect(Collectors.joining())
                        + f.oauthError().map(e -> " " + e).orElse("")).orElse("success"),
                recorder.seen(), state.status(), wire.times(), serverRequests);
        state.lastFailure().ifPresent(f -> System.out.println("    " + f.message()));
    }

    private static long elapsed(Scheduler clock) {
        return clock.now(TimeUnit.MILLISECONDS) - T0.toEpochMilli();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    private static String token(String value, String expiresIn) {
        return "{\"access_token\":\"" + value + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + ",\"scope\":\"api.read\"}";
    }

    private static ResponseDefinitionBuilder html(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/html; charset=UTF-8").withBody(body);
    }

    /**
     * An RFC 6749 error whose description quotes the client secret, the refresh token sent and the
     * access token it renews: every credential the client holds. (One it no longer holds, such as
     * the seed refresh token rotated away by the first answer, it cannot recognise.)
     */
    private static ResponseDefinitionBuilder oauthError(int status, String error) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"" + error + "\",\"error_description\":\"client " + CLIENT_ID + " with secret "
                        + CLIENT_SECRET + ", refresh token " + ROTATED_REFRESH + ", access token " + HELD + ": refused\"}");
    }

    private static byte[] invalidUtf8Token() {
        byte[] start = ("{\"access_token\":\"" + NEW_TOKEN).getBytes(StandardCharsets.UTF_8);
        byte[] bad = HexFormat.of().parseHex("c328a0a1");
        byte[] end = "\",\"token_type\":\"Bearer\",\"expires_in\":3600}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[start.length + bad.length + end.length];
        System.arraycopy(start, 0, body, 0, start.length);
        System.arraycopy(bad, 0, body, start.length, bad.length);
        System.arraycopy(end, 0, body, start.length + bad.length, end.length);
        return body;
    }

    private static byte[] spaces(int n) {
        byte[] bytes = new byte[n];
        java.util.Arrays.fill(bytes, (byte) ' ');
        return bytes;
    }

    private static String random() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
