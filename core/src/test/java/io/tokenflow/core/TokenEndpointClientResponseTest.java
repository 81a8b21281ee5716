package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tokenflow.core.TokenEndpointClientFixture.ACCESS_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.CLIENT_ID;
import static io.tokenflow.core.TokenEndpointClientFixture.NEW_REFRESH_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.REFRESH_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.refreshable;
import static io.tokenflow.core.TokenEndpointClientFixture.successOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * How a successful token answer becomes a {@link Credential}: expiry on the scheduler clock,
 * scopes, refresh-token rotation, and lenient content types. Real HTTP, real Nimbus parser.
 */
class TokenEndpointClientResponseTest {

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort())
            .build();

    private static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");

    private final TokenEndpointClientFixture clients = new TokenEndpointClientFixture();
    private VirtualTimeScheduler clock;

    @BeforeEach
    void fixTheClock() {
        clock = VirtualTimeScheduler.create();
        clock.advanceTimeTo(NOW);
    }

    @AfterEach
    void disposeClients() {
        clients.close();
        clock.dispose();
    }

    @Test
    void tokenAnswerBecomesACredentialExpiringOnTheSchedulerClock() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":\"api.read\"}");

        Credential credential = successOf(client().fetch(null));

        AccessToken token = credential.accessToken().orElseThrow();
        assertThat(token.value()).isEqualTo(ACCESS_TOKEN);
        assertThat(token.tokenType()).isEqualTo("Bearer");
        assertThat(token.expiresAt()).hasValue(NOW.plusSeconds(3600));
        assertThat(token.scopes()).containsExactly("api.read");
        assertThat(credential.refreshToken()).isEmpty();
        assertThat(credential.issuedAt()).hasValue(NOW);
        assertThat(credential.tokenEndpoint()).hasValue(endpoint());
        assertThat(credential.clientId()).hasValue(CLIENT_ID);
    }

    @Test
    void rotatedRefreshTokenReplacesTheOldOne() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                + "\"refresh_token\":\"" + NEW_REFRESH_TOKEN + "\"}");

        Credential credential = successOf(client().fetch(refreshable()));

        assertThat(credential.refreshToken()).hasValue(NEW_REFRESH_TOKEN);
        assertThat(credential.refreshTokenRotatedAt()).hasValue(NOW);
    }

    @Test
    void answerWithoutRefreshTokenKeepsTheOldOne() {
        Instant rotatedEarlier = NOW.minusSeconds(86_400);
        Credential current = refreshable().toBuilder().refreshTokenRotatedAt(rotatedEarlier).build();
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");

        Credential credential = successOf(client().fetch(current));

        assertThat(credential.refreshToken()).hasValue(REFRESH_TOKEN);
        assertThat(credential.refreshTokenRotatedAt()).hasValue(rotatedEarlier);
        assertThat(credential.accessToken().orElseThrow().value()).isEqualTo(ACCESS_TOKEN);
    }

    @Test
    void sameRefreshTokenSentBackIsNoRotation() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"refresh_token\":\"" + REFRESH_TOKEN + "\"}");

        Credential credential = successOf(client().fetch(refreshable()));

        assertThat(credential.refreshToken()).hasValue(REFRESH_TOKEN);
        assertThat(credential.refreshTokenRotatedAt()).isEmpty();
    }

    @Test
    void answerWithoutExpiresInHasNoExpiry() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\"}");

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().expiresAt()).isEmpty();
    }

    @Test
    void expiresInAsAStringIsRead() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":\"600\"}");

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().expiresAt()).hasValue(NOW.plusSeconds(600));
    }

    @Test
    void absurdExpiresInIsCutToTheLongestBelievedLifetime() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":999999999999}");

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().expiresAt()).hasValue(NOW.plus(AnswerParser.MAX_LIFETIME));
    }

    @Test
    void answerWithoutScopeGrantsTheRequestedScope() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":60}");

        Credential credential = successOf(clients.to(endpoint()).clock(clock).scopes("api.read", "api.write").build().fetch(null));

        assertThat(credential.accessToken().orElseThrow().scopes()).containsExactlyInAnyOrder("api.read", "api.write");
    }

    @Test
    void grantedScopeWinsOverTheRequestedOne() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"scope\":\"api.read\"}");

        Credential credential = successOf(clients.to(endpoint()).clock(clock).scopes("api.read", "api.write").build().fetch(null));

        assertThat(credential.accessToken().orElseThrow().scopes()).containsExactly("api.read");
    }

    @Test
    void noScopeRequestedNorGrantedMeansNoScopes() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\"}");

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().scopes()).isEmpty();
    }

    @ParameterizedTest(name = "served as {0}")
    @ValueSource(strings = {"text/plain", "text/plain;charset=ISO-8859-1", "text/html", "application/octet-stream",
            "application/json;charset=UTF-8", "application/vnd.example+json"})
    void jsonServedUnderAnotherContentTypeStillParses(String contentType) {
        server.stubFor(post("/token").willReturn(aResponse().withStatus(200).withHeader("Content-Type", contentType)
                .withBody("\n  {\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":60}")));

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().value()).isEqualTo(ACCESS_TOKEN);
    }

    @Test
    void jsonWithoutAnyContentTypeStillParses() {
        server.stubFor(post("/token").willReturn(aResponse().withStatus(200)
                .withBody("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\"}")));

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().value()).isEqualTo(ACCESS_TOKEN);
    }

    @Test
    void lowercaseBearerIsABearerToken() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"bearer\"}");

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().authorizationHeader()).isEqualTo("Bearer " + ACCESS_TOKEN);
    }

    @Test
    void unknownMembersOfTheAnswerAreIgnored() {
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\",\"id_token\":\"x.y.z\","
                + "\"not-before-policy\":0,\"nested\":{\"a\":[1,2]}}");

        Credential credential = successOf(client().fetch(null));

        assertThat(credential.accessToken().orElseThrow().value()).isEqualTo(ACCESS_TOKEN);
    }

    @Test
    void bookkeepingOfTheCurrentCredentialIsKept() {
        Credential current = refreshable().toBuilder().extensions(Map.of("account", "ops@example")).build();
        serve("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\"}");

        Credential credential = successOf(client().fetch(current));

        assertThat(credential.extensions()).containsEntry("account", "ops@example");
    }

    private TokenEndpointClient client() {
        return clients.to(endpoint()).clock(clock).build();
    }

    private static void serve(String json) {
        server.stubFor(post("/token").willReturn(okJson(json)));
    }

    private static URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getPort() + "/token");
    }
}
