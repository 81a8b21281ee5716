package io.tokenflow.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A token endpoint on 127.0.0.1 that answers from a script, one answer per request, in order; an
 * answer may be held until the test releases it, so a service can be kept in STARTING for as long
 * as a test needs. Unscripted requests get a 500 (a transient failure).
 */
final class ScriptedTokenEndpoint implements AutoCloseable {

    /** One scripted answer; {@link #held()} makes one that waits for {@link #release()}. */
    static final class Answer {
        final int status;
        final String body;
        private final Sinks.Empty<Void> gate = Sinks.empty();
        private final boolean held;

        private Answer(int status, String body, boolean held) {
            this.status = status;
            this.body = body;
            this.held = held;
            if (!held) {
                gate.tryEmitEmpty();
            }
        }

        Answer held() {
            return new Answer(status, body, true);
        }

        void release() {
            if (!held) {
                throw new IllegalStateException("this answer is not held");
            }
            gate.tryEmitEmpty();
        }
    }

    static Answer token(String value, long expiresInSeconds) {
        return new Answer(200, "{\"access_token\":\"" + value + "\",\"token_type\":\"Bearer\",\"expires_in\":"
                + expiresInSeconds + "}", false);
    }

    /** A 503: transient. */
    static Answer unavailable() {
        return new Answer(503, "{\"error\":\"temporarily_unavailable\"}", false);
    }

    /** A 401 invalid_client: permanent. */
    static Answer invalidClient() {
        return new Answer(401, "{\"error\":\"invalid_client\",\"error_description\":\"bad client secret\"}", false);
    }

    private final Queue<Answer> script = new ConcurrentLinkedQueue<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final DisposableServer server;

    ScriptedTokenEndpoint() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/token", (request, response) -> {
                    requests.incrementAndGet();
                    Answer answer = script.poll();
                    Answer a = answer != null ? answer : new Answer(500, "{\"error\":\"server_error\"}", false);
                    return request.receive().then()
                            .then(a.gate.asMono())
                            .then(Mono.defer(() -> response.status(HttpResponseStatus.valueOf(a.status))
                                    .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                                    .sendString(Mono.just(a.body), StandardCharsets.UTF_8)
                                    .then()));
                }))
                .bindNow();
    }

    /** Appends answers to the script. */
    ScriptedTokenEndpoint then(Answer... answers) {
        for (Answer answer : answers) {
            script.add(answer);
        }
        return this;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.port() + "/token");
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
