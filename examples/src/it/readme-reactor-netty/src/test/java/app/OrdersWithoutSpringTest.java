package app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenflow.core.TokenService;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.Loopback;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/** The README's Reactor Netty snippet and the status routes, with tokenflow-http alone: no Spring on the class path. */
class OrdersWithoutSpringTest {

    @Test
    void springIsNotOnTheClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.springframework.web.reactive.function.client.WebClient"));
    }

    @Test
    void theReadmeSnippetCallsTheApiWithAFreshTokenAndTheStatusRoutesAnswer() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("orders-client", "orders-secret").start();
             TokenService tokens = TokenService.builder()
                     .tokenEndpoint(idp.tokenEndpoint())
                     .clientCredentials("orders-client", "orders-secret")
                     .build()) {
            DisposableServer api = Loopback.httpServer()
                    .route(routes -> routes.get("/orders", (request, response) -> {
                        String authorization = request.requestHeaders().get("Authorization", "");
                        boolean valid = authorization.startsWith("Bearer ") && idp.isActive(authorization.substring(7));
                        return valid ? response.sendString(Mono.just("[order-1]")) : response.status(401).send();
                    }))
                    .bindNow();
            DisposableServer status = OrdersWithoutSpring.status(tokens, 0);
            try {
                assertEquals("[order-1]", OrdersWithoutSpring.orders(tokens, URI.create("http://127.0.0.1:" + api.port()))
                        .block(Duration.ofSeconds(10)));
                int health = HttpClient.create().get().uri("http://127.0.0.1:" + status.port() + "/health/orders-api")
                        .responseSingle((response, body) -> Mono.just(response.status().code()))
                        .block(Duration.ofSeconds(10));
                assertEquals(200, health);
            } finally {
                status.disposeNow();
                api.disposeNow();
            }
        }
    }
}
