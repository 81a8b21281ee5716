package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import java.net.URI;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;

/**
 * Hands out a fresh OAuth 2.0 access token.
 *
 * <pre>{@code
 * TokenService tokens = TokenService.builder()
 *     .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
 *     .clientCredentials("client-id", "client-secret")
 *     .scopes("api.read")
 *     .build();
 * tokens.token().map(AccessToken::authorizationHeader)...
 * }</pre>
 *
 * <p><b>Hot path.</b> While a valid token is held, {@link #token()} returns one pre-built
 * {@code Mono} per token generation: no I/O, no lock, no allocation.
 *
 * <p><b>Single flight.</b> A refresh is one shared cached {@code Mono}, installed once and
 * subscribed by the service itself: any number of concurrent callers cause one token request,
 * and a caller's cancellation never cancels it.
 *
 * <p><b>Proactive refresh.</b> The service refreshes {@code refreshAhead} before expiry and
 * keeps serving the current token meanwhile. Failures are classified by the
 * {@link ErrorClassifier}, retried per the {@link RetryPolicy}, and published as
 * {@link WorkloadState}s.
 *
 * <p>The service starts its first fetch when built. Thread-safe. Time comes from the builder's
 * {@link Scheduler}. {@link #close()} is {@link #dispose()}, for try-with-resources.
 */
public final class TokenService implements Disposable, AutoCloseable {

    private final Engine engine;
    private final Scheduler clock;
    private final Recipe recipe;
    // Guarded by this; made by the first forScopes/forAudience: a service without variants holds none.
    private @Nullable Variants variants;
    private boolean disposed;

    private TokenService(Engine engine, Scheduler clock, Recipe recipe) {
        this.engine = engine;
        this.clock = clock;
        this.recipe = recipe;
    }

    /** Builds the service of a checked {@code recipe} and starts it (its first fetch begins now). */
    static TokenService start(Recipe recipe) {
        Engine built = new Engine(recipe.engine(), recipe.endpoint());
        TokenService service = new TokenService(built, recipe.engine().scheduler(), recipe);
        built.start();
        return service;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The current access token.
     *
     * <ul>
     *   <li>{@code RUNNING}, {@code DEGRADED}: the held token, at once (the same {@code Mono}
     *       instance for every call until the token changes).</li>
     *   <li>{@code STARTING}: joins the first fetch (short retry included), until
     *       {@link Builder#startupTimeout(Duration) startupTimeout} after the service started
     *       (default 10 s); then fails with {@link TokenUnavailableException} (the last failure, the
     *       next attempt) while the service goes on trying.</li>
     *   <li>The held token just expired: joins the one refresh in flight (short retry included;
     *       bound the wait with {@code token().timeout(..)}).</li>
     *   <li>{@code AUTH_RETRYING}, {@code UNAUTHENTICATED}, {@code STOPPED}: fails at once with
     *       {@link TokenUnavailableException}, without a request.</li>
     * </ul>
     * Errors: only {@link TokenUnavailableException}, whose cause is the last
     * {@link TokenEndpointException} when there was one.
     *
     * <p><b>Do not {@code block()} it on a non-blocking thread</b> (a Netty event loop, a
     * {@code Schedulers.parallel()} worker, inside a WebFlux handler). While a token is held the
     * {@code Mono} is complete and {@code block()} happens to return at once, but at a cold start,
     * at expiry or during {@link #refresh()} it would have to wait for the token endpoint: it
     * then fails with an {@code IllegalStateException} that says so. Chain the call
     * ({@code token().flatMap(token -> ...)}), let {@code TokenExchangeFilter} or
     * {@code ReactorNettyTokens} add the token, or block only where a thread may wait (main,
     * {@code Schedulers.boundedElastic()}).
     */
    public Mono<AccessToken> token() {
        ServiceState s = engine.current();
        Mono<AccessToken> hot = s.hot();
        if (hot != null && clock.now(TimeUnit.MILLISECONDS) < s.validUntil()) {
            return hot;
        }
        return engine.slowToken();
    }

    /**
     * Forces a refresh, or joins the one in flight (single flight). The way out of
     * {@code UNAUTHENTICATED} by hand. Errors with the {@link TokenEndpointException} of the
     * attempt, or {@link TokenUnavailableException} once stopped.
     */
    public Mono<AccessToken> refresh() {
        return engine.refresh();
    }

    /**
     * A resource server answered 401 to {@code rejected}. If a newer token is held already, it is
     * returned. Else the store is reloaded (another process may hold a newer token) and, failing
     * that, the token is refreshed. Concurrent rejections of one token cause one refresh; a token
     * generation triggers at most one refresh. After a refresh that a rejection caused, rejections
     * pause for 30 s (doubling while they go on, at most 10 min): within the pause, {@code rejected}
     * itself comes back, without a request, so a resource server rejecting every token cannot drive
     * a refresh loop (it is logged once per pause at WARN). Errors as {@link #token()}.
     */
    public Mono<AccessToken> tokenRejected(AccessToken rejected) {
        return engine.tokenRejected(Objects.requireNonNull(rejected, "rejected"));
    }

    /**
     * The service's states: hot, replays the latest to a new subscriber, then one element per
     * status change, in order. Completes after {@code STOPPED}. Delivered on a worker of the
     * builder's scheduler. A subscriber with demand gets every change once, in order; while it has
     * none (or falls more than 64 behind) it is handed the latest state only; none can block the
     * service or make it buffer without bound.
     */
    public Flux<WorkloadState> states() {
        return engine.states();
    }

    /**
     * What the service does, as it happens: each token request as it starts and as it finishes
     * (grant, outcome, HTTP status, OAuth {@code error}, duration), and each status change (from,
     * to, the failure). Hot: a subscriber sees what happens from its subscription on, nothing
     * earlier. Never errors; completes after the change to {@code STOPPED} (at once for a
     * subscriber that comes later). Delivered as {@link #states()} is, on a worker of the builder's
     * scheduler: a subscriber with demand gets every event once, in order; while it has none (or
     * falls more than 64 behind) it is handed the latest only. Costs the hot path of
     * {@link #token()} nothing.
     */
    public Flux<TokenEvent> events() {
        return engine.events();
    }

    /** The current state, without subscribing; its details (failures, next attempt) are always current. */
    public WorkloadState state() {
        return engine.current().state();
    }

    /**
     * A service of this client for exactly these scopes: this one's configuration and connections, its
     * own token, cache and single flight (in memory). Made on the first call, the same one for the same
     * scopes later; disposed with this one.
     *
     * @throws IllegalStateException for a public client (its refresh token is this service's alone), or once disposed
     */
    public TokenService forScopes(String... scopes) {
        return variants().forScopes(scopes);
    }

    /**
     * As {@link #forScopes}, for a token for another audience: this service's scopes, and the request
     * parameter {@code audience} set to {@code audience} (as Auth0 and many gateways ask for it).
     *
     * @throws IllegalStateException as {@link #forScopes}
     */
    public TokenService forAudience(String audience) {
        return variants().forAudience(audience);
    }

    /** Cancels every timer and in-flight request; the state becomes {@code STOPPED}; idempotent. Its variants are disposed too. */
    @Override
    public void dispose() {
        engine.dispose();
        Variants made;
        synchronized (this) {
            disposed = true;
            made = variants;
        }
        if (made != null) {
            made.dispose();
        }
    }

    /** The variants, made on first use; none after {@link #dispose()}. */
    private synchronized Variants variants() {
        if (disposed) {
            throw new IllegalStateException("the service is disposed");
        }
        Variants made = variants;
        if (made == null) {
            made = new Variants(recipe);
            variants = made;
        }
        return made;
    }

    /** {@link #dispose()}: for try-with-resources. Idempotent; throws nothing. */
    @Override
    public void close() {
        dispose();
    }

    @Override
    public boolean isDisposed() {
        return engine.current().status() == WorkloadState.Status.STOPPED;
    }

    @Override
    public String toString() {
        return engine.name();
    }

    /**
     * Configures a {@link TokenService}; {@link #build()} validates and starts it. Setters validate
     * their argument at the call ({@code NullPointerException} for null, {@code IllegalArgumentException}
     * for an invalid value). Not thread-safe.
     */
    public static final class Builder {

        private EndpointSettings wire = EndpointSettings.DEFAULTS;
        private EngineSettings engine = EngineSettings.DEFAULTS;
        private @Nullable ClientAuth auth;
        private boolean secretPost;
        private @Nullable URI issuer;
        private @Nullable Transport transport;
        private @Nullable TokenEndpoint endpointOverride;

        private Builder() {
        }

        /** The token endpoint. {@code https}, or {@code http} on a loopback host, or anywhere after {@link #allowInsecureHttp()}. */
        public Builder tokenEndpoint(URI tokenEndpoint) {
            wire = wire.withEndpoint(tokenEndpoint);
            issuer = null;
            return this;
        }

        /**
         * The server by its issuer, in place of {@link #tokenEndpoint}: the token endpoint comes from its
         * RFC 8414 metadata (OpenID Connect's when RFC 8414 answers 404 or 405), fetched, retried and
         * classified as part of the first token request. Its {@code issuer} must be exactly this one and
         * it must offer the client's method, else a permanent failure saying why. No query or fragment.
         */
        public Builder issuer(URI issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /** Confidential client with {@code client_secret_basic} (see {@link #clientSecretPost()}). */
        public Builder clientCredentials(String clientId, String clientSecret) {
            auth = new ClientAuth.SecretBasic(EndpointSettings.requireText("clientId", clientId),
                    EndpointSettings.requireText("clientSecret", clientSecret));
            return this;
        }

        /** Sends the client secret in the form body ({@code client_secret_post}) instead of HTTP Basic. */
        public Builder clientSecretPost() {
            secretPost = true;
            return this;
        }

        /** Confidential client with {@code private_key_jwt} (RFC 7523): RS256 for RSA keys, ES256/384/512 for EC keys. */
        public Builder privateKeyJwt(String clientId, PrivateKey key, @Nullable String keyId) {
            Objects.requireNonNull(key, "key");
            auth = new ClientAuth.PrivateKeyJwt(EndpointSettings.requireText("clientId", clientId), key, keyId);
            return this;
        }

        /** A public client (no secret): only for the refresh_token grant. Replaces earlier client credentials. */
        public Builder clientId(String clientId) {
            auth = new ClientAuth.Public(EndpointSettings.requireText("clientId", clientId));
            return this;
        }

        /** Uses the refresh_token grant, starting from this refresh token; the server may rotate it. */
        public Builder refreshToken(String refreshToken) {
            engine = engine.withSeed(Credential.builder()
                    .refreshToken(EndpointSettings.requireText("refreshToken", refreshToken)).build());
            return this;
        }

        /** Where the credential lives; the service starts from it and saves every new one. Default: in memory. */
        public Builder credentialStore(CredentialStore store) {
            engine = engine.withStore(store);
            return this;
        }

        /** Scopes to request; none by default; repeated calls add. */
        public Builder scopes(String... scopes) {
            wire = wire.withScopes(scopes);
            return this;
        }

        /** An extra form parameter of the token request, e.g. {@code audience} or {@code resource}. */
        public Builder requestParameter(String name, String value) {
            wire = wire.withParameter(name, value);
            return this;
        }

        /** The clock and timer source for every delay (default {@code Schedulers.parallel()}); a {@code VirtualTimeScheduler} in tests. */
        public Builder scheduler(Scheduler scheduler) {
            engine = engine.withScheduler(scheduler);
            return this;
        }

        /**
         * How long callers of {@link TokenService#token()} wait for the first token, counted from
         * {@link #build()} (default 10 s; at most 3650 days). After it they fail with
         * {@link TokenUnavailableException} (the last failure, the next attempt) while the service
         * goes on trying; a caller that comes later fails at once while the service is still
         * {@code STARTING}. Time of the builder's scheduler.
         */
        public Builder startupTimeout(Duration startupTimeout) {
            engine = engine.withStartupTimeout(Objects.requireNonNull(startupTimeout, "startupTimeout"));
            return this;
        }

        /** How transient failures are retried (default {@link RetryPolicy#defaults()}, read at {@link #build()}). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            engine = engine.withPolicy(retryPolicy);
            return this;
        }

        /** Decides transient or permanent (default {@link ErrorClassifier#standard()}); must not block. */
        public Builder errorClassifier(ErrorClassifier classifier) {
            wire = wire.withClassifier(classifier);
            return this;
        }

        /** How long before expiry to refresh (default: the smaller of 5 min and half the lifetime; never more than half). */
        public Builder refreshAhead(Duration refreshAhead) {
            engine = engine.withLifetimes(engine.lifetimes().withRefreshAhead(refreshAhead));
            return this;
        }

        /** Spread of {@code refreshAhead}, 0 to 0.5 (default 0.1: ±10 %), so that many instances do not refresh together. */
        public Builder refreshJitter(double refreshJitter) {
            engine = engine.withLifetimes(engine.lifetimes().withRefreshJitter(refreshJitter));
            return this;
        }

        /** A token counts as expired this long before {@code expires_at} (default: the smaller of 30 s and 10 % of the lifetime). */
        public Builder expiryMargin(Duration expiryMargin) {
            engine = engine.withLifetimes(engine.lifetimes().withExpiryMargin(expiryMargin));
            return this;
        }

        /** Lifetime assumed for tokens without {@code expires_in}; by default they are valid until rejected. */
        public Builder defaultLifetime(Duration defaultLifetime) {
            engine = engine.withLifetimes(engine.lifetimes().withDefaultLifetime(defaultLifetime));
            return this;
        }

        /** TCP connect timeout to the token endpoint (default 10 s; real time). */
        public Builder connectTimeout(Duration connectTimeout) {
            wire = wire.withConnectTimeout(connectTimeout);
            return this;
        }

        /** Longest wait for the answer between reads (default 10 s; real time); the whole answer gets twice that. */
        public Builder responseTimeout(Duration responseTimeout) {
            wire = wire.withResponseTimeout(responseTimeout);
            return this;
        }

        /** Largest token endpoint answer read, in bytes (default 64 KiB, from 1 KiB to 16 MiB); a larger one is a transient failure. */
        public Builder maxResponseSize(int bytes) {
            wire = wire.withMaxResponseBytes(bytes);
            return this;
        }

        /** Allows an {@code http://} token endpoint on a non-loopback host: secrets then cross the network in clear. */
        public Builder allowInsecureHttp() {
            wire = wire.withInsecureHttpAllowed();
            return this;
        }

        /**
         * The Reactor Netty client to start from (proxy, TLS trust, metrics). tokenflow still turns
         * off redirects and sets its timeouts on it. Its connection pool is yours: give it a
         * {@code maxIdleTime} shorter than the token endpoint's keep-alive, or a refresh an hour
         * later may meet a connection the server has closed (a transient failure, then a retry).
         */
        public Builder httpClient(HttpClient httpClient) {
            wire = wire.withHttpClient(httpClient);
            return this;
        }

        /** Tests: replaces the wire. */
        Builder endpoint(TokenEndpoint endpoint) {
            this.endpointOverride = endpoint;
            return this;
        }

        /** The connections to share (a registry's); default: the tokenflow-wide {@link Transport#shared()}. */
        Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /**
         * Validates the configuration and starts the service (its first fetch begins now).
         *
         * @throws IllegalStateException when the endpoint (or issuer) or the credentials are missing
         * @throws IllegalArgumentException for an endpoint or issuer tokenflow will not send secrets to
         */
        public TokenService build() {
            return start(recipe());
        }

        /**
         * The configuration checked as a whole, nothing started.
         *
         * @throws IllegalStateException as {@link #build()}
         * @throws IllegalArgumentException as {@link #build()}
         */
        Recipe recipe() {
            Transport connections = transport != null ? transport : Transport.shared();
            if (issuer != null) {
                EndpointSettings checked = wire.withAuth(clientAuth()).withClock(engine.scheduler());
                IssuerDiscovery discovery = new IssuerDiscovery(IssuerDiscovery.checkIssuer(issuer, checked), checked, connections);
                return new Recipe(checked, engine, discovery, connections, endpointOverride);
            }
            if (wire.endpoint() == null) {
                throw new IllegalStateException("tokenEndpoint(...) or issuer(...) is required");
            }
            wire.checkEndpoint();
            EndpointSettings checked = wire.withAuth(clientAuth()).withClock(engine.scheduler()).validated();
            return new Recipe(checked, engine, null, connections, endpointOverride);
        }

        /** The client authentication as declared, {@code client_secret_post} applied; checked against the grant. */
        private ClientAuth clientAuth() {
            ClientAuth declared = auth;
            if (secretPost) {
                if (!(declared instanceof ClientAuth.SecretBasic basic)) {
                    throw new IllegalStateException("clientSecretPost() needs clientCredentials(id, secret)");
                }
                declared = new ClientAuth.SecretPost(basic.clientId(), basic.secret());
            }
            if (declared == null) {
                throw new IllegalStateException("client credentials are required: clientCredentials(id, secret), "
                        + "privateKeyJwt(...), or clientId(id) with refreshToken(...) or credentialStore(...)");
            }
            if (declared instanceof ClientAuth.Public && engine.seed() == null && engine.store() == null) {
                throw new IllegalStateException("client '" + declared.clientId() + "' has no secret or key, so it cannot use the "
                        + "client_credentials grant: give refreshToken(...) or credentialStore(...), or clientCredentials(id, secret)");
            }
            return declared;
        }
    }
}
