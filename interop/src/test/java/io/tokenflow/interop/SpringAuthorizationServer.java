package io.tokenflow.interop;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Authorization Server as an application would set it up: one filter chain for its
 * endpoints, an RSA key for its JWT access tokens, and the clients the tests use, each with the
 * client_credentials grant and the scope {@code orders.read}. Runs in Spring Boot's embedded Tomcat.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class SpringAuthorizationServer {

    /** The base URL of the server that serves the clients' JWK sets. */
    static final String CLIENT_KEYS = "interop.client-keys";
    static final String HS256_SECRET = "interop-client-secret-jwt-of-32-bytes-or-more";
    static final String DPOP_SECRET = "interop-dpop-secret-1";

    @Bean
    SecurityFilterChain authorizationServer(HttpSecurity http) throws Exception {
        http.oauth2AuthorizationServer(server -> { })
                .authorizeHttpRequests(requests -> requests.anyRequest().authenticated());
        return http.build();
    }

    @Bean
    RegisteredClientRepository clients(@Value("${" + CLIENT_KEYS + "}") String clientKeys) {
        TokenSettings certificateBound = TokenSettings.builder().x509CertificateBoundAccessTokens(true)
                .accessTokenTimeToLive(Duration.ofMinutes(10)).build();
        return new InMemoryRegisteredClientRepository(
                client("secret-jwt-client", ClientAuthenticationMethod.CLIENT_SECRET_JWT)
                        // client_secret_jwt needs the secret itself, as the MAC key: not encoded.
                        .clientSecret(HS256_SECRET)
                        .clientSettings(ClientSettings.builder().tokenEndpointAuthenticationSigningAlgorithm(MacAlgorithm.HS256)
                                .build())
                        .build(),
                client("key-jwt-client", ClientAuthenticationMethod.PRIVATE_KEY_JWT)
                        .clientSettings(ClientSettings.builder().jwkSetUrl(clientKeys + "/private-key-jwt")
                                .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.ES256).build())
                        .build(),
                client("tls-client", ClientAuthenticationMethod.TLS_CLIENT_AUTH)
                        .clientSettings(ClientSettings.builder().x509CertificateSubjectDN("CN=orders-client").build())
                        .tokenSettings(certificateBound)
                        .build(),
                client("self-signed-client", ClientAuthenticationMethod.SELF_SIGNED_TLS_CLIENT_AUTH)
                        .clientSettings(ClientSettings.builder().jwkSetUrl(clientKeys + "/self-signed").build())
                        .tokenSettings(certificateBound)
                        .build(),
                client("dpop-client", ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .clientSecret("{noop}" + DPOP_SECRET)
                        .build());
    }

    private static RegisteredClient.Builder client(String id, ClientAuthenticationMethod method) {
        return RegisteredClient.withId(UUID.randomUUID().toString())
                .clientId(id)
                .clientAuthenticationMethod(method)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scope("orders.read");
    }

    @Bean
    JWKSource<SecurityContext> signingKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        RSAKey key = new RSAKey.Builder((RSAPublicKey) keys.getPublic()).privateKey((RSAPrivateKey) keys.getPrivate())
                .keyID(UUID.randomUUID().toString()).build();
        return new ImmutableJWKSet<>(new JWKSet(key));
    }
}
