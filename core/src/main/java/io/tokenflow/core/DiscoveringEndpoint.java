package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The wire of a service configured with {@code issuer(..)}: before its first token request it
 * finds the token endpoint in the issuer's metadata ({@link IssuerDiscovery}), checks that the
 * server offers the client's authentication method, and from then on sends through a
 * {@link TokenEndpointClient} for that endpoint. Discovery is part of the first fetch, so it is
 * retried, and its failures classified and published, as the token request's are.
 */
final class DiscoveringEndpoint implements TokenEndpoint {

    private final IssuerDiscovery discovery;
    /** Validated but for the endpoint, which the metadata gives. */
    private final EndpointSettings settings;
    private final Transport transport;
    private volatile @Nullable TokenEndpointClient client;

    /**
     * @param discovery the issuer's discovery, this service's own
     * @param settings the client's settings, with client authentication and clock, no endpoint yet
     */
    DiscoveringEndpoint(IssuerDiscovery discovery, EndpointSettings settings, Transport transport) {
        this.discovery = discovery;
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    public Mono<Credential> fetch(@Nullable Credential current) {
        return client().flatMap(c -> c.fetch(current));
    }

    @Override
    public Mono<Credential> fetchWithOwnGrant(Credential current) {
        return client().flatMap(c -> c.fetchWithOwnGrant(current));
    }

    @Override
    public boolean hasOwnGrant() {
        return settings.hasOwnGrant();
    }

    @Override
    public String ownGrantType() {
        return settings.grant().name();
    }

    /** The configured issuer (the token endpoint is only known after discovery). */
    @Override
    public URI endpoint() {
        return discovery.issuer();
    }

    @Override
    public String clientId() {
        return settings.clientAuth().clientId();
    }

    /** Releases the discovery's and the found client's own connections, if they have any (a TLS identity of their own). */
    @Override
    public void dispose() {
        discovery.dispose();
        TokenEndpointClient made = client;
        if (made != null) {
            made.dispose();
        }
    }

    /** The issuer's metadata once found (with {@code mtls_endpoint_aliases} and {@code dpop_signing_alg_values_supported}). */
    Optional<ServerMetadata> metadata() {
        return Optional.ofNullable(discovery.known());
    }

    IssuerDiscovery discovery() {
        return discovery;
    }

    private Mono<TokenEndpointClient> client() {
        TokenEndpointClient c = client;
        if (c != null) {
            return Mono.just(c);
        }
        return discovery.metadata().map(this::clientFor).doOnNext(made -> client = made);
    }

    /** The client for the metadata's token endpoint; a permanent failure when it cannot be used. */
    private TokenEndpointClient clientFor(ServerMetadata metadata) {
        String method = settings.clientAuth().method();
        if (!metadata.offers(method)) {
            throw discovery.failure(TokenFailure.of(FailureOrigin.DISCOVERY, FailureKind.PERMANENT,
                    "discovery: " + discovery.issuer() + " offers token_endpoint_auth_methods_supported "
                            + metadata.authMethods().stream().sorted().toList() + ", not " + method + ", which client '"
                            + clientId() + "' is configured with"), null);
        }
        URI tokenEndpoint = metadata.tokenEndpoint();
        if (tokenEndpoint == null) {
            throw discovery.failure(TokenFailure.of(FailureOrigin.DISCOVERY, FailureKind.PERMANENT,
                    "discovery: the metadata of " + discovery.issuer() + " names no token_endpoint"), null);
        }
        EndpointSettings checked;
        try {
            checked = settings.withEndpoint(tokenEndpoint).validated();
        } catch (IllegalArgumentException refused) {
            throw discovery.failure(TokenFailure.of(FailureOrigin.DISCOVERY, FailureKind.PERMANENT,
                    "discovery: the metadata's token_endpoint is refused: " + refused.getMessage()), null);
        }
        URI alias = metadata.mtlsTokenEndpoint();
        if (alias != null && checked.binding().tls() != null && checked.binding().mtlsAlias() == null) {
            // RFC 8705 §5: a client presenting a certificate sends its token requests to the alias.
            try {
                checked = checked.withBinding(checked.binding().withMtlsAlias(alias));
            } catch (IllegalArgumentException refused) {
                throw discovery.failure(TokenFailure.of(FailureOrigin.DISCOVERY, FailureKind.PERMANENT,
                        "discovery: the metadata's mtls_endpoint_aliases.token_endpoint is refused: " + refused.getMessage()), null);
            }
        }
        return new TokenEndpointClient(checked, transport);
    }
}
