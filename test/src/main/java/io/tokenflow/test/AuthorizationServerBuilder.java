package io.tokenflow.test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Configures and starts an {@link EmbeddedAuthorizationServer}; made by
 * {@link EmbeddedAuthorizationServer#builder()}. Not thread-safe; each {@link #start()} starts an
 * independent server with the configuration at that moment.
 */
public final class AuthorizationServerBuilder {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedAuthorizationServer.class);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

    private int port;
    private String issuerPath = "";
    private final Map<String, String> clients = new LinkedHashMap<>();
    private final Set<String> publicClients = new LinkedHashSet<>();
    private final Set<String> refreshGrantRefused = new LinkedHashSet<>();
    private Duration tokenLifetime = Duration.ofHours(1);
    private boolean rotateRefreshTokens = true;
    private Duration reuseGracePeriod = Duration.ZERO;
    private boolean refreshTokensForClientCredentials;
    private Duration slowDelay = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private boolean dpopNonces;

    AuthorizationServerBuilder() {}

    /**
     * The TCP port on {@code 127.0.0.1}; 0 (the default) lets the OS choose a free one, read it
     * with {@link EmbeddedAuthorizationServer#port()}.
     *
     * @throws IllegalArgumentException if not in 0..65535
     */
    public AuthorizationServerBuilder port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535: " + port);
        }
        this.port = port;
        return this;
    }

    /**
     * The path of the issuer, e.g. {@code /realms/main} (default none): the issuer is then
     * {@code http://127.0.0.1:<port>/realms/main} and the token endpoint
     * {@code <issuer>/oauth2/token}.
     *
     * @throws IllegalArgumentException unless empty, or starting with {@code /}, not ending with
     *     one, and free of {@code ?}, {@code #} and white space
     */
    public AuthorizationServerBuilder issuerPath(String issuerPath) {
        Objects.requireNonNull(issuerPath, "issuerPath");
        if (!issuerPath.isEmpty() && (!issuerPath.startsWith("/") || issuerPath.endsWith("/")
                || !issuerPath.matches("[^?#\\s]+"))) {
            throw new IllegalArgumentException("issuerPath must be empty or like /realms/main: " + issuerPath);
        }
        this.issuerPath = issuerPath;
        return this;
    }

    /**
     * Registers a confidential client, which may authenticate with {@code client_secret_basic}
     * or {@code client_secret_post}. Without any client every request is {@code invalid_client}.
     *
     * @throws IllegalArgumentException if either is empty or the id is already registered
     */
    public AuthorizationServerBuilder client(String clientId, String clientSecret) {
        Objects.requireNonNull(clientSecret, "clientSecret");
        if (clientSecret.isEmpty()) {
            throw new IllegalArgumentException("client secret must not be empty");
        }
        register(clientId);
        clients.put(clientId, clientSecret);
        return this;
    }

    /**
     * Registers a public client (RFC 6749 §2.1): it has no secret, names itself with
     * {@code client_id} in the body, and may use the {@code refresh_token} grant only
     * ({@code client_credentials} answers {@code unauthorized_client}).
     *
     * @throws IllegalArgumentException if the id is empty or already registered
     */
    public AuthorizationServerBuilder publicClient(String clientId) {
        register(clientId);
        publicClients.add(clientId);
        return this;
    }

    private void register(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("client id must not be empty");
        }
        if (clients.containsKey(clientId) || publicClients.contains(clientId)) {
            throw new IllegalArgumentException("client already registered: " + clientId);
        }
    }

    /**
     * Answers this client's {@code refresh_token} grant requests {@code unauthorized_client}
     * (RFC 6749 §5.2), as a server does for a client not allowed that grant. The client need
     * not be registered yet.
     */
    public AuthorizationServerBuilder refuseRefreshTokenGrant(String clientId) {
        refreshGrantRefused.add(Objects.requireNonNull(clientId, "clientId"));
        return this;
    }

    /**
     * The lifetime of minted access tokens, sent as {@code expires_in} (resolution: seconds;
     * a fraction of a second is dropped). Default 1 h.
     *
     * @throws IllegalArgumentException if shorter than one second
     */
    public AuthorizationServerBuilder tokenLifetime(Duration tokenLifetime) {
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
    public AuthorizationServerBuilder rotateRefreshTokens(boolean rotateRefreshTokens) {
        this.rotateRefreshTokens = rotateRefreshTokens;
        return this;
    }

    /**
     * With rotation, how long the refresh token rotated last in a family may be presented again
     * without revoking the family (as Auth0's reuse interval or Okta's grace period): each such
     * reuse is answered like a rotation, with new tokens. Measured on the {@link #clock clock}
     * from the token's first redemption. Default zero: any reuse revokes.
     *
     * @throws IllegalArgumentException if negative
     */
    public AuthorizationServerBuilder reuseGracePeriod(Duration reuseGracePeriod) {
        Objects.requireNonNull(reuseGracePeriod, "reuseGracePeriod");
        if (reuseGracePeriod.isNegative()) {
            throw new IllegalArgumentException("reuseGracePeriod must not be negative: " + reuseGracePeriod);
        }
        this.reuseGracePeriod = reuseGracePeriod;
        return this;
    }

    /**
     * Whether the {@code client_credentials} grant also returns a {@code refresh_token}, the first
     * of a new family (default false: RFC 6749 §4.4.3 says it should not, but some servers do).
     */
    public AuthorizationServerBuilder refreshTokensForClientCredentials(boolean refreshTokensForClientCredentials) {
        this.refreshTokensForClientCredentials = refreshTokensForClientCredentials;
        return this;
    }

    /**
     * How long {@link EmbeddedAuthorizationServer.Fault#SLOW} holds each answer (default 5 s). Waited
     * for with a Reactor timer ({@code Mono.delay} on {@code Schedulers.parallel()}), never by
     * blocking a thread.
     *
     * @throws IllegalArgumentException if negative
     */
    public AuthorizationServerBuilder slowDelay(Duration slowDelay) {
        Objects.requireNonNull(slowDelay, "slowDelay");
        if (slowDelay.isNegative()) {
            throw new IllegalArgumentException("slowDelay must not be negative: " + slowDelay);
        }
        this.slowDelay = slowDelay;
        return this;
    }

    /**
     * The clock that stamps issue times, decides expiry in
     * {@link EmbeddedAuthorizationServer#isActive(String)} and measures the {@linkplain
     * #reuseGracePeriod grace period} (default {@link Clock#systemUTC()}). Read on every use, so a
     * test's clock (e.g. {@link TestScheduler#clock()}) moves tokens to expiry.
     */
    public AuthorizationServerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Requires a server-provided nonce in every DPoP proof (RFC 9449 §8): a token request whose
     * proof lacks the current nonce (or holds an earlier one, see
     * {@link EmbeddedAuthorizationServer#rotateDpopNonce()}) is answered 400 {@code use_dpop_nonce},
     * and every answer of the token endpoint carries {@code DPoP-Nonce} with the current one.
     * Without it (the default), proofs are checked but no nonce is asked for. Either way a request
     * with a valid proof gets a DPoP-bound token ({@code token_type} {@code DPoP}); one with an
     * invalid proof gets {@code invalid_dpop_proof}.
     */
    public AuthorizationServerBuilder requireDpopNonce() {
        this.dpopNonces = true;
        return this;
    }

    /**
     * Binds {@code 127.0.0.1} and starts serving. <b>Blocks</b> until the port is bound (at most
     * 10 s): call it from a {@code main} or test thread, never from an event loop.
     *
     * <p>Tokens come from a {@code DRBG} {@link SecureRandom} (NIST SP 800-90A) created and
     * seeded here, on the calling thread: seeding may read the OS entropy source (a blocking
     * file read), later draws are pure computation, so tokens are minted on the event loop
     * without blocking it (a default {@code NativePRNG} would read {@code /dev/urandom} there).
     *
     * @throws IllegalStateException if the port cannot be bound
     */
    public EmbeddedAuthorizationServer start() {
        TokenRegistry registry = new TokenRegistry(
                TokenRegistry.seededRandom(), clock, tokenLifetime, rotateRefreshTokens, reuseGracePeriod);
        DpopCheck dpop = new DpopCheck(dpopNonces, clock, TokenRegistry.seededRandom());
        TokenIssuer grants = new TokenIssuer(
                clients, publicClients, refreshGrantRefused, refreshTokensForClientCredentials, registry, dpop);
        TokenRoute tokens = new TokenRoute(issuerPath, grants, dpop, slowDelay);
        MetadataRoute metadata = new MetadataRoute(issuerPath, tokens.path(), grants.hasPublicClients());
        OpenConnections connections = new OpenConnections();
        DisposableServer server;
        try {
            server = HttpServer.create()
                    .host(Loopback.HOST)
                    .port(port)
                    .doOnConnection(connections)
                    .handle((request, response) ->
                            EmbeddedAuthorizationServer.route(tokens, metadata, request, response))
                    .bindNow(BIND_TIMEOUT);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot bind " + Loopback.HOST + ":" + port, e);
        }
        EmbeddedAuthorizationServer started = new EmbeddedAuthorizationServer(
                server, connections, issuerPath, tokens, metadata, grants, registry, dpop);
        log.info("Embedded authorization server listening on {}", started.tokenEndpoint());
        return started;
    }
}
