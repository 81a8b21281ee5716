package io.tokenflow.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenExchange;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.examples.GrantExamples;
import io.tokenflow.test.Await;
import io.tokenflow.test.SecretScanExtension;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The RFC 7523 jwt-bearer and RFC 8693 token-exchange grants against NAV's mock-oauth2-server
 * 6.0.2, a real authorization server no one here wrote, on loopback: it parses each request with
 * its own code, checks the assertion or subject token is a signed JWT, and issues signed JWTs whose
 * claims show what it received. Issuers: {@code kubernetes} (the workload's identity), {@code idp}
 * (a client_credentials service), {@code sts} (the exchange).
 */
class NavMockOAuth2ServerTest {

    @RegisterExtension
    static final SecretScanExtension secrets = new SecretScanExtension();

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";

    private static MockOAuth2Server server;
    private final List<TokenService> services = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = new MockOAuth2Server();
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterAll
    static void stop() {
        server.shutdown();
    }

    @AfterEach
    void dispose() {
        services.forEach(TokenService::dispose);
    }

    private static URI tokenEndpoint(String issuer) {
        return server.tokenEndpointUrl(issuer).uri();
    }

    private TokenService start(TokenService.Builder builder) {
        TokenService service = builder.build();
        services.add(service);
        return service;
    }

    private static JWTClaimsSet claims(AccessToken token) throws Exception {
        secrets.scan().secret("access token", token.value());
        return SignedJWT.parse(token.value()).getJWTClaimsSet();
    }

    /** A service-account token of the cluster, as the kubelet projects it into the pod. */
    private static String serviceAccountToken(String subject) {
        String token = server.issueToken("kubernetes", subject, "sts", Map.of("scope", "orders.read")).serialize();
        secrets.scan().secret("service-account token", token);
        return token;
    }

    @Test
    void jwtBearerWithAProjectedServiceAccountTokenReReadFromItsFile() throws Exception {
        Path projected = dir.resolve("sts-token");
        Files.writeString(projected, serviceAccountToken("system:serviceaccount:shop:orders") + "\n");
        TokenService tokens = start(TokenService.builder().tokenEndpoint(tokenEndpoint("sts"))
                .clientCredentials("orders", "orders-secret-1")
                .jwtBearer(GrantExamples.projectedToken(projected))
                .scopes("orders.read"));
        secrets.scan().basicCredentials("orders", "orders-secret-1");

        JWTClaimsSet first = claims(tokens.token().block(WAIT));

        assertThat(first.getSubject()).isEqualTo("system:serviceaccount:shop:orders");
        assertThat(first.getIssuer()).isEqualTo(server.issuerUrl("sts").toString());
        assertThat(first.getStringClaim("scope")).isEqualTo("orders.read");

        // The kubelet rotates the projected token: the next request sends the new one.
        Files.writeString(projected, serviceAccountToken("system:serviceaccount:shop:orders-v2"));
        JWTClaimsSet second = claims(tokens.refresh().block(WAIT));

        assertThat(second.getSubject()).isEqualTo("system:serviceaccount:shop:orders-v2");
        assertThat(tokens.state().status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void aPublicClientUsesJwtBearerWithTheAssertionAlone() throws Exception {
        String assertion = serviceAccountToken("system:serviceaccount:shop:billing");
        TokenService tokens = start(TokenService.builder().tokenEndpoint(tokenEndpoint("sts")).clientId("billing")
                .jwtBearer(() -> Mono.just(assertion)).scopes("billing.read"));

        AccessToken token = tokens.token().block(WAIT);

        assertThat(claims(token).getSubject()).isEqualTo("system:serviceaccount:shop:billing");
        assertThat(token.scopes()).as("the scope the server granted").containsExactly("billing.read");
    }

    @Test
    void tokenExchangeOfAChainedServicesTokenForAnAudience() throws Exception {
        TokenService workload = start(TokenService.builder().tokenEndpoint(tokenEndpoint("idp"))
                .clientCredentials("workload", "workload-secret-1"));
        TokenService orders = start(TokenService.builder().tokenEndpoint(tokenEndpoint("sts"))
                .clientCredentials("exchanger", "exchanger-secret-1")
                .tokenExchange(TokenExchange.subject(workload).withAudience("orders-api")));
        secrets.scan().basicCredentials("workload", "workload-secret-1");
        secrets.scan().basicCredentials("exchanger", "exchanger-secret-1");

        JWTClaimsSet exchanged = claims(orders.token().block(WAIT));
        JWTClaimsSet subject = claims(workload.token().block(WAIT));

        assertThat(exchanged.getAudience()).containsExactly("orders-api");
        assertThat(exchanged.getIssuer()).isEqualTo(server.issuerUrl("sts").toString());
        assertThat(exchanged.getSubject()).as("the subject token's subject").isEqualTo(subject.getSubject());
        assertThat(subject.getIssuer()).isEqualTo(server.issuerUrl("idp").toString());
    }

    @Test
    void aNewSubjectTokenRenewsTheExchangedToken() throws Exception {
        TokenService workload = start(TokenService.builder().tokenEndpoint(tokenEndpoint("idp"))
                .clientCredentials("workload", "workload-secret-1"));
        TokenService orders = start(TokenService.builder().tokenEndpoint(tokenEndpoint("sts"))
                .clientCredentials("exchanger", "exchanger-secret-1")
                .tokenExchange(TokenExchange.subject(workload).withAudience("orders-api")));
        AccessToken before = orders.token().block(WAIT);
        claims(before);

        AccessToken newSubject = workload.refresh().block(WAIT);

        Await.until(WAIT, "the exchanged token renewed", () -> !orders.token().block(WAIT).equals(before));
        JWTClaimsSet renewed = claims(orders.token().block(WAIT));
        assertThat(renewed.getAudience()).containsExactly("orders-api");
        assertThat(renewed.getJWTID()).isNotEqualTo(claims(before).getJWTID());
        claims(newSubject);
    }

    @Test
    void tokenExchangeOfASuppliedCiToken() throws Exception {
        String ciToken = server.issueToken("ci", "repo:shop/orders:ref:refs/heads/main", "sts", Map.of()).serialize();
        secrets.scan().secret("CI OIDC token", ciToken);
        TokenService deploy = start(TokenService.builder().tokenEndpoint(tokenEndpoint("sts"))
                .clientCredentials("deployer", "deployer-secret-1")
                .tokenExchange(TokenExchange.subject(() -> Mono.just(ciToken), JWT_TYPE)
                        .withAudience("deploy-api")
                        .withRequestedTokenType("urn:ietf:params:oauth:token-type:access_token")));
        secrets.scan().basicCredentials("deployer", "deployer-secret-1");

        JWTClaimsSet claims = claims(deploy.token().block(WAIT));

        assertThat(claims.getSubject()).isEqualTo("repo:shop/orders:ref:refs/heads/main");
        assertThat(claims.getAudience()).containsExactly("deploy-api");
    }
}
