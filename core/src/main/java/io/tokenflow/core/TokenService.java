package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import io.tokenflow.core.store.CredentialStore;
import java.net.URI;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
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
 * <p>While a valid token is held, {@link #token()} returns one pre-built {@code Mono} per token
 * generation (no I/O, lock or allocation). A refresh is single flight: one shared cached
 * {@code Mono} that no caller's cancellation cancels. The service refreshes {@code refreshAhead}
 * before expiry; failures are classified ({@link ErrorClassifier}), retried ({@link RetryPolicy})
 * and published as {@link WorkloadState}s.
 *
 * <p>The service starts its first fetch when built. Thread-safe. Time comes from the builder's
 * {@link Scheduler}. {@link #close()} is {@link #dispose()}, for try-with-resources.
 */
public final class TokenService implements Disposable, AutoCloseable {

    private final Engine engine;
    private final Scheduler clock;
    private final Recipe recipe;
    /** Renews this service's token when its token exchange's subject service adopts a new one (chained services). */
    private final Disposable subjectWatch;
    // Guarded by this; made by the first forScopes/forAudience: a service without variants holds none.
    private @Nullable Variants variants;
    private boolean disposed;

    private TokenService(Engine engine, Scheduler clock, Recipe recipe, Disposable subjectWatch) {
        this.engine = engine;
        this.clock = clock;
        this.recipe = recipe;
        this.subjectWatch = subjectWatch;
    }

    /** Builds the service of a checked {@code recipe} and starts it (its first fetch begins now). */
    static TokenService start(Recipe recipe) {
        Scheduler scheduler = recipe.engine().scheduler();
        Engine built = new Engine(recipe.engine(), recipe.endpoint());
        built.start();
        // Chained: each new subject token renews this service's token, until either stops.
        Engine subject = recipe.subject();
        Disposable watch = subject == null ? Disposables.disposed() : subject.feed().tokenChanges().publishOn(scheduler)
                .subscribe(t -> built.refresh().subscribe(null, e -> { }), e -> { });
        return new TokenService(built, scheduler, recipe, watch);
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
        return engine.feed().states();
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
     * The {@code DPoP} proof (RFC 9449 §4) for one request with {@code token}: {@code htm}, {@code htu}
     * (no query, fragment), {@code iat}, {@code jti}, {@code ath}, {@code uri}'s server's latest nonce.
     * Once the key is ready (before the first token request) it completes at once, on the calling
     * thread, without blocking. Errors with {@link IllegalStateException} without {@link Builder#dpop()}.
     */
    public Mono<String> proof(String method, URI uri, AccessToken token) {
        DpopProofs proofs = recipe.wire().binding().dpop();
        String value = Objects.requireNonNull(token, "token").value();
        return proofs == null ? Mono.error(new IllegalStateException(engine.name() + " has no DPoP key: build it with dpop()"))
                : Mono.defer(() -> proofs.proof(Objects.requireNonNull(method, "method"), Objects.requireNonNull(uri, "uri"), value));
    }

    /**
     * Records the {@code DPoP-Nonce} that {@code server} (scheme, host, port) sent, for its next proofs;
     * whether it is new (a {@code use_dpop_nonce} refusal is then worth one retry). Without DPoP: false.
     */
    public boolean dpopNonce(URI server, String nonce) {
        DpopProofs proofs = recipe.wire().binding().dpop();
        return proofs != null && proofs.nonce(Objects.requireNonNull(server, "server"), Objects.requireNonNull(nonce, "nonce"));
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
        subjectWatch.dispose();
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
    public static final class Builder extends ClientSetup<Builder> {

        private @Nullable URI issuer;
        private @Nullable Transport transport;
        private @Nullable TokenEndpoint endpointOverride;

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
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
            client = client.withAuth(new ClientAuth.SecretBasic(EndpointSettings.requireText("clientId", clientId),
                    EndpointSettings.requireText("clientSecret", clientSecret)));
            return this;
        }

        /** Sends the client secret in the form body ({@code client_secret_post}) instead of HTTP Basic. */
        public Builder clientSecretPost() {
            client = client.withSecretPost();
            return this;
        }

        /** Confidential client with {@code private_key_jwt} (RFC 7523): RS256 for RSA keys, ES256/384/512 for EC keys. */
        public Builder privateKeyJwt(String clientId, PrivateKey key, @Nullable String keyId) {
            Objects.requireNonNull(key, "key");
            client = client.withAuth(new ClientAuth.PrivateKeyJwt(EndpointSettings.requireText("clientId", clientId), key, keyId));
            return this;
        }

        /** A public client (no secret): for the refresh_token, jwt-bearer or token-exchange grant. Replaces earlier credentials. */
        public Builder clientId(String clientId) {
            client = client.withAuth(new ClientAuth.Public(EndpointSettings.requireText("clientId", clientId)));
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
            return ServiceAssembly.recipe(wire, engine, client, issuer, transport != null ? transport : Transport.shared(),
                    subject == null ? null : subject.engine, endpointOverride);
        }
    }
}
