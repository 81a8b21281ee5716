package io.tokenflow.core;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What binds a client's token requests (and tokens) to it beyond its credentials: its own TLS
 * identity (a client certificate, RFC 8705, or certificates to trust), the token endpoint's mTLS
 * alias, and a DPoP key (RFC 9449). Immutable.
 *
 * @param tls the client's own TLS identity; {@code null}: the HTTP client's TLS as configured
 * @param mtlsAlias RFC 8705 §5 {@code mtls_endpoint_aliases.token_endpoint}, used instead of the token
 *     endpoint by a client that presents a certificate; {@code null} when the server has none
 * @param dpop the DPoP key and its proofs; {@code null}: no DPoP
 */
record ClientBinding(@Nullable ClientTls tls, @Nullable URI mtlsAlias, @Nullable DpopProofs dpop) {

    static final ClientBinding NONE = new ClientBinding(null, null, null);

    ClientBinding withTls(ClientTls tls) {
        return new ClientBinding(Objects.requireNonNull(tls, "tls"), mtlsAlias, dpop);
    }

    /**
     * The token endpoint's alias for clients that authenticate with a certificate (from the
     * server's metadata). Only an {@code https} URL.
     */
    ClientBinding withMtlsAlias(URI alias) {
        Objects.requireNonNull(alias, "mtlsEndpointAlias");
        if (!alias.isAbsolute() || alias.getHost() == null || !"https".equals(alias.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("an mTLS endpoint alias must be an absolute https:// URL, was " + alias);
        }
        return new ClientBinding(tls, alias, dpop);
    }

    ClientBinding withDpop(DpopProofs dpop) {
        return new ClientBinding(tls, mtlsAlias, Objects.requireNonNull(dpop, "dpop"));
    }

    /** Where token requests go: the mTLS alias for a client presenting a certificate, when there is one; else {@code endpoint}. */
    URI requestUri(URI endpoint) {
        return mtlsAlias != null && tls != null && tls.hasCertificate() ? mtlsAlias : endpoint;
    }
}
