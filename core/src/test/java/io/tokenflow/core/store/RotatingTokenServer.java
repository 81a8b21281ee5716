package io.tokenflow.core.store;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A strict loopback token endpoint (refresh_token grant only): every refresh rotates the refresh
 * token, and any refresh token but the current one, or every one while {@link #refuseAll()}, gets
 * {@code 400 invalid_grant}. Records every request. Bound to 127.0.0.1 on a free port.
 */
final class RotatingTokenServer implements AutoCloseable {

    private final long expiresInSeconds;
    private final DisposableServer server;
    private final Object lock = new Object();
    // Guarded by lock.
    private int generation;
    private String accessToken;
    private String refreshToken;
    private boolean refuseAll;
    private int requests;
    private int rotations;
    private int invalidGrants;
    private final List<String> presented = new ArrayList<>();

    private RotatingTokenServer(Duration lifetime) {
        this.expiresInSeconds = lifetime.toSeconds();
        this.accessToken = "at-0";
        this.refreshToken = "rt-0";
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/token", (request, response) -> request.receive().aggregate().asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap(body -> {
                            Answer answer = answer(new QueryStringDecoder(body, false).parameters());
                            return response.status(answer.status)
                                    .header("Content-Type", "application/json")
                                    .header("Cache-Control", "no-store")
                                    .sendString(Mono.just(answer.json))
                                    .then();
                        })))
                .bindNow(Duration.ofSeconds(10));
    }

    /** A server whose tokens live {@code lifetime}; its first credential is {@code at-0}/{@code rt-0}. */
    static RotatingTokenServer start(Duration lifetime) {
        return new RotatingTokenServer(lifetime);
    }

    URI tokenEndpoint() {
        return URI.create("http://127.0.0.1:" + server.port() + "/token");
    }

    /** From now on, answer every request with invalid_grant (a revoked grant). */
    void refuseAll() {
        synchronized (lock) {
            refuseAll = true;
        }
    }

    /** Makes {@code refresh} the current refresh token (an operator logged in again elsewhere). */
    void acceptOnly(String refresh) {
        synchronized (lock) {
            refuseAll = false;
            refreshToken = refresh;
        }
    }

    String currentAccessToken() {
        synchronized (lock) {
            return accessToken;
        }
    }

    String currentRefreshToken() {
        synchronized (lock) {
            return refreshToken;
        }
    }

    int requests() {
        synchronized (lock) {
            return requests;
        }
    }

    int rotations() {
        synchronized (lock) {
            return rotations;
        }
    }

    int invalidGrants() {
        synchronized (lock) {
            return invalidGrants;
        }
    }

    /** Refresh tokens presented, in order. */
    List<String> presented() {
        synchronized (lock) {
            return List.copyOf(presented);
        }
    }

    private Answer answer(Map<String, List<String>> form) {
        String grant = first(form, "grant_type");
        String presentedToken = first(form, "refresh_token");
        synchronized (lock) {
            requests++;
            presented.add(String.valueOf(presentedToken));
            if (!"refresh_token".equals(grant)) {
                return new Answer(HttpResponseStatus.BAD_REQUEST, "{\"error\":\"unsupported_grant_type\"}");
            }
            if (refuseAll || !refreshToken.equals(presentedToken)) {
                invalidGrants++;
                return new Answer(HttpResponseStatus.BAD_REQUEST,
                        "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token is not current\"}");
            }
            generation++;
            rotations++;
            accessToken = "at-" + generation;
            refreshToken = "rt-" + generation;
            return new Answer(HttpResponseStatus.OK, "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\","
                    + "\"expires_in\":" + expiresInSeconds + ",\"refresh_token\":\"" + refreshToken + "\"}");
        }
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    private record Answer(HttpResponseStatus status, String json) {
    }
}
