package io.tokenflow.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ClientCredentialsReactiveOAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.endpoint.WebClientReactiveClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.reactive.function.client.ServerOAuth2AuthorizedClientExchangeFilterFunction;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The peer: Spring Security's reactive OAuth2 client set up the way its reference documentation
 * sets up a client_credentials client outside a web request: one registration in an
 * {@link InMemoryReactiveClientRegistrationRepository}, an
 * {@link AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager} over an
 * {@link InMemoryReactiveOAuth2AuthorizedClientService}, and a
 * {@link ServerOAuth2AuthorizedClientExchangeFilterFunction} with that registration as its default.
 * Same client id, secret ({@code client_secret_basic}) and scope as the tokenflow side.
 */
final class SpringOAuth2 {

    static final String REGISTRATION_ID = "bench";
    /** The principal Spring's filter uses when there is no security context. */
    private static final AnonymousAuthenticationToken ANONYMOUS =
            new AnonymousAuthenticationToken("anonymous", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_USER"));

    final InMemoryReactiveOAuth2AuthorizedClientService authorizedClients;
    final AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager manager;
    final ServerOAuth2AuthorizedClientExchangeFilterFunction filter;

    private SpringOAuth2(URI tokenUri, @Nullable ClientCredentialsReactiveOAuth2AuthorizedClientProvider provider) {
        ClientRegistration registration = ClientRegistration.withRegistrationId(REGISTRATION_ID)
                .clientId(LoopbackTokenEndpoint.CLIENT_ID)
                .clientSecret(LoopbackTokenEndpoint.CLIENT_SECRET)
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("api.read")
                .tokenUri(tokenUri.toString())
                .build();
        InMemoryReactiveClientRegistrationRepository registrations = new InMemoryReactiveClientRegistrationRepository(registration);
        this.authorizedClients = new InMemoryReactiveOAuth2AuthorizedClientService(registrations);
        this.manager = new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, authorizedClients);
        if (provider != null) {
            manager.setAuthorizedClientProvider(provider);
        }
        this.filter = new ServerOAuth2AuthorizedClientExchangeFilterFunction(manager);
        filter.setDefaultClientRegistrationId(REGISTRATION_ID);
    }

    /** Spring's defaults throughout (its default client_credentials provider, system clock). */
    static SpringOAuth2 defaults(URI tokenUri) {
        return new SpringOAuth2(tokenUri, null);
    }

    /**
     * Spring's client_credentials provider with the given {@code WebClient} for token requests
     * (Spring's default is {@code WebClient.builder().build()}).
     */
    static SpringOAuth2 withTokenWebClient(URI tokenUri, WebClient tokenRequests) {
        WebClientReactiveClientCredentialsTokenResponseClient tokenClient = new WebClientReactiveClientCredentialsTokenResponseClient();
        tokenClient.setWebClient(tokenRequests);
        ClientCredentialsReactiveOAuth2AuthorizedClientProvider provider = new ClientCredentialsReactiveOAuth2AuthorizedClientProvider();
        provider.setAccessTokenResponseClient(tokenClient);
        return new SpringOAuth2(tokenUri, provider);
    }

    /**
     * Replaces the authorized client that the filter's requests use (no security context: Spring's
     * anonymous principal) with a copy whose access token expired an hour ago, as after an idle
     * hour: the next callers all find it expired. Fails when there is none to replace.
     */
    void expireHeldToken() {
        OAuth2AuthorizedClient held = authorizedClients.<OAuth2AuthorizedClient>loadAuthorizedClient(REGISTRATION_ID, ANONYMOUS.getName())
                .block(Duration.ofSeconds(5));
        if (held == null) {
            throw new IllegalStateException("Spring holds no authorized client for " + ANONYMOUS.getName());
        }
        Instant now = Instant.now();
        OAuth2AccessToken token = held.getAccessToken();
        OAuth2AccessToken expired = new OAuth2AccessToken(token.getTokenType(), token.getTokenValue(),
                now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)), token.getScopes());
        authorizedClients.saveAuthorizedClient(new OAuth2AuthorizedClient(held.getClientRegistration(), held.getPrincipalName(), expired),
                ANONYMOUS).block(Duration.ofSeconds(5));
    }
}
