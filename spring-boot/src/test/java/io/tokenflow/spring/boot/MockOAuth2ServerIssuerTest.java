package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState.Status;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Duration;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The starter against an authorization server no one here wrote, NAV's mock-oauth2-server on loopback,
 * configured by issuer-uri alone: the token endpoint comes from the server's own metadata.
 */
class MockOAuth2ServerIssuerTest {

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

    @Test
    void aClientByIssuerUriGetsASignedTokenFromTheServersDiscoveredTokenEndpoint() {
        Runners.starter().withPropertyValues(
                "tokenflow.clients.orders.issuer-uri=" + server.issuerUrl("orders"),
                "tokenflow.clients.orders.client-id=orders-client",
                "tokenflow.clients.orders.client-secret=orders-secret",
                "tokenflow.clients.orders.scopes=orders.read").run(context -> {
                    TokenServices services = context.getBean(TokenServices.class);
                    AccessToken token = services.get("orders").token().block(Duration.ofSeconds(20));
                    assertThat(token.value().split("\\.")).as("a signed JWT from mock-oauth2-server").hasSize(3);
                    assertThat(services.get("orders").state().status()).isEqualTo(Status.RUNNING);
                    String claims = new String(Base64.getUrlDecoder().decode(token.value().split("\\.")[1]), StandardCharsets.UTF_8);
                    assertThat(claims).as("issued by the orders issuer").contains(server.issuerUrl("orders").toString());
                });
    }
}
