package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.FileCredentialStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Some servers (Keycloak before 12, others with "refresh tokens for client credentials") answer
 * {@code client_credentials} with a refresh token too. A client that authenticates itself must
 * never be locked out by that refresh token: when it is refused, the client falls back to its own
 * grant at once, with one request.
 */
class OwnGrantFallbackTest {

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort())
            .build();

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CLIENT_CREDENTIALS = "grant_type=client_credentials";
    private static final String REFRESH = "grant_type=refresh_token";

    private final List<TokenService> services = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        services.forEach(TokenService::dispose);
    }

    private URI endpoint() {
        return URI.create(server.baseUrl() + "/token");
    }

    private static String token(String access, String refresh) {
        return "{\"access_token\":\"" + access + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"refresh_token\":\""
                + refresh + "\"}";
    }

    /** client_credentials hands out a token and an unasked-for refresh token; refresh_token answers {@code refusal}. */
    private static void keycloakLike(String refusal) {
        server.stubFor(post(urlEqualTo("/token")).withRequestBody(containing(CLIENT_CREDENTIALS))
                .willReturn(okJson(token("at-cc", "rt-from-cc"))));
        server.stubFor(post(urlEqualTo("/token")).withRequestBody(containing(REFRESH))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":\"" + refusal + "\",\"error_description\":\"Session not active\"}")));
    }

    private TokenService start(TokenService.Builder builder) {
        TokenService service = builder.build();
        services.add(service);
        return service;
    }

    private TokenService.Builder confidential() {
        return TokenService.builder().tokenEndpoint(endpoint()).clientCredentials("cc-client", "cc-secret")
                .retryPolicy(RetryPolicy.fromEnvironment(java.util.Map.of()).withMaxRetries(0));
    }

    private static int requests(String grant) {
        return server.findAll(postRequestedFor(urlEqualTo("/token")).withRequestBody(containing(grant))).size();
    }

    @Test
    void aRefusedUnaskedForRefreshTokenFallsBackToClientCredentialsAtOnce() {
        keycloakLike("invalid_grant");
        TokenService service = start(confidential());
        assertThat(service.token().block(WAIT).value()).isEqualTo("at-cc");

        AccessToken renewed = service.refresh().block(WAIT);

        assertThat(renewed.value()).isEqualTo("at-cc");
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(requests(REFRESH)).as("refresh_token requests").isEqualTo(1);
        assertThat(requests(CLIENT_CREDENTIALS)).as("client_credentials requests: the first and one fallback").isEqualTo(2);
    }

    @Test
    void aClientNotAllowedTheRefreshGrantFallsBackToo() {
        keycloakLike("unauthorized_client");
        TokenService service = start(confidential());
        service.token().block(WAIT);

        service.refresh().block(WAIT);

        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(requests(CLIENT_CREDENTIALS)).isEqualTo(2);
    }

    @Test
    void aRestartOnAFileHoldingTheRefusedRefreshTokenStaysRunning() {
        keycloakLike("invalid_grant");
        Path file = dir.resolve("token.json");
        FileCredentialStore.at(file).save(Credential.builder()
                .accessToken(AccessToken.of("at-expired", "Bearer", Instant.now().minusSeconds(60), Set.of()))
                .refreshToken("rt-session-gone").build()).block(WAIT);

        TokenService service = start(confidential().credentialStore(FileCredentialStore.at(file)));

        assertThat(service.token().block(WAIT).value()).isEqualTo("at-cc");
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(requests(REFRESH)).isEqualTo(1);
        assertThat(requests(CLIENT_CREDENTIALS)).isEqualTo(1);
        Credential saved = FileCredentialStore.at(file).load().block(WAIT);
        assertThat(saved.accessToken().orElseThrow().value()).as("the fallback's token is saved").isEqualTo("at-cc");
    }

    @Test
    void aClientThatMayNotUseItsOwnGrantReportsTheRefusedRefreshToken() {
        server.stubFor(post(urlEqualTo("/token")).withRequestBody(containing(REFRESH))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":\"invalid_grant\"}")));
        server.stubFor(post(urlEqualTo("/token")).withRequestBody(containing(CLIENT_CREDENTIALS))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":\"unauthorized_client\"}")));

        TokenService service = start(confidential().refreshToken("rt-from-a-login"));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(service.state().status()).isEqualTo(Status.UNAUTHENTICATED);
        assertThat(service.state().lastFailure().orElseThrow().oauthError()).hasValue("invalid_grant");
        assertThat(requests(REFRESH) + requests(CLIENT_CREDENTIALS)).as("one refresh, one fallback").isEqualTo(2);
    }

    @Test
    void aPublicClientHasNoGrantToFallBackTo() {
        keycloakLike("invalid_grant");

        TokenService service = start(TokenService.builder().tokenEndpoint(endpoint()).clientId("public-client")
                .refreshToken("rt-expired"));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(service.state().status()).isEqualTo(Status.UNAUTHENTICATED);
        assertThat(requests(CLIENT_CREDENTIALS)).isZero();
    }

    /** {@code grantType} hands out a token and an unasked-for refresh token; refresh_token answers invalid_grant. */
    private static void refreshTokenAlongWith(String grantType) {
        server.stubFor(post(urlEqualTo("/token")).withRequestBody(containing(grantType))
                .willReturn(okJson(token("at-own", "rt-unasked"))));
        server.stubFor(post(urlEqualTo("/token")).withRequestBody(containing(REFRESH))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":\"invalid_grant\"}")));
    }

    @Test
    void aJwtBearerClientFallsBackToAFreshAssertionAtOnce() throws Exception {
        String jwtBearer = "grant_type=" + java.net.URLEncoder.encode(GrantsTest.JWT_BEARER, java.nio.charset.StandardCharsets.UTF_8);
        refreshTokenAlongWith(jwtBearer);
        String assertion = GrantsTest.assertion("workload");
        TokenService service = start(TokenService.builder().tokenEndpoint(endpoint()).clientId("jb-public")
                .jwtBearer(() -> reactor.core.publisher.Mono.just(assertion))
                .retryPolicy(RetryPolicy.fromEnvironment(java.util.Map.of()).withMaxRetries(0)));
        service.token().block(WAIT);

        AccessToken renewed = service.refresh().block(WAIT);

        assertThat(renewed.value()).isEqualTo("at-own");
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(requests(REFRESH)).as("refresh_token requests").isEqualTo(1);
        assertThat(requests(jwtBearer)).as("jwt-bearer requests: the first and one fallback").isEqualTo(2);
    }

    @Test
    void aTokenExchangeClientFallsBackToAFreshExchangeAtOnce() {
        String exchange = "grant_type=" + java.net.URLEncoder.encode(GrantsTest.TOKEN_EXCHANGE, java.nio.charset.StandardCharsets.UTF_8);
        refreshTokenAlongWith(exchange);
        TokenService service = start(confidential().tokenExchange(TokenExchange.subject(
                () -> reactor.core.publisher.Mono.just("subject-token-value"), "urn:ietf:params:oauth:token-type:access_token")));
        service.token().block(WAIT);

        AccessToken renewed = service.refresh().block(WAIT);

        assertThat(renewed.value()).isEqualTo("at-own");
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
        assertThat(requests(REFRESH)).isEqualTo(1);
        assertThat(requests(exchange)).as("token exchanges: the first and one fallback").isEqualTo(2);
        assertThat(requests(CLIENT_CREDENTIALS)).isZero();
    }
}
