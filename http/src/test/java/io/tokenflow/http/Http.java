package io.tokenflow.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.function.Consumer;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRoutes;

/** A route server on 127.0.0.1 and a plain client for it. */
final class Http {

    private Http() {
    }

    record Reply(int status, HttpHeaders headers, String body) {
    }

    static DisposableServer serve(Consumer<? super HttpServerRoutes> routes) {
        return HttpServer.create().host("127.0.0.1").port(0).route(routes).bindNow();
    }

    static HttpClient client(DisposableServer server) {
        return HttpClient.newConnection().baseUrl("http://127.0.0.1:" + server.port());
    }

    static Reply get(DisposableServer server, String path) {
        return client(server).get().uri(path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Reply(response.status().code(), response.responseHeaders(), text)))
                .block(Await.TIMEOUT);
    }
}
