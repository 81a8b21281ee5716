package app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.Loopback;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/** The README's "Use" snippet, built from the README's coordinates only, against the embedded authorization server. */
class OrdersTest {

    @Test
    void theReadmeAppCallsTheApiWithAFreshToken() {
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("orders-client", "orders-secret").start()) {
            DisposableServer api = Loopback.httpServer()
                    .route(routes -> routes.get("/orders", (request, response) -> {
                        String authorization = request.requestHeaders().get("Authorization", "");
                        boolean valid = authorization.startsWith("Bearer ") && idp.isActive(authorization.substring(7));
                        return valid ? response.sendString(Mono.just("[order-1]")) : response.status(401).send();
                    }))
                    .bindNow();
            try (Orders orders = new Orders(idp.tokenEndpoint(), "orders-secret", URI.create("http://127.0.0.1:" + api.port()))) {
                assertEquals("[order-1]", orders.list().block(Duration.ofSeconds(10)));
                assertEquals(1, idp.tokenRequests());
            } finally {
                api.disposeNow();
            }
        }
    }
}
