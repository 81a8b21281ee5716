package io.tokenflow.core;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.tokenflow.core.ClientAuthenticationTest.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.SecretScanExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * What the grants of a client's own put on the wire, read back from a real HTTP server: RFC 7523
 * jwt-bearer (the assertion fetched fresh each time), RFC 8693 token exchange (a supplied subject
 * or a chained service), and RFC 7523 §2.2 {@code client_secret_jwt}.
 */
class GrantsTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(wireMockConfig().bindAddress("127.0.0.1").dynamicPort())
            .build();

    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    private static final String ACCESS = "urn:ietf:params:oauth:token-type:access_token";
    private static final String JWT = "urn:ietf:params:oauth:token-type:jwt";
    private static final String HS256_SECRET = "an-hs256-secret-of-more-than-32-bytes-0f9e";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<TokenService> services = new ArrayList<>();

    @AfterEach
    void tearDown() {
        services.forEach(TokenService::dispose);
    }

    @Test
    void jwtBearerSendsTheSuppliedAssertionAsTheGrant() throws Exception {
        serveToken("/token", "at-bearer");
        String assertion = scannedAssertion("workload");

        TokenService service = start(builder("/token").clientCredentials("jb-client", "jb-secret")
                .jwtBearer(() -> Mono.just(assertion)));

        assertThat(service.token().block(WAIT).value()).isEqualTo("at-bearer");
        LoggedRequest request = only("/token");
        assertThat(form(request)).containsEntry("grant_type", JWT_BEARER).containsEntry("assertion", assertion)
                .doesNotContainKey("client_assertion");
        assertThat(request.getHeader("Authorization")).startsWith("Basic ");
    }

    @Test
    void jwtBearerAsksForAFreshAssertionForEveryRequest() throws Exception {
        serveToken("/token", "at-bearer");
        AtomicInteger asked = new AtomicInteger();
        TokenService service = start(builder("/token").clientId("jb-public")
                .jwtBearer(() -> Mono.fromCallable(() -> scannedAssertion("read-" + asked.incrementAndGet()))));
        service.token().block(WAIT);

        service.refresh().block(WAIT);

        assertThat(asked).hasValue(2);
        List<String> sent = requests("/token").stream().map(r -> form(r).get("assertion")).toList();
        assertThat(sent).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void eventsNameTheGrant() throws Exception {
        serveToken("/token", "at-bearer");
        String assertion = scannedAssertion("workload");
        TokenService service = start(builder("/token").clientId("jb-public").jwtBearer(() -> Mono.just(assertion)));
        service.token().block(WAIT);
        java.util.concurrent.CompletableFuture<TokenEvent.RequestFinished> finished =
                service.events().ofType(TokenEvent.RequestFinished.class).next().toFuture();

        service.refresh().block(WAIT);

        assertThat(finished.get(10, java.util.concurrent.TimeUnit.SECONDS).grant()).isEqualTo("jwt-bearer");
    }

    @Test
    void aPublicClientSendsItsIdAndTheAssertionOnly() throws Exception {
        serveToken("/token", "at-bearer");
        String assertion = scannedAssertion("workload");

        start(builder("/token").clientId("jb-public").jwtBearer(() -> Mono.just(assertion))).token().block(WAIT);

        LoggedRequest request = only("/token");
        assertThat(request.containsHeader("Authorization")).isFalse();
        assertThat(form(request)).containsOnlyKeys("grant_type", "assertion", "client_id");
    }

    @Test
    void anAssertionThatCannotBeHadIsATransientFailureAndSendsNothing() {
        serveToken("/token", "at-bearer");

        TokenService service = start(builder("/token").clientId("jb-public")
                .jwtBearer(() -> Mono.error(new java.nio.file.NoSuchFileException("/var/run/secrets/tokens/api"))));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        TokenFailure failure = service.state().lastFailure().orElseThrow();
        assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(failure.message()).contains("jwt-bearer assertion could not be had").contains("NoSuchFileException");
        assertThat(service.state().status()).isEqualTo(Status.AUTH_RETRYING);
        assertThat(requests("/token")).isEmpty();
    }

    @Test
    void aSourceErrorThatMayQuoteTheTokenIsNamedByItsTypeOnly() {
        String leaked = "eyJhbGciOiJIUzI1NiJ9.leaked-token-in-a-parse-error";
        secrets.scan().secret("token quoted by a parser", leaked);

        TokenService service = start(builder("/token").clientId("jb-public")
                .jwtBearer(() -> Mono.error(new IllegalArgumentException("cannot parse '" + leaked + "'"))));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class)
                .satisfies(e -> secrets.scan().text("the caller's exception", e));
        assertThat(service.state().lastFailure().orElseThrow().message())
                .endsWith("could not be had: IllegalArgumentException").doesNotContain(leaked);
    }

    @Test
    void anEmptyAssertionIsATransientFailure() {
        TokenService service = start(builder("/token").clientId("jb-public").jwtBearer(Mono::empty));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(service.state().lastFailure().orElseThrow().message()).contains("gave nothing");
        assertThat(service.state().status()).isEqualTo(Status.AUTH_RETRYING);
    }

    @Test
    void somethingThatIsNotAJwtIsRefusedWithoutQuotingIt() {
        String notAJwt = "not-a-jwt-but-a-secret-" + UUID.randomUUID();

        TokenService service = start(builder("/token").clientId("jb-public").jwtBearer(() -> Mono.just(notAJwt)));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class)
                .satisfies(e -> assertThat(e.toString()).doesNotContain(notAJwt));
        assertThat(service.state().lastFailure().orElseThrow().message()).contains("is not a JWT").doesNotContain(notAJwt);
        assertThat(requests("/token")).isEmpty();
    }

    @Test
    void tokenExchangeSendsTheSubjectAudienceResourceAndRequestedType() throws Exception {
        serveToken("/token", "at-exchanged");
        String subject = scannedAssertion("ci-job");
        TokenExchange spec = TokenExchange.subject(() -> Mono.just(subject), JWT)
                .withAudience("orders-api")
                .withResource(URI.create("https://orders.example/api"))
                .withRequestedTokenType(ACCESS);

        TokenService service = start(builder("/token").clientCredentials("te-client", "te-secret").tokenExchange(spec));
        secrets.scan().basicCredentials("te-client", "te-secret");

        assertThat(service.token().block(WAIT).value()).isEqualTo("at-exchanged");
        assertThat(form(only("/token"))).containsEntry("grant_type", TOKEN_EXCHANGE)
                .containsEntry("subject_token", subject)
                .containsEntry("subject_token_type", JWT)
                .containsEntry("audience", "orders-api")
                .containsEntry("resource", "https://orders.example/api")
                .containsEntry("requested_token_type", ACCESS);
    }

    @Test
    void aChainedExchangeSendsTheSubjectServicesCurrentToken() {
        serveToken("/subject", "at-subject-1");
        serveToken("/token", "at-exchanged");
        TokenService subject = start(builder("/subject").clientCredentials("subject-client", "subject-secret"));

        TokenService exchanged = start(builder("/token").clientCredentials("te-client", "te-secret")
                .tokenExchange(TokenExchange.subject(subject)));

        assertThat(exchanged.token().block(WAIT).value()).isEqualTo("at-exchanged");
        assertThat(form(only("/token"))).containsEntry("subject_token", "at-subject-1").containsEntry("subject_token_type", ACCESS);
    }

    @Test
    void aNewSubjectTokenRenewsTheExchangedToken() {
        serveToken("/subject", "at-subject-1");
        serveToken("/token", "at-exchanged-1");
        TokenService subject = start(builder("/subject").clientCredentials("subject-client", "subject-secret"));
        TokenService exchanged = start(builder("/token").clientCredentials("te-client", "te-secret")
                .tokenExchange(TokenExchange.subject(subject)));
        exchanged.token().block(WAIT);
        serveToken("/subject", "at-subject-2");
        serveToken("/token", "at-exchanged-2");

        subject.refresh().block(WAIT);

        Await.until(WAIT, "the exchanged token renewed after the subject's changed",
                () -> "at-exchanged-2".equals(exchanged.token().block(WAIT).value()));
        List<String> subjects = requests("/token").stream().map(r -> form(r).get("subject_token")).toList();
        assertThat(subjects).containsExactly("at-subject-1", "at-subject-2");
    }

    @Test
    void theSubjectsFailureIsATransientFailureUntilItHasATokenAgain() {
        server.stubFor(post(urlEqualTo("/subject")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"invalid_client\"}")));
        serveToken("/token", "at-exchanged");
        TokenService subject = start(builder("/subject").clientCredentials("subject-client", "wrong-secret"));
        TokenService exchanged = start(builder("/token").clientCredentials("te-client", "te-secret")
                .tokenExchange(TokenExchange.subject(subject)));

        assertThatThrownBy(() -> exchanged.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(subject.state().status()).isEqualTo(Status.UNAUTHENTICATED);
        assertThat(exchanged.state().status()).isEqualTo(Status.AUTH_RETRYING);
        assertThat(exchanged.state().lastFailure().orElseThrow().kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(requests("/token")).isEmpty();

        serveToken("/subject", "at-subject-fixed");
        subject.refresh().block(WAIT);

        Await.until(WAIT, "the exchange renewed once the subject had a token",
                () -> exchanged.state().status() == Status.RUNNING);
        assertThat(form(only("/token"))).containsEntry("subject_token", "at-subject-fixed");
    }

    @Test
    void clientSecretJwtSendsAnHs256AssertionMacedWithTheSecret() throws Exception {
        serveToken("/token", "at-csj");

        start(builder("/token").clientSecretJwt("csj-client", HS256_SECRET)).token().block(WAIT);

        Map<String, String> form = form(only("/token"));
        assertThat(form).containsEntry("grant_type", "client_credentials")
                .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .containsEntry("client_id", "csj-client")
                .doesNotContainKey("client_secret");
        SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.verify(new MACVerifier(HS256_SECRET))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("csj-client");
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("csj-client");
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(endpoint("/token").toString());
        assertThat(jwt.getJWTClaimsSet().getJWTID()).isNotBlank();
        assertThat(form.values()).noneMatch(v -> v.contains(HS256_SECRET));
    }

    @Test
    void clientSecretJwtRefusesASecretTooShortForHs256WithoutQuotingIt() {
        assertThatThrownBy(() -> TokenService.builder().clientSecretJwt("csj-client", "short-secret-123"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-secret-123"));
    }

    @Test
    void theAssertionAndSubjectTokenQuotedInAnErrorAreRedacted() throws Exception {
        server.stubFor(post(urlEqualTo("/token")).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_grant\",\"error_description\":\"bad {{{request.body}}}\"}")
                .withTransformers("response-template")));
        String assertion = scannedAssertion("leaky");

        TokenService service = start(builder("/token").clientId("jb-public").jwtBearer(() -> Mono.just(assertion)));

        assertThatThrownBy(() -> service.token().block(WAIT)).isInstanceOf(TokenUnavailableException.class);
        String message = service.state().lastFailure().orElseThrow().message();
        assertThat(message).contains("bad").doesNotContain(assertion).doesNotContain(assertion.substring(assertion.lastIndexOf('.') + 1));
    }

    @Test
    void aTokenExchangeSpecIsImmutable() {
        TokenExchange base = TokenExchange.subject(() -> Mono.just("t"), JWT);

        TokenExchange withAudience = base.withAudience("a");

        assertThat(base.audience()).isNull();
        assertThat(withAudience.audience()).isEqualTo("a");
        assertThatThrownBy(() -> base.withRequestedTokenType("not a uri")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> base.withResource(URI.create("relative/path"))).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------ helpers

    private TokenService start(TokenService.Builder builder) {
        TokenService service = builder.build();
        services.add(service);
        return service;
    }

    static TokenService.Builder builder(String path) {
        return TokenService.builder().tokenEndpoint(endpoint(path)).retryPolicy(RetryPolicy.fromEnvironment(Map.of()).withMaxRetries(0));
    }

    static URI endpoint(String path) {
        return URI.create(server.baseUrl() + path);
    }

    static void serveToken(String path, String access) {
        secrets.scan().secret("access token", access);
        server.stubFor(post(urlEqualTo(path)).willReturn(okJson("{\"access_token\":\"" + access
                + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
    }

    private static List<LoggedRequest> requests(String path) {
        return server.findAll(postRequestedFor(urlEqualTo(path)).withRequestBody(containing("grant_type")));
    }

    private static LoggedRequest only(String path) {
        List<LoggedRequest> requests = requests(path);
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    /** A signed JWT standing in for a workload's identity token. */
    static String assertion(String subject) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                .issuer("https://kubernetes.default.svc").subject(subject).jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new MACSigner("a-test-signing-key-of-at-least-256-bits!!"));
        return jwt.serialize();
    }

    /** {@link #assertion}, registered with this class's secret scan. */
    private static String scannedAssertion(String subject) throws Exception {
        String assertion = assertion(subject);
        secrets.scan().secret("jwt-bearer assertion or subject token", assertion);
        return assertion;
    }
}
