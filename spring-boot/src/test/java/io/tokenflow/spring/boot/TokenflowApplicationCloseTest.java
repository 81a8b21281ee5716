package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.spring.boot.app.ResourceApp;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

/** Closing the application leaves none of tokenflow's threads and no connection to the authorization server. */
class TokenflowApplicationCloseTest {

    private static Set<Thread> tokenflowThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("tokenflow-"))
                .collect(Collectors.toSet());
    }

    @Test
    void closingTheContextLeavesNoTokenflowThreadAndNoConnection() {
        try (EmbeddedAuthorizationServer server = Runners.server()) {
            ResourceApp.authorizationServer = server;
            Set<Thread> before = tokenflowThreads();
            ConfigurableApplicationContext context = new SpringApplicationBuilder(ResourceApp.class).properties(
                    "server.address=127.0.0.1", "server.port=0",
                    "tokenflow.clients.orders.token-uri=" + server.tokenEndpoint(),
                    "tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID,
                    "tokenflow.clients.orders.client-secret=" + Runners.ORDERS_SECRET,
                    "tokenflow.clients.orders.hosts=127.0.0.1").run();
            int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            String answer = context.getBean(WebClient.Builder.class).build().get().uri("http://127.0.0.1:" + port + "/orders")
                    .retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
            assertThat(answer).isEqualTo("orders");
            TokenServices services = context.getBean(TokenServices.class);
            Set<Thread> started = tokenflowThreads();
            started.removeAll(before);
            assertThat(started).as("the client's own event-loop threads").isNotEmpty();
            assertThat(server.openConnections()).as("connections to the authorization server").isPositive();

            context.close();

            assertThat(services.get("orders").state().status()).isEqualTo(Status.STOPPED);
            Await.until("tokenflow's threads " + started + " end", () -> started.stream().noneMatch(Thread::isAlive));
            Await.until("no connection to the authorization server is left", () -> server.openConnections() == 0);
            assertThat(tokenflowThreads()).as("tokenflow threads after close").isSubsetOf(before);
        }
    }
}
