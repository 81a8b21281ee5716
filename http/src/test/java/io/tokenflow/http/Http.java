package io.tokenflow.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.tokenflow.test.Await;
import io.tokenflow.test.Loopback;
import java.util.function.Consumer;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRoutes;

/** A route server on 127.0.0.1 and a plain client for it. */
final class Http {

    private Http() {
    }

    record Reply(int status, HttpHeaders headers, String body) {
    }

    static DisposableServer serve(Consumer<? super HttpServerRoutes> routes) {
        return Loopback.httpServer().route(routes).bindNow();
    }

    static HttpClient client(DisposableServer server) {
        return HttpClient.newConnection().baseUrl(Loopback.url(server, "").toString());
    }

    /** A {@code HEAD}: the status and headers; the body is read anyway, to show there is none. */
    static Reply head(DisposableServer server, String path) {
        return client(server).head().uri(path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Reply(response.status().code(), response.responseHeaders(), text)))
                .block(Await.DEFAULT_TIMEOUT);
    }

    static Reply get(DisposableServer server, String path) {
        return client(server).get().uri(path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Reply(response.status().code(), response.responseHeaders(), text)))
                .block(Await.DEFAULT_TIMEOUT);
    }
}
