package io.tokenflow.spring.boot;

import static io.tokenflow.spring.boot.Runners.orders;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Each tokenflow.clients.* property: what it does, and that a bad value fails the start naming it. */
class TokenflowPropertiesTest {

    @RegisterExtension
    static final AuthorizationServerPerClass SERVER = new AuthorizationServerPerClass();

    private static ApplicationContextRunner orders() {
        return Runners.starter().withPropertyValues(Runners.orders(SERVER.get()));
    }

    private static AccessToken token(TokenServices services, String name) {
        return services.get(name).token().block(Duration.ofSeconds(10));
    }

    @Test
    void tokenUriIsWhereTokensAreAskedFor() {
        int before = SERVER.get().tokenRequests();
        orders().run(context -> {
            assertThat(SERVER.get().isActive(token(context.getBean(TokenServices.class), "orders").value())).isTrue();
            assertThat(SERVER.get().tokenRequests()).isGreaterThan(before);
        });
    }

    @Test
    void issuerUriFindsTheTokenEndpointInTheServersMetadata() {
        int before = SERVER.get().metadataRequests();
        Runners.starter().withPropertyValues(
                "tokenflow.clients.orders.issuer-uri=" + SERVER.get().issuer(),
                "tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID,
                "tokenflow.clients.orders.client-secret=" + Runners.ORDERS_SECRET).run(context -> {
                    assertThat(SERVER.get().isActive(token(context.getBean(TokenServices.class), "orders").value())).isTrue();
                    assertThat(SERVER.get().metadataRequests()).isGreaterThan(before);
                });
    }

    @Test
    void clientSecretPostIsAcceptedAsAuthenticationMethod() {
        orders().withPropertyValues("tokenflow.clients.orders.client-authentication-method=client_secret_post").run(context ->
                assertThat(SERVER.get().isActive(token(context.getBean(TokenServices.class), "orders").value())).isTrue());
    }

    @Test
    void aWrongClientSecretEndsUnauthenticatedWithoutNamingTheSecret() {
        Runners.starter().withPropertyValues(
                "tokenflow.clients.orders.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID,
                "tokenflow.clients.orders.client-secret=not-the-secret-5e2b").run(context -> {
                    TokenServices services = context.getBean(TokenServices.class);
                    io.tokenflow.test.Await.until("orders is UNAUTHENTICATED", () ->
                            services.get("orders").state().status() == io.tokenflow.core.WorkloadState.Status.UNAUTHENTICATED);
                    assertThat(services.get("orders").state().toString()).doesNotContain("not-the-secret-5e2b");
                });
    }

    @Test
    void scopesAreAskedFor() {
        orders().withPropertyValues("tokenflow.clients.orders.scopes=orders.read,orders.write").run(context ->
                assertThat(token(context.getBean(TokenServices.class), "orders").scopes())
                        .containsExactlyInAnyOrder("orders.read", "orders.write"));
    }

    @Test
    void credentialFileKeepsTheCredential(@TempDir Path folder) {
        Path file = folder.resolve("orders.json");
        orders().withPropertyValues("tokenflow.clients.orders.credential-file=" + file).run(context -> {
            AccessToken token = token(context.getBean(TokenServices.class), "orders");
            io.tokenflow.test.Await.until("the credential file is written", () -> Files.exists(file));
            assertThat(Files.readString(file)).contains(token.value());
        });
    }

    @Test
    void refreshAheadAndRetryAreTaken() {
        orders().withPropertyValues("tokenflow.clients.orders.refresh-ahead=2m",
                "tokenflow.clients.orders.retry.max-retries=2", "tokenflow.clients.orders.retry.min-backoff=1s",
                "tokenflow.clients.orders.retry.max-backoff=10m", "tokenflow.clients.orders.retry.degraded-interval=1m",
                "tokenflow.clients.orders.retry.auth-retrying-interval=5m", "tokenflow.clients.orders.retry.ceiling=2h")
                .run(context -> assertThat(token(context.getBean(TokenServices.class), "orders").value()).isNotBlank());
    }

    @Test
    void aMissingClientIdFailsTheStartNamingIt() {
        Runners.starter().withPropertyValues("tokenflow.clients.orders.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.orders.client-secret=" + Runners.ORDERS_SECRET).run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.clients.orders.client-id"));
    }

    @Test
    void aClientWithoutIssuerUriOrTokenUriFailsTheStartNamingIssuerUri() {
        Runners.starter().withPropertyValues("tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID,
                "tokenflow.clients.orders.client-secret=" + Runners.ORDERS_SECRET).run(context -> {
                    TokenflowPropertyException e = Runners.propertyFailure(context);
                    assertThat(e.property()).isEqualTo("tokenflow.clients.orders.issuer-uri");
                    assertThat(e.reason()).contains("token-uri");
                });
    }

    @Test
    void bothIssuerUriAndTokenUriFailTheStartNamingTokenUri() {
        orders().withPropertyValues("tokenflow.clients.orders.issuer-uri=" + SERVER.get().issuer()).run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.clients.orders.token-uri"));
    }

    @Test
    void aMissingSecretFailsTheStartNamingClientSecret() {
        Runners.starter().withPropertyValues("tokenflow.clients.orders.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID).run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.clients.orders.client-secret"));
    }

    @Test
    void aPlainHttpTokenUriOnAnotherHostFailsTheStartNamingTokenUri() {
        Runners.starter().withPropertyValues("tokenflow.clients.orders.token-uri=http://idp.example/oauth2/token",
                "tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID,
                "tokenflow.clients.orders.client-secret=" + Runners.ORDERS_SECRET).run(context -> {
                    TokenflowPropertyException e = Runners.propertyFailure(context);
                    assertThat(e.property()).isEqualTo("tokenflow.clients.orders.token-uri");
                    assertThat(e.getMessage()).doesNotContain(Runners.ORDERS_SECRET);
                });
    }

    @Test
    void aPublicClientWithoutCredentialFileFailsTheStartNamingCredentialFile() {
        Runners.starter().withPropertyValues("tokenflow.clients.orders.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.orders.client-id=" + Runners.ORDERS_ID,
                "tokenflow.clients.orders.client-authentication-method=none").run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.clients.orders.credential-file"));
    }

    @ParameterizedTest
    @CsvSource({"private_key_jwt", "client_secret_jwt", "tls_client_auth"})
    void aMethodThatNeedsAKeyFailsTheStartNamingClientAuthenticationMethod(String method) {
        orders().withPropertyValues("tokenflow.clients.orders.client-authentication-method=" + method).run(context -> {
            TokenflowPropertyException e = Runners.propertyFailure(context);
            assertThat(e.property()).isEqualTo("tokenflow.clients.orders.client-authentication-method");
            assertThat(e.reason()).contains(method);
        });
    }

    @ParameterizedTest
    @CsvSource({
        "client-authentication-method, basic",
        "refresh-ahead, soon",
        "retry.max-retries, many",
        "retry.ceiling, forever",
        "token-uri, ':not a uri'",
    })
    void aValueThatDoesNotBindFailsTheStartNamingIt(String key, String value) {
        orders().withPropertyValues("tokenflow.clients.orders." + key + "=" + value).run(context ->
                assertThat(Runners.failure(context)).contains("tokenflow.clients.orders." + key));
    }

    @ParameterizedTest
    @CsvSource({
        "refresh-ahead, 0s",
        "scopes, 'two words'",
        "retry.max-retries, -1",
        "retry.min-backoff, 0s",
        "retry.max-backoff, 0s",
        "retry.degraded-interval, 0s",
        "retry.auth-retrying-interval, -1s",
        "retry.ceiling, 0s",
        "hosts, 'api.example.com:443'",
        "hosts, 'https://api.example.com'",
    })
    void aValueTokenflowRefusesFailsTheStartNamingIt(String key, String value) {
        orders().withPropertyValues("tokenflow.clients.orders." + key + "=" + value).run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.clients.orders." + key));
    }

    @Test
    void aMinBackoffLongerThanTheMaxBackoffFailsTheStartNamingMinBackoff() {
        orders().withPropertyValues("tokenflow.clients.orders.retry.min-backoff=5m",
                "tokenflow.clients.orders.retry.max-backoff=1m").run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.clients.orders.retry.min-backoff"));
    }

    @Test
    void backoffsBothAboveTheDefaultsAreTakenInEitherOrder() {
        orders().withPropertyValues("tokenflow.clients.orders.retry.min-backoff=5m",
                "tokenflow.clients.orders.retry.max-backoff=10m").run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aHostOfTwoClientsFailsTheStartNamingTheSecondClientsHosts() {
        orders().withPropertyValues("tokenflow.clients.orders.hosts=api.example.com",
                "tokenflow.clients.billing.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.billing.client-id=" + Runners.BILLING_ID,
                "tokenflow.clients.billing.client-secret=" + Runners.BILLING_SECRET,
                "tokenflow.clients.billing.hosts=API.example.com").run(context -> {
                    TokenflowPropertyException e = Runners.propertyFailure(context);
                    assertThat(e.property()).isEqualTo("tokenflow.clients.billing.hosts");
                    assertThat(e.reason()).contains("orders");
                });
    }

    @Test
    void noFailureMessageHoldsTheSecret() {
        orders().withPropertyValues("tokenflow.clients.orders.client-authentication-method=private_key_jwt").run(context ->
                assertThat(Runners.failure(context)).doesNotContain(Runners.ORDERS_SECRET));
    }
}
