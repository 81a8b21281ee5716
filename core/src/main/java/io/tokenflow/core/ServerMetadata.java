package io.tokenflow.core;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What tokenflow uses of an authorization server's metadata (RFC 8414 §2, read by Nimbus from
 * either document): where to send token requests and what the server offers there.
 *
 * @param issuer the metadata's {@code issuer}, as served
 * @param tokenEndpoint {@code token_endpoint}; {@code null} when the server names none
 * @param authMethods {@code token_endpoint_auth_methods_supported}; when absent RFC 8414's default,
 *     {@code client_secret_basic}
 * @param mtlsTokenEndpoint {@code mtls_endpoint_aliases.token_endpoint} (RFC 8705 §5), for clients
 *     that authenticate with a certificate; {@code null} when absent
 * @param dpopSigningAlgs {@code dpop_signing_alg_values_supported} (RFC 9449 §5.1), empty when absent
 */
record ServerMetadata(String issuer, @Nullable URI tokenEndpoint, Set<String> authMethods, @Nullable URI mtlsTokenEndpoint,
                      List<String> dpopSigningAlgs) {

    /** RFC 8414 §2: {@code token_endpoint_auth_methods_supported} defaults to this. */
    static final String DEFAULT_AUTH_METHOD = "client_secret_basic";

    ServerMetadata {
        authMethods = Set.copyOf(authMethods);
        dpopSigningAlgs = List.copyOf(dpopSigningAlgs);
    }

    static ServerMetadata of(AuthorizationServerMetadata parsed) {
        List<ClientAuthenticationMethod> methods = parsed.getTokenEndpointAuthMethods();
        List<JWSAlgorithm> dpop = parsed.getDPoPJWSAlgs();
        return new ServerMetadata(parsed.getIssuer().getValue(), parsed.getTokenEndpointURI(),
                methods == null ? Set.of(DEFAULT_AUTH_METHOD)
                        : methods.stream().map(ClientAuthenticationMethod::getValue).collect(Collectors.toSet()),
                parsed.getMtlsEndpointAliases() == null ? null : parsed.getMtlsEndpointAliases().getTokenEndpointURI(),
                dpop == null ? List.of() : dpop.stream().map(JWSAlgorithm::getName).toList());
    }

    /** Whether the server offers {@code method} at its token endpoint. */
    boolean offers(String method) {
        return authMethods.contains(method);
    }
}
