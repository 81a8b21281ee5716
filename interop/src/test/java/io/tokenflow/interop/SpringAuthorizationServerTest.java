package io.tokenflow.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.http.TokenExchangeFilter;
import io.tokenflow.test.DpopResourceServer;
import io.tokenflow.test.Loopback;
import io.tokenflow.test.SecretScanExtension;
import io.tokenflow.test.TestCertificates;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/**
 * Client authentication methods and DPoP against Spring Authorization Server 7.1 (Spring Security
 * 7), a real authorization server no one here wrote, in an embedded Tomcat on {@code 127.0.0.1}
 * over TLS that asks for client certificates: {@code client_secret_jwt}, {@code private_key_jwt},
 * {@code tls_client_auth} and {@code self_signed_tls_client_auth} with certificate-bound tokens
 * ({@code cnf.x5t#S256}), and DPoP-bound tokens ({@code cnf.jkt}) that a resource server checks
 * proof by proof. Certificates and keys are made at run time.
 */
class SpringAuthorizationServerTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static TestCertificates ca;
    private static TestCertificates.Issued tlsClient;
    private static TestCertificates.Issued selfSigned;
    private static KeyPair assertionKeys;
    private static DisposableServer clientKeys;
    private static ConfigurableApplicationContext sas;
    private static URI tokenEndpoint;

    private final List<TokenService> services = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.authority("Interop CA");
        TestCertificates.Issued server = ca.server();
        tlsClient = ca.client("orders-client");
        selfSigned = TestCertificates.selfSigned("billing-client");
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        assertionKeys = ec.generateKeyPair();
        clientKeys = serveClientKeys();
        // Spring's logging system would replace the Logback configuration the secret scan listens on.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        sas = new SpringApplicationBuilder(SpringAuthorizationServer.class)
                .properties(Map.of(
                        "server.address", "127.0.0.1",
                        "server.port", "0",
                        "server.ssl.bundle", "server",
                        "server.ssl.client-auth", "want",
                        "spring.ssl.bundle.pem.server.keystore.certificate", Pem.certificate(server.certificate()),
                        "spring.ssl.bundle.pem.server.keystore.private-key", Pem.privateKey(server.key()),
                        "spring.ssl.bundle.pem.server.truststore.certificate",
                        Pem.certificate(ca.certificate()) + Pem.certificate(selfSigned.certificate()),
                        SpringAuthorizationServer.CLIENT_KEYS, Loopback.url(clientKeys, "").toString()))
                .run();
        tokenEndpoint = URI.create("https://127.0.0.1:" + sas.getEnvironment().getProperty("local.server.port") + "/oauth2/token");
    }

    @AfterAll
    static void stop() {
        if (sas != null) {
            sas.close();
        }
        if (clientKeys != null) {
            clientKeys.disposeNow();
        }
    }

    @AfterEach
    void dispose() {
        services.forEach(TokenService::dispose);
    }

    private TokenService start(TokenService.Builder builder) {
        TokenService service = builder.tokenEndpoint(tokenEndpoint).tlsTrust(ca.certificate()).scopes("orders.read").build();
        services.add(service);
        return service;
    }

    private static JWTClaimsSet claims(AccessToken token) throws Exception {
        secrets.scan().secret("access token", token.value());
        return SignedJWT.parse(token.value()).getJWTClaimsSet();
    }

    @Test
    void clientSecretJwt() throws Exception {
        secrets.scan().secret("client secret", SpringAuthorizationServer.HS256_SECRET);

        AccessToken token = start(TokenService.builder()
                .clientSecretJwt("secret-jwt-client", SpringAuthorizationServer.HS256_SECRET)).token().block(WAIT);

        assertThat(token.tokenType()).isEqualTo("Bearer");
        assertThat(claims(token).getSubject()).isEqualTo("secret-jwt-client");
        assertThat(token.scopes()).containsExactly("orders.read");
    }

    @Test
    void privateKeyJwt() throws Exception {
        secrets.scan().privateKey(assertionKeys.getPrivate());

        AccessToken token = start(TokenService.builder()
                .privateKeyJwt("key-jwt-client", assertionKeys.getPrivate(), "assertion-key")).token().block(WAIT);

        assertThat(claims(token).getSubject()).isEqualTo("key-jwt-client");
    }

    @Test
    void tlsClientAuthGetsATokenBoundToTheCertificate() throws Exception {
        secrets.scan().privateKey(tlsClient.key());

        AccessToken token = start(TokenService.builder()
                .tlsClientAuth("tls-client", tlsClient.key(), tlsClient.chainArray())).token().block(WAIT);

        JWTClaimsSet claims = claims(token);
        assertThat(claims.getSubject()).isEqualTo("tls-client");
        assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("x5t#S256", thumbprint(tlsClient.certificate()));
    }

    @Test
    void selfSignedTlsClientAuthGetsATokenBoundToTheCertificate() throws Exception {
        secrets.scan().privateKey(selfSigned.key());

        AccessToken token = start(TokenService.builder()
                .selfSignedTlsClientAuth("self-signed-client", selfSigned.key(), selfSigned.certificate())).token().block(WAIT);

        JWTClaimsSet claims = claims(token);
        assertThat(claims.getSubject()).isEqualTo("self-signed-client");
        assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("x5t#S256", thumbprint(selfSigned.certificate()));
    }

    @Test
    void dpopBoundTokensReachAResourceServerThatChecksEveryProof() throws Exception {
        secrets.scan().basicCredentials("dpop-client", SpringAuthorizationServer.DPOP_SECRET);
        TokenService tokens = start(TokenService.builder().clientCredentials("dpop-client", SpringAuthorizationServer.DPOP_SECRET)
                .dpop());
        AccessToken token = tokens.token().block(WAIT);
        String jkt = String.valueOf(claims(token).getJSONObjectClaim("cnf").get("jkt"));
        assertThat(token.tokenType()).isEqualTo("DPoP");
        assertThat(jkt).as("cnf.jkt of the DPoP key").isNotBlank();

        try (DpopResourceServer api = DpopResourceServer.builder().requireNonce()
                .boundTo((presented, proofKey) -> proofKey.equals(jktOf(presented))).start()) {
            WebClient client = WebClient.builder().filter(TokenExchangeFilter.forHosts(tokens, "127.0.0.1")).build();
            for (int i = 0; i < 3; i++) {
                Integer status = client.get().uri(api.url("/orders/" + i + "?page=1"))
                        .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value())).block(WAIT);
                assertThat(status).isEqualTo(200);
            }
            assertThat(api.accepted()).isEqualTo(3);
            assertThat(api.nonceChallenges()).as("the first request learned the nonce").isEqualTo(1);
        }
    }

    // ------------------------------------------------------------ helpers

    private static String jktOf(String accessToken) {
        try {
            return String.valueOf(SignedJWT.parse(accessToken).getJWTClaimsSet().getJSONObjectClaim("cnf").get("jkt"));
        } catch (java.text.ParseException e) {
            return "not a JWT";
        }
    }

    /** RFC 8705 §3.1: Base64url of the certificate's SHA-256. */
    private static String thumbprint(X509Certificate certificate) throws Exception {
        return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded())).toString();
    }

    /**
     * The clients' JWK sets, as the server fetches them: the private_key_jwt client's public key, and
     * the self-signed client's certificate (RFC 8705 §2.2: the JWK's {@code x5c}).
     */
    private static DisposableServer serveClientKeys() throws Exception {
        String assertionKey = new JWKSet(new ECKey.Builder(Curve.P_256, (ECPublicKey) assertionKeys.getPublic())
                .keyID("assertion-key").build()).toString();
        String selfSignedKey = new JWKSet(new ECKey.Builder(Curve.P_256, (ECPublicKey) selfSigned.certificate().getPublicKey())
                .x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode(selfSigned.certificate().getEncoded()))).build())
                .toString();
        return Loopback.httpServer().route(routes -> routes
                        .get("/private-key-jwt", (req, res) -> res.header("Content-Type", "application/json")
                                .sendString(Mono.just(assertionKey)))
                        .get("/self-signed", (req, res) -> res.header("Content-Type", "application/json")
                                .sendString(Mono.just(selfSignedKey))))
                .bindNow(WAIT);
    }

    /** PEM text, as Spring Boot's SSL bundles take it inline. */
    static final class Pem {
        private Pem() {
        }

        static String certificate(X509Certificate certificate) {
            try {
                return block("CERTIFICATE", certificate.getEncoded());
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }

        static String privateKey(java.security.PrivateKey key) {
            return block("PRIVATE KEY", key.getEncoded());
        }

        private static String block(String type, byte[] der) {
            return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                    + "\n-----END " + type + "-----\n";
        }
    }
}
