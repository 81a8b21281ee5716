package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.assertions.jwt.JWTAssertionFactory;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretJWT;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PKITLSClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.auth.SelfSignedTLSClientAuthentication;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** How the client authenticates at the token endpoint; builds the Nimbus request for one attempt. */
sealed interface ClientAuth {

    String clientId();

    /** The RFC 8414 / RFC 7591 name of the method ({@code token_endpoint_auth_methods_supported}), e.g. {@code client_secret_basic}. */
    String method();

    /** The secret or key material, so that tests and log scans can look for it; null for a public client. */
    @Nullable String secretForScans();

    /**
     * The Nimbus request for one attempt.
     *
     * @param now the service's clock (its scheduler), for anything time-stamped in the request
     */
    TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) throws JOSEException;

    /**
     * Whether {@link #request} signs: signing draws on {@code SecureRandom} (the JWT id, RSA
     * blinding, the ECDSA nonce), which may read {@code /dev/urandom}, a blocking call that must
     * not run on a non-blocking thread.
     */
    default boolean signs() {
        return false;
    }

    /**
     * Names the client in the form too, beside its assertion: RFC 7521 §4.2 makes {@code client_id}
     * optional there, and some servers (Spring Authorization Server) require it.
     */
    /**
     * The claims of a client assertion (RFC 7523 §3): {@code iss} = {@code sub} = client id,
     * {@code aud} = token endpoint, a new {@code jti}, {@code iat} = now, {@code exp} = now +
     * {@link PrivateKeyJwt#ASSERTION_LIFETIME}.
     */
    private static JWTAuthenticationClaimsSet assertionClaims(String clientId, URI endpoint, Instant now) {
        return new JWTAuthenticationClaimsSet(new ClientID(clientId), List.of(new Audience(endpoint)),
                Date.from(now.plus(PrivateKeyJwt.ASSERTION_LIFETIME)), null, Date.from(now), new JWTID());
    }

    private static TokenRequest.Builder withClientId(TokenRequest.Builder request, String clientId) {
        return request.customParameter("client_id", clientId);
    }

    record SecretBasic(String clientId, String secret) implements ClientAuth {
        @Override
        public String method() {
            return "client_secret_basic";
        }

        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) {
            return new TokenRequest.Builder(endpoint, new ClientSecretBasic(new ClientID(clientId), new Secret(secret)), grant);
        }

        @Override
        public String secretForScans() {
            return secret;
        }

        @Override
        public String toString() {
            return "client_secret_basic(" + clientId + ")";
        }
    }

    record SecretPost(String clientId, String secret) implements ClientAuth {
        @Override
        public String method() {
            return "client_secret_post";
        }

        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) {
            return new TokenRequest.Builder(endpoint, new ClientSecretPost(new ClientID(clientId), new Secret(secret)), grant);
        }

        @Override
        public String secretForScans() {
            return secret;
        }

        @Override
        public String toString() {
            return "client_secret_post(" + clientId + ")";
        }
    }

    /**
     * RFC 7523 {@code private_key_jwt}: a fresh signed assertion per request ({@code iss} = {@code sub}
     * = client id, {@code aud} = token endpoint, a new {@code jti}, {@code iat} = now,
     * {@code exp} = now + {@link #ASSERTION_LIFETIME}).
     */
    record PrivateKeyJwt(String clientId, PrivateKey key, @Nullable String keyId) implements ClientAuth {

        /** How long a signed assertion is valid; generous enough for moderate clock skew. */
        static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(5);

        public PrivateKeyJwt {
            if (!(key instanceof RSAPrivateKey) && !(key instanceof ECPrivateKey)) {
                throw new IllegalArgumentException("private_key_jwt needs an RSA or EC private key, got " + key.getAlgorithm());
            }
        }

        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) throws JOSEException {
            JWSAlgorithm alg = key instanceof RSAPrivateKey ? JWSAlgorithm.RS256 : ecAlgorithm((ECPrivateKey) key);
            PrivateKeyJWT assertion = new PrivateKeyJWT(assertionClaims(clientId, endpoint, now), alg, key, keyId, null);
            return withClientId(new TokenRequest.Builder(endpoint, assertion, grant), clientId);
        }

        @Override
        public boolean signs() {
            return true;
        }

        @Override
        public String method() {
            return "private_key_jwt";
        }

        private static JWSAlgorithm ecAlgorithm(ECPrivateKey key) {
            int bits = key.getParams().getOrder().bitLength();
            return bits > 384 ? JWSAlgorithm.ES512 : bits > 256 ? JWSAlgorithm.ES384 : JWSAlgorithm.ES256;
        }

        @Override
        public @Nullable String secretForScans() {
            return null;
        }

        @Override
        public String toString() {
            return "private_key_jwt(" + clientId + ")";
        }
    }

    /**
     * RFC 7523 §2.2 {@code client_secret_jwt}: a fresh HS256 assertion per request, MACed with the
     * client secret, with the claims of {@link PrivateKeyJwt}.
     */
    record SecretJwt(String clientId, String secret) implements ClientAuth {

        /** RFC 7518 §3.2: an HS256 key is at least as long as the hash, 256 bits. */
        static final int MIN_SECRET_BYTES = 32;

        public SecretJwt {
            if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("client_secret_jwt (HS256) needs a secret of at least " + MIN_SECRET_BYTES
                        + " bytes (RFC 7518 section 3.2); this one is shorter");
            }
        }

        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) throws JOSEException {
            ClientSecretJWT assertion = new ClientSecretJWT(JWTAssertionFactory.create(assertionClaims(clientId, endpoint, now),
                    JWSAlgorithm.HS256, new Secret(secret)));
            return withClientId(new TokenRequest.Builder(endpoint, assertion, grant), clientId);
        }

        /** The assertion's {@code jti} draws on {@code SecureRandom}. */
        @Override
        public boolean signs() {
            return true;
        }

        @Override
        public String method() {
            return "client_secret_jwt";
        }

        @Override
        public String secretForScans() {
            return secret;
        }

        @Override
        public String toString() {
            return "client_secret_jwt(" + clientId + ")";
        }
    }

    /**
     * RFC 8705 {@code tls_client_auth} (a certificate from a PKI, {@code selfSigned} false) or
     * {@code self_signed_tls_client_auth}: the client certificate is presented on the TLS
     * connection ({@link ClientTls}); the request carries {@code client_id} only.
     */
    record Tls(String clientId, X509Certificate certificate, boolean selfSigned) implements ClientAuth {
        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) {
            ClientID id = new ClientID(clientId);
            ClientAuthentication tls = selfSigned ? new SelfSignedTLSClientAuthentication(id, certificate)
                    : new PKITLSClientAuthentication(id, certificate);
            return new TokenRequest.Builder(endpoint, tls, grant);
        }

        @Override
        public String method() {
            return selfSigned ? "self_signed_tls_client_auth" : "tls_client_auth";
        }

        @Override
        public @Nullable String secretForScans() {
            return null;
        }

        @Override
        public String toString() {
            return method() + "(" + clientId + ")";
        }
    }

    /** A public client (refresh_token grant without client authentication): sends {@code client_id} only. */
    record Public(String clientId) implements ClientAuth {
        @Override
        public String method() {
            return "none";
        }

        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant, Instant now) {
            return new TokenRequest.Builder(endpoint, new ClientID(clientId), grant);
        }

        @Override
        public @Nullable String secretForScans() {
            return null;
        }
    }
}
