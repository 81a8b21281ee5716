package io.tokenflow.test;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An OAuth 2.0 authorization server's token endpoint, embedded in the JVM for demos and tests:
 * a Reactor Netty {@link HttpServer} bound to {@code 127.0.0.1} that serves
 * {@code POST /oauth2/token}.
 *
 * <pre>{@code
 * try (EmbeddedAuthorizationServer server = EmbeddedAuthorizationServer.builder()
 *         .client("demo-client", "demo-secret")
 *         .tokenLifetime(Duration.ofSeconds(20))
 *         .start()) {
 *     URI tokenEndpoint = server.tokenEndpoint();   // http://127.0.0.1:<port>/oauth2/token
 *     server.fault(Fault.SERVICE_UNAVAILABLE);      // the next requests get 503
 * }
 * }</pre>
 *
 * <h2>Token endpoint</h2>
 *
 * <ul>
 *   <li>Requests are {@code application/x-www-form-urlencoded} (RFC 6749 §4.4, §6). Grants:
 *       {@code client_credentials} and {@code refresh_token}.
 *   <li>Client authentication: {@code client_secret_basic} (HTTP Basic over the
 *       form-urlencoded id and secret, RFC 6749 §2.3.1) or {@code client_secret_post}
 *       ({@code client_id} and {@code client_secret} in the body). A wrong, unknown or missing
 *       client gets 401 {@code {"error":"invalid_client"}} with
 *       {@code WWW-Authenticate: Basic realm="oauth2"}.
 *   <li>400 {@code {"error":"invalid_request"}} for a body that is not a form, a repeated
 *       parameter, a missing {@code grant_type} or {@code refresh_token}, or both
 *       authentication methods at once; 400 {@code unsupported_grant_type} for another grant.
 *   <li>Success: 200 {@code application/json}, {@code Cache-Control: no-store}, with
 *       {@code access_token} (32 random bytes, URL-safe Base64 without padding),
 *       {@code token_type} {@code Bearer}, {@code expires_in} (the {@linkplain
 *       Builder#tokenLifetime token lifetime} in seconds), {@code scope} (only if the request
 *       had one: any requested scope is granted; a refresh without scope keeps the previous
 *       one) and, for the refresh grant with rotation on, a new {@code refresh_token}. The
 *       client credentials grant issues no refresh token; with rotation off the refresh grant
 *       issues none either (the client keeps using the one it has).
 *   <li>Refresh token rotation (on by default): a redeemed refresh token is used up. Presenting
 *       it again is taken as theft (OAuth 2.1, RFC 6819 §5.2.2.3): 400 {@code invalid_grant},
 *       and its whole family (every refresh token descending from the same original grant and
 *       every access token issued with them) is revoked. An unknown, revoked or other client's
 *       refresh token also gets {@code invalid_grant}.
 *   <li>Other paths answer 404; other methods on the token path answer 405.
 * </ul>
 *
 * <p>Thread safety: every method is safe to call from any thread while requests are served.
 * {@link Builder#start()} and {@link #close()} block and must be called from a thread that may
 * block (a {@code main} or test thread), never from an event loop or another non-blocking
 * thread; every other method is non-blocking.
 *
 * <p>No token or secret value is ever logged.
 */
public final class EmbeddedAuthorizationServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedAuthorizationServer.class);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** How the token endpoint answers; switched at runtime with {@link #fault(Fault)}. */
    public enum Fault {
        /** Normal OAuth 2.0 behaviour, as described on {@link EmbeddedAuthorizationServer}. */
        HEALTHY,
        /** 503 {@code text/plain} with {@code Retry-After: 1} (seconds). */
        SERVICE_UNAVAILABLE,
        /**
         * 403 with a {@code text/html} page and no OAuth error, as a web application firewall, CDN
         * or proxy answers.
         */
        WAF_FORBIDDEN,
        /**
         * The {@link #HEALTHY} answer, sent after {@linkplain Builder#slowDelay the slow delay}
         * (default 5 s). The delay is a timer, not a sleeping thread: any number of requests can be
         * pending at once.
         */
        SLOW,
        /** 400 {@code {"error":"invalid_grant"}} for every request, whatever it holds. */
        INVALID_GRANT
    }

    private final DisposableServer server;
    private final OpenConnections connections;
    private final URI tokenEndpoint;
    private final TokenRoute endpoint;
    private final TokenIssuer issuer;
    private final TokenRegistry registry;

    private EmbeddedAuthorizationServer(
            DisposableServer server,
            OpenConnections connections,
            TokenRoute endpoint,
            TokenIssuer issuer,
            TokenRegistry registry) {
        this.server = server;
        this.connections = connections;
        this.tokenEndpoint = URI.create("http://127.0.0.1:" + server.port() + TokenRoute.PATH);
        this.endpoint = endpoint;
        this.issuer = issuer;
        this.registry = registry;
    }

    /** A builder with the defaults: ephemeral port, no clients, 1 h tokens, rotation on. */
    public static Builder builder() {
        return new Builder();
    }

    /** The token endpoint: {@code http://127.0.0.1:<port>/oauth2/token}. */
    public URI tokenEndpoint() {
        return tokenEndpoint;
    }

    /** The bound port (the ephemeral port chosen by the OS if the builder was given 0). */
    public int port() {
        return server.port();
    }

    /**
     * Switches how the token endpoint answers. Applies to requests that arrive after the call;
     * a request already received keeps the fault it arrived under.
     */
    public void fault(Fault fault) {
        endpoint.fault(Objects.requireNonNull(fault, "fault"));
        log.debug("Embedded authorization server on port {} now answers {}", port(), fault);
    }

    /** The current fault; {@link Fault#HEALTHY} unless {@link #fault(Fault)} changed it. */
    public Fault fault() {
        return endpoint.fault();
    }

    /**
     * The number of {@code POST} requests to the token endpoint since start or the last
     * {@link #resetCounters()}, whatever their outcome (faults and errors included). A request is
     * counted when it arrives, so it is counted before its client sees the answer.
     */
    public int tokenRequests() {
        return endpoint.tokenRequests();
    }

    /** Sets {@link #tokenRequests()} back to zero. Issued tokens are not affected. */
    public void resetCounters() {
        endpoint.resetCounters();
    }

    /**
     * Token introspection for a protected resource in a test or demo.
     *
     * @return true if {@code accessToken} was minted by this server, has not expired by the
     *     server's {@linkplain Builder#clock clock} (it expires at issue time plus
     *     {@code expires_in}), and has not been revoked (by {@link #revokeAll()} or by refresh
     *     token reuse in its family); false for any other string
     */
    public boolean isActive(String accessToken) {
        return registry.isActive(Objects.requireNonNull(accessToken, "accessToken"));
    }

    /**
     * Mints a refresh token out of band, as if {@code clientId} had obtained it earlier (e.g. to
     * seed a demo's credential file). It starts a new family, carries no scope, and never expires
     * on its own.
     *
     * @throws IllegalArgumentException if {@code clientId} is not a registered client
     */
    public String issueRefreshToken(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        if (!issuer.isClient(clientId)) {
            throw new IllegalArgumentException("Unknown client: " + clientId);
        }
        return registry.newRefreshTokenFamily(clientId);
    }

    /**
     * Invalidates every access and refresh token issued so far, as when the authorization server
     * revokes a credential and a person must log in again. Tokens issued afterwards are valid.
     */
    public void revokeAll() {
        registry.revokeAll();
        log.debug("Embedded authorization server on port {} revoked every token", port());
    }

    /**
     * Stops accepting connections and closes the open ones, dropping answers still under way (a
     * {@link Fault#SLOW} answer never comes; its client sees the connection close). Blocks until the
     * port is released, at most 10 s. Idempotent. Call it from a thread that may block, never from
     * an event loop. Tokens stay as they are.
     */
    @Override
    public void close() {
        try {
            server.disposeNow(CLOSE_TIMEOUT);
        } finally {
            connections.closeAll();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedAuthorizationServer[" + tokenEndpoint + ", fault=" + fault() + "]";
    }

    /**
     * Configures and starts an {@link EmbeddedAuthorizationServer}. Not thread-safe; each
     * {@link #start()} starts an independent server with the configuration at that moment.
     */
    public static final class Builder {

        private int port;
        private final Map<String, String> clients = new LinkedHashMap<>();
        private Duration tokenLifetime = Duration.ofHours(1);
        private boolean rotateRefreshTokens = true;
        private Duration slowDelay = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /**
         * The TCP port on {@code 127.0.0.1}; 0 (the default) lets the OS choose a free one, read it
         * with {@link EmbeddedAuthorizationServer#port()}.
         *
         * @throws IllegalArgumentException if not in 0..65535
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Registers a confidential client. Call once per client; each may authenticate with
         * {@code client_secret_basic} or {@code client_secret_post}. Without any client every
         * request is {@code invalid_client}.
         *
         * @throws IllegalArgumentException if either is empty or the id is already registered
         */
        public Builder client(String clientId, String clientSecret) {
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecret, "clientSecret");
            if (clientId.isEmpty() || clientSecret.isEmpty()) {
                throw new IllegalArgumentException("client id and secret must not be empty");
            }
            if (clients.putIfAbsent(clientId, clientSecret) != null) {
                throw new IllegalArgumentException("client already registered: " + clientId);
            }
            return this;
        }

        /**
         * The lifetime of minted access tokens, sent as {@code expires_in} (resolution: seconds;
         * a fraction of a second is dropped). Default 1 h.
         *
         * @throws IllegalArgumentException if shorter than one second
         */
        public Builder tokenLifetime(Duration tokenLifetime) {
            Objects.requireNonNull(tokenLifetime, "tokenLifetime");
            if (tokenLifetime.toSeconds() < 1) {
                throw new IllegalArgumentException("tokenLifetime must be at least 1 s: " + tokenLifetime);
            }
            this.tokenLifetime = tokenLifetime;
            return this;
        }

        /**
         * Whether the refresh grant rotates refresh tokens (default true): each redemption issues a
         * new refresh token and uses up the presented one; reusing a used one revokes its family.
         * When false, a refresh token stays valid and the refresh grant returns no new one.
         */
        public Builder rotateRefreshTokens(boolean rotateRefreshTokens) {
            this.rotateRefreshTokens = rotateRefreshTokens;
            return this;
        }

        /**
         * How long {@link Fault#SLOW} holds each answer (default 5 s). Waited for with a Reactor
         * timer ({@code Mono.delay} on {@code Schedulers.parallel()}), never by blocking a thread.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder slowDelay(Duration slowDelay) {
            Objects.requireNonNull(slowDelay, "slowDelay");
            if (slowDelay.isNegative()) {
                throw new IllegalArgumentException("slowDelay must not be negative: " + slowDelay);
            }
            this.slowDelay = slowDelay;
            return this;
        }

        /**
         * The clock that stamps issue times and decides expiry in
         * {@link EmbeddedAuthorizationServer#isActive(String)} (default {@link Clock#systemUTC()}).
         * Read on every issue and check, so a test's mutable clock moves tokens to expiry.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Binds {@code 127.0.0.1} and starts serving. <b>Blocks</b> until the port is bound (at most
         * 10 s): call it from a {@code main} or test thread, never from an event loop.
         *
         * <p>Tokens come from a {@code DRBG} {@link SecureRandom} (NIST SP 800-90A) created and
         * seeded here, on the calling thread. Seeding may read the OS entropy source (a blocking
         * file read); after it the generator is pure computation with no further I/O, so tokens are
         * minted on the event loop without blocking it (a default {@code NativePRNG} would read
         * {@code /dev/urandom} on the event loop).
         *
         * @throws IllegalStateException if the port cannot be bound
         */
        public EmbeddedAuthorizationServer start() {
            TokenRegistry registry = new TokenRegistry(
                    TokenRegistry.seededRandom(), clock, tokenLifetime, rotateRefreshTokens);
            TokenIssuer issuer = new TokenIssuer(clients, registry);
            TokenRoute endpoint = new TokenRoute(issuer, slowDelay);
            OpenConnections connections = new OpenConnections();
            DisposableServer server;
            try {
                server = HttpServer.create()
                        .host("127.0.0.1")
                        .port(port)
                        .doOnConnection(connections)
                        .handle(endpoint)
                        .bindNow(BIND_TIMEOUT);
            } catch (RuntimeException e) {
                throw new IllegalStateException("Cannot bind 127.0.0.1:" + port, e);
            }
            EmbeddedAuthorizationServer started =
                    new EmbeddedAuthorizationServer(server, connections, endpoint, issuer, registry);
            log.info("Embedded authorization server listening on {}", started.tokenEndpoint());
            return started;
        }
    }
}
