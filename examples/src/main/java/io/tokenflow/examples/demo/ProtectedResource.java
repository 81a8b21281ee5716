package io.tokenflow.examples.demo;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A resource server for the demo: {@code GET /hello} answers 200 to a bearer token the
 * authorization server says is active, and 401 {@code invalid_token} otherwise (RFC 6750).
 */
final class ProtectedResource implements AutoCloseable {

    private final DisposableServer server;

    private ProtectedResource(DisposableServer server) {
        this.server = server;
    }

    /** Binds 127.0.0.1 on an ephemeral port; blocks until bound (call from main, not an event loop). */
    static ProtectedResource start(Predicate<String> isActive) {
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get("/hello", (request, response) -> {
                    String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION, "");
                    String token = authorization.startsWith("Bearer ") ? authorization.substring("Bearer ".length()) : "";
                    if (!token.isEmpty() && isActive.test(token)) {
                        return response.header(HttpHeaderNames.CONTENT_TYPE, "text/plain").sendString(Mono.just("hello"));
                    }
                    return response.status(HttpResponseStatus.UNAUTHORIZED)
                            .header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
                            .send();
                }))
                .bindNow();
        return new ProtectedResource(server);
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
