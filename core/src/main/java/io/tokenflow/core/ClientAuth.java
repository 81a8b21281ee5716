package io.tokenflow.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import java.net.URI;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.jspecify.annotations.Nullable;

/** How the client authenticates at the token endpoint; builds the Nimbus request for one attempt. */
sealed interface ClientAuth {

    String clientId();

    /** The secret or key material, so that tests and log scans can look for it; null for a public client. */
    @Nullable String secretForScans();

    TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant) throws JOSEException;

    record SecretBasic(String clientId, String secret) implements ClientAuth {
        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant) {
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
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant) {
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

    /** RFC 7523 {@code private_key_jwt}: a fresh signed assertion (new {@code jti}, {@code exp}) per request. */
    record PrivateKeyJwt(String clientId, PrivateKey key, @Nullable String keyId) implements ClientAuth {

        public PrivateKeyJwt {
            if (!(key instanceof RSAPrivateKey) && !(key instanceof ECPrivateKey)) {
                throw new IllegalArgumentException("private_key_jwt needs an RSA or EC private key, got " + key.getAlgorithm());
            }
        }

        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant) throws JOSEException {
            JWSAlgorithm alg = key instanceof RSAPrivateKey ? JWSAlgorithm.RS256 : ecAlgorithm((ECPrivateKey) key);
            PrivateKeyJWT assertion = new PrivateKeyJWT(new ClientID(clientId), endpoint, alg, key, keyId, null);
            return new TokenRequest.Builder(endpoint, assertion, grant);
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

    /** A public client (refresh_token grant without client authentication): sends {@code client_id} only. */
    record Public(String clientId) implements ClientAuth {
        @Override
        public TokenRequest.Builder request(URI endpoint, AuthorizationGrant grant) {
            return new TokenRequest.Builder(endpoint, new ClientID(clientId), grant);
        }

        @Override
        public @Nullable String secretForScans() {
            return null;
        }
    }
}
