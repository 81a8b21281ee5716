package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RequestHold;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code forScopes(..)} / {@code forAudience(..)}: derived services with their own token, cache and single flight. */
class VariantsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private EmbeddedAuthorizationServer idp;
    private TokenService tokens;

    @BeforeEach
    void start() {
        idp = EmbeddedAuthorizationServer.builder().client("orders-client", "orders-secret").start();
        tokens = TokenService.builder().tokenEndpoint(idp.tokenEndpoint())
                .clientCredentials("orders-client", "orders-secret").scopes("orders.read").build();
    }

    @AfterEach
    void stop() {
        tokens.dispose();
        idp.close();
    }

    @Test
    void aVariantForOtherScopesHasItsOwnToken() {
        AccessToken read = tokens.token().block(WAIT);

        AccessToken write = tokens.forScopes("orders.write", "orders.admin").token().block(WAIT);

        assertThat(read.scopes()).containsExactly("orders.read");
        assertThat(write.scopes()).containsExactlyInAnyOrder("orders.write", "orders.admin");
        assertThat(write).isNotEqualTo(read);
        assertThat(tokens.token().block(WAIT)).as("the parent's token is untouched").isEqualTo(read);
        assertThat(idp.tokenRequests()).isEqualTo(2);
    }

    @Test
    void askingForTheSameScopesAgainReturnsTheSameServiceWithItsCachedToken() {
        TokenService first = tokens.forScopes("orders.write", "orders.admin");
        first.token().block(WAIT);

        TokenService again = tokens.forScopes("orders.admin", "orders.write");

        assertThat(again).isSameAs(first);
        assertThat(again.token().block(WAIT)).isEqualTo(first.token().block(WAIT));
        assertThat(idp.tokenRequests()).as("parent + one variant").isEqualTo(2);
    }

    @Test
    void concurrentCallersOfAVariantShareOneRefresh() {
        tokens.token().block(WAIT);
        TokenService variant = tokens.forScopes("orders.write");
        variant.token().block(WAIT);
        idp.resetCounters();
        RequestHold hold = idp.holdNextRequest();

        Mono<Void> callers = Flux.range(0, 200).flatMap(i -> variant.refresh(), 200).then().cache();
        callers.subscribe(null, e -> { });
        hold.awaitHeld(WAIT);
        hold.release();
        callers.block(WAIT);

        assertThat(idp.tokenRequests()).isEqualTo(1);
    }

    @Test
    void disposingTheServiceDisposesItsVariants() {
        TokenService variant = tokens.forAudience("https://billing.example");
        variant.token().block(WAIT);

        tokens.dispose();

        assertThat(variant.state().status()).isEqualTo(Status.STOPPED);
        assertThatThrownBy(() -> tokens.forScopes("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPublicClientHasNoVariantsItsRefreshTokenIsItsOwn() {
        EmbeddedAuthorizationServer cli = EmbeddedAuthorizationServer.builder().publicClient("cli").start();
        TokenService service = TokenService.builder().tokenEndpoint(cli.tokenEndpoint()).clientId("cli")
                .refreshToken(cli.issueRefreshToken("cli")).build();
        try {
            assertThatThrownBy(() -> service.forScopes("x"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("public client");
        } finally {
            service.dispose();
            cli.close();
        }
    }

    @Test
    void aVariantForAnAudienceSendsTheAudienceParameterAndKeepsTheScopes() {
        WireMockServer wire = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(post("/token").willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"t-{{randomValue length=8 type='ALPHANUMERIC'}}\",\"token_type\":\"Bearer\","
                        + "\"expires_in\":3600}").withTransformers("response-template")));
        TokenService parent = TokenService.builder().tokenEndpoint(URI.create(wire.baseUrl() + "/token"))
                .clientCredentials("orders-client", "orders-secret").scopes("orders.read").build();
        try {
            Mono.when(parent.token(), parent.forAudience("https://billing.example").token()).block(WAIT);

            wire.verify(1, postRequestedFor(urlEqualTo("/token"))
                    .withRequestBody(containing("audience=https%3A%2F%2Fbilling.example"))
                    .withRequestBody(containing("scope=orders.read")));
            wire.verify(2, postRequestedFor(urlEqualTo("/token")));
        } finally {
            parent.dispose();
            wire.stop();
        }
    }
}
