package io.tokenflow.http;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenUnavailableException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * A {@code WebClient} filter that sends the {@link TokenService}'s token as
 * {@code Authorization: <type> <value>} ({@link AccessToken#authorizationHeader()}).
 *
 * <pre>{@code
 * WebClient api = WebClient.builder()
 *     .filter(TokenExchangeFilter.forHosts(tokens, "api.example.com"))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Hosts.</b> The token goes only to the hosts named in {@link #forHosts}: exact host,
 *       case-insensitive, any port, no wildcard or subdomain. {@link #anyHost} sends it everywhere
 *       and must be chosen on purpose. A request to any other host is passed on untouched, and the
 *       token service is not asked for a token; the first such request to each host is logged at WARN
 *       (which host, which are allowed; {@code localhost} and {@code 127.0.0.1} are different hosts to
 *       the list), since the resource server's 401 would not say why.</li>
 *   <li><b>Own credentials win.</b> A request that already carries {@code Authorization} is passed on
 *       untouched.</li>
 *   <li><b>Fast fail.</b> When no token can be had ({@code AUTH_RETRYING}, {@code UNAUTHENTICATED},
 *       {@code STOPPED}), the request is not sent: the caller gets the
 *       {@link TokenUnavailableException} with its {@link TokenUnavailableException#retryAfter()}.
 *       In {@code STARTING} the request waits for the first token, at most the service's
 *       {@code startupTimeout}.</li>
 *   <li><b>DPoP.</b> A DPoP-bound token ({@link AccessToken#tokenType()} {@code DPoP}) goes as
 *       {@code Authorization: DPoP <token>} with a fresh proof ({@link TokenService#proof}) in the
 *       {@code DPoP} header, for every request and every retry. The resource server's
 *       {@code DPoP-Nonce} is recorded from every answer ({@link TokenService#dpopNonce}); a
 *       {@code 401} with {@code WWW-Authenticate: DPoP error="use_dpop_nonce"} and a new nonce is
 *       answered once, with a proof carrying it, the first response's body released.</li>
 *   <li><b>Self-heal.</b> A {@code 401} whose {@code WWW-Authenticate} holds a challenge of the
 *       token's type with {@code error="invalid_token"} (RFC 6750), or any {@code 401} after
 *       {@link #retryOnAny401()}: the token is reported with
 *       {@link TokenService#tokenRejected(AccessToken)}; when a newer token comes back, the first
 *       response's body is released and the request is sent once more with it. A second {@code 401}
 *       reaches the caller as it is, and so does the first when no newer token comes back (the
 *       service pauses refreshes that a resource server rejecting every token would drive). Should
 *       {@code tokenRejected} fail, the caller gets its {@link TokenUnavailableException}. The request
 *       body is written twice on a retry, so it must be re-subscribable (any {@code BodyInserter}
 *       built from a value is).</li>
 * </ul>
 *
 * <p>Redirects are followed, if at all, by the underlying HTTP client, below this filter: Reactor
 * Netty drops {@code Authorization} on a redirect to another host.
 *
 * <p>Immutable and thread-safe; add one instance to any number of {@code WebClient}s.
 */
public final class TokenExchangeFilter implements ExchangeFilterFunction {

    private static final Logger log = LoggerFactory.getLogger(TokenExchangeFilter.class);
    private static final String DPOP = BearerClientRequest.DPOP;
    private static final String DPOP_NONCE = "DPoP-Nonce";

    private final TokenService tokens;
    private final HostAllowList hosts;
    private final boolean retryOnAny401;
    private final RefusedHosts refused;

    private TokenExchangeFilter(TokenService tokens, HostAllowList hosts, boolean retryOnAny401) {
        this.tokens = tokens;
        this.hosts = hosts;
        this.retryOnAny401 = retryOnAny401;
        this.refused = new RefusedHosts(log, this, tokens, hosts);
    }

    /**
     * A filter that sends the token to these hosts only.
     *
     * @param hosts host names or IP literals without port, matched exactly and case-insensitively
     * @throws IllegalArgumentException when no host is given, or one is blank or has a port, scheme,
     *     path or wildcard
     */
    public static TokenExchangeFilter forHosts(TokenService tokens, String... hosts) {
        return new TokenExchangeFilter(Objects.requireNonNull(tokens, "tokens"), HostAllowList.of(hosts), false);
    }

    /** A filter that sends the token to every host the {@code WebClient} calls. */
    public static TokenExchangeFilter anyHost(TokenService tokens) {
        return new TokenExchangeFilter(Objects.requireNonNull(tokens, "tokens"), HostAllowList.any(), false);
    }

    /**
     * A copy of this filter that self-heals on every {@code 401}, for resource servers that answer
     * an expired or revoked token without {@code WWW-Authenticate: Bearer error="invalid_token"}.
     */
    public TokenExchangeFilter retryOnAny401() {
        return new TokenExchangeFilter(tokens, hosts, true);
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        if (request.headers().containsHeader(HttpHeaders.AUTHORIZATION)) {
            return next.exchange(request);
        }
        if (!hosts.allows(request.url().getHost())) {
            refused.refused(request.url().getHost());
            return next.exchange(request);
        }
        return tokens.token().flatMap(token -> (DPOP.equalsIgnoreCase(token.tokenType()) ? sendWithProof(request, next, token)
                : next.exchange(new BearerClientRequest(request, token.authorizationHeader())))
                .flatMap(response -> isRejection(response, token) ? retryOnce(request, next, response, token) : Mono.just(response)));
    }

    /**
     * Sends {@code request} with {@code token}. A DPoP-bound token goes with a fresh proof; the
     * resource server's {@code DPoP-Nonce} is recorded from every answer, and a
     * {@code use_dpop_nonce} challenge that brings a new one is answered once, its body released.
     */
    private Mono<ClientResponse> send(ClientRequest request, ExchangeFunction next, AccessToken token) {
        return DPOP.equalsIgnoreCase(token.tokenType()) ? sendWithProof(request, next, token)
                : next.exchange(new BearerClientRequest(request, token.authorizationHeader()));
    }

    private Mono<ClientResponse> sendWithProof(ClientRequest request, ExchangeFunction next, AccessToken token) {
        return withProof(request, next, token).flatMap(response -> asksForNonce(request, response)
                ? response.releaseBody().then(Mono.defer(() -> withProof(request, next, token)))
                : Mono.just(response));
    }

    private Mono<ClientResponse> withProof(ClientRequest request, ExchangeFunction next, AccessToken token) {
        return tokens.proof(request.method().name(), request.url(), token)
                .flatMap(proof -> next.exchange(new BearerClientRequest.WithProof(request, token.authorizationHeader(), proof)));
    }

    /** Records the answer's nonce; whether it is a {@code use_dpop_nonce} challenge (RFC 9449 §9) with a new one. */
    private boolean asksForNonce(ClientRequest request, ClientResponse response) {
        String nonce = response.headers().asHttpHeaders().getFirst(DPOP_NONCE);
        boolean fresh = nonce != null && tokens.dpopNonce(request.url(), nonce);
        return fresh && response.statusCode().value() == 401
                && Challenges.hasError(response.headers().header(HttpHeaders.WWW_AUTHENTICATE), DPOP, "use_dpop_nonce");
    }

    /**
     * Reports the rejected token and sends the request once more with the token that returns. When
     * none newer comes back (the service pauses refreshes a resource server keeps driving), the
     * rejection is the caller's answer, body and all. The first response's body is released
     * before the retry, and on error or cancellation while waiting for the token.
     */
    private Mono<ClientResponse> retryOnce(ClientRequest request, ExchangeFunction next, ClientResponse rejected,
                                           AccessToken token) {
        return tokens.tokenRejected(token)
                .onErrorResume(e -> rejected.releaseBody().then(Mono.error(e)))
                .doOnCancel(() -> rejected.releaseBody().subscribe(null, e -> { }))
                .flatMap(fresh -> fresh.equals(token) ? Mono.just(rejected)
                        : rejected.releaseBody().then(Mono.defer(() -> send(request, next, fresh))));
    }

    private boolean isRejection(ClientResponse response, AccessToken token) {
        if (response.statusCode().value() != 401) {
            return false;
        }
        return retryOnAny401
                || Challenges.hasError(response.headers().header(HttpHeaders.WWW_AUTHENTICATE), token.tokenType(), "invalid_token");
    }

    @Override
    public String toString() {
        return "TokenExchangeFilter[" + tokens + " -> " + hosts + (retryOnAny401 ? ", retry on any 401" : "") + "]";
    }
}
