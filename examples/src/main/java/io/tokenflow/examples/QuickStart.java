package io.tokenflow.examples;

import io.tokenflow.core.TokenService;
import io.tokenflow.http.TokenExchangeFilter;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** The README's usage example: a WebClient that sends a fresh bearer token to one host. */
public final class QuickStart {

    private static final Logger log = LoggerFactory.getLogger(QuickStart.class);

    private QuickStart() {
    }

    static Mono<String> callApi(String clientSecret) {
        // tag::quickstart[]
        TokenService tokens = TokenService.builder()
                .tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
                .clientCredentials("client-id", clientSecret)
                .scopes("api.read")
                .build();                                    // starts fetching now

        WebClient api = WebClient.builder()
                .baseUrl("https://api.example.com")
                .filter(TokenExchangeFilter.forHosts(tokens, "api.example.com"))
                .build();                                    // adds "Authorization: Bearer ..."

        tokens.states().subscribe(state -> log.info("tokens: {}", state.status()));

        return api.get().uri("/orders").retrieve().bodyToMono(String.class);
        // end::quickstart[]
    }
}
