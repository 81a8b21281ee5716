package app;

// tag::use[]
import io.tokenflow.core.TokenService;
import io.tokenflow.http.TokenExchangeFilter;
import java.net.URI;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** The orders API, called with a fresh bearer token. */
public final class Orders implements AutoCloseable {

    private final TokenService tokens;
    private final WebClient api;

    /**
     * @param tokenEndpoint e.g. https://idp.example/oauth2/token
     * @param apiUrl e.g. https://api.example.com
     */
    public Orders(URI tokenEndpoint, String clientSecret, URI apiUrl) {
        tokens = TokenService.builder()
                .tokenEndpoint(tokenEndpoint)
                .clientCredentials("orders-client", clientSecret)
                .scopes("orders.read")
                .build();                                        // starts fetching now
        api = WebClient.builder()
                .baseUrl(apiUrl.toString())
                .filter(TokenExchangeFilter.forHosts(tokens, apiUrl.getHost()))
                .build();                                        // adds "Authorization: Bearer ..." for that host only
        tokens.states().subscribe(state -> System.out.println("tokens: " + state));
    }

    public Mono<String> list() {
        return api.get().uri("/orders").retrieve().bodyToMono(String.class);
    }

    @Override
    public void close() {
        tokens.close();                                          // = dispose(): timers, requests, connections
    }
}
// end::use[]
