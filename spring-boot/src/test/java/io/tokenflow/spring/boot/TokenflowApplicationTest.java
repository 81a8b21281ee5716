package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenflow.core.TokenServices;
import io.tokenflow.spring.boot.app.ResourceApp;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.ScriptedAnswer;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A real WebFlux application on a random port, configured only by properties, against the tokenflow-test
 * authorization server: the injected {@code WebClient.Builder} carries the token to the listed host and to
 * no other, Actuator shows health, the tokenflow endpoint and the request meter. The last test turns the
 * client's credential down for good ({@code invalid_grant}).
 */
@SpringBootTest(classes = ResourceApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokenflowApplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final EmbeddedAuthorizationServer SERVER = Runners.server();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) {
        ResourceApp.authorizationServer = SERVER;
        properties.add("server.address", () -> "127.0.0.1");
        properties.add("tokenflow.clients.orders.issuer-uri", () -> SERVER.issuer().toString());
        properties.add("tokenflow.clients.orders.client-id", () -> Runners.ORDERS_ID);
        properties.add("tokenflow.clients.orders.client-secret", () -> Runners.ORDERS_SECRET);
        properties.add("tokenflow.clients.orders.scopes", () -> "orders.read");
        properties.add("tokenflow.clients.orders.hosts", () -> "127.0.0.1");
        properties.add("management.endpoints.web.exposure.include", () -> "health,tokenflow,metrics");
        properties.add("management.endpoint.health.show-details", () -> "always");
    }

    @AfterAll
    static void stopServer() {
        SERVER.close();
    }

    @Autowired
    private WebClient.Builder builder;

    @Autowired
    private TokenServices services;


    @Value("${local.server.port}")
    private int port;

    private String get(String host, String path) {
        return builder.build().get().uri("http://" + host + ":" + port + path)
                .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty(""))
                .block(WAIT);
    }

    /** Actuator, by the host that gets no token (the listed one would fail fast once the client is down). */
    private JsonNode json(String path) throws IOException {
        return new ObjectMapper().readTree(get("localhost", path));
    }

    @Test
    @Order(1)
    void aWebClientFromTheInjectedBuilderCallsTheResourceWithTheToken() {
        assertThat(get("127.0.0.1", "/orders")).isEqualTo("orders");
    }

    @Test
    @Order(2)
    void aHostNotListedGetsNoToken() {
        assertThat(get("127.0.0.1", "/seen")).isEqualTo("authorization");
        assertThat(get("localhost", "/seen")).isEqualTo("none");
    }

    @Test
    @Order(3)
    void healthShowsTokenflowUpWithEveryClient() throws IOException {
        services.get("orders").token().block(WAIT);
        JsonNode tokenflow = json("/actuator/health").path("components").path("tokenflow");
        assertThat(tokenflow.path("status").asText()).isEqualTo("UP");
        assertThat(tokenflow.path("components").path("orders").path("status").asText()).isEqualTo("UP");
        assertThat(tokenflow.path("components").path("orders").path("details").path("status").asText()).isEqualTo("RUNNING");
    }

    @Test
    @Order(4)
    void theTokenflowEndpointListsTheStatesAndNoSecret() throws IOException {
        String token = services.get("orders").token().block(WAIT).value();
        String body = get("localhost", "/actuator/tokenflow");
        JsonNode orders = new ObjectMapper().readTree(body).path("clients").path("orders");
        assertThat(orders.path("status").asText()).isEqualTo("RUNNING");
        assertThat(orders.path("tokenExpiresAt").asText()).isNotBlank();
        assertThat(body).doesNotContain(token).doesNotContain(Runners.ORDERS_SECRET);
        assertThat(json("/actuator/tokenflow/orders").path("status").asText()).isEqualTo("RUNNING");
    }

    @Test
    @Order(5)
    void theRequestMeterCountsTheTokenRequests() throws IOException {
        services.get("orders").token().block(WAIT);
        double before = requestCount();
        int requestsBefore = SERVER.tokenRequests();
        services.get("orders").refresh().block(WAIT);
        services.get("orders").refresh().block(WAIT);
        Await.until("two more requests are counted", () -> requestCount() == before + 2);
        assertThat(SERVER.tokenRequests() - requestsBefore).isEqualTo(2);
    }

    private double requestCount() {
        try {
            for (JsonNode m : json("/actuator/metrics/tokenflow.token.requests").path("measurements")) {
                if (m.path("statistic").asText().equals("COUNT")) {
                    return m.path("value").asDouble();
                }
            }
            return 0;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(6)
    void healthShowsTokenflowDownAfterInvalidGrant() throws IOException {
        SERVER.script(ScriptedAnswer.oauthError(400, "invalid_grant"));
        services.get("orders").refresh().onErrorComplete().block(WAIT);
        Await.until("orders is UNAUTHENTICATED", () -> services.get("orders").state().status() == Status.UNAUTHENTICATED);
        JsonNode health = json("/actuator/health");
        assertThat(health.path("status").asText()).isEqualTo("DOWN");
        JsonNode orders = health.path("components").path("tokenflow").path("components").path("orders");
        assertThat(orders.path("status").asText()).isEqualTo("DOWN");
        assertThat(orders.path("details").path("lastFailure").path("oauthError").asText()).isEqualTo("invalid_grant");
        assertThat(get("localhost", "/actuator/health")).doesNotContain(Runners.ORDERS_SECRET);
    }
}
