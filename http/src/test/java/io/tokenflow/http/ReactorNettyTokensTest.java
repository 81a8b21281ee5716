package io.tokenflow.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenUnavailableException;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.LogCapture;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

class ReactorNettyTokensTest {

    private WireMockServer idp;
    private WireMockServer api;
    private TokenService tokens;

    @BeforeEach
    void start() {
        idp = WireMocks.start();
        api = WireMocks.start();
    }

    @AfterEach
    void stop() {
        if (tokens != null) {
            tokens.dispose();
        }
        api.stop();
        idp.stop();
    }

    private void running(String token) {
        WireMocks.tokens(idp, token);
        tokens = WireMocks.service(idp);
        States.await(tokens, Status.RUNNING);
    }

    private static int status(HttpClient client, String uri) {
        return client.get().uri(uri)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("").thenReturn(response.status().code()))
                .block(Await.DEFAULT_TIMEOUT);
    }

    private List<LoggedRequest> received(String path) {
        return api.findAll(getRequestedFor(urlEqualTo(path)));
    }

    private static String authorization(LoggedRequest request) {
        return request.containsHeader("Authorization") ? request.getHeader("Authorization") : "<none>";
    }

    @Test
    void attachesTheTokenToRequestsForAnAllowedHost() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        HttpClient client = ReactorNettyTokens.bearer(tokens, "127.0.0.1")
                .apply(HttpClient.create().baseUrl(WireMocks.url(api, "")));

        assertThat(status(client, "/data")).isEqualTo(200);

        assertThat(received("/data")).extracting(ReactorNettyTokensTest::authorization).containsExactly("Bearer first");
    }

    @Test
    void theStashHeaderNeverLeavesTheClient() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        HttpClient hooked = ReactorNettyTokens.bearer(tokens, "localhost").apply(HttpClient.create());

        status(hooked, "http://localhost:" + api.port() + "/data");
        status(hooked, WireMocks.url(api, "/data"));

        assertThat(received("/data")).hasSize(2)
                .allSatisfy(request -> assertThat(request.containsHeader(ReactorNettyTokens.STASH)).isFalse());
    }

    @Test
    void neverSendsTheTokenToAHostOutsideTheAllowList() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        // The same server, reached as 127.0.0.1, while only "localhost" may have the token.
        HttpClient client = ReactorNettyTokens.bearer(tokens, "localhost").apply(HttpClient.create());

        assertThat(status(client, WireMocks.url(api, "/data"))).isEqualTo(200);

        assertThat(received("/data")).extracting(ReactorNettyTokensTest::authorization).containsExactly("<none>");
    }

    @Test
    void aHostMissingFromTheAllowListIsOneWarnPerHostNamingItAndTheList() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        ReactorNettyTokens hook = ReactorNettyTokens.bearer(tokens, "127.0.0.1");
        HttpClient client = hook.apply(HttpClient.create());

        try (LogCapture logs = LogCapture.of(ReactorNettyTokens.class)) {
            status(client, "http://localhost:" + api.port() + "/data");
            status(client, "http://localhost:" + api.port() + "/data");
            status(client, WireMocks.url(api, "/data"));

            assertThat(logs.messages(Level.WARN)).singleElement().asString()
                    .startsWith(hook + ": a request to localhost is sent without the token: localhost is not on the allow-list "
                            + "(127.0.0.1). localhost, 127.0.0.1 and ::1 are different hosts");
        }
        assertThat(received("/data")).extracting(ReactorNettyTokensTest::authorization)
                .containsExactly("<none>", "<none>", "Bearer first");
    }

    @Test
    void anAbsoluteUrlOverridingAnAllowedBaseUrlDoesNotGetTheToken() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        HttpClient client = ReactorNettyTokens.bearer(tokens, "localhost")
                .apply(HttpClient.create().baseUrl("http://localhost:" + api.port()));

        assertThat(status(client, WireMocks.url(api, "/data"))).isEqualTo(200);

        assertThat(received("/data")).extracting(ReactorNettyTokensTest::authorization).containsExactly("<none>");
    }

    @Test
    void aRedirectToAHostOutsideTheAllowListDoesNotCarryTheToken() {
        running("first");
        api.stubFor(get("/start").willReturn(aResponse().withStatus(302)
                .withHeader("Location", WireMocks.url(api, "/landing"))));
        api.stubFor(get("/landing").willReturn(ok("landed")));
        HttpClient client = ReactorNettyTokens.bearer(tokens, "localhost")
                .apply(HttpClient.create().followRedirect(true));

        assertThat(status(client, "http://localhost:" + api.port() + "/start")).isEqualTo(200);

        assertThat(received("/start")).extracting(ReactorNettyTokensTest::authorization).containsExactly("Bearer first");
        assertThat(received("/landing")).extracting(ReactorNettyTokensTest::authorization).containsExactly("<none>");
    }

    @Test
    void aClientsOwnAuthorizationIsLeftAlone() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        HttpClient client = ReactorNettyTokens.bearer(tokens, "127.0.0.1")
                .apply(HttpClient.create().headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Basic dXNlcjpwYXNz")));

        status(client, WireMocks.url(api, "/data"));

        assertThat(received("/data")).extracting(ReactorNettyTokensTest::authorization).containsExactly("Basic dXNlcjpwYXNz");
    }

    @Test
    void anyHostSendsTheTokenEverywhere() {
        running("first");
        api.stubFor(get("/data").willReturn(ok("data")));
        HttpClient client = ReactorNettyTokens.anyHost(tokens).apply(HttpClient.create());

        status(client, WireMocks.url(api, "/data"));

        assertThat(received("/data")).extracting(ReactorNettyTokensTest::authorization).containsExactly("Bearer first");
    }

    @Test
    void failsFastWithoutSendingWhenNoTokenCanBeHad() {
        idp.stubFor(post("/token").willReturn(serviceUnavailable()));
        tokens = WireMocks.service(idp);
        States.await(tokens, Status.AUTH_RETRYING);
        api.stubFor(get("/data").willReturn(ok("data")));
        HttpClient client = ReactorNettyTokens.bearer(tokens, "127.0.0.1")
                .apply(HttpClient.create().baseUrl(WireMocks.url(api, "")));

        Mono<Integer> call = client.get().uri("/data").response().map(response -> response.status().code());

        StepVerifier.create(call)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TokenUnavailableException.class);
                    assertThat(((TokenUnavailableException) e).retryAfter()).isPresent();
                })
                .verify(Await.DEFAULT_TIMEOUT);
        assertThat(api.getAllServeEvents()).isEmpty();
    }

    @Test
    void aClientWhoseBaseUrlIsNotAllowedIsRefused() {
        running("first");
        ReactorNettyTokens hook = ReactorNettyTokens.bearer(tokens, "api.example.com");

        assertThatThrownBy(() -> hook.apply(HttpClient.create().baseUrl("https://other.example.com/v1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("other.example.com");
        assertThatThrownBy(() -> hook.apply(HttpClient.create().baseUrl("other.example.com:8443")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bearerWithoutAnyHostIsRejected() {
        running("first");

        assertThatThrownBy(() -> ReactorNettyTokens.bearer(tokens))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anyHost");
    }
}
