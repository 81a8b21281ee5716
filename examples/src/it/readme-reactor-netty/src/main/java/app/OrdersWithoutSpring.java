package app;

import io.tokenflow.core.TokenService;
import io.tokenflow.http.ReactorNettyTokens;
import io.tokenflow.http.StatusRoutes;
import java.net.URI;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/** The README's snippets for an application without Spring: a Reactor Netty client and the status routes. */
public final class OrdersWithoutSpring {

    private OrdersWithoutSpring() {
    }

    static Mono<String> orders(TokenService tokens, URI apiUrl) {
        // tag::reactor-netty[]
        HttpClient api = ReactorNettyTokens.bearer(tokens, apiUrl.getHost())      // e.g. api.example.com
                .apply(HttpClient.create().baseUrl(apiUrl.toString()));

        return api.get().uri("/orders").responseContent().aggregate().asString();
        // end::reactor-netty[]
    }

    static DisposableServer status(TokenService tokens, int port) {
        return HttpServer.create().host("127.0.0.1").port(port).route(StatusRoutes.of(Map.of("orders-api", tokens))).bindNow();
    }
}
