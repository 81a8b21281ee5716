package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.test.DpopResourceServer;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.SecretScanExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * DPoP-bound tokens (RFC 9449) from the tokenflow-test server sent by the WebClient filter and the
 * Reactor Netty hook to a resource server that checks every proof: signed with the key the token
 * is bound to, for the request's method and URL, with {@code ath}, a fresh {@code jti} and, when it
 * asks, its nonce, which it rotates. No token or proof reaches a log.
 */
class DpopResourceTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);

    private EmbeddedAuthorizationServer idp;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private TokenService tokens;

    @BeforeEach
    void start() {
        idp = EmbeddedAuthorizationServer.builder().client("api-client", "api-secret-1").requireDpopNonce().start();
        tokens = TokenService.builder().tokenEndpoint(idp.tokenEndpoint()).clientCredentials("api-client", "api-secret-1")
                .dpop().build();
        secrets.scan().basicCredentials("api-client", "api-secret-1");
    }

    @AfterEach
    void stop() throws Exception {
        tokens.dispose();
        for (AutoCloseable c : closing) {
            c.close();
        }
        idp.close();
    }

    private DpopResourceServer resource(boolean requireNonce) {
        DpopResourceServer.Builder builder = DpopResourceServer.builder()
                .boundTo((token, jkt) -> idp.dpopKeyOf(token).filter(jkt::equals).isPresent());
        DpopResourceServer api = (requireNonce ? builder.requireNonce() : builder).start();
        closing.add(api);
        return api;
    }

    private WebClient webClient() {
        return WebClient.builder().filter(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).build();
    }

    private HttpClient nettyClient() {
        return ReactorNettyTokens.bearer(tokens, "127.0.0.1").apply(HttpClient.create());
    }

    private int get(WebClient client, String url) {
        return client.get().uri(url).exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode())).map(HttpStatusCode::value)
                .block(WAIT);
    }

    private static int get(HttpClient client, String url) {
        return client.get().uri(url).responseSingle((r, body) -> body.then(Mono.just(r.status().code()))).block(WAIT);
    }

    @Test
    void theFilterSendsTheBoundTokenWithAFreshProofForEveryRequest() {
        DpopResourceServer api = resource(false);
        WebClient client = webClient();

        List<Integer> statuses = Flux.range(0, 5).concatMap(i -> Mono.fromCallable(() -> get(client, api.url("/orders/" + i + "?x=1").toString())))
                .collectList().block(WAIT);

        assertThat(statuses).containsOnly(200);
        assertThat(api.accepted()).as("each proof checked: key, htm, htu, ath, a jti not seen before").isEqualTo(5);
        scanToken();
    }

    @Test
    void theFilterAnswersANonceChallengeWithOneRetryThenKeepsTheNonce() {
        DpopResourceServer api = resource(true);
        WebClient client = webClient();

        assertThat(get(client, api.url("/orders").toString())).isEqualTo(200);
        assertThat(api.nonceChallenges()).isEqualTo(1);
        assertThat(api.requests()).as("the challenged request and one retry").isEqualTo(2);

        assertThat(get(client, api.url("/orders").toString())).isEqualTo(200);
        assertThat(api.requests()).as("the nonce was kept").isEqualTo(3);

        api.rotateNonce();
        assertThat(get(client, api.url("/orders").toString())).isEqualTo(200);
        assertThat(api.nonceChallenges()).as("an expired nonce costs one retry").isEqualTo(2);
        assertThat(api.requests()).isEqualTo(5);
        scanToken();
    }

    @Test
    void theNettyHookSendsTheBoundTokenWithAFreshProofForEveryRequest() {
        DpopResourceServer api = resource(false);
        HttpClient client = nettyClient();

        for (int i = 0; i < 5; i++) {
            assertThat(get(client, api.url("/orders/" + i + "?page=2").toString())).isEqualTo(200);
        }

        assertThat(api.accepted()).isEqualTo(5);
        scanToken();
    }

    @Test
    void theNettyHookAnswersANonceChallengeWithOneRetry() {
        DpopResourceServer api = resource(true);
        HttpClient client = nettyClient();

        assertThat(get(client, api.url("/orders").toString())).isEqualTo(200);
        assertThat(api.nonceChallenges()).isEqualTo(1);
        assertThat(api.requests()).isEqualTo(2);

        api.rotateNonce();
        assertThat(get(client, api.url("/orders").toString())).isEqualTo(200);
        assertThat(get(client, api.url("/orders").toString())).isEqualTo(200);
        assertThat(api.nonceChallenges()).isEqualTo(2);
        assertThat(api.requests()).isEqualTo(5);
        scanToken();
    }

    @Test
    void aServerThatChallengesEveryProofGetsOneRetryOnly() {
        DpopResourceServer api = DpopResourceServer.builder().rotateNonceOnEveryRequest().start();
        closing.add(api);

        assertThat(get(webClient(), api.url("/a").toString())).as("the second challenge reaches the caller").isEqualTo(401);
        assertThat(api.requests()).as("one request and one retry").isEqualTo(2);
        assertThat(get(nettyClient(), api.url("/b").toString())).isEqualTo(401);
        assertThat(api.requests()).isEqualTo(4);
        assertThat(api.nonceChallenges()).isEqualTo(4);
    }

    @Test
    void aBearerTokenStillGoesAsBearerWithoutAProof() {
        try (EmbeddedAuthorizationServer plain = EmbeddedAuthorizationServer.builder().client("b-client", "b-secret-1").start()) {
            TokenService bearer = TokenService.builder().tokenEndpoint(plain.tokenEndpoint()).clientCredentials("b-client", "b-secret-1")
                    .build();
            try {
                DpopResourceServer api = resource(false);
                WebClient client = WebClient.builder().filter(TokenExchangeFilter.forHosts(bearer, "127.0.0.1")).build();

                assertThat(get(client, api.url("/orders").toString())).as("a DPoP resource refuses a Bearer token").isEqualTo(401);
                assertThat(api.accepted()).isZero();
            } finally {
                bearer.dispose();
            }
        }
    }

    private void scanToken() {
        AccessToken token = tokens.token().block(WAIT);
        assertThat(token.tokenType()).isEqualTo("DPoP");
        secrets.scan().secret("DPoP-bound access token", token.value());
    }
}
