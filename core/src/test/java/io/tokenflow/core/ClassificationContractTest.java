package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tokenflow.core.TokenEndpointClientFixture.ACCESS_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.CLIENT_SECRET;
import static io.tokenflow.core.TokenEndpointClientFixture.NEW_REFRESH_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.REFRESH_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.assertNoSecrets;
import static io.tokenflow.core.TokenEndpointClientFixture.failureOf;
import static io.tokenflow.core.TokenEndpointClientFixture.refreshable;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.netty.buffer.ByteBuf;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.TcpServer;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The classification table of DESIGN.md, row by row, against a real HTTP server on loopback and
 * the real Nimbus parser. Every case also proves that exactly one request was made (nothing is
 * retried or redirected below the engine's own retry) and that no secret the request carried or
 * the answer echoed reaches the exception or the {@link TokenFailure}.
 *
 * <p>Every fetch uses {@code client_secret_post} and the refresh_token grant, so both the client
 * secret and the refresh token are on the wire, and the answers echo them where a real WAF,
 * proxy or buggy server might.
 */
class ClassificationContractTest {

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort().dynamicHttpsPort())
            .build();

    /** An HTML page that echoes the request, secrets included, as some WAF block pages do. */
    private static final String ECHOING_HTML = "<html><body><h1>Request blocked</h1><pre>grant_type=refresh_token&refresh_token="
            + REFRESH_TOKEN + "&client_secret=" + CLIENT_SECRET + "</pre></body></html>";

    private final TokenEndpointClientFixture clients = new TokenEndpointClientFixture();

    @AfterEach
    void disposeClients() {
        clients.close();
    }

    // ------------------------------------------------------------ 4xx without an RFC 6749 error: TRANSIENT

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            HTML 403 from a WAF              | 403 | text/html        | <html>Access denied by policy</html>
            HTML 401 from a proxy            | 401 | text/html        | <html><h1>401 Authorization Required</h1></html>
            empty 400                        | 400 |                  |
            gateway JSON without error       | 403 | application/json | {"message":"Forbidden"}
            Spring Boot error page as JSON   | 403 | application/json | {"timestamp":"2026-01-01T00:00:00Z","status":403,"error":"Forbidden","path":"/token"}
            JSON whose error is not a string | 400 | application/json | {"error":{"code":400,"message":"bad"}}
            """)
    void fourHundredWithoutAnOAuthErrorIsTransient(String what, int status, String contentType, String body) {
        ResponseDefinitionBuilder answer = aResponse().withStatus(status).withBody(body == null ? "" : body);
        if (contentType != null) {
            answer.withHeader("Content-Type", contentType);
        }

        TokenFailure failure = fetchFailsWith(answer);

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).hasValue(status);
        assertThat(failure.retryAfter()).isEmpty();
    }

    @Test
    void fourHundredHtmlEchoingTheRequestIsTransientAndNotCopied() {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(403).withHeader("Content-Type", "text/html")
                .withBody(ECHOING_HTML));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.message()).doesNotContain("Request blocked");
    }

    // ------------------------------------------------------------ 4xx with an RFC 6749 error: PERMANENT

    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource({
            "400, invalid_grant",
            "401, invalid_client",
            "400, invalid_client",
            "400, invalid_request",
            "400, unauthorized_client",
            "400, unsupported_grant_type",
            "400, invalid_scope",
    })
    void rfc6749ErrorIsPermanent(int status, String error) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json;charset=UTF-8")
                .withBody("{\"error\":\"" + error + "\",\"error_description\":\"the server says no\","
                        + "\"refresh_token\":\"" + REFRESH_TOKEN + "\"}"));

        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.httpStatus()).hasValue(status);
        assertThat(failure.oauthError()).hasValue(error);
        assertThat(failure.message()).contains(error).contains("the server says no");
    }

    @ParameterizedTest(name = "served as {0}")
    @ValueSource(strings = {"text/html", "text/plain", "application/problem+json"})
    void rfc6749ErrorIsReadWhateverTheContentTypeSays(String contentType) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(400).withHeader("Content-Type", contentType)
                .withBody("{\"error\":\"invalid_grant\"}"));

        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.oauthError()).hasValue("invalid_grant");
    }

    @ParameterizedTest(name = "HTTP 400 {0}")
    @ValueSource(strings = {"temporarily_unavailable", "server_error", "slow_down", "Bad Request", "some_vendor_error"})
    void errorCodesOutsideRfc6749TokenErrorsAreTransient(String error) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"" + error + "\"}"));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.oauthError()).hasValue(error);
    }

    @Test
    void errorDescriptionIsKeptButASecretItEchoesIsRedacted() {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"client secret " + CLIENT_SECRET
                        + " does not match; refresh token " + REFRESH_TOKEN + " unknown\"}"));

        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.message()).contains("client secret").contains("does not match").contains("unknown");
    }

    @Test
    void errorDescriptionEchoingTheWholeRequestIsRedacted() {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_request\",\"error_description\":\"cannot read {{{request.body}}}\"}")
                .withTransformers("response-template"));

        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.message()).contains("cannot read").contains("grant_type=refresh_token").contains("[redacted]");
    }

    @Test
    void errorDescriptionEchoingTheBasicCredentialsIsRedacted() {
        server.stubFor(post("/token").willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"bad {{{request.headers.Authorization}}}\"}")
                .withTransformers("response-template")));
        TokenEndpointClient client = clients.to(endpoint())
                .auth(new ClientAuth.SecretBasic(TokenEndpointClientFixture.CLIENT_ID, CLIENT_SECRET)).build();

        TokenEndpointException e = failureOf(client.fetch(refreshable()));

        String basic = server.getAllServeEvents().get(0).getRequest().getHeader("Authorization").substring("Basic ".length());
        assertThat(e.failure().kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(e.failure().message()).contains("bad Basic [redacted]").doesNotContain(basic);
        assertThat(e.getMessage()).doesNotContain(basic);
        assertNoSecrets(e);
    }

    @Test
    void longErrorDescriptionIsCut() {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_grant\",\"error_description\":\"" + "x".repeat(5000) + "\"}"));

        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.message()).hasSizeLessThanOrEqualTo(303);
    }

    // ------------------------------------------------------------ 5xx, 408, 429: TRANSIENT

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {408, 429, 500, 502, 503, 504})
    void serverErrorTimeoutAndThrottlingAreTransient(int status) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(status).withHeader("Content-Type", "text/html")
                .withBody(ECHOING_HTML));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).hasValue(status);
        assertThat(failure.retryAfter()).isEmpty();
    }

    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource({"500, invalid_grant", "503, invalid_client", "429, invalid_grant", "408, invalid_request"})
    void statusWinsOverAPermanentLookingErrorCode(int status, String error) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"" + error + "\"}"));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.oauthError()).hasValue(error);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {429, 503})
    void retryAfterInSecondsIsHonoured(int status) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(status).withHeader("Retry-After", "120"));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.retryAfter()).hasValue(Duration.ofSeconds(120));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {429, 503})
    void retryAfterAsHttpDateIsMeasuredOnTheSchedulerClock(int status) {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        try {
            // Far from the wall clock: a client reading System time would get zero, not 90 s.
            clock.advanceTimeTo(Instant.parse("2001-02-03T04:05:06Z"));
            server.stubFor(post("/token").willReturn(aResponse().withStatus(status)
                    .withHeader("Retry-After", "Sat, 03 Feb 2001 04:06:36 GMT")));

            TokenEndpointException e = failureOf(clients.to(endpoint()).clock(clock).build().fetch(refreshable()));

            assertThat(e.failure().kind()).isEqualTo(FailureKind.TRANSIENT);
            assertThat(e.failure().retryAfter()).hasValue(Duration.ofSeconds(90));
            assertThat(requestsMade()).isEqualTo(1);
            assertNoSecrets(e);
        } finally {
            clock.dispose();
        }
    }

    @Test
    void retryAfterDateInThePastMeansNoWait() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        try {
            clock.advanceTimeTo(Instant.parse("2001-02-03T04:05:06Z"));
            server.stubFor(post("/token").willReturn(aResponse().withStatus(429)
                    .withHeader("Retry-After", "Sat, 03 Feb 2001 04:00:00 GMT")));

            TokenEndpointException e = failureOf(clients.to(endpoint()).clock(clock).build().fetch(refreshable()));

            assertThat(e.failure().retryAfter()).hasValue(Duration.ZERO);
            assertNoSecrets(e);
        } finally {
            clock.dispose();
        }
    }

    @ParameterizedTest(name = "Retry-After: {0}")
    @ValueSource(strings = {"soon", "-5", "1.5", "99999999999999999999999", "Sat, 99 Feb 2001 04:06:36 GMT"})
    void unreadableRetryAfterIsIgnored(String header) {
        TokenFailure failure = fetchFailsWith(aResponse().withStatus(429).withHeader("Retry-After", header));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.retryAfter()).isEmpty();
    }

    // ------------------------------------------------------------ 2xx that is not a token response: TRANSIENT

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            captive portal HTML              | 200 | text/html        | <html><form action="/login">Sign in to the Wi-Fi</form></html>
            JSON without access_token        | 200 | application/json | {"token_type":"Bearer","refresh_token":"rt-a07d44b2-new-refresh","expires_in":3600}
            JSON without token_type          | 200 | application/json | {"access_token":"at-91b7e3-access-value","expires_in":3600}
            JSON with a bad expires_in       | 200 | application/json | {"access_token":"at-91b7e3-access-value","token_type":"Bearer","expires_in":"soon"}
            JSON with a negative expires_in  | 200 | application/json | {"access_token":"at-91b7e3-access-value","token_type":"Bearer","expires_in":-5}
            JSON access_token not a string   | 200 | application/json | {"access_token":{"v":"at-91b7e3-access-value"},"token_type":"Bearer"}
            JSON with an unknown token_type  | 200 | application/json | {"access_token":"at-91b7e3-access-value","token_type":"at-91b7e3-access-value"}
            truncated JSON                   | 200 | application/json | {"access_token":"at-91b7e3-access-value","token_ty
            a JSON array                     | 200 | application/json | ["at-91b7e3-access-value"]
            empty 200                        | 200 | application/json |
            204 No Content                   | 204 |                  |
            """)
    void twoHundredThatIsNotATokenResponseIsTransient(String what, int status, String contentType, String body) {
        ResponseDefinitionBuilder answer = aResponse().withStatus(status).withBody(body == null ? "" : body);
        if (contentType != null) {
            answer.withHeader("Content-Type", contentType);
        }

        TokenFailure failure = fetchFailsWith(answer);

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).hasValue(status);
        assertThat(failure.oauthError()).isEmpty();
    }

    // ------------------------------------------------------------ 3xx: TRANSIENT, never followed

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void redirectIsTransientAndNotFollowed(int status) {
        server.stubFor(post("/elsewhere").willReturn(okJson(tokenJson())));
        server.stubFor(get("/elsewhere").willReturn(okJson(tokenJson())));

        TokenFailure failure = fetchFailsWith(aResponse().withStatus(status)
                .withHeader("Location", server.getRuntimeInfo().getHttpBaseUrl() + "/elsewhere"));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).hasValue(status);
        assertThat(server.findAll(anyRequestedFor(urlEqualTo("/elsewhere")))).isEmpty();
    }

    @Test
    void redirectIsNotFollowedEvenWhenTheGivenHttpClientFollowsRedirects() {
        server.stubFor(post("/elsewhere").willReturn(okJson(tokenJson())));
        server.stubFor(post("/token").willReturn(aResponse().withStatus(307).withHeader("Location", "/elsewhere")));

        TokenEndpointException e = failureOf(clients.to(endpoint())
                .httpClient(HttpClient.create().followRedirect(true))
                .build().fetch(refreshable()));

        assertThat(e.failure().kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.failure().httpStatus()).hasValue(307);
        assertThat(server.findAll(anyRequestedFor(urlEqualTo("/elsewhere")))).isEmpty();
        assertThat(requestsMade()).isEqualTo(1);
        assertNoSecrets(e);
    }

    // ------------------------------------------------------------ no complete answer: TRANSIENT

    @Test
    void connectionResetIsTransient() {
        TokenFailure failure = fetchFailsWith(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Fault.class, names = {"EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK", "RANDOM_DATA_THEN_CLOSE"})
    void truncatedOrGarbledAnswerIsTransient(Fault fault) {
        TokenFailure failure = fetchFailsWith(aResponse().withFault(fault));

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.oauthError()).isEmpty();
    }

    @Test
    void bodyCutShortOfItsContentLengthIsTransient() {
        String partial = "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"refresh_token\":\"" + NEW_REFRESH_TOKEN;

        TokenFailure failure = rawServerAnswers("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                + partial);

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).isEmpty();
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {600, 799, 999})
    void statusCodeOutsideRfc9110IsTransient(int status) {
        TokenFailure failure = rawServerAnswers("HTTP/1.1 " + status + " Odd\r\nContent-Type: application/json\r\n"
                + "Content-Length: 25\r\n\r\n{\"error\":\"invalid_grant\"}");

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).hasValue(status);
    }

    @Test
    void garbledStatusLineQuotingTheRequestIsTransientAndNotCopied() {
        // A decoder quotes what it could not read; here that is the client secret and refresh token.
        TokenFailure failure = rawServerAnswers(CLIENT_SECRET + "/" + REFRESH_TOKEN + " 200 OK\r\nContent-Length: 2\r\n\r\n{}");

        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.httpStatus()).isEmpty();
    }

    @Test
    void connectionRefusedIsTransient() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        TokenEndpointException e = failureOf(clients.to("http://127.0.0.1:" + closedPort + "/token").build()
                .fetch(refreshable()));

        assertThat(e.failure().kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.failure().httpStatus()).isEmpty();
        assertNoSecrets(e);
    }

    @Test
    void responseTimeoutIsTransient() {
        server.stubFor(post("/token").willReturn(okJson(tokenJson()).withFixedDelay(5_000)));
        TokenEndpointClient client = clients.to(endpoint()).responseTimeout(Duration.ofMillis(300)).build();

        long start = System.nanoTime();
        TokenEndpointException e = failureOf(client.fetch(refreshable()));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e.failure().kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(e.failure().httpStatus()).isEmpty();
        assertThat(waited).isLessThan(Duration.ofSeconds(4));
        assertThat(requestsMade()).isEqualTo(1);
        assertNoSecrets(e);
    }

    // ------------------------------------------------------------ TLS certificate rejected: PERMANENT

    @Test
    void untrustedTlsCertificateIsPermanentAndNothingIsSent() {
        server.stubFor(post("/token").willReturn(okJson(tokenJson())));
        URI https = URI.create("https://127.0.0.1:" + server.getRuntimeInfo().getHttpsPort() + "/token");

        TokenEndpointException e = failureOf(clients.to(https).build().fetch(refreshable()));

        assertThat(e.failure().kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(e.failure().httpStatus()).isEmpty();
        assertThat(requestsMade()).isZero();
        assertNoSecrets(e);
    }

    // ------------------------------------------------------------ helpers

    /** Serves {@code answer} at /token, fetches once, and checks the invariants every case shares. */
    private TokenFailure fetchFailsWith(ResponseDefinitionBuilder answer) {
        server.stubFor(post("/token").willReturn(answer));

        TokenEndpointException e = failureOf(clients.to(endpoint()).build().fetch(refreshable()));

        assertThat(requestsMade()).as("requests made").isEqualTo(1);
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/token")))).hasSize(1);
        assertThat(e.endpoint()).hasValue(endpoint());
        assertThat(e.clientId()).hasValue(TokenEndpointClientFixture.CLIENT_ID);
        assertNoSecrets(e);
        return e.failure();
    }

    /**
     * A bare TCP server that reads one whole request, writes {@code rawAnswer} and closes the
     * connection; fetches once against it and checks the shared invariants.
     */
    private TokenFailure rawServerAnswers(String rawAnswer) {
        AtomicInteger requests = new AtomicInteger();
        DisposableServer raw = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> in.receive().retain()
                        .scan(new StringBuilder(), (seen, chunk) -> seen.append(readAndRelease(chunk)))
                        .filter(ClassificationContractTest::isCompleteRequest)
                        .next()
                        .doOnNext(request -> requests.incrementAndGet())
                        // The handler completing closes the connection.
                        .flatMap(request -> out.sendString(Mono.just(rawAnswer)).then()))
                .bindNow(Duration.ofSeconds(5));
        try {
            TokenEndpointException e = failureOf(clients.to("http://127.0.0.1:" + raw.port() + "/token").build()
                    .fetch(refreshable()));

            assertThat(requests).as("requests made").hasValue(1);
            assertNoSecrets(e);
            return e.failure();
        } finally {
            raw.disposeNow(Duration.ofSeconds(5));
        }
    }

    private static URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getPort() + "/token");
    }

    private static int requestsMade() {
        return server.findAll(anyRequestedFor(anyUrl())).size();
    }

    private static String tokenJson() {
        return "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
    }

    private static String readAndRelease(ByteBuf chunk) {
        try {
            return chunk.toString(StandardCharsets.ISO_8859_1);
        } finally {
            chunk.release();
        }
    }

    /** Whether the request's head and its whole Content-Length body have arrived. */
    private static boolean isCompleteRequest(CharSequence seen) {
        String text = seen.toString();
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        int length = 0;
        for (String line : text.substring(0, end).split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text.length() - end - 4 >= length;
    }
}
