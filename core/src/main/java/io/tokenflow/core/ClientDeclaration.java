package io.tokenflow.core;

import java.net.URI;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Who the client is and how it gets its own tokens, as the builder's calls declared it: the
 * client authentication, the own grant, a TLS identity, trusted certificates, the mTLS alias and
 * DPoP. Immutable; {@link #clientAuth} and {@link #binding} check the declaration as a whole when
 * the service is built.
 *
 * @param auth the declared client authentication; {@code null} until given
 * @param secretPost whether {@code client_secret_post} was asked for
 * @param certificate the client certificate's key and chain, for {@code tls_client_auth}; {@code null} without
 * @param trust certificates to trust for the token endpoint instead of the JDK's; empty: the JDK's
 * @param mtlsAlias the token endpoint's mTLS alias; {@code null} when none is known
 * @param dpop whether DPoP is on
 * @param dpopKeys the user's DPoP key pair; {@code null}: a new EC P-256 key (when {@code dpop})
 */
record ClientDeclaration(@Nullable ClientAuth auth, boolean secretPost, OwnGrant grant, @Nullable ClientTls certificate,
                         List<X509Certificate> trust, @Nullable URI mtlsAlias, boolean dpop, @Nullable KeyPair dpopKeys) {

    static final ClientDeclaration NONE = new ClientDeclaration(null, false, OwnGrant.ClientCredentials.INSTANCE, null, List.of(),
            null, false, null);

    ClientDeclaration {
        trust = List.copyOf(trust);
    }

    /** A client authentication that needs no TLS identity; replaces an earlier one, and its certificate. */
    ClientDeclaration withAuth(ClientAuth auth) {
        return new ClientDeclaration(Objects.requireNonNull(auth, "auth"), secretPost, grant, null, trust, mtlsAlias, dpop, dpopKeys);
    }

    ClientDeclaration withSecretPost() {
        return new ClientDeclaration(auth, true, grant, certificate, trust, mtlsAlias, dpop, dpopKeys);
    }

    ClientDeclaration withGrant(OwnGrant grant) {
        return new ClientDeclaration(auth, secretPost, Objects.requireNonNull(grant, "grant"), certificate, trust, mtlsAlias, dpop,
                dpopKeys);
    }

    /** RFC 8705: {@code id} authenticates with the certificate {@code chain[0]}, whose key is {@code key}. */
    ClientDeclaration withCertificate(String clientId, PrivateKey key, List<X509Certificate> chain, boolean selfSigned) {
        ClientTls tls = ClientTls.certificate(key, chain);
        if (selfSigned && chain.size() != 1) {
            throw new IllegalArgumentException("self_signed_tls_client_auth takes one certificate, got " + chain.size());
        }
        ClientAuth.Tls tlsAuth = new ClientAuth.Tls(EndpointSettings.requireText("clientId", clientId), chain.get(0), selfSigned);
        return new ClientDeclaration(tlsAuth, secretPost, grant, tls, trust, mtlsAlias, dpop, dpopKeys);
    }

    ClientDeclaration withTrust(List<X509Certificate> trust) {
        if (trust.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted certificate is required");
        }
        trust.forEach(c -> Objects.requireNonNull(c, "certificate"));
        return new ClientDeclaration(auth, secretPost, grant, certificate, trust, mtlsAlias, dpop, dpopKeys);
    }

    ClientDeclaration withMtlsAlias(URI alias) {
        ClientBinding.NONE.withMtlsAlias(alias);
        return new ClientDeclaration(auth, secretPost, grant, certificate, trust, alias, dpop, dpopKeys);
    }

    /** DPoP with {@code keys}, or with a new EC P-256 key when {@code null}. */
    ClientDeclaration withDpop(@Nullable KeyPair keys) {
        if (keys != null) {
            DpopProofs.check(keys);
        }
        return new ClientDeclaration(auth, secretPost, grant, certificate, trust, mtlsAlias, true, keys);
    }

    /**
     * The client authentication as declared, {@code client_secret_post} applied; checked against the grant.
     *
     * @param refreshable whether a refresh token or a credential store was given
     * @throws IllegalStateException when there is none, or it cannot get a token
     */
    ClientAuth clientAuth(boolean refreshable) {
        ClientAuth declared = auth;
        if (secretPost) {
            if (!(declared instanceof ClientAuth.SecretBasic basic)) {
                throw new IllegalStateException("clientSecretPost() needs clientCredentials(id, secret)");
            }
            declared = new ClientAuth.SecretPost(basic.clientId(), basic.secret());
        }
        if (declared == null) {
            throw new IllegalStateException("client credentials are required: clientCredentials(id, secret), "
                    + "privateKeyJwt(...), clientSecretJwt(...), tlsClientAuth(...), selfSignedTlsClientAuth(...), "
                    + "or clientId(id) with refreshToken(...), credentialStore(...), jwtBearer(...) or tokenExchange(...)");
        }
        if (declared instanceof ClientAuth.Public && !grant.needsNoClientSecret() && !refreshable) {
            throw new IllegalStateException("client '" + declared.clientId() + "' has no secret or key, so it cannot use the "
                    + "client_credentials grant: give refreshToken(...) or credentialStore(...), jwtBearer(...) or "
                    + "tokenExchange(...), or clientCredentials(id, secret)");
        }
        return declared;
    }

    /** The TLS identity, alias and DPoP key the wire runs with; a new DPoP key each call when none was given. */
    ClientBinding binding(Scheduler clock) {
        ClientBinding binding = ClientBinding.NONE;
        ClientTls tls = certificate;
        if (!trust.isEmpty()) {
            tls = tls == null ? ClientTls.trustOnly(trust) : tls.withTrust(trust);
        }
        if (tls != null) {
            binding = binding.withTls(tls);
        }
        if (mtlsAlias != null) {
            binding = binding.withMtlsAlias(mtlsAlias);
        }
        if (dpop) {
            binding = binding.withDpop(dpopKeys == null ? DpopProofs.generated(clock) : DpopProofs.of(dpopKeys, clock));
        }
        return binding;
    }
}
