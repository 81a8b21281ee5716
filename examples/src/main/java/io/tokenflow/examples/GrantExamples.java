package io.tokenflow.examples;

import io.tokenflow.core.TokenExchange;
import io.tokenflow.core.TokenService;
import io.tokenflow.http.ReactorNettyTokens;
import io.tokenflow.http.TokenExchangeFilter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * The grants, client authentication methods and DPoP of docs/configuration.md: jwt-bearer with a
 * projected service-account token, token exchange (chained and supplied), client_secret_jwt,
 * mTLS, DPoP with the WebClient filter, the Reactor Netty hook and by hand.
 */
public final class GrantExamples {

    private GrantExamples() {
    }

    /**
     * A projected service-account token (Kubernetes rewrites the file before the token expires),
     * re-read for every token request, on boundedElastic: never on the event loop.
     */
    // tag::projected-token[]
    public static Supplier<Mono<String>> projectedToken(Path file) {
        return () -> Mono.fromCallable(() -> Files.readString(file).strip())
                .subscribeOn(Schedulers.boundedElastic());
    }
    // end::projected-token[]

    static TokenService jwtBearer() {
        // tag::jwt-bearer[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://sts.example/oauth2/token"))
                .clientId("orders")                          // the assertion authenticates; or clientCredentials(..)
                .jwtBearer(projectedToken(Path.of("/var/run/secrets/tokens/sts-token")))
                .scopes("orders.read")
                .build();
        // end::jwt-bearer[]
        return tokens;
    }

    static TokenService tokenExchangeChained(TokenService workload) {
        // tag::token-exchange-chained[]
        TokenService orders = TokenService.builder()
                .tokenEndpoint(URI.create("https://sts.example/oauth2/token"))
                .clientCredentials("exchanger", System.getenv("EXCHANGER_SECRET"))
                .tokenExchange(TokenExchange.subject(workload)      // workload's current token is the subject
                        .withAudience("orders-api"))
                .build();                                    // renewed whenever workload's token changes
        // end::token-exchange-chained[]
        return orders;
    }

    static TokenService tokenExchangeSupplied() {
        // tag::token-exchange-supplied[]
        TokenService api = TokenService.builder()
                .tokenEndpoint(URI.create("https://sts.example/oauth2/token"))
                .clientId("ci-deployer")
                .tokenExchange(TokenExchange.subject(
                                () -> Mono.justOrEmpty(System.getenv("CI_OIDC_TOKEN")),   // a CI job's OIDC token
                                "urn:ietf:params:oauth:token-type:jwt")
                        .withResource(URI.create("https://deploy.example/api"))
                        .withRequestedTokenType("urn:ietf:params:oauth:token-type:access_token"))
                .build();
        // end::token-exchange-supplied[]
        return api;
    }

    static TokenService clientSecretJwt(String secret) {
        // tag::client-secret-jwt[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .clientSecretJwt("billing-client", secret)   // HS256; the secret: 32 bytes or more
                .build();
        // end::client-secret-jwt[]
        return tokens;
    }

    static TokenService tlsClientAuth(PrivateKey key, X509Certificate certificate, X509Certificate intermediate,
                                      X509Certificate privateCa) {
        // tag::tls-client-auth[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .tlsClientAuth("orders-client", key, certificate, intermediate)   // RFC 8705 tls_client_auth
                .tlsTrust(privateCa)                         // optional: the token endpoint's CA, if not the JDK's
                .build();
        // end::tls-client-auth[]
        return tokens;
    }

    static TokenService selfSignedTlsClientAuth(PrivateKey key, X509Certificate selfSigned) {
        // tag::self-signed-tls-client-auth[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .selfSignedTlsClientAuth("billing-client", key, selfSigned)   // the certificate registered for the client
                .build();
        // end::self-signed-tls-client-auth[]
        return tokens;
    }

    static WebClient dpopWebClient(String secret) {
        // tag::dpop[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .clientCredentials("orders-client", secret)
                .dpop()                                      // a new EC P-256 key; or dpop(keyPair)
                .build();

        WebClient api = WebClient.builder()
                .filter(TokenExchangeFilter.forHosts(tokens, "api.example.com"))
                .build();                                    // "Authorization: DPoP ..." plus a fresh DPoP proof
        // end::dpop[]
        return api;
    }

    static HttpClient dpopReactorNetty(TokenService tokens) {
        // tag::dpop-reactor-netty[]
        HttpClient api = ReactorNettyTokens.bearer(tokens, "api.example.com")
                .apply(HttpClient.create().baseUrl("https://api.example.com"));   // a proof per request, nonce retry
        // end::dpop-reactor-netty[]
        return api;
    }

    static Mono<Integer> dpopByHand(TokenService tokens, HttpClient http) {
        // tag::dpop-by-hand[]
        URI orders = URI.create("https://api.example.com/orders");
        return tokens.token().flatMap(token -> tokens.proof("GET", orders, token)
                .flatMap(proof -> http.headers(h -> h.set("Authorization", token.authorizationHeader()).set("DPoP", proof))
                        .get().uri(orders)
                        .responseSingle((response, body) -> {
                            String nonce = response.responseHeaders().get("DPoP-Nonce");
                            if (nonce != null) {
                                tokens.dpopNonce(orders, nonce);   // the next proof for this server carries it
                            }
                            return body.then(Mono.just(response.status().code()));
                        })));
        // end::dpop-by-hand[]
    }
}
