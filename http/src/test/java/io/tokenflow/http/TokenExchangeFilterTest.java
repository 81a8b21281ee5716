package io.tokenflow.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenUnavailableException;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.LogCapture;
import io.tokenflow.test.RequestHold;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import org.slf4j.event.Level;

class TokenExchangeFilterTest {

    private static final String INVALID_TOKEN = "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired\"";

    private WireMockServer idp;
    private WireMockServer api;
    private TokenService tokens;
    private ConnectionProvider connections;

    @BeforeEach
    void start() {
        idp = WireMocks.start();
        api = WireMocks.start();
        connections = ConnectionProvider.builder("filter-test").maxConnections(1)
                .pendingAcquireTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void stop() {
        if (tokens != null) {
            tokens.dispose();
        }
        connections.disposeLater().block(Duration.ofSeconds(5));
        api.stop();
        idp.stop();
    }

    /** Status and body as the caller sees them. */
    record Reply(int status, String body) {
    }

    private TokenService running(String... tokenValues) {
        WireMocks.tokens(idp, tokenValues);
        tokens = WireMocks.service(idp);
        States.await(tokens, Status.RUNNING);
        return tokens;
    }

    private WebClient webClient(ExchangeFilterFunction filter) {
        return webClient(filter, HttpClient.create(connections));
    }

    private static WebClient webClient(ExchangeFilterFunction filter, HttpClient http) {
        return WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).filter(filter).build();
    }

    private static Reply call(WebClient client, String url) {
        return client.get().uri(url)
                .exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("")
                        .map(body -> new Reply(r.statusCode().value(), body)))
                .block(Await.DEFAULT_TIMEOUT);
    }

    private List<String> authorizationsReceived(String path) {
        return api.findAll(getRequestedFor(urlEqualTo(path))).stream()
                .map(request -> request.containsHeader("Authorization") ? request.getHeader("Authorization") : "<none>")
                .toList();
    }

    private void apiRejects(String path) {
        api.stubFor(get(path).willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", INVALID_TOKEN).withBody("token rejected")));
    }

    @Test
    void attachesTheCurrentTokenToRequestsForAnAllowedHost() {
        running("first");
        api.stubFor(get("/data").withHeader("Authorization", equalTo("Bearer first")).willReturn(ok("data")));

        Reply reply = call(webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")), WireMocks.url(api, "/data"));

        assertThat(reply).isEqualTo(new Reply(200, "data"));
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first");
    }

    @Test
    void filtersAfterThisOneSeeTheTokenAndKeepItWhenTheyCopyTheRequest() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        List<String> seenDownstream = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExchangeFilterFunction copyingFilter = (request, next) -> {
            seenDownstream.add(String.valueOf(request.headers().getFirst("Authorization")));
            return next.exchange(ClientRequest.from(request).header("X-Copied", "yes").build());
        };
        WebClient client = WebClient.builder().clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
                .filter(TokenExchangeFilter.forHosts(tokens, "127.0.0.1"))
                .filter(copyingFilter)
                .build();

        Reply reply = call(client, WireMocks.url(api, "/data"));

        assertThat(reply).isEqualTo(new Reply(200, "data"));
        assertThat(seenDownstream).containsExactly("Bearer first");
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first");
        assertThat(api.findAll(getRequestedFor(urlEqualTo("/data"))).get(0).getHeader("X-Copied")).isEqualTo("yes");
    }

    @Test
    void hostMatchingIgnoresCase() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));

        call(webClient(TokenExchangeFilter.forHosts(tokens, "LocalHost")), "http://localhost:" + api.port() + "/data");

        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first");
    }

    @Test
    void retriesOnceWithADifferentTokenAfterA401InvalidToken() {
        running("first", "second");
        api.stubFor(get("/data").withHeader("Authorization", equalTo("Bearer first"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", INVALID_TOKEN).withBody("expired")));
        api.stubFor(get("/data").withHeader("Authorization", equalTo("Bearer second")).willReturn(ok("data")));

        Reply reply = call(webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")), WireMocks.url(api, "/data"));

        assertThat(reply).isEqualTo(new Reply(200, "data"));
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first", "Bearer second");
        idp.verify(2, postRequestedFor(urlEqualTo("/token")));
    }

    @Test
    void aPermanent401ReachesTheCallerAfterExactlyTwoRequests() {
        running("first", "second", "third");
        apiRejects("/data");

        Reply reply = call(webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")), WireMocks.url(api, "/data"));

        assertThat(reply).isEqualTo(new Reply(401, "token rejected"));
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first", "Bearer second");
    }

    @Test
    void a401WithoutInvalidTokenIsNotRetried() {
        running("first", "second");
        api.stubFor(get("/data").willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", "Bearer realm=\"api\"").withBody("no")));

        Reply reply = call(webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")), WireMocks.url(api, "/data"));

        assertThat(reply.status()).isEqualTo(401);
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first");
    }

    @Test
    void retryOnAny401RetriesA401WithoutChallenge() {
        running("first", "second");
        api.stubFor(get("/data").withHeader("Authorization", equalTo("Bearer first"))
                .willReturn(aResponse().withStatus(401).withBody("no")));
        api.stubFor(get("/data").withHeader("Authorization", equalTo("Bearer second")).willReturn(ok("data")));

        Reply reply = call(webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1").retryOnAny401()),
                WireMocks.url(api, "/data"));

        assertThat(reply).isEqualTo(new Reply(200, "data"));
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first", "Bearer second");
    }

    @Test
    void aRetriedPostCarriesItsBodyAgain() {
        running("first", "second");
        api.stubFor(post("/orders").withHeader("Authorization", equalTo("Bearer first"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", INVALID_TOKEN)));
        api.stubFor(post("/orders").withHeader("Authorization", equalTo("Bearer second")).willReturn(ok("created")));

        String body = webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).post()
                .uri(WireMocks.url(api, "/orders"))
                .bodyValue("{\"item\":42}")
                .retrieve().bodyToMono(String.class)
                .block(Await.DEFAULT_TIMEOUT);

        assertThat(body).isEqualTo("created");
        assertThat(api.findAll(postRequestedFor(urlEqualTo("/orders"))))
                .extracting(LoggedRequest::getBodyAsString)
                .containsExactly("{\"item\":42}", "{\"item\":42}");
    }

    @Test
    void rejectedResponsesAreReleasedSoASingleConnectionPoolNeverRunsDry() {
        String[] values = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "token-" + i).toArray(String[]::new);
        WireMocks.tokens(idp, values);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        tokens = TokenService.builder()
                .tokenEndpoint(java.net.URI.create(WireMocks.url(idp, "/token")))
                .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0))
                .scheduler(clock)
                .build();
        States.await(tokens, Status.RUNNING);
        apiRejects("/data");
        WebClient client = webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1"));

        // One pooled connection, 2 s to acquire it: a first 401 left unreleased would hold it, and
        // the retry would time out acquiring. Each call comes after the service's pause of
        // rejection-driven refreshes is over, so each one retries.
        for (int i = 0; i < 25; i++) {
            clock.advanceTimeBy(Duration.ofMinutes(11));
            assertThat(call(client, WireMocks.url(api, "/data")).status()).isEqualTo(401);
        }

        assertThat(authorizationsReceived("/data")).hasSize(50);
        clock.dispose();
    }

    @Test
    void aRejectionThatBringsNoNewerTokenReachesTheCallerWithoutARetryAndItsBodyIntact() {
        running("first", "second", "third");
        apiRejects("/data");
        WebClient client = webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1"));
        assertThat(call(client, WireMocks.url(api, "/data")).status()).isEqualTo(401);

        // Within the service's pause: no refresh, the same token back, the 401 passed on as it is.
        for (int i = 0; i < 25; i++) {
            assertThat(call(client, WireMocks.url(api, "/data"))).isEqualTo(new Reply(401, "token rejected"));
        }

        assertThat(authorizationsReceived("/data")).hasSize(2 + 25);
        idp.verify(2, postRequestedFor(urlEqualTo("/token")));
    }

    @Test
    void neverSendsTheTokenToAHostOutsideTheAllowList() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));

        // The same server, reached as 127.0.0.1, while only "localhost" may have the token.
        Reply reply = call(webClient(TokenExchangeFilter.forHosts(tokens, "localhost")), WireMocks.url(api, "/data"));

        assertThat(reply).isEqualTo(new Reply(200, "data"));
        assertThat(authorizationsReceived("/data")).containsExactly("<none>");
    }

    /** The case: baseUrl http://localhost:.. while only 127.0.0.1 may have the token. */
    @Test
    void aHostMissingFromTheAllowListIsOneWarnPerHostNamingItTheListAndTheLoopbackSpellings() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        TokenExchangeFilter filter = TokenExchangeFilter.forHosts(tokens, "127.0.0.1");
        WebClient client = webClient(filter);

        try (LogCapture logs = LogCapture.of(TokenExchangeFilter.class)) {
            for (int i = 0; i < 3; i++) {
                call(client, "http://localhost:" + api.port() + "/data");
            }
            call(client, WireMocks.url(api, "/data"));

            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .isEqualTo(filter + ": a request to localhost is sent without the token: localhost is not on the allow-list "
                            + "(127.0.0.1). localhost, 127.0.0.1 and ::1 are different hosts to the allow-list: name the one the "
                            + "request URL uses");
        }
        assertThat(authorizationsReceived("/data")).containsExactly("<none>", "<none>", "<none>", "Bearer first");
    }

    @Test
    void eachRefusedHostIsToldOnceAndAnOtherHostHasNoLoopbackNote() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        WebClient client = webClient(TokenExchangeFilter.forHosts(tokens, "api.example.com"));

        try (LogCapture logs = LogCapture.of(TokenExchangeFilter.class)) {
            call(client, WireMocks.url(api, "/data"));
            call(client, "http://localhost:" + api.port() + "/data");
            call(client, WireMocks.url(api, "/data"));

            assertThat(logs.messages(Level.WARN)).hasSize(2);
            assertThat(logs.messages(Level.WARN).get(0)).contains("127.0.0.1 is not on the allow-list (api.example.com)");
            assertThat(logs.messages(Level.WARN).get(1)).contains("localhost is not on the allow-list (api.example.com)");
            assertThat(logs.events().stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).findFirst().orElseThrow().getKeyValuePairs()).as("the line names its service as a key-value")
                    .anySatisfy(kv -> {
                        assertThat(kv.key).isEqualTo("token_service");
                        assertThat(kv.value).isEqualTo(tokens.toString());
                    });
        }
    }

    @Test
    void aRequestWithItsOwnAuthorizationIsNoCauseForAWarning() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        WebClient client = webClient(TokenExchangeFilter.forHosts(tokens, "api.example.com"));

        try (LogCapture logs = LogCapture.of(TokenExchangeFilter.class)) {
            client.get().uri(WireMocks.url(api, "/data")).header(HttpHeaders.AUTHORIZATION, "Basic b3duOmNyZWRz")
                    .retrieve().toBodilessEntity().block(Await.DEFAULT_TIMEOUT);

            assertThat(logs.messages(Level.WARN)).isEmpty();
        }
    }

    @Test
    void aRedirectToAHostOutsideTheAllowListDoesNotCarryTheToken() {
        running("first");
        api.stubFor(get("/start").willReturn(aResponse().withStatus(302)
                .withHeader("Location", "http://localhost:" + api.port() + "/landing")));
        api.stubFor(get("/landing").willReturn(ok("landed")));
        WebClient client = webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1"),
                HttpClient.create(connections).followRedirect(true));

        Reply reply = call(client, WireMocks.url(api, "/start"));

        assertThat(reply).isEqualTo(new Reply(200, "landed"));
        assertThat(authorizationsReceived("/start")).containsExactly("Bearer first");
        assertThat(authorizationsReceived("/landing")).containsExactly("<none>");
    }

    @Test
    void anyHostSendsTheTokenEverywhere() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));

        call(webClient(TokenExchangeFilter.anyHost(tokens)), WireMocks.url(api, "/data"));

        assertThat(authorizationsReceived("/data")).containsExactly("Bearer first");
    }

    @Test
    void aRequestThatAlreadyCarriesAuthorizationIsLeftAlone() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));

        webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).get().uri(WireMocks.url(api, "/data"))
                .header(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz")
                .retrieve().toBodilessEntity()
                .block(Await.DEFAULT_TIMEOUT);

        assertThat(authorizationsReceived("/data")).containsExactly("Basic dXNlcjpwYXNz");
    }

    @Test
    void failsFastWithoutSendingWhenNoTokenCanBeHad() {
        idp.stubFor(post("/token").willReturn(serviceUnavailable()));
        tokens = WireMocks.service(idp);
        States.await(tokens, Status.AUTH_RETRYING);
        api.stubFor(get("/data").willReturn(ok("data")));

        Mono<String> call = webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).get()
                .uri(WireMocks.url(api, "/data"))
                .retrieve().bodyToMono(String.class);

        StepVerifier.create(call)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TokenUnavailableException.class);
                    TokenUnavailableException unavailable = (TokenUnavailableException) e;
                    assertThat(unavailable.state().status()).isEqualTo(Status.AUTH_RETRYING);
                    assertThat(unavailable.retryAfter()).hasValueSatisfying(d -> assertThat(d).isPositive());
                })
                .verify(Await.DEFAULT_TIMEOUT);
        assertThat(api.getAllServeEvents()).isEmpty();
    }

    @Test
    void aRequestMadeWhileStartingWaitsForTheFirstToken() {
        String first;
        try (EmbeddedAuthorizationServer endpoint = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET).start()) {
            RequestHold firstRequest = endpoint.holdNextRequest();
            tokens = TokenService.builder().tokenEndpoint(endpoint.tokenEndpoint())
                    .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET).build();
            api.stubFor(get("/data").willReturn(ok("data")));
            Mono<String> call = webClient(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).get()
                    .uri(WireMocks.url(api, "/data")).retrieve().bodyToMono(String.class);

            StepVerifier.create(call)
                    .then(() -> {
                        assertThat(tokens.state().status()).isEqualTo(Status.STARTING);
                        assertThat(api.getAllServeEvents()).isEmpty();
                        firstRequest.release();
                    })
                    .expectNext("data")
                    .expectComplete()
                    .verify(Await.DEFAULT_TIMEOUT);
            first = tokens.token().block(Await.DEFAULT_TIMEOUT).value();
        }
        assertThat(authorizationsReceived("/data")).containsExactly("Bearer " + first);
    }

    @Test
    void forHostsWithoutAnyHostIsRejected() {
        running("first");

        assertThatThrownBy(() -> TokenExchangeFilter.forHosts(tokens))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anyHost");
    }

    @Test
    void retryOnAny401ReturnsANewFilterAndLeavesTheOriginalStrict() {
        running("first", "second");
        api.stubFor(get("/data").willReturn(aResponse().withStatus(401).withBody("no")));
        TokenExchangeFilter strict = TokenExchangeFilter.forHosts(tokens, "127.0.0.1");

        TokenExchangeFilter lenient = strict.retryOnAny401();
        call(webClient(strict), WireMocks.url(api, "/data"));

        assertThat(lenient).isNotSameAs(strict);
        assertThat(authorizationsReceived("/data")).hasSize(1);
    }
}
