package io.tokenflow.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenUnavailableException;
import java.net.URI;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;

/**
 * Puts the {@link TokenService}'s token on the requests of a Reactor Netty {@link HttpClient},
 * for applications without Spring.
 *
 * <pre>{@code
 * HttpClient api = ReactorNettyTokens.bearer(tokens, "api.example.com")
 *     .apply(HttpClient.create().baseUrl("https://api.example.com"));
 * }</pre>
 *
 * <p><b>How.</b> Reactor Netty's only asynchronous per-request hook,
 * {@link HttpClient#headersWhen}, runs before the request's URL is known to it; its only hook
 * that knows the URL, {@link HttpClient#doOnRequest}, must not wait. So {@link #apply} installs
 * both: {@code headersWhen} waits for the token and stashes it in a private header, and
 * {@code doOnRequest}, once the URL is final, removes the stash and sets
 * {@code Authorization: <type> <value>} only when the request's host is allowed. It runs for every
 * request, redirects included, so a host outside the allow-list never receives the token, whatever
 * URL or redirect a request takes.
 *
 * <ul>
 *   <li><b>Hosts.</b> As {@link TokenExchangeFilter}: exact host, case-insensitive, any port; the
 *       first request to each other host (a redirect, say) is logged at WARN, once.</li>
 *   <li><b>Own credentials win.</b> When the client's headers already hold {@code Authorization},
 *       no token is fetched and that header goes out untouched.</li>
 *   <li><b>Fast fail.</b> Without a token, the request is not sent:
 *       the caller gets the {@link TokenUnavailableException}. This holds for <em>every</em> request
 *       of the hooked client, whatever its host, since the wait happens before the host is known:
 *       hook a client made for the allowed API (typically with its {@code baseUrl}), not a
 *       general-purpose one.</li>
 *   <li><b>No self-heal.</b> A {@code 401} is returned to the caller; report it with
 *       {@link TokenService#tokenRejected} (the WebClient filter does this for you).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ReactorNettyTokens implements Function<HttpClient, HttpClient> {

    /** Carries the token from {@code headersWhen} to {@code doOnRequest}; never leaves the client. */
    static final String STASH = "x-tokenflow-pending-authorization";

    private static final Logger log = LoggerFactory.getLogger(ReactorNettyTokens.class);

    private final TokenService tokens;
    private final HostAllowList hosts;
    private final RefusedHosts refused;

    private ReactorNettyTokens(TokenService tokens, HostAllowList hosts) {
        this.tokens = tokens;
        this.hosts = hosts;
        this.refused = new RefusedHosts(log, this, hosts);
    }

    /**
     * A hook that sends the token to these hosts only.
     *
     * @param hosts host names or IP literals without port, matched exactly and case-insensitively
     * @throws IllegalArgumentException when no host is given, or one is blank or has a port, scheme,
     *     path or wildcard
     */
    public static ReactorNettyTokens bearer(TokenService tokens, String... hosts) {
        return new ReactorNettyTokens(Objects.requireNonNull(tokens, "tokens"), HostAllowList.of(hosts));
    }

    /** A hook that sends the token to every host the client calls. */
    public static ReactorNettyTokens anyHost(TokenService tokens) {
        return new ReactorNettyTokens(Objects.requireNonNull(tokens, "tokens"), HostAllowList.any());
    }

    /**
     * A copy of {@code client} whose requests carry the token (see the class comment).
     *
     * @throws IllegalArgumentException when the client has a {@code baseUrl} whose host is not
     *     allowed: its requests would wait for a token they may never carry
     */
    @Override
    public HttpClient apply(HttpClient client) {
        Objects.requireNonNull(client, "client");
        String baseUrl = client.configuration().baseUrl();
        if (baseUrl != null && !hosts.allows(hostOf(baseUrl))) {
            throw new IllegalArgumentException("the client's baseUrl " + baseUrl + " is not on the allow-list ("
                    + hosts + "): its requests would never carry the token");
        }
        return client.headersWhen(this::stashToken).doOnRequest(this::authorize);
    }

    private Mono<HttpHeaders> stashToken(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.AUTHORIZATION)) {
            return Mono.just(headers);
        }
        return tokens.token().map(token -> headers.set(STASH, token.authorizationHeader()));
    }

    /** Runs for every request, redirects included, once its URL is final and before anything is written. */
    private void authorize(HttpClientRequest request, Connection connection) {
        HttpHeaders headers = request.requestHeaders();
        String pending = headers.get(STASH);
        if (pending == null) {
            return;
        }
        headers.remove(STASH);
        if (headers.contains(HttpHeaderNames.AUTHORIZATION)) {
            return;
        }
        String host = hostOf(request.resourceUrl());
        if (hosts.allows(host)) {
            headers.set(HttpHeaderNames.AUTHORIZATION, pending);
        } else {
            refused.refused(host);
        }
    }

    private static @Nullable String hostOf(@Nullable String url) {
        if (url == null) {
            return null;
        }
        try {
            // Reactor Netty also takes a baseUrl without scheme, such as "api.example.com:8443".
            return URI.create(url.contains("://") ? url : "http://" + url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "ReactorNettyTokens[" + tokens + " -> " + hosts + "]";
    }
}
