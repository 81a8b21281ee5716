package io.tokenflow.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenUnavailableException;
import java.net.URI;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.HttpClientResponse;

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
 *   <li><b>DPoP.</b> A DPoP-bound token goes as {@code Authorization: DPoP <token>} with a fresh
 *       proof in the {@code DPoP} header, made in {@code doOnRequest} for the final URL (redirects
 *       get their own). The resource server's {@code DPoP-Nonce} is recorded from every response; a
 *       {@code 401} {@code use_dpop_nonce} challenge with a new nonce is answered once: the first
 *       response is discarded (its connection closed) and the request sent again, so its body must
 *       be re-subscribable.</li>
 *   <li><b>No self-heal.</b> A {@code 401} is returned to the caller; report it with
 *       {@link TokenService#tokenRejected} (the WebClient filter does this for you).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ReactorNettyTokens implements Function<HttpClient, HttpClient> {

    /** Carries the token from {@code headersWhen} to {@code doOnRequest}; never leaves the client. */
    static final String STASH = "x-tokenflow-pending-authorization";
    private static final String DPOP = "DPoP";
    private static final String DPOP_NONCE = "DPoP-Nonce";

    private static final Logger log = LoggerFactory.getLogger(ReactorNettyTokens.class);

    private final TokenService tokens;
    private final HostAllowList hosts;
    private final RefusedHosts refused;

    private ReactorNettyTokens(TokenService tokens, HostAllowList hosts) {
        this.tokens = tokens;
        this.hosts = hosts;
        this.refused = new RefusedHosts(log, this, tokens, hosts);
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
        return client.headersWhen(this::stashToken).doOnRequest(this::authorize).mapConnect(this::answerNonceChallenge);
    }

    /**
     * A response arrives as the connection the client's {@code connect} emits. One that is a
     * {@code use_dpop_nonce} challenge bringing a new nonce is discarded, and the request sent once
     * more (headers and a proof made anew, now with the nonce); any other passes, its nonce recorded.
     */
    private Mono<? extends Connection> answerNonceChallenge(Mono<? extends Connection> connect) {
        return connect.flatMap(connection -> {
            if (!(connection instanceof HttpClientResponse response) || !asksForNonce(response)) {
                return Mono.just(connection);
            }
            connection.dispose();
            return connect;
        });
    }

    /** Records the response's {@code DPoP-Nonce}; whether it is a {@code use_dpop_nonce} challenge with a new one. */
    private boolean asksForNonce(HttpClientResponse response) {
        String nonce = response.responseHeaders().get(DPOP_NONCE);
        URI url = uriOf(response.resourceUrl());
        boolean fresh = nonce != null && url != null && tokens.dpopNonce(url, nonce);
        return fresh && response.status().code() == 401
                && Challenges.hasError(response.responseHeaders().getAll(HttpHeaderNames.WWW_AUTHENTICATE), DPOP, "use_dpop_nonce");
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
            if (pending.regionMatches(true, 0, DPOP + " ", 0, DPOP.length() + 1)) {
                headers.set(DPOP, proof(request, pending.substring(DPOP.length() + 1)));
            }
        } else {
            refused.refused(host);
        }
    }

    /**
     * A fresh DPoP proof for this request, made here, where the final URL is known and nothing may
     * wait: the service's key is ready once it holds a DPoP-bound token, so the proof's
     * {@code Mono} completes at once, on this thread, without blocking.
     *
     * @throws IllegalStateException (failing the request) should the proof not be ready at once
     */
    private String proof(HttpClientRequest request, String token) {
        URI url = uriOf(request.resourceUrl());
        if (url == null) {
            throw new IllegalStateException("no URL to make a DPoP proof for");
        }
        String[] proof = new String[1];
        Throwable[] failed = new Throwable[1];
        tokens.proof(request.method().name(), url, AccessToken.of(token, DPOP, null, Set.of()))
                .subscribe(p -> proof[0] = p, e -> failed[0] = e);
        if (proof[0] == null) {
            throw new IllegalStateException("the DPoP proof of " + tokens + " was not ready", failed[0]);
        }
        return proof[0];
    }

    private static @Nullable URI uriOf(@Nullable String url) {
        try {
            return url == null ? null : URI.create(url);
        } catch (IllegalArgumentException e) {
            return null;
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
