package io.tokenflow.core;

import java.time.Duration;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;

/**
 * The setters of {@link TokenService.Builder} that tune a service rather than say who the client is:
 * scopes and extra parameters, the clock, retry and classification, the token lifetime rules, the
 * HTTP limits and client. The builder inherits them (as {@link ClientSetup} does its setters), so
 * that the builder's own file stays the endpoint, the credentials and {@code build()}. Each setter
 * validates its argument at the call and returns the builder. Not thread-safe.
 *
 * @param <B> the builder
 */
abstract class ServiceSetup<B extends ServiceSetup<B>> {

    /** The wire's settings declared so far. */
    EndpointSettings wire = EndpointSettings.DEFAULTS;
    /** The engine's settings declared so far. */
    EngineSettings engine = EngineSettings.DEFAULTS;

    ServiceSetup() {
    }

    abstract B self();

    /** Scopes to request; none by default; repeated calls add. */
    public B scopes(String... scopes) {
        wire = wire.withScopes(scopes);
        return self();
    }

    /** An extra form parameter of the token request, e.g. {@code audience} or {@code resource}. */
    public B requestParameter(String name, String value) {
        wire = wire.withParameter(name, value);
        return self();
    }

    /** The clock and timer source for every delay (default {@code Schedulers.parallel()}); a {@code VirtualTimeScheduler} in tests. */
    public B scheduler(Scheduler scheduler) {
        engine = engine.withScheduler(scheduler);
        return self();
    }

    /**
     * How long callers of {@link TokenService#token()} wait for the first token, counted from
     * {@link TokenService.Builder#build()} (default 10 s; at most 3650 days). After it they fail with
     * {@link TokenUnavailableException} (the last failure, the next attempt) while the service
     * goes on trying; a caller that comes later fails at once while the service is still
     * {@code STARTING}. Time of the builder's scheduler.
     */
    public B startupTimeout(Duration startupTimeout) {
        engine = engine.withStartupTimeout(Objects.requireNonNull(startupTimeout, "startupTimeout"));
        return self();
    }

    /** How transient failures are retried (default {@link RetryPolicy#defaults()}, read at {@link TokenService.Builder#build()}). */
    public B retryPolicy(RetryPolicy retryPolicy) {
        engine = engine.withPolicy(retryPolicy);
        return self();
    }

    /** Decides transient or permanent (default {@link ErrorClassifier#standard()}); must not block. */
    public B errorClassifier(ErrorClassifier classifier) {
        wire = wire.withClassifier(classifier);
        return self();
    }

    /** How long before expiry to refresh (default: the smaller of 5 min and half the lifetime; never more than half). */
    public B refreshAhead(Duration refreshAhead) {
        engine = engine.withLifetimes(engine.lifetimes().withRefreshAhead(refreshAhead));
        return self();
    }

    /** Spread of {@code refreshAhead}, 0 to 0.5 (default 0.1: ±10 %), so that many instances do not refresh together. */
    public B refreshJitter(double refreshJitter) {
        engine = engine.withLifetimes(engine.lifetimes().withRefreshJitter(refreshJitter));
        return self();
    }

    /** A token counts as expired this long before {@code expires_at} (default: the smaller of 30 s and 10 % of the lifetime). */
    public B expiryMargin(Duration expiryMargin) {
        engine = engine.withLifetimes(engine.lifetimes().withExpiryMargin(expiryMargin));
        return self();
    }

    /** Lifetime assumed for tokens without {@code expires_in}; by default they are valid until rejected. */
    public B defaultLifetime(Duration defaultLifetime) {
        engine = engine.withLifetimes(engine.lifetimes().withDefaultLifetime(defaultLifetime));
        return self();
    }

    /** TCP connect timeout to the token endpoint (default 10 s; real time). */
    public B connectTimeout(Duration connectTimeout) {
        wire = wire.withConnectTimeout(connectTimeout);
        return self();
    }

    /** Longest wait for the answer between reads (default 10 s; real time); the whole answer gets twice that. */
    public B responseTimeout(Duration responseTimeout) {
        wire = wire.withResponseTimeout(responseTimeout);
        return self();
    }

    /** Largest token endpoint answer read, in bytes (default 64 KiB, from 1 KiB to 16 MiB); a larger one is a transient failure. */
    public B maxResponseSize(int bytes) {
        wire = wire.withMaxResponseBytes(bytes);
        return self();
    }

    /** Allows an {@code http://} token endpoint on a non-loopback host: secrets then cross the network in clear. */
    public B allowInsecureHttp() {
        wire = wire.withInsecureHttpAllowed();
        return self();
    }

    /**
     * The Reactor Netty client to start from (proxy, TLS trust, metrics). tokenflow still turns
     * off redirects and sets its timeouts on it. Its connection pool is yours: give it a
     * {@code maxIdleTime} shorter than the token endpoint's keep-alive, or a refresh an hour
     * later may meet a connection the server has closed (a transient failure, then a retry).
     */
    public B httpClient(HttpClient httpClient) {
        wire = wire.withHttpClient(httpClient);
        return self();
    }
}
