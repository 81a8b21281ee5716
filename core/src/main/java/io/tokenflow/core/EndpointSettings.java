package io.tokenflow.core;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * What the wire needs to send token requests. Immutable; every {@code withX} validates its
 * argument, and {@link #validated()} checks the whole before a client is built from it.
 *
 * @param endpoint the token endpoint; {@code null} until given
 * @param auth how the client authenticates; {@code null} until given
 * @param scopes requested scopes, in order, none with white space
 * @param parameters extra form parameters of every token request
 * @param maxResponseBytes largest answer read
 * @param connectTimeout TCP connect timeout (real time)
 * @param responseTimeout longest wait between reads (real time); the whole answer gets twice that
 * @param allowInsecureHttp whether an {@code http://} endpoint may be on a non-loopback host
 * @param httpClient the user's client to start from; {@code null}: tokenflow's own
 * @param clock the service's clock, for time stamps in requests and {@code Retry-After} dates
 * @param grant the client's own grant, used without a refresh token
 * @param binding the client's TLS identity, mTLS alias and DPoP key
 */
record EndpointSettings(@Nullable URI endpoint, @Nullable ClientAuth auth, Set<String> scopes,
                        Map<String, String> parameters, ErrorClassifier classifier, int maxResponseBytes,
                        Duration connectTimeout, Duration responseTimeout, boolean allowInsecureHttp,
                        @Nullable HttpClient httpClient, Scheduler clock, OwnGrant grant, ClientBinding binding) {

    static final EndpointSettings DEFAULTS = new EndpointSettings(null, null, Set.of(), Map.of(), ErrorClassifier.standard(),
            64 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(10), false, null, Schedulers.parallel(),
            OwnGrant.ClientCredentials.INSTANCE, ClientBinding.NONE);

    /** Set by tokenflow itself: never an extra request parameter. */
    private static final Set<String> RESERVED = Set.of("grant_type", "client_id", "client_secret", "refresh_token", "scope",
            "client_assertion", "client_assertion_type", "assertion", "subject_token", "subject_token_type", "actor_token",
            "actor_token_type", "requested_token_type");

    private static final Pattern IPV4_LOOPBACK =
            Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}");

    /** What {@link #frozen} makes: kept as they are by the next {@code withX} (services of one builder share them). */
    private static final Class<?> FROZEN_SET = Collections.unmodifiableSet(new LinkedHashSet<>()).getClass();
    private static final Class<?> FROZEN_MAP = Collections.unmodifiableMap(new LinkedHashMap<>()).getClass();

    EndpointSettings {
        scopes = frozen(scopes);
        parameters = frozen(parameters);
        Objects.requireNonNull(classifier, "classifier");
        if (maxResponseBytes < 1024 || maxResponseBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("maxResponseSize must be within [1 KiB, 16 MiB], was " + maxResponseBytes);
        }
        RetryPolicy.requirePositive("connectTimeout", connectTimeout);
        RetryPolicy.requirePositive("responseTimeout", responseTimeout);
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(binding, "binding");
    }

    /** {@code scopes} immutable, in order; none or one as {@code Set.of(..)}, which tokens then share as their scopes. */
    private static Set<String> frozen(Set<String> scopes) {
        if (scopes.size() <= 1) {
            return Set.copyOf(scopes);
        }
        return scopes.getClass() == FROZEN_SET ? scopes : Collections.unmodifiableSet(new LinkedHashSet<>(scopes));
    }

    private static Map<String, String> frozen(Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return Map.of();
        }
        return parameters.getClass() == FROZEN_MAP ? parameters : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Settings for {@code endpoint} and {@code auth} with every default: what tests start from. */
    static EndpointSettings of(URI endpoint, ClientAuth auth) {
        return DEFAULTS.withEndpoint(endpoint).withAuth(auth);
    }

    EndpointSettings withEndpoint(URI endpoint) {
        return new EndpointSettings(Objects.requireNonNull(endpoint, "tokenEndpoint"), auth, scopes, parameters, classifier,
                maxResponseBytes, connectTimeout, responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withAuth(ClientAuth auth) {
        return new EndpointSettings(endpoint, Objects.requireNonNull(auth, "auth"), scopes, parameters, classifier,
                maxResponseBytes, connectTimeout, responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    /** Adds scopes; each must be a non-blank word without white space. */
    EndpointSettings withScopes(String... added) {
        Set<String> all = new LinkedHashSet<>(scopes);
        for (String scope : added) {
            requireText("scope", scope);
            if (scope.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("a scope may not contain white space: '" + scope + "'");
            }
            all.add(scope);
        }
        return new EndpointSettings(endpoint, auth, all, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    /** Exactly these scopes, in place of the ones set so far; each as {@link #withScopes}. */
    EndpointSettings withOnlyScopes(String... scopes) {
        return new EndpointSettings(endpoint, auth, Set.of(), parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding).withScopes(scopes);
    }

    /** Adds (or replaces) an extra form parameter; the names tokenflow sets itself are refused. */
    EndpointSettings withParameter(String name, String value) {
        requireText("parameter name", name);
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException("'" + name + "' is set by tokenflow; it cannot be a request parameter");
        }
        Map<String, String> all = new LinkedHashMap<>(parameters);
        all.put(name, Objects.requireNonNull(value, "value"));
        return new EndpointSettings(endpoint, auth, scopes, all, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withClassifier(ErrorClassifier classifier) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, Objects.requireNonNull(classifier, "classifier"),
                maxResponseBytes, connectTimeout, responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withMaxResponseBytes(int maxResponseBytes) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withConnectTimeout(Duration connectTimeout) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withResponseTimeout(Duration responseTimeout) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withInsecureHttpAllowed() {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, true, httpClient, clock, grant, binding);
    }

    EndpointSettings withHttpClient(HttpClient httpClient) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, Objects.requireNonNull(httpClient, "httpClient"), clock, grant,
                binding);
    }

    EndpointSettings withClock(Scheduler clock) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, binding);
    }

    EndpointSettings withGrant(OwnGrant grant) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, Objects.requireNonNull(grant, "grant"), binding);
    }

    EndpointSettings withBinding(ClientBinding binding) {
        return new EndpointSettings(endpoint, auth, scopes, parameters, classifier, maxResponseBytes, connectTimeout,
                responseTimeout, allowInsecureHttp, httpClient, clock, grant, Objects.requireNonNull(binding, "binding"));
    }

    /** Where token requests are sent: the token endpoint, or its mTLS alias for a client presenting a certificate. */
    URI requestUri() {
        return binding.requestUri(uri());
    }

    /** Whether the client gets tokens without a refresh token: it authenticates itself, or its grant needs no secret. */
    boolean hasOwnGrant() {
        return !(clientAuth() instanceof ClientAuth.Public) || grant.needsNoClientSecret();
    }

    /** The endpoint, when the settings are {@link #validated()}. */
    URI uri() {
        return Objects.requireNonNull(endpoint, "tokenEndpoint");
    }

    /** The client authentication, when the settings are {@link #validated()}. */
    ClientAuth clientAuth() {
        return Objects.requireNonNull(auth, "auth");
    }

    /**
     * These settings, checked as a whole: an endpoint tokenflow will send secrets to, and a client.
     *
     * @throws IllegalStateException when the endpoint or the client authentication is missing
     * @throws IllegalArgumentException as {@link #checkEndpoint()}
     */
    EndpointSettings validated() {
        checkEndpoint();
        if (auth == null) {
            throw new IllegalStateException("client authentication is required");
        }
        return this;
    }

    /**
     * Checks the endpoint alone.
     *
     * @throws IllegalStateException when it is missing
     * @throws IllegalArgumentException for a relative or non-HTTP endpoint, one with user info in it,
     *     or {@code http://} on a non-loopback host without {@link #allowInsecureHttp()}
     */
    void checkEndpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("tokenEndpoint(...) is required");
        }
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!endpoint.isAbsolute() || endpoint.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("token endpoint must be an absolute https:// URL, was " + endpoint);
        }
        if (endpoint.getUserInfo() != null) {
            throw new IllegalArgumentException("token endpoint must not carry user info (credentials) in its URL: "
                    + endpoint.getScheme() + "://" + endpoint.getHost() + endpoint.getPath());
        }
        if (scheme.equals("http") && !allowInsecureHttp && !isLoopback(endpoint)) {
            throw new IllegalArgumentException("refusing http:// token endpoint " + endpoint + " on a non-loopback host: "
                    + "use https, or call allowInsecureHttp() to send credentials in clear on purpose");
        }
    }

    /** {@code host:port} of an endpoint, the scheme's default port filled in: how messages and hints name where it is. */
    static String hostAndPort(URI uri) {
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getHost() + ":" + port;
    }

    /** Whether {@code uri}'s host is a loopback literal; names such as {@code 127.evil.example} are not, and no lookup is made. */
    static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost")
                || IPV4_LOOPBACK.matcher(h).matches()
                || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    static String requireText(String what, String value) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }
}
