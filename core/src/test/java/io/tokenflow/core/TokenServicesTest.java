package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.RefreshTokenFamily;
import io.tokenflow.test.TestScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** Named clients: a registry of services configured by name, sharing connections, event loops and a scheduler. */
class TokenServicesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private EmbeddedAuthorizationServer main;
    private EmbeddedAuthorizationServer partner;

    @BeforeEach
    void start() {
        main = EmbeddedAuthorizationServer.builder().issuerPath("/realms/main").client("orders-client", "orders-secret").start();
        partner = EmbeddedAuthorizationServer.builder().issuerPath("/realms/partner").publicClient("cli").start();
    }

    @AfterEach
    void stop() {
        main.close();
        partner.close();
    }

    @Test
    void twoNamedClientsWithDifferentIssuersAndGrantsEachGetTheirServersToken() {
        RefreshTokenFamily family = partner.startFamily("cli");
        TokenServices clients = TokenServices.builder()
                .client("orders", c -> c.issuer(main.issuer()).clientCredentials("orders-client", "orders-secret"))
                .client("partner", c -> c.issuer(partner.issuer()).clientId("cli").refreshToken(family.currentRefreshToken()))
                .build();
        try {
            AccessToken orders = clients.get("orders").token().block(WAIT);
            AccessToken cli = clients.get("partner").token().block(WAIT);

            assertThat(main.isActive(orders.value())).as("client_credentials at the main issuer").isTrue();
            assertThat(partner.isActive(cli.value())).as("refresh_token at the partner issuer").isTrue();
            assertThat(partner.rotations()).isEqualTo(1);
            assertThat(main.tokenRequests()).isEqualTo(1);
            assertThat(partner.tokenRequests()).isEqualTo(1);
        } finally {
            clients.dispose();
        }
    }

    @Test
    void anUnknownNameIsRefusedNamingTheKnownOnes() {
        TokenServices clients = TokenServices.builder()
                .client("orders", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .client("billing", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .build();
        try {
            assertThatThrownBy(() -> clients.get("shipping"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no client named 'shipping'; the clients are [orders, billing]");
        } finally {
            clients.dispose();
        }
    }

    @Test
    void asMapKeepsTheOrderOfRegistrationAndCannotBeChanged() {
        TokenServices clients = TokenServices.builder()
                .client("zeta", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .client("alpha", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .client("mid", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .build();
        try {
            assertThat(List.copyOf(clients.asMap().keySet())).containsExactly("zeta", "alpha", "mid");
            assertThat(clients.asMap().get("alpha")).isSameAs(clients.get("alpha"));
            assertThatThrownBy(() -> clients.asMap().remove("zeta")).isInstanceOf(UnsupportedOperationException.class);
        } finally {
            clients.dispose();
        }
    }

    @Test
    void aConfigurationErrorInOneClientStartsNoneAndNamesTheClient() {
        assertThatThrownBy(() -> TokenServices.builder()
                .client("orders", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .client("billing", c -> c.tokenEndpoint(main.tokenEndpoint()))
                .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("client 'billing': client credentials are required");

        // A registry that does start gets its token with the server's first request: "orders" above sent none.
        TokenServices clients = TokenServices.builder()
                .client("orders", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .build();
        try {
            clients.get("orders").token().block(WAIT);
            assertThat(main.tokenRequests()).isEqualTo(1);
        } finally {
            clients.dispose();
        }
    }

    @Test
    void aNameIsRegisteredOnce() {
        TokenServices.Builder builder = TokenServices.builder().client("orders", c -> { });
        assertThatThrownBy(() -> builder.client("orders", c -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'orders' is registered already");
    }

    @Test
    void theRegistrysSchedulerIsEveryClientsClockAndTimerWithOneTaskForAll() {
        TestScheduler clock = TestScheduler.delegatingTo(Schedulers.parallel());
        TokenServices clients = TokenServices.builder()
                .scheduler(clock)
                .client("a", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .client("b", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .client("c", c -> c.tokenEndpoint(main.tokenEndpoint()).clientCredentials("orders-client", "orders-secret"))
                .build();
        try {
            clients.asMap().values().forEach(s -> s.token().block(WAIT));

            assertThat(clock.pendingTasks()).as("three idle services, six timers, one task on the scheduler").isEqualTo(1);
        } finally {
            clients.dispose();
        }
    }

    @Test
    void disposingTheRegistryLeavesNoThreadTimerOrConnection() {
        TestScheduler clock = TestScheduler.delegatingTo(Schedulers.parallel());
        RefreshTokenFamily family = partner.startFamily("cli");
        TokenServices clients = TokenServices.builder()
                .scheduler(clock)
                .client("orders", c -> c.issuer(main.issuer()).clientCredentials("orders-client", "orders-secret"))
                .client("partner", c -> c.issuer(partner.issuer()).clientId("cli").refreshToken(family.currentRefreshToken()))
                .build();
        clients.asMap().values().forEach(s -> s.token().block(WAIT));
        clients.get("orders").forScopes("orders.write").token().block(WAIT);
        Set<Thread> registryThreads = threadsNamed("tokenflow-registry-");
        assertThat(registryThreads).as("the registry's event loops").isNotEmpty();
        assertThat(clock.pendingTasks()).as("the shared timer task").isEqualTo(1);
        Await.until(WAIT, "pooled connections", () -> main.openConnections() + partner.openConnections() >= 2);

        clients.dispose();

        assertThat(clients.isDisposed()).isTrue();
        assertThat(clients.asMap().values()).allSatisfy(s -> assertThat(s.state().status()).isEqualTo(Status.STOPPED));
        assertThat(clock.pendingTasks()).as("timers left on the scheduler").isZero();
        Await.until(WAIT, "every connection closed at both servers", () -> main.openConnections() + partner.openConnections() == 0);
        Await.until(WAIT, "the registry's threads ended", () -> registryThreads.stream().noneMatch(Thread::isAlive));
    }

    private static Set<Thread> threadsNamed(String prefix) {
        Set<Thread> found = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                found.add(t);
            }
        }
        return found;
    }
}
