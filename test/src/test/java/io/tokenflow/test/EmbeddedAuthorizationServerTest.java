package io.tokenflow.test;

import static io.tokenflow.test.RawTokenClient.FORM;
import static io.tokenflow.test.RawTokenClient.WAIT;
import static io.tokenflow.test.RawTokenClient.basic;
import static io.tokenflow.test.RawTokenClient.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpMethod;
import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import io.tokenflow.test.RawTokenClient.Reply;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class EmbeddedAuthorizationServerTest extends AgainstEmbeddedServer {


    private final TestScheduler time = TestScheduler.manualClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Override
    AuthorizationServerBuilder configure(AuthorizationServerBuilder builder) {
        return builder.tokenLifetime(Duration.ofSeconds(20)).clock(time.clock());
    }

    private String accessToken() {
        return validRequest().field("access_token");
    }

    @Test
    void tokenEndpointIsOnLoopbackAtTheBoundPort() {
        assertThat(server.port()).isPositive();
        assertThat(server.tokenEndpoint())
                .isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/oauth2/token"));
    }

    @Test
    void expiresInIsTheConfiguredLifetime() {
        assertThat(validRequest().json().get("expires_in").asLong()).isEqualTo(20);
    }

    @Test
    void accessTokenIsActiveUntilTheServerClockReachesItsExpiry() {
        String accessToken = accessToken();

        time.advanceClock(Duration.ofSeconds(19));
        assertThat(server.isActive(accessToken)).isTrue();

        time.advanceClock(Duration.ofSeconds(1));
        assertThat(server.isActive(accessToken)).isFalse();
    }

    @Test
    void stringsNotMintedHereAreNotActive() {
        assertThat(server.isActive("never-issued")).isFalse();
    }

    @Test
    void revokeAllInvalidatesEveryAccessAndRefreshToken() {
        String accessToken = accessToken();
        String refreshToken = server.issueRefreshToken("demo-client");

        server.revokeAll();

        assertThat(server.isActive(accessToken)).isFalse();
        Reply refresh = client.postBasic("demo-client", "demo-secret",
                form("grant_type", "refresh_token", "refresh_token", refreshToken));
        assertThat(refresh.error()).isEqualTo("invalid_grant");
    }

    @Test
    void tokensIssuedAfterRevokeAllAreValid() {
        server.revokeAll();

        assertThat(server.isActive(accessToken())).isTrue();
    }

    @Test
    void tokenRequestsCountsEveryOutcome() {
        validRequest();
        client.postBasic("demo-client", "wrong-secret", CLIENT_CREDENTIALS);
        client.postBasic("demo-client", "demo-secret", form("grant_type", "password"));
        server.fault(Fault.SERVICE_UNAVAILABLE);
        validRequest();

        assertThat(server.tokenRequests()).isEqualTo(4);
    }

    @Test
    void tokenRequestsCountsConcurrentRequestsExactly() {
        List<Reply> replies =
                Flux.range(0, 50).flatMap(i -> asyncValidRequest(), 16).collectList().block(WAIT);

        assertThat(replies).hasSize(50);
        assertThat(server.tokenRequests()).isEqualTo(50);
    }

    /**
     * Minting runs on the event loop, where BlockHound rejects a blocking read of the OS entropy
     * source; a generator that refills from {@code /dev/urandom} now and then fails here.
     */
    @Test
    void manyTokensAreMintedWithoutBlockingTheEventLoop() {
        List<Reply> replies =
                Flux.range(0, 300).flatMap(i -> asyncValidRequest(), 16).collectList().block(WAIT);

        assertThat(replies).hasSize(300).allSatisfy(reply -> assertThat(reply.status()).isEqualTo(200));
    }

    private Mono<Reply> asyncValidRequest() {
        return client.postBasicAsync("demo-client", "demo-secret", CLIENT_CREDENTIALS);
    }

    @Test
    void resetCountersStartsTheCountAgain() {
        validRequest();

        server.resetCounters();
        validRequest();

        assertThat(server.tokenRequests()).isEqualTo(1);
    }

    @Test
    void requestsOtherThanPostToTheTokenEndpointAreNotCounted() {
        Reply get = client.send(HttpMethod.GET, server.tokenEndpoint(), null, null, "");
        URI elsewhereUri = server.tokenEndpoint().resolve("/other");
        Reply elsewhere = client.send(HttpMethod.POST, elsewhereUri, FORM, null, CLIENT_CREDENTIALS);

        assertThat(get.status()).isEqualTo(405);
        assertThat(get.header("Allow")).isEqualTo("POST");
        assertThat(elsewhere.status()).isEqualTo(404);
        assertThat(server.tokenRequests()).isZero();
    }

    @Test
    void unknownGrantTypeIsUnsupportedGrantType() {
        Reply reply = client.postBasic("demo-client", "demo-secret", form("grant_type", "password"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("unsupported_grant_type");
    }

    @Test
    void missingGrantTypeIsAnInvalidRequest() {
        Reply reply = client.postBasic("demo-client", "demo-secret", form("scope", "api.read"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_request");
    }

    @Test
    void bodyThatIsNotAFormIsAnInvalidRequest() {
        Reply reply = client.send(HttpMethod.POST, server.tokenEndpoint(), "application/json",
                basic("demo-client", "demo-secret"), "{\"grant_type\":\"client_credentials\"}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_request");
    }

    @Test
    void repeatedParameterIsAnInvalidRequest() {
        String repeated = CLIENT_CREDENTIALS + "&" + CLIENT_CREDENTIALS;

        Reply reply = client.postBasic("demo-client", "demo-secret", repeated);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error()).isEqualTo("invalid_request");
    }

    @Test
    void closeReleasesThePort() {
        server.close();

        assertThatThrownBy(() -> validRequest()).hasMessageContaining("Connection refused");
    }

    @Test
    void builderRejectsInvalidSettings() {
        AuthorizationServerBuilder builder =
                EmbeddedAuthorizationServer.builder().client("a", "b");

        assertThatIllegalArgumentException().isThrownBy(() -> builder.port(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.port(65536));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.client("a", "c"));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.client("", "c"));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.tokenLifetime(Duration.ofMillis(999)));
        assertThatIllegalArgumentException().isThrownBy(() -> builder.slowDelay(Duration.ofMillis(-1)));
    }
}
