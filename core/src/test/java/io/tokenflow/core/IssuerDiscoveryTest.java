package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.EmbeddedAuthorizationServer.Discovery;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code issuer(..)} against the tokenflow-test server: RFC 8414, the OIDC fallback, mix-up protection, methods offered. */
class IssuerDiscoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RetryPolicy QUICK = RetryPolicy.defaults().withMinBackoff(Duration.ofMillis(20))
            .withMaxBackoff(Duration.ofMillis(50)).withJitter(0);

    private EmbeddedAuthorizationServer idp;
    private TokenService tokens;

    @BeforeEach
    void start() {
        idp = EmbeddedAuthorizationServer.builder().issuerPath("/realms/main").client("orders-client", "orders-secret").start();
    }

    @AfterEach
    void stop() {
        if (tokens != null) {
            tokens.dispose();
        }
        idp.close();
    }

    private TokenService.Builder orders() {
        return TokenService.builder().issuer(idp.issuer()).clientCredentials("orders-client", "orders-secret").retryPolicy(QUICK);
    }

    @Test
    void theTokenEndpointComesFromTheRfc8414Metadata() {
        tokens = orders().build();

        AccessToken token = tokens.token().block(WAIT);

        assertThat(idp.isActive(token.value())).isTrue();
        assertThat(idp.metadataRequests()).as("only the RFC 8414 document").isEqualTo(1);
        assertThat(idp.tokenRequests()).isEqualTo(1);
    }

    @Test
    void rfc8414AnsweringNotFoundFallsBackToOpenIdConnect() {
        idp.discovery(Discovery.RFC_8414_NOT_FOUND);
        tokens = orders().build();

        assertThat(idp.isActive(tokens.token().block(WAIT).value())).isTrue();
        assertThat(idp.metadataRequests()).as("RFC 8414 (404), then OpenID Connect").isEqualTo(2);
    }

    @Test
    void rfc8414AnsweringMethodNotAllowedFallsBackToOpenIdConnect() {
        idp.discovery(Discovery.RFC_8414_METHOD_NOT_ALLOWED);
        tokens = orders().build();

        assertThat(idp.isActive(tokens.token().block(WAIT).value())).isTrue();
        assertThat(idp.metadataRequests()).isEqualTo(2);
    }

    @Test
    void metadataNamingAnotherIssuerIsRefusedForGoodWithBothIssuersNamed() {
        idp.discovery(Discovery.WRONG_ISSUER);
        tokens = orders().build();

        Await.until(WAIT, "UNAUTHENTICATED", () -> tokens.state().status() == Status.UNAUTHENTICATED);
        TokenFailure failure = tokens.state().lastFailure().orElseThrow();
        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.message()).contains("'" + idp.issuer() + "/mix-up'", "'" + idp.issuer() + "'", "mix-up");
        assertThat(idp.tokenRequests()).as("no credential is sent to a mixed-up server").isZero();
        assertThat(idp.metadataRequests()).as("a permanent failure is not retried").isEqualTo(1);
    }

    @Test
    void aClientWhoseMethodTheServerDoesNotOfferGetsAClearPermanentFailure() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        tokens = TokenService.builder().issuer(idp.issuer())
                .privateKeyJwt("orders-client", generator.generateKeyPair().getPrivate(), "kid-1").retryPolicy(QUICK).build();

        Await.until(WAIT, "UNAUTHENTICATED", () -> tokens.state().status() == Status.UNAUTHENTICATED);
        TokenFailure failure = tokens.state().lastFailure().orElseThrow();
        assertThat(failure.kind()).isEqualTo(FailureKind.PERMANENT);
        assertThat(failure.message()).contains("[client_secret_basic, client_secret_post]", "not private_key_jwt", "'orders-client'");
        assertThat(idp.tokenRequests()).isZero();
    }

    @Test
    void metadataThatIsNotServedYetIsRetriedAsTransientUntilItIs() {
        idp.discovery(Discovery.OFF);
        tokens = orders().build();

        Await.until(WAIT, "two failed discoveries", () -> idp.metadataRequests() >= 4);
        assertThat(tokens.state().status()).isEqualTo(Status.STARTING);
        assertThat(tokens.state().lastFailure()).as("STARTING shows the failed discovery while the short retry runs")
                .hasValueSatisfying(f -> assertThat(f.isTransient()).isTrue());
        idp.discovery(Discovery.SERVED);

        Await.until(WAIT, "RUNNING once the metadata is served", () -> tokens.state().status() == Status.RUNNING);
        assertThat(idp.tokenRequests()).isEqualTo(1);
    }

    @Test
    void theMetadataIsFetchedOnceForTheLifeOfTheService() {
        tokens = orders().build();
        tokens.token().block(WAIT);

        tokens.refresh().block(WAIT);
        tokens.refresh().block(WAIT);

        assertThat(idp.tokenRequests()).isEqualTo(3);
        assertThat(idp.metadataRequests()).isEqualTo(1);
    }

    @Test
    void aVariantOfADiscoveringServiceUsesTheMetadataItsParentFound() {
        tokens = orders().scopes("orders.read").build();
        tokens.token().block(WAIT);

        AccessToken write = tokens.forScopes("orders.write").token().block(WAIT);

        assertThat(write.scopes()).containsExactly("orders.write");
        assertThat(idp.metadataRequests()).isEqualTo(1);
    }

    @Test
    void anIssuerWithAQueryIsRefusedAtBuild() {
        assertThatThrownBy(() -> TokenService.builder().issuer(URI.create("https://idp.example/realms/main?x=1"))
                .clientCredentials("id", "secret").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no query or fragment");
    }

    @Test
    void anHttpIssuerOffLoopbackIsRefusedAtBuild() {
        assertThatThrownBy(() -> TokenService.builder().issuer(URI.create("http://idp.example/realms/main"))
                .clientCredentials("id", "secret").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("issuer: refusing http://");
    }

    @Test
    void theWellKnownUrlsFollowRfc8414AndOpenIdConnect() {
        URI issuer = URI.create("https://idp.example/realms/main");
        assertThat(IssuerDiscovery.rfc8414(issuer)).hasToString("https://idp.example/.well-known/oauth-authorization-server/realms/main");
        assertThat(IssuerDiscovery.oidc(issuer)).hasToString("https://idp.example/realms/main/.well-known/openid-configuration");
        assertThat(IssuerDiscovery.rfc8414(URI.create("https://idp.example/")))
                .hasToString("https://idp.example/.well-known/oauth-authorization-server");
        assertThat(IssuerDiscovery.oidc(URI.create("https://idp.example:8443")))
                .hasToString("https://idp.example:8443/.well-known/openid-configuration");
    }
}
