package io.tokenflow.test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An OAuth 2.0 authorization server embedded in the JVM for tests and demos: a Reactor Netty
 * {@link HttpServer} on {@code 127.0.0.1} with a token endpoint and discovery metadata, whose
 * faults a test scripts and whose refresh token families it watches.
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
 * <p>The token endpoint ({@code POST <issuer path>/oauth2/token}) takes form-encoded
 * {@code client_credentials} and {@code refresh_token} grants (RFC 6749 §4.4, §6) from confidential
 * clients ({@code client_secret_basic} or {@code client_secret_post}) and public ones (only
 * {@code client_id}), and answers as RFC 6749 §5 says: opaque tokens of 32 random bytes
 * (URL-safe Base64), {@code Cache-Control: no-store}, {@code invalid_client} (401, Basic challenge),
 * {@code invalid_request}, {@code unsupported_grant_type}, {@code unauthorized_client},
 * {@code invalid_grant}. Any requested scope is granted and echoed; a refresh without scope keeps
 * the previous one. With rotation (the default) every refresh returns a new refresh token and uses
 * up the presented one; presenting a used one again is taken as theft (RFC 9700 §4.14.2): 400
 * {@code invalid_grant}, and its whole family (every refresh token descending from the same original
 * grant, and every access token issued with them) is revoked. Other paths answer 404, other methods
 * 405. Discovery metadata: see {@link Discovery}.
 *
 * <p>A token request is answered, in this order: held first if a {@linkplain #holdNextRequest()
 * hold} waits for it ({@link #holdBeforeRotate()} for a refresh); then by the next {@linkplain
 * #script scripted answer}, if any; else as the current {@link Fault} says (normally by the grant
 * logic); a refresh's answer is then held if {@link #holdAfterRotate()} waits for it.
 *
 * <p>Thread safety: every method is safe to call from any thread while requests are served.
 * {@link AuthorizationServerBuilder#start()}, {@link #close()} and {@link RequestHold#awaitHeld}
 * block and must be called from a thread that may block (a {@code main} or test thread), never
 * from an event loop; every other method is non-blocking. No token or secret value is ever logged.
 */
public final class EmbeddedAuthorizationServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedAuthorizationServer.class);
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
         * The {@link #HEALTHY} answer, sent after {@linkplain AuthorizationServerBuilder#slowDelay the slow delay}
         * (default 5 s). The delay is a timer, not a sleeping thread: any number of requests can be
         * pending at once.
         */
        SLOW,
        /** 400 {@code {"error":"invalid_grant"}} for every request, whatever it holds. */
        INVALID_GRANT
    }

    /**
     * How discovery metadata is served; switched at runtime with {@link #discovery(Discovery)}.
     * Both documents are {@code application/json} with {@code issuer}, {@code token_endpoint},
     * {@code token_endpoint_auth_methods_supported} ({@code client_secret_basic},
     * {@code client_secret_post}, and {@code none} if there are public clients) and
     * {@code grant_types_supported} ({@code client_credentials}, {@code refresh_token}).
     */
    public enum Discovery {
        /**
         * Both documents: RFC 8414 at {@code /.well-known/oauth-authorization-server<issuer path>},
         * OpenID Connect at {@code <issuer path>/.well-known/openid-configuration}.
         */
        SERVED,
        /**
         * Both documents, naming {@link #issuer()} + {@code "/mix-up"} as their {@code issuer}: a
         * client must refuse them (RFC 8414 §3.3, mix-up protection), even one that only compares
         * prefixes.
         */
        WRONG_ISSUER,
        /** 404 on the RFC 8414 path, the OpenID Connect document as served: a client must fall back. */
        RFC_8414_NOT_FOUND,
        /** 405 on the RFC 8414 path (as some servers answer), the OpenID Connect document as served. */
        RFC_8414_METHOD_NOT_ALLOWED,
        /** 404 on both paths. */
        OFF
    }

    private final DisposableServer server;
    private final OpenConnections connections;
    private final URI issuer;
    private final TokenRoute tokens;
    private final MetadataRoute metadata;
    private final TokenIssuer grants;
    private final TokenRegistry registry;
    private final DpopCheck dpop;

    EmbeddedAuthorizationServer(DisposableServer server, OpenConnections connections, String issuerPath,
            TokenRoute tokens, MetadataRoute metadata, TokenIssuer grants, TokenRegistry registry, DpopCheck dpop) {
        this.server = server;
        this.connections = connections;
        this.issuer = Loopback.url(server.port(), issuerPath);
        this.tokens = tokens;
        this.metadata = metadata;
        this.dpop = dpop;
        this.grants = grants;
        this.registry = registry;
    }

    /** A builder with the defaults: ephemeral port, no clients, no issuer path, 1 h tokens, rotation on. */
    public static AuthorizationServerBuilder builder() {
        return new AuthorizationServerBuilder();
    }

    /** The token endpoint: {@code http://127.0.0.1:<port><issuer path>/oauth2/token}. */
    public URI tokenEndpoint() {
        return URI.create(issuer + TokenRoute.PATH);
    }

    /** The issuer: {@code http://127.0.0.1:<port><issuer path>}, without a trailing slash. */
    public URI issuer() {
        return issuer;
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
        tokens.fault(Objects.requireNonNull(fault, "fault"));
        log.debug("Embedded authorization server on port {} now answers {}", port(), fault);
    }

    /** The current fault; {@link Fault#HEALTHY} unless {@link #fault(Fault)} changed it. */
    public Fault fault() {
        return tokens.fault();
    }

    /** Switches how discovery metadata is served, from the next metadata request on. */
    public void discovery(Discovery discovery) {
        metadata.discovery(Objects.requireNonNull(discovery, "discovery"));
    }

    /** The current discovery mode; {@link Discovery#SERVED} unless {@link #discovery(Discovery)} changed it. */
    public Discovery discovery() {
        return metadata.discovery();
    }

    /**
     * Appends one-shot answers for the next token requests: each request that arrives takes the
     * next one, in order, whatever it holds; once they are used up the server answers normally
     * again (as its {@link #fault()} says).
     */
    public void script(ScriptedAnswer... answers) {
        List<ScriptedAnswer> script = List.of(answers);
        tokens.script(script);
        log.debug("Embedded authorization server on port {} scripted {}", port(), script);
    }

    /** The number of scripted answers not used yet. */
    public int scriptedAnswersLeft() {
        return tokens.scripted();
    }

    /** Holds the next token request, of any grant, before anything is done with it. */
    public RequestHold holdNextRequest() {
        return tokens.holdNextRequest();
    }

    /**
     * Holds the next {@code refresh_token} grant request before it is processed: nothing rotates
     * until {@link RequestHold#release()}; if its connection closes meanwhile it is dropped unprocessed.
     */
    public RequestHold holdBeforeRotate() {
        return tokens.holdBeforeRotate();
    }

    /**
     * Lets the next {@code refresh_token} grant request be processed (the refresh token rotates),
     * then holds its answer until {@link RequestHold#release()}; if its connection closes meanwhile,
     * the answer is lost: the server has rotated, the client never learns the new refresh token.
     */
    public RequestHold holdAfterRotate() {
        return tokens.holdAfterRotate();
    }

    /** DPoP proofs received by the token endpoint (valid or not) since start. */
    public int dpopProofs() {
        return dpop.proofs();
    }

    /** Token requests answered {@code use_dpop_nonce} (see {@link AuthorizationServerBuilder#requireDpopNonce()}). */
    public int dpopNonceChallenges() {
        return dpop.nonceChallenges();
    }

    /** The nonce DPoP proofs must carry now. */
    public String dpopNonce() {
        return dpop.nonce();
    }

    /**
     * Rotates the DPoP nonce: proofs with the previous one are answered {@code use_dpop_nonce} with
     * the new one, as a server does when a nonce expires. Returns the new nonce.
     */
    public String rotateDpopNonce() {
        return dpop.rotate();
    }

    /**
     * Whether {@code accessToken} was issued bound to a DPoP key (RFC 9449 §6), and to which: the
     * key's RFC 7638 JWK thumbprint (SHA-256, Base64url, as {@code cnf.jkt}), or empty for a Bearer token.
     */
    public java.util.Optional<String> dpopKeyOf(String accessToken) {
        return java.util.Optional.ofNullable(dpop.boundKey(accessToken));
    }

    /**
     * The number of {@code POST} requests to the token endpoint since start or the last
     * {@link #resetCounters()}, whatever their outcome (faults, scripts and errors included). A
     * request is counted when it arrives, so it is counted before its client sees the answer.
     */
    public int tokenRequests() {
        return tokens.tokenRequests();
    }

    /**
     * The TCP connections open to this server now (token endpoint and metadata): a client that has
     * closed its connections, or a pool that has evicted its idle ones, shows 0. A connection is
     * counted from its accept until the server sees it close.
     */
    public int openConnections() {
        return connections.count();
    }

    /** The number of {@code GET} requests for discovery metadata, whatever the answer. */
    public int metadataRequests() {
        return metadata.requests();
    }

    /**
     * The number of refresh grants that issued a new refresh token (grace-period reuses included).
     * Counted when the grant logic decides, before the answer is written.
     */
    public int rotations() {
        return registry.rotations();
    }

    /**
     * The number of used refresh tokens presented again within the {@linkplain
     * AuthorizationServerBuilder#reuseGracePeriod grace period}, and so answered like a rotation.
     */
    public int graceReuses() {
        return registry.graceReuses();
    }

    /** The number of used refresh tokens presented again that revoked their family. */
    public int reuseDetections() {
        return registry.reuseDetections();
    }

    /**
     * The number of refresh grants the grant logic answered {@code invalid_grant}: unknown, revoked,
     * another client's or reused refresh tokens. Not counted: {@link Fault#INVALID_GRANT} and scripted answers.
     */
    public int invalidGrants() {
        return registry.invalidGrants();
    }

    /**
     * Every refresh token presented to the grant logic, in the order it took them up. Not in it: requests
     * answered by a fault or a script, or refused before the grant (bad client, malformed request).
     */
    public List<String> presentedRefreshTokens() {
        return registry.presented();
    }

    /** Sets every counter back to zero and empties {@link #presentedRefreshTokens()}. Tokens are not affected. */
    public void resetCounters() {
        tokens.resetCounters();
        metadata.resetCounters();
        registry.resetCounters();
    }

    /**
     * Token introspection for a protected resource in a test or demo.
     *
     * @return true if {@code accessToken} was minted by this server, has not expired by the
     *     server's {@linkplain AuthorizationServerBuilder#clock clock} (it expires at issue time plus
     *     {@code expires_in}), and has not been revoked (by {@link #revokeAll()} or by refresh
     *     token reuse in its family); false for any other string
     */
    public boolean isActive(String accessToken) {
        return registry.isActive(Objects.requireNonNull(accessToken, "accessToken"));
    }

    /**
     * Starts a refresh token family out of band, as if {@code clientId} had been granted it earlier
     * (e.g. to seed a credential file). Its first refresh token carries no scope and never expires
     * on its own; the returned family tells a test which refresh token is current as it rotates.
     *
     * @throws IllegalArgumentException if {@code clientId} is not a registered client
     */
    public RefreshTokenFamily startFamily(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        if (!grants.isClient(clientId)) {
            throw new IllegalArgumentException("Unknown client: " + clientId);
        }
        return new RefreshTokenFamily(registry, registry.newFamily(clientId));
    }

    /**
     * {@link #startFamily(String)}, when only its first refresh token is needed.
     *
     * @throws IllegalArgumentException if {@code clientId} is not a registered client
     */
    public String issueRefreshToken(String clientId) {
        return startFamily(clientId).currentRefreshToken();
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
     * {@link Fault#SLOW} answer never comes, a held request is aborted; their clients see the
     * connection close). Blocks until the port is released, at most 10 s. Idempotent. Call it from
     * a thread that may block, never from an event loop. Tokens stay as they are.
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
        return "EmbeddedAuthorizationServer[" + issuer + ", fault=" + fault() + ", discovery=" + discovery() + "]";
    }

    static Publisher<Void> route(TokenRoute tokens, MetadataRoute metadata, HttpServerRequest request,
            HttpServerResponse response) {
        String path = request.fullPath();
        if (path.equals(tokens.path())) {
            return tokens.apply(request, response);
        }
        if (metadata.serves(path)) {
            return metadata.apply(request, response);
        }
        return Answer.notFound().writeTo(response);
    }
}
