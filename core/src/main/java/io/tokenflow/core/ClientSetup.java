package io.tokenflow.core;

import java.net.URI;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The setters of {@link TokenService.Builder} that declare how a client proves who it is and gets
 * its own tokens beyond a secret: {@code client_secret_jwt}, RFC 8705 client certificates and TLS
 * trust, the jwt-bearer and token-exchange grants, and DPoP. The builder inherits them (as
 * {@code StringBuilder} inherits from the package-private {@code AbstractStringBuilder}), so that each
 * file stays one mechanism; every setter returns the builder. Each one validates its argument at the
 * call, replaces an earlier choice of the same kind, and records it in one {@link ClientDeclaration},
 * checked as a whole at {@code build()}. Not thread-safe.
 *
 * @param <B> the builder
 */
abstract class ClientSetup<B extends ClientSetup<B>> extends ServiceSetup<B> {

    /** What the client declared so far. */
    ClientDeclaration client = ClientDeclaration.NONE;
    /** The token exchange's subject service, when chained; {@code null} otherwise. */
    @Nullable TokenService subject;

    ClientSetup() {
    }

    /**
     * Confidential client with {@code client_secret_jwt} (RFC 7523 §2.2): a fresh HS256 assertion for
     * every request, MACed with the secret, which must be 32 bytes or more (RFC 7518 §3.2). Replaces
     * earlier client credentials.
     */
    public B clientSecretJwt(String clientId, String clientSecret) {
        client = client.withAuth(new ClientAuth.SecretJwt(EndpointSettings.requireText("clientId", clientId),
                EndpointSettings.requireText("clientSecret", clientSecret)));
        return self();
    }

    /**
     * RFC 8705 {@code tls_client_auth}: the certificate {@code chain[0]} (then its intermediates) is
     * presented on the TLS connection to the token endpoint, and the request names {@code client_id}
     * only. The TLS context is built once, off the event loop. Replaces earlier client credentials,
     * and the TLS settings of {@link TokenService.Builder#httpClient} for token requests.
     */
    public B tlsClientAuth(String clientId, PrivateKey key, X509Certificate... chain) {
        client = client.withCertificate(clientId, key, List.of(chain), false);
        return self();
    }

    /** RFC 8705 {@code self_signed_tls_client_auth}: as {@link #tlsClientAuth}, with the self-signed certificate registered for the client. */
    public B selfSignedTlsClientAuth(String clientId, PrivateKey key, X509Certificate certificate) {
        client = client.withCertificate(clientId, key, List.of(certificate), true);
        return self();
    }

    /**
     * Trusts these certificates (a private CA) for the token endpoint's TLS instead of the JDK's trust
     * store. Replaces the TLS settings of {@link TokenService.Builder#httpClient} for token requests.
     */
    public B tlsTrust(X509Certificate... certificates) {
        client = client.withTrust(List.of(certificates));
        return self();
    }

    /**
     * The RFC 7523 §2.1 jwt-bearer grant instead of client_credentials: {@code assertion} gives a JWT
     * for every token request (never cached by tokenflow), e.g. a projected Kubernetes service-account
     * token re-read from its file, or a CI job's OIDC token. It is called on the service's threads and
     * must not block (read files on {@code Schedulers.boundedElastic()}). Its failure, or an empty
     * answer, is a transient failure. Combine with any client authentication, or
     * {@link TokenService.Builder#clientId} for none.
     */
    public B jwtBearer(Supplier<Mono<String>> assertion) {
        Objects.requireNonNull(assertion, "assertion");
        client = client.withGrant(new OwnGrant.JwtBearer(assertion));
        subject = null;
        return self();
    }

    /**
     * The RFC 8693 token-exchange grant instead of client_credentials (see {@link TokenExchange}). A
     * subject {@link TokenService} chains this service to it: each new subject token renews this one.
     */
    public B tokenExchange(TokenExchange spec) {
        client = client.withGrant(new OwnGrant.Exchange(Objects.requireNonNull(spec, "spec")));
        subject = spec.subjectService();
        return self();
    }

    /**
     * DPoP (RFC 9449) with a new EC P-256 key for this service, made off the event loop: every token
     * request carries a proof, a {@code use_dpop_nonce} answer is answered once with the server's
     * nonce, and a bound token is of type {@code DPoP} (send it with {@link TokenService#proof}).
     */
    public B dpop() {
        client = client.withDpop(null);
        return self();
    }

    /** DPoP with this key pair: EC (P-256, P-384, P-521; ES256/384/512) or RSA of 2048 bits or more (PS256). */
    public B dpop(KeyPair keys) {
        client = client.withDpop(Objects.requireNonNull(keys, "keys"));
        return self();
    }

    /**
     * The token endpoint's RFC 8705 §5 alias for clients presenting a certificate (the metadata's
     * {@code mtls_endpoint_aliases.token_endpoint}): token requests of a certificate-authenticated
     * client go there. For discovery to call, and for tests.
     */
    B mtlsEndpointAlias(URI alias) {
        client = client.withMtlsAlias(alias);
        return self();
    }
}
