package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Discovery against an authorization server nobody here wrote: NAV's {@code mock-oauth2-server},
 * which serves metadata per issuer ({@code /<issuer id>/.well-known/...}), not at RFC 8414's
 * inserted path: tokenflow's RFC 8414 request meets a 404 and falls back to OpenID Connect.
 */
class MockOAuth2ServerDiscoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static MockOAuth2Server server;

    @BeforeAll
    static void start() throws Exception {
        server = new MockOAuth2Server();
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterAll
    static void stop() {
        server.shutdown();
    }

    private static URI issuer(String id) {
        return URI.create(server.issuerUrl(id).toString());
    }

    @Test
    void aClientCredentialsTokenComesFromTheIssuersDiscoveredTokenEndpoint() {
        TokenService tokens = TokenService.builder()
                .issuer(issuer("orders"))
                .clientCredentials("orders-client", "orders-secret")
                .scopes("orders.read")
                .build();
        try {
            AccessToken token = tokens.token().block(WAIT);

            assertThat(token.value().split("\\.")).as("a signed JWT from the mock server").hasSize(3);
            assertThat(tokens.state().status()).isEqualTo(WorkloadState.Status.RUNNING);
        } finally {
            tokens.dispose();
        }
    }

    @Test
    void twoNamedClientsOfTwoIssuersOnOneServerEachGetTheirIssuersToken() {
        TokenServices clients = TokenServices.builder()
                .client("orders", c -> c.issuer(issuer("orders")).clientCredentials("orders-client", "orders-secret"))
                .client("billing", c -> c.issuer(issuer("billing")).clientCredentials("billing-client", "billing-secret"))
                .build();
        try {
            String orders = clients.get("orders").token().block(WAIT).value();
            String billing = clients.get("billing").token().block(WAIT).value();

            assertThat(JwtClaims.of(orders).get("iss")).isEqualTo(issuer("orders").toString());
            assertThat(JwtClaims.of(billing).get("iss")).isEqualTo(issuer("billing").toString());
        } finally {
            clients.dispose();
        }
    }

    @Test
    void aMethodTheServerDoesNotOfferIsAPermanentFailureNamingWhatItOffers() {
        TokenService tokens = TokenService.builder()
                .issuer(issuer("orders"))
                .clientCredentials("orders-client", "orders-secret")
                .clientSecretPost()                           // this server's metadata offers client_secret_basic only
                .build();
        try {
            io.tokenflow.test.Await.until(WAIT, "UNAUTHENTICATED", () -> tokens.state().status() == WorkloadState.Status.UNAUTHENTICATED);
            assertThat(tokens.state().lastFailure().orElseThrow().message())
                    .contains("offers token_endpoint_auth_methods_supported [client_secret_basic], not client_secret_post");
        } finally {
            tokens.dispose();
        }
    }

    @Test
    void theMockServersIssuerIsExactlyTheConfiguredOne() {
        TokenService tokens = TokenService.builder()
                .issuer(URI.create(issuer("orders") + "/"))   // one character off: another issuer
                .clientCredentials("orders-client", "orders-secret")
                .build();
        try {
            io.tokenflow.test.Await.until(WAIT, "a permanent failure",
                    () -> tokens.state().status() == WorkloadState.Status.UNAUTHENTICATED
                            || tokens.state().status() == WorkloadState.Status.AUTH_RETRYING);
            assertThat(tokens.state().lastFailure().orElseThrow().message()).contains("mix-up");
        } finally {
            tokens.dispose();
        }
    }

    /** The claims of a JWT, read without checking it (the test only needs to see who issued it). */
    static final class JwtClaims {
        static java.util.Map<String, Object> of(String jwt) {
            try {
                return com.nimbusds.jwt.JWTParser.parse(jwt).getJWTClaimsSet().getClaims();
            } catch (java.text.ParseException e) {
                throw new AssertionError("not a JWT", e);
            }
        }
    }
}
