package io.tokenflow.test;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A protected resource on {@code 127.0.0.1} that accepts DPoP-bound access tokens only (RFC 9449
 * §7): every request must carry {@code Authorization: DPoP <token>} and a {@code DPoP} proof
 * signed with the key the token is bound to, for the request's method and URL, with the token's
 * hash ({@code ath}), a fresh {@code jti}, and, when {@linkplain Builder#requireNonce() asked},
 * the server's current nonce. Answers {@code 200} {@code ok}, or {@code 401} with
 * {@code WWW-Authenticate: DPoP error="use_dpop_nonce"} (and {@code DPoP-Nonce}) or
 * {@code error="invalid_dpop_proof"} / {@code error="invalid_token"}. Any path, any method.
 * Never logs a token or proof. Thread-safe.
 *
 * <pre>{@code
 * try (DpopResourceServer api = DpopResourceServer.builder()
 *         .boundTo((token, jkt) -> idp.dpopKeyOf(token).filter(jkt::equals).isPresent())
 *         .requireNonce()
 *         .start()) {
 *     URI orders = api.url("/orders");
 * }
 * }</pre>
 */
public final class DpopResourceServer implements AutoCloseable {

    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final DisposableServer server;
    private final DpopCheck dpop;
    private final BiPredicate<String, String> boundTo;
    private final boolean rotateAlways;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();

    private DpopResourceServer(Builder builder) {
        this.dpop = new DpopCheck(builder.requireNonce, builder.clock, TokenRegistry.seededRandom());
        this.boundTo = builder.boundTo;
        this.rotateAlways = builder.rotateAlways;
        try {
            this.server = Loopback.httpServer().handle(this::answer).bindNow(BIND_TIMEOUT);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot bind " + Loopback.HOST, e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link DpopResourceServer}. Not thread-safe. */
    public static final class Builder {
        private boolean requireNonce;
        private boolean rotateAlways;
        private Clock clock = Clock.systemUTC();
        private BiPredicate<String, String> boundTo = (token, jkt) -> true;

        private Builder() {
        }

        /** Proofs must carry the server's current nonce (RFC 9449 §9); every answer carries {@code DPoP-Nonce}. */
        public Builder requireNonce() {
            this.requireNonce = true;
            return this;
        }

        /**
         * Requires nonces and hands out a new one with every answer, so that every proof carries a
         * nonce that has just expired: a client must give up after one retry.
         */
        public Builder rotateNonceOnEveryRequest() {
            this.requireNonce = true;
            this.rotateAlways = true;
            return this;
        }

        /**
         * Whether a token is bound to the key with this RFC 7638 thumbprint ({@code cnf.jkt}); by
         * default every token is taken as bound to the key that signed its proof.
         */
        public Builder boundTo(BiPredicate<String, String> boundTo) {
            this.boundTo = Objects.requireNonNull(boundTo, "boundTo");
            return this;
        }

        /** The clock that proofs' {@code iat} is checked against (default {@link Clock#systemUTC()}). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Binds {@code 127.0.0.1} on a free port. <b>Blocks</b> until bound (at most 10 s). */
        public DpopResourceServer start() {
            return new DpopResourceServer(this);
        }
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public URI url(String path) {
        return Loopback.url(server, path);
    }

    /** Requests received, whatever their answer. */
    public int requests() {
        return requests.get();
    }

    /** Requests answered {@code 200}. */
    public int accepted() {
        return accepted.get();
    }

    /** Requests answered {@code use_dpop_nonce}. */
    public int nonceChallenges() {
        return dpop.nonceChallenges();
    }

    /** The nonce proofs must carry now. */
    public String nonce() {
        return dpop.nonce();
    }

    /** A new nonce; proofs with the previous one are answered {@code use_dpop_nonce}. Returns it. */
    public String rotateNonce() {
        return dpop.rotate();
    }

    private Publisher<Void> answer(HttpServerRequest request, HttpServerResponse response) {
        requests.incrementAndGet();
        if (rotateAlways) {
            dpop.rotate();
        }
        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        String error;
        if (authorization == null || !authorization.regionMatches(true, 0, "DPoP ", 0, 5)) {
            error = "invalid_token";
        } else {
            String token = authorization.substring(5).trim();
            URI url = URI.create("http://" + request.requestHeaders().get(HttpHeaderNames.HOST) + request.uri());
            DpopCheck.Result proof = dpop.check(request.requestHeaders().get("DPoP"), request.method().name(), url, token);
            error = switch (proof.verdict()) {
                case NONE, INVALID -> "invalid_dpop_proof";
                case NONCE_REQUIRED -> "use_dpop_nonce";
                case BOUND -> boundTo.test(token, Objects.requireNonNull(proof.jkt())) ? null : "invalid_token";
            };
        }
        if (dpop.requiresNonce()) {
            response.header("DPoP-Nonce", dpop.nonce());
        }
        // The body is drained before answering, so a keep-alive connection stays usable.
        Mono<Void> drained = request.receive().then();
        if (error == null) {
            accepted.incrementAndGet();
            return drained.then(response.header(HttpHeaderNames.CONTENT_TYPE, "text/plain").sendString(Mono.just("ok")).then());
        }
        return drained.then(response.status(HttpResponseStatus.UNAUTHORIZED)
                .header(HttpHeaderNames.WWW_AUTHENTICATE, "DPoP error=\"" + error + "\", algs=\"ES256\"")
                .send().then());
    }

    /** Stops the server. <b>Blocks</b> until closed (at most 10 s). */
    @Override
    public void close() {
        server.disposeNow(CLOSE_TIMEOUT);
    }

    @Override
    public String toString() {
        return "DpopResourceServer[" + url("") + "]";
    }
}
