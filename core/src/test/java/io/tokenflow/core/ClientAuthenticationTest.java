package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tokenflow.core.TokenEndpointClientFixture.ACCESS_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.CLIENT_ID;
import static io.tokenflow.core.TokenEndpointClientFixture.CLIENT_SECRET;
import static io.tokenflow.core.TokenEndpointClientFixture.REFRESH_TOKEN;
import static io.tokenflow.core.TokenEndpointClientFixture.assertNoSecrets;
import static io.tokenflow.core.TokenEndpointClientFixture.failureOf;
import static io.tokenflow.core.TokenEndpointClientFixture.refreshable;
import static io.tokenflow.core.TokenEndpointClientFixture.successOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenflow.core.store.Credential;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * What each client authentication method puts on the wire, read back from a real HTTP server:
 * {@code client_secret_basic}, {@code client_secret_post}, {@code private_key_jwt} (RFC 7523,
 * the assertion verified with the public key) and a public client's refresh grant.
 */
class ClientAuthenticationTest {

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort())
            .build();

    private static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private static KeyPair rsa;
    private static KeyPair ec;

    private final TokenEndpointClientFixture clients = new TokenEndpointClientFixture();

    @BeforeAll
    static void generateKeys() throws Exception {
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        rsa = rsaGenerator.generateKeyPair();
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        ec = ecGenerator.generateKeyPair();
    }

    @AfterEach
    void disposeClients() {
        clients.close();
    }

    @Test
    void clientSecretBasicSendsTheSecretInTheAuthorizationHeaderOnly() {
        // Characters that RFC 6749 §2.3.1 says to form-encode before Basic encoding.
        String secret = "p@ss:w rd+/" + CLIENT_SECRET;
        serveToken();

        successOf(clients.to(endpoint()).auth(new ClientAuth.SecretBasic(CLIENT_ID, secret)).scopes("api.read", "api.write")
                .build().fetch(null));

        LoggedRequest request = onlyRequest();
        String basic = request.getHeader("Authorization");
        assertThat(basic).startsWith("Basic ");
        String decoded = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        assertThat(URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8)).isEqualTo(CLIENT_ID);
        assertThat(URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)).isEqualTo(secret);
        Map<String, String> form = form(request);
        assertThat(form).containsEntry("grant_type", "client_credentials").containsEntry("scope", "api.read api.write")
                .doesNotContainKeys("client_secret", "client_assertion");
        assertThat(request.getBodyAsString()).doesNotContain(CLIENT_SECRET);
    }

    @Test
    void clientSecretPostSendsTheSecretInTheFormBody() {
        serveToken();

        successOf(clients.to(endpoint()).auth(new ClientAuth.SecretPost(CLIENT_ID, CLIENT_SECRET)).build().fetch(null));

        LoggedRequest request = onlyRequest();
        assertThat(request.containsHeader("Authorization")).isFalse();
        assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
        assertThat(form(request)).containsEntry("grant_type", "client_credentials")
                .containsEntry("client_id", CLIENT_ID)
                .containsEntry("client_secret", CLIENT_SECRET);
    }

    @Test
    void privateKeyJwtSendsAnRs256AssertionSignedWithTheKey() throws Exception {
        serveToken();
        Instant before = Instant.now().minusSeconds(1);

        successOf(clients.to(endpoint()).auth(new ClientAuth.PrivateKeyJwt(CLIENT_ID, rsa.getPrivate(), "key-1"))
                .build().fetch(null));

        Map<String, String> form = form(onlyRequest());
        assertThat(form).containsEntry("grant_type", "client_credentials")
                .containsEntry("client_assertion_type", JWT_BEARER)
                // RFC 7521 makes it optional; Spring Authorization Server refuses an assertion without it.
                .containsEntry("client_id", CLIENT_ID)
                .doesNotContainKey("client_secret");
        SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo("key-1");
        assertThat(jwt.verify(new RSASSAVerifier((RSAPublicKey) rsa.getPublic()))).isTrue();
        assertAssertionClaims(jwt.getJWTClaimsSet(), before);
        assertThat(onlyRequest().containsHeader("Authorization")).isFalse();
    }

    @Test
    void privateKeyJwtWithAnEcKeySendsAnEs256Assertion() throws Exception {
        serveToken();

        successOf(clients.to(endpoint()).auth(new ClientAuth.PrivateKeyJwt(CLIENT_ID, ec.getPrivate(), null))
                .build().fetch(null));

        SignedJWT jwt = SignedJWT.parse(form(onlyRequest()).get("client_assertion"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isNull();
        JWSVerifier verifier = new ECDSAVerifier((ECPublicKey) ec.getPublic());
        assertThat(jwt.verify(verifier)).isTrue();
    }

    @Test
    void privateKeyJwtSignsAFreshAssertionForEveryRequest() throws Exception {
        serveToken();
        TokenEndpointClient client = clients.to(endpoint())
                .auth(new ClientAuth.PrivateKeyJwt(CLIENT_ID, rsa.getPrivate(), null)).build();

        successOf(client.fetch(null));
        successOf(client.fetch(null));

        List<String> ids = server.getAllServeEvents().stream()
                .map(event -> jwtId(form(event.getRequest()).get("client_assertion")))
                .toList();
        assertThat(ids).hasSize(2).doesNotHaveDuplicates().doesNotContainNull();
    }

    @Test
    void privateKeyJwtAssertionTimesComeFromTheSchedulerClock() throws Exception {
        serveToken();
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        try {
            Instant now = Instant.parse("2030-06-01T12:00:00Z");
            clock.advanceTimeTo(now);

            successOf(clients.to(endpoint()).clock(clock)
                    .auth(new ClientAuth.PrivateKeyJwt(CLIENT_ID, rsa.getPrivate(), null)).build().fetch(null));

            JWTClaimsSet claims = SignedJWT.parse(form(onlyRequest()).get("client_assertion")).getJWTClaimsSet();
            assertThat(claims.getIssueTime().toInstant()).isEqualTo(now);
            assertThat(claims.getExpirationTime().toInstant()).isEqualTo(now.plus(ClientAuth.PrivateKeyJwt.ASSERTION_LIFETIME));
        } finally {
            clock.dispose();
        }
    }

    @Test
    void privateKeyJwtSigningStaysOffNonBlockingThreads() {
        BlockHoundWatching.requireIt();
        serveToken();
        TokenEndpointClient client = clients.to(endpoint())
                .auth(new ClientAuth.PrivateKeyJwt(CLIENT_ID, freshRsaKey().getPrivate(), null)).build();

        // The engine resubscribes from its scheduler's (non-blocking) threads when it retries.
        Credential credential = successOf(client.fetch(null).subscribeOn(Schedulers.parallel()));

        assertThat(credential.accessToken()).isPresent();
        assertThat(form(onlyRequest())).containsKey("client_assertion");
    }

    @Test
    void privateKeyJwtAssertionQuotedInAnErrorIsRedacted() {
        server.stubFor(post("/token").willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"rejected {{{request.body}}}\"}")
                .withTransformers("response-template")));

        TokenEndpointException e = failureOf(clients.to(endpoint())
                .auth(new ClientAuth.PrivateKeyJwt(CLIENT_ID, rsa.getPrivate(), null)).build().fetch(null));

        String assertion = form(onlyRequest()).get("client_assertion");
        assertThat(e.failure().message()).contains("rejected").doesNotContain(assertion)
                .doesNotContain(assertion.substring(assertion.lastIndexOf('.') + 1));
        assertThat(e.getMessage()).doesNotContain(assertion);
        assertNoSecrets(e);
    }

    @Test
    void publicClientSendsItsClientIdAndTheRefreshTokenOnly() {
        serveToken();

        successOf(clients.to(endpoint()).auth(new ClientAuth.Public(CLIENT_ID)).build().fetch(refreshable()));

        LoggedRequest request = onlyRequest();
        assertThat(request.containsHeader("Authorization")).isFalse();
        assertThat(form(request)).containsOnlyKeys("grant_type", "refresh_token", "client_id")
                .containsEntry("grant_type", "refresh_token")
                .containsEntry("refresh_token", REFRESH_TOKEN)
                .containsEntry("client_id", CLIENT_ID);
    }

    @Test
    void confidentialClientUsesTheRefreshGrantWhenItHoldsARefreshToken() {
        serveToken();

        successOf(clients.to(endpoint()).build().fetch(refreshable()));

        assertThat(form(onlyRequest())).containsEntry("grant_type", "refresh_token")
                .containsEntry("refresh_token", REFRESH_TOKEN)
                .containsEntry("client_secret", CLIENT_SECRET);
    }

    @Test
    void extraRequestParametersAreSent() {
        serveToken();

        successOf(clients.to(endpoint()).parameters(Map.of("audience", "https://api.example")).build().fetch(null));

        assertThat(form(onlyRequest())).containsEntry("audience", "https://api.example");
    }

    @Test
    void clientAuthToStringNamesTheMethodAndClientButNoSecret() {
        List<ClientAuth> auths = List.of(new ClientAuth.SecretBasic(CLIENT_ID, CLIENT_SECRET),
                new ClientAuth.SecretPost(CLIENT_ID, CLIENT_SECRET),
                new ClientAuth.PrivateKeyJwt(CLIENT_ID, rsa.getPrivate(), "key-1"),
                new ClientAuth.Public(CLIENT_ID));

        for (ClientAuth auth : auths) {
            assertThat(auth.toString()).contains(CLIENT_ID).doesNotContain(CLIENT_SECRET)
                    .doesNotContain(Base64.getEncoder().encodeToString(rsa.getPrivate().getEncoded()).substring(0, 40));
        }
    }

    // ------------------------------------------------------------ helpers

    private static void assertAssertionClaims(JWTClaimsSet claims, Instant before) {
        assertThat(claims.getIssuer()).isEqualTo(CLIENT_ID);
        assertThat(claims.getSubject()).isEqualTo(CLIENT_ID);
        assertThat(claims.getAudience()).containsExactly(endpoint().toString());
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(claims.getIssueTime().toInstant()).isAfterOrEqualTo(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(claims.getExpirationTime()).isAfter(claims.getIssueTime());
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isLessThanOrEqualTo(Duration.ofMinutes(5));
    }

    private static String jwtId(String assertion) {
        try {
            return SignedJWT.parse(assertion).getJWTClaimsSet().getJWTID();
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }

    private static KeyPair freshRsaKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static void serveToken() {
        server.stubFor(post("/token").willReturn(okJson("{\"access_token\":\"" + ACCESS_TOKEN
                + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
    }

    private static URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getPort() + "/token");
    }

    private static LoggedRequest onlyRequest() {
        assertThat(server.getAllServeEvents()).hasSize(1);
        return server.getAllServeEvents().get(0).getRequest();
    }

    /** The form body of a request; each name must appear once. */
    static Map<String, String> form(LoggedRequest request) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : request.getBodyAsString().split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            assertThat(form.put(name, value)).as("parameter %s sent once", name).isNull();
        }
        assertThat(Set.copyOf(form.keySet())).isNotEmpty();
        return form;
    }
}
