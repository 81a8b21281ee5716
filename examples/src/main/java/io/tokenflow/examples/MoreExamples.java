package io.tokenflow.examples;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.store.FileCredentialStore;
import io.tokenflow.http.StatusRoutes;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.ScriptedAnswer;
import java.net.URI;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Map;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The other snippets of README.md and docs/: a shared credential file, a token chained rather than
 * blocked, status routes, a test against tokenflow-test's embedded authorization server. The
 * README's "Use" and Reactor Netty snippets live in the applications of {@code src/it}, which are
 * built from the README's coordinates alone.
 */
public final class MoreExamples {

    private MoreExamples() {
    }

    static TokenService sharedCredentialFile() {
        // tag::shared-file[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .clientId("cli-client")                      // a public client: the refresh_token grant
                .credentialStore(FileCredentialStore.at(Path.of("/var/lib/app/credential.json")))
                .build();                                    // one process refreshes, the others reuse its token
        // end::shared-file[]
        return tokens;
    }

    static Mono<String> chained(TokenService tokens, WebClient api) {
        // tag::no-block[]
        // In a handler, on an event loop: chain the call, never block().
        Mono<String> orders = tokens.token()
                .flatMap(token -> api.get().uri("/orders")
                        .header("Authorization", token.authorizationHeader())
                        .retrieve()
                        .bodyToMono(String.class));
        // end::no-block[]
        return orders;
    }

    static TokenServices namedClients(String secret, PrivateKey key) {
        // tag::named-clients[]
        TokenServices clients = TokenServices.builder()
                .client("orders",  c -> c.issuer(URI.create("https://idp.example/realms/main"))
                                         .clientCredentials("orders-client", secret).scopes("orders.read"))
                .client("billing", c -> c.tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                                         .privateKeyJwt("billing-client", key, "kid-1"))
                .build();                                   // checks every client, then starts them all
        TokenService orders = clients.get("orders");        // an unknown name: the error lists the known ones
        DisposableServer status = HttpServer.create()
                .port(8081)
                .route(StatusRoutes.of(clients.asMap()))    // in the order they were registered
                .bindNow();
        // end::named-clients[]
        status.disposeNow();
        return clients;
    }

    static Mono<AccessToken> variants(TokenService orders) {
        // tag::variants[]
        TokenService writer = orders.forScopes("orders.write");              // its own token, cache and single flight
        TokenService billing = orders.forAudience("https://billing.example"); // sends audience=..., keeps the scopes
        // the same service on every call with the same scopes; disposed with `orders`
        // end::variants[]
        return writer.token().then(billing.token());
    }

    static DisposableServer statusRoutes(TokenService tokens) {
        // tag::status[]
        DisposableServer status = HttpServer.create()
                .port(8081)
                .route(StatusRoutes.of(Map.of("orders-api", tokens)))   // GET /health, /health/{name}, /status, /status/stream
                .bindNow();
        // end::status[]
        return status;
    }

    static boolean testAgainstTheEmbeddedServer() {
        // tag::tokenflow-test[]
        try (EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder()
                .client("orders-client", "test-secret")
                .start()) {                                  // on 127.0.0.1, a port the OS chose
            TokenService tokens = TokenService.builder()
                    .tokenEndpoint(idp.tokenEndpoint())
                    .clientCredentials("orders-client", "test-secret")
                    .build();
            try {
                AccessToken token = tokens.token().block(Duration.ofSeconds(10));
                idp.script(ScriptedAnswer.status(503).withRetryAfter(Duration.ofSeconds(30)));  // the next request fails
                return idp.isActive(token.value()) && idp.tokenRequests() == 1;
            } finally {
                tokens.dispose();
            }
        }
        // end::tokenflow-test[]
    }
}
