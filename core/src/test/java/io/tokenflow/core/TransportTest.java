package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The connections services share: one pool for many services, idle connections closed in the background. */
class TransportTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void anIdlePooledConnectionIsClosedInTheBackgroundWithoutAnotherRequest() {
        Transport transport = new Transport("idle-test", null, Duration.ofMillis(300), Duration.ofMillis(100));
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("c", "s").start()) {
            TokenService tokens = TokenService.builder().tokenEndpoint(idp.tokenEndpoint()).clientCredentials("c", "s")
                    .transport(transport).build();
            try {
                tokens.token().block(WAIT);
                Await.until(WAIT, "the pooled connection is open", () -> idp.openConnections() == 1);

                // No request follows: only a background eviction can close it (Reactor Netty checks maxIdleTime on acquire).
                Await.until(WAIT, "the idle connection closed", () -> idp.openConnections() == 0);
            } finally {
                tokens.dispose();
            }
        } finally {
            transport.dispose();
        }
    }

    @Test
    void manyLoneServicesShareTheTokenflowWidePool() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("c", "s").start()) {
            List<TokenService> services = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    TokenService tokens = TokenService.builder().tokenEndpoint(idp.tokenEndpoint()).clientCredentials("c", "s").build();
                    services.add(tokens);
                    tokens.token().block(WAIT);
                }

                assertThat(idp.tokenRequests()).isEqualTo(30);
                assertThat(idp.openConnections()).as("open connections of 30 services: one pool's, not 30")
                        .isBetween(1, Transport.MAX_CONNECTIONS);
            } finally {
                services.forEach(TokenService::dispose);
            }
        }
    }

    @Test
    void servicesWithTheSameTimeoutsShareOneConfiguredClient() {
        Transport transport = Transport.shared();
        assertThat(transport.client(Duration.ofSeconds(10), Duration.ofSeconds(10)))
                .isSameAs(transport.client(Duration.ofSeconds(10), Duration.ofSeconds(10)))
                .isNotSameAs(transport.client(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }
}
