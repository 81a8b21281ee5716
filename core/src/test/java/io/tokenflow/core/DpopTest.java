package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.ScriptedAnswer;
import io.tokenflow.test.SecretScanExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * DPoP (RFC 9449) against the tokenflow-test server, which checks every proof (signature with the
 * key in its header, {@code htm}, {@code htu}, {@code iat}, a {@code jti} not seen before) and,
 * when asked, requires its nonce and rotates it. No proof, token or key reaches a log or message.
 */
class DpopTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static KeyPair keys;

    private final List<TokenService> services = new ArrayList<>();
    private final List<EmbeddedAuthorizationServer> servers = new ArrayList<>();

    @BeforeAll
    static void generateKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        keys = generator.generateKeyPair();
    }

    @AfterEach
    void tearDown() {
        services.forEach(TokenService::dispose);
        servers.forEach(EmbeddedAuthorizationServer::close);
    }

    @Test
    void tokenRequestsCarryAProofAndGetATokenBoundToTheKey() throws Exception {
        EmbeddedAuthorizationServer idp = server(false);

        AccessToken token = start(on(idp).dpop(keys)).token().block(WAIT);

        assertThat(token.tokenType()).isEqualTo("DPoP");
        assertThat(token.authorizationHeader()).startsWith("DPoP ");
        String jkt = new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, (ECPublicKey) keys.getPublic()).build()
                .computeThumbprint().toString();
        assertThat(idp.dpopKeyOf(token.value())).hasValue(jkt);
        assertThat(idp.dpopProofs()).isEqualTo(1);
        secrets.scan().secret("DPoP-bound access token", token.value());
    }

    @Test
    void withoutDpopTheTokenIsABearerToken() {
        EmbeddedAuthorizationServer idp = server(false);

        AccessToken token = start(on(idp)).token().block(WAIT);

        assertThat(token.tokenType()).isEqualTo("Bearer");
        assertThat(idp.dpopProofs()).isZero();
        assertThat(idp.dpopKeyOf(token.value())).isEmpty();
    }

    @Test
    void aNonceChallengeIsAnsweredByOneRetryWithTheNonce() {
        EmbeddedAuthorizationServer idp = server(true);

        AccessToken token = start(on(idp).dpop()).token().block(WAIT);

        assertThat(token.tokenType()).isEqualTo("DPoP");
        assertThat(idp.dpopNonceChallenges()).isEqualTo(1);
        assertThat(idp.tokenRequests()).as("the challenged request and one retry").isEqualTo(2);
    }

    @Test
    void theServersLatestNonceIsKeptForItsNextRequest() {
        EmbeddedAuthorizationServer idp = server(true);
        TokenService service = start(on(idp).dpop());
        service.token().block(WAIT);

        service.refresh().block(WAIT);

        assertThat(idp.dpopNonceChallenges()).as("only the first request lacked the nonce").isEqualTo(1);
        assertThat(idp.tokenRequests()).isEqualTo(3);
    }

    @Test
    void anExpiredNonceIsReplacedWithOneRetry() {
        EmbeddedAuthorizationServer idp = server(true);
        TokenService service = start(on(idp).dpop());
        service.token().block(WAIT);
        idp.rotateDpopNonce();

        AccessToken renewed = service.refresh().block(WAIT);

        assertThat(renewed.tokenType()).isEqualTo("DPoP");
        assertThat(idp.dpopNonceChallenges()).isEqualTo(2);
        assertThat(idp.tokenRequests()).isEqualTo(4);
        assertThat(service.state().status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void aServerThatKeepsAskingForNewNoncesGetsOneRetryPerAttempt() {
        EmbeddedAuthorizationServer idp = server(false);
        String challenge = "{\"error\":\"use_dpop_nonce\",\"error_description\":\"Authorization server requires nonce\"}";
        idp.script(ScriptedAnswer.json(400, challenge).withHeader("DPoP-Nonce", "nonce-1"),
                ScriptedAnswer.json(400, challenge).withHeader("DPoP-Nonce", "nonce-2"));

        TokenService service = start(on(idp).dpop());

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(idp.tokenRequests()).isEqualTo(2);
        TokenFailure failure = service.state().lastFailure().orElseThrow();
        assertThat(failure.oauthError()).hasValue("use_dpop_nonce");
        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void aChallengeWithoutANewNonceIsNotRetried() {
        EmbeddedAuthorizationServer idp = server(false);
        idp.script(ScriptedAnswer.json(400, "{\"error\":\"use_dpop_nonce\"}"));

        TokenService service = start(on(idp).dpop());

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(idp.tokenRequests()).isEqualTo(1);
    }

    @Test
    void aResourceProofHasHtmHtuWithoutQueryAthIatAndTheResourceServersNonce() throws Exception {
        Instant now = Instant.parse("2031-02-03T04:05:06Z");
        EmbeddedAuthorizationServer idp = EmbeddedAuthorizationServer.builder().client("dpop-client", "dpop-secret-1")
                .clock(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC)).start();
        servers.add(idp);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        try {
            clock.advanceTimeTo(now);
            TokenService service = start(on(idp).dpop(keys).scheduler(clock));
            AccessToken token = service.refresh().block(WAIT);
            URI resource = URI.create("https://api.example/orders/7?expand=lines#top");
            assertThat(service.dpopNonce(URI.create("https://api.example:443/other"), "rs-nonce-1")).isTrue();

            SignedJWT proof = SignedJWT.parse(service.proof("get", resource, token).block(WAIT));

            assertThat(proof.getHeader().getType().toString()).isEqualTo("dpop+jwt");
            ECKey jwk = (ECKey) proof.getHeader().getJWK();
            assertThat(jwk.isPrivate()).isFalse();
            assertThat(proof.verify(new ECDSAVerifier(jwk))).isTrue();
            assertThat(jwk.toECPublicKey()).isEqualTo(keys.getPublic());
            JWTClaimsSet claims = proof.getJWTClaimsSet();
            assertThat(claims.getStringClaim("htm")).isEqualTo("GET");
            assertThat(claims.getStringClaim("htu")).isEqualTo("https://api.example/orders/7");
            assertThat(claims.getIssueTime().toInstant()).isEqualTo(now);
            assertThat(claims.getJWTID()).isNotBlank();
            assertThat(claims.getStringClaim("nonce")).isEqualTo("rs-nonce-1");
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.value().getBytes(StandardCharsets.US_ASCII));
            assertThat(claims.getStringClaim("ath")).isEqualTo(Base64URL.encode(hash).toString());
            SignedJWT elsewhere = SignedJWT.parse(service.proof("POST", URI.create("https://other.example/x"), token).block(WAIT));
            assertThat(elsewhere.getJWTClaimsSet().getClaim("nonce")).as("another server's proof").isNull();
            assertThat(elsewhere.getJWTClaimsSet().getJWTID()).isNotEqualTo(claims.getJWTID());
            assertThat(service.dpopNonce(resource, "rs-nonce-1")).as("the same nonce again is not new").isFalse();
            secrets.scan().secret("DPoP proof", proof.serialize());
            secrets.scan().secret("DPoP proof", elsewhere.serialize());
        } finally {
            clock.dispose();
        }
    }

    @Test
    void proofsAreBuiltOnANonBlockingThreadWithoutBlocking() {
        BlockHoundWatching.requireIt();
        EmbeddedAuthorizationServer idp = server(true);
        // A new key, generated on first use: the first token request is made from a non-blocking thread.
        TokenService service = start(on(idp).dpop());

        AccessToken token = service.token().subscribeOn(Schedulers.parallel()).block(WAIT);
        List<String> proofs = Mono.defer(() -> service.proof("GET", URI.create("https://api.example/a"), token))
                .repeat(99).collectList().subscribeOn(Schedulers.parallel()).block(WAIT);

        assertThat(proofs).hasSize(100).doesNotHaveDuplicates();
        proofs.forEach(p -> secrets.scan().secret("DPoP proof", p));
    }

    /** Why {@link DpopProofs} draws on a DRBG of its own: Nimbus' defaults read the OS entropy device. */
    @Test
    void nimbusDefaultProofFactoryReadsTheEntropyDeviceOnTheCallingThread() throws Exception {
        ECKey jwk = new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, (ECPublicKey) keys.getPublic())
                .privateKey((java.security.interfaces.ECPrivateKey) keys.getPrivate()).build();
        com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory nimbus =
                new com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory(jwk, com.nimbusds.jose.JWSAlgorithm.ES256);
        // NativePRNG keeps what it read for 100 ms: wait that out, off the event loop.
        Thread.sleep(150);

        StepVerifier.create(Mono.fromCallable(() -> nimbus.createDPoPJWT("GET", URI.create("https://api.example/")))
                        .subscribeOn(Schedulers.parallel()))
                .expectError(BlockingOperationError.class)
                .verify(WAIT);
    }

    @Test
    void aProofWithoutDpopIsAnError() {
        EmbeddedAuthorizationServer idp = server(false);
        TokenService service = start(on(idp));
        AccessToken token = service.token().block(WAIT);

        StepVerifier.create(service.proof("GET", URI.create("https://api.example/"), token))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("dpop()"))
                .verify(WAIT);
        assertThat(service.dpopNonce(URI.create("https://api.example/"), "n")).isFalse();
    }

    @Test
    void aKeyDpopCannotUseIsRefusedAtOnce() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);

        assertThatThrownBy(() -> TokenService.builder().dpop(rsa.generateKeyPair()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2048");
    }

    @Test
    void aProofQuotedInAnErrorIsRedacted() {
        EmbeddedAuthorizationServer idp = server(false);
        TokenService service = start(on(idp).dpop(keys));
        AccessToken token = service.token().block(WAIT);
        String proof = service.proof("POST", idp.tokenEndpoint(), token).block(WAIT);

        Redactor redactor = Redactor.forRequest(requestWithProof(idp.tokenEndpoint(), proof), null, null, null);

        assertThat(redactor.apply("server says: bad proof " + proof)).doesNotContain(proof).contains("[redacted]");
    }

    // ------------------------------------------------------------ helpers

    private static com.nimbusds.oauth2.sdk.http.HTTPRequest requestWithProof(URI uri, String proof) {
        com.nimbusds.oauth2.sdk.http.HTTPRequest request = new com.nimbusds.oauth2.sdk.http.HTTPRequest(
                com.nimbusds.oauth2.sdk.http.HTTPRequest.Method.POST, uri);
        request.setHeader("DPoP", proof);
        return request;
    }

    private EmbeddedAuthorizationServer server(boolean requireNonce) {
        var builder = EmbeddedAuthorizationServer.builder().client("dpop-client", "dpop-secret-1");
        EmbeddedAuthorizationServer idp = (requireNonce ? builder.requireDpopNonce() : builder).start();
        servers.add(idp);
        secrets.scan().basicCredentials("dpop-client", "dpop-secret-1");
        secrets.scan().privateKey(keys.getPrivate());
        return idp;
    }

    private static TokenService.Builder on(EmbeddedAuthorizationServer idp) {
        return TokenService.builder().tokenEndpoint(idp.tokenEndpoint()).clientCredentials("dpop-client", "dpop-secret-1")
                .retryPolicy(RetryPolicy.fromEnvironment(Map.of()).withMaxRetries(0));
    }

    private TokenService start(TokenService.Builder builder) {
        TokenService service = builder.build();
        services.add(service);
        return service;
    }
}
