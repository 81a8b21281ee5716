package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenServices;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** tokenflow.spring-security-registrations: Spring Security's client_credentials registrations run as tokenflow clients. */
class SpringSecurityRegistrationsTest {

    private static final String AT = "spring.security.oauth2.client.";
    @RegisterExtension
    static final AuthorizationServerPerClass SERVER = new AuthorizationServerPerClass();

    private static ApplicationContextRunner registrations() {
        return Runners.starter().withPropertyValues("tokenflow.spring-security-registrations=true",
                AT + "registration.orders.provider=idp",
                AT + "registration.orders.client-id=" + Runners.ORDERS_ID,
                AT + "registration.orders.client-secret=" + Runners.ORDERS_SECRET,
                AT + "registration.orders.authorization-grant-type=client_credentials",
                AT + "registration.orders.scope=orders.read,orders.write",
                AT + "registration.login.provider=idp",
                AT + "registration.login.client-id=login-client",
                AT + "registration.login.authorization-grant-type=authorization_code",
                AT + "provider.idp.token-uri=" + SERVER.get().tokenEndpoint());
    }

    @Test
    void aClientCredentialsRegistrationRunsAsATokenflowClientOfTheSameName() {
        registrations().run(context -> {
            TokenServices services = context.getBean(TokenServices.class);
            assertThat(services.asMap()).containsOnlyKeys("orders");
            assertThat(services.get("orders").token().block(Duration.ofSeconds(10)).scopes())
                    .containsExactlyInAnyOrder("orders.read", "orders.write");
        });
    }

    @Test
    void aRegistrationWithAnotherGrantIsLeftToSpringSecurity() {
        registrations().run(context -> assertThat(context.getBean(TokenServices.class).asMap()).doesNotContainKey("login"));
    }

    @Test
    void theProviderDefaultsToTheRegistrationsNameAndItsIssuerUriIsDiscovered() {
        int before = SERVER.get().metadataRequests();
        Runners.starter().withPropertyValues("tokenflow.spring-security-registrations=true",
                AT + "registration.orders.client-id=" + Runners.ORDERS_ID,
                AT + "registration.orders.client-secret=" + Runners.ORDERS_SECRET,
                AT + "registration.orders.client-authentication-method=client_secret_post",
                AT + "registration.orders.authorization-grant-type=client_credentials",
                AT + "provider.orders.issuer-uri=" + SERVER.get().issuer()).run(context -> {
                    assertThat(SERVER.get().isActive(context.getBean(TokenServices.class).get("orders").token()
                            .block(Duration.ofSeconds(10)).value())).isTrue();
                    assertThat(SERVER.get().metadataRequests()).isGreaterThan(before);
                });
    }

    @Test
    void aTokenflowClientOfTheSameNameAddsToTheRegistration() {
        registrations().withPropertyValues("tokenflow.clients.orders.hosts=api.example.com",
                "tokenflow.clients.orders.scopes=orders.audit").run(context -> {
                    TokenflowClients clients = context.getBean(TokenflowClients.class);
                    assertThat(clients.asMap().get("orders").client().hosts()).containsExactly("api.example.com");
                    assertThat(clients.asMap().get("orders").client().clientId()).isEqualTo(Runners.ORDERS_ID);
                    assertThat(context.getBean(TokenServices.class).get("orders").token().block(Duration.ofSeconds(10)).scopes())
                            .containsExactly("orders.audit");
                });
    }

    @Test
    void aBadRegistrationPropertyFailsTheStartNamingTheSpringSecurityProperty() {
        registrations().withPropertyValues(AT + "registration.orders.client-id=").run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo(AT + "registration.orders.client-id"));
    }

    @Test
    void aRegistrationWithoutItsProviderFailsTheStartNamingTheProvider() {
        Runners.starter().withPropertyValues("tokenflow.spring-security-registrations=true",
                AT + "registration.orders.provider=nowhere",
                AT + "registration.orders.client-id=" + Runners.ORDERS_ID,
                AT + "registration.orders.authorization-grant-type=client_credentials").run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo(AT + "provider.nowhere.token-uri"));
    }

    @Test
    void migrationWithoutAnyClientCredentialsRegistrationFailsTheStartNamingTheSwitch() {
        Runners.starter().withPropertyValues("tokenflow.spring-security-registrations=true").run(context ->
                assertThat(Runners.propertyFailure(context).property()).isEqualTo("tokenflow.spring-security-registrations"));
    }

    @Test
    void withoutTheSwitchRegistrationsAreNotRun() {
        Runners.starter().withPropertyValues(AT + "registration.orders.client-id=" + Runners.ORDERS_ID,
                AT + "registration.orders.authorization-grant-type=client_credentials",
                AT + "provider.orders.token-uri=" + SERVER.get().tokenEndpoint()).run(context ->
                assertThat(context).doesNotHaveBean(TokenServices.class));
    }
}
