package io.tokenflow.spring.boot;

import static io.tokenflow.spring.boot.Runners.orders;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** Which beans the starter makes, when, and that the application's own win. */
class TokenflowAutoConfigurationTest {

    @RegisterExtension
    static final AuthorizationServerPerClass SERVER = new AuthorizationServerPerClass();

    @Test
    void withoutClientsTheStarterMakesNoBean() {
        Runners.starter().run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(TokenServices.class);
            assertThat(context).doesNotHaveBean("tokenflowWebClientCustomizer");
        });
    }

    @Test
    void aDeclaredClientIsOneServiceOfTheTokenServicesBeanUnderItsName() {
        Runners.starter().withPropertyValues(orders(SERVER.get())).run(context -> {
            assertThat(context).hasSingleBean(TokenServices.class);
            TokenServices services = context.getBean(TokenServices.class);
            assertThat(services.asMap()).containsOnlyKeys("orders");
            assertThat(services.get("orders").token().block(Duration.ofSeconds(10)).value()).isNotBlank();
        });
    }

    @Test
    void clientsKeepTheOrderTheyAreDeclaredIn() {
        Runners.starter().withPropertyValues(orders(SERVER.get())).withPropertyValues(
                "tokenflow.clients.billing.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.billing.client-id=" + Runners.BILLING_ID,
                "tokenflow.clients.billing.client-secret=" + Runners.BILLING_SECRET,
                "tokenflow.clients.audit.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.audit.client-id=" + Runners.ORDERS_ID,
                "tokenflow.clients.audit.client-secret=" + Runners.ORDERS_SECRET).run(context ->
                assertThat(context.getBean(TokenServices.class).asMap().keySet()).containsExactly("orders", "billing", "audit"));
    }

    @Test
    void closingTheContextStopsEveryService() {
        AtomicReference<TokenService> orders = new AtomicReference<>();
        Runners.starter().withPropertyValues(orders(SERVER.get())).run(context -> {
            orders.set(context.getBean(TokenServices.class).get("orders"));
            assertThat(orders.get().state().status()).isNotEqualTo(Status.STOPPED);
        });
        assertThat(orders.get().state().status()).isEqualTo(Status.STOPPED);
        assertThat(orders.get().isDisposed()).isTrue();
    }

    @Test
    void theApplicationsOwnTokenServicesWinsAndGetsTheWebClientCustomizer() {
        Runners.starter().withPropertyValues(orders(SERVER.get())).withUserConfiguration(OwnTokenServices.class).run(context -> {
            assertThat(context).hasSingleBean(TokenServices.class);
            assertThat(context).getBean(TokenServices.class).isSameAs(context.getBean("ownTokenServices"));
            assertThat(context).hasBean("tokenflowWebClientCustomizer");
        });
    }

    @Test
    void theApplicationsOwnTokenServicesIsUsedWithoutAnyTokenflowProperty() {
        Runners.starter().withUserConfiguration(OwnTokenServices.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(TokenServices.class).isSameAs(context.getBean("ownTokenServices"));
        });
    }

    @Test
    void theWebClientCustomizerIsThereWhenWebClientIs() {
        Runners.starter().withPropertyValues(orders(SERVER.get())).run(context ->
                assertThat(context).getBean("tokenflowWebClientCustomizer").isInstanceOf(WebClientCustomizer.class));
    }

    @Test
    void withoutWebClientThereIsNoWebClientCustomizer() {
        Runners.starter().withPropertyValues(orders(SERVER.get())).withClassLoader(new FilteredClassLoader(WebClient.class))
                .run(context -> {
                    assertThat(context).hasSingleBean(TokenServices.class);
                    assertThat(context).doesNotHaveBean("tokenflowWebClientCustomizer");
                });
    }

    @Test
    void theApplicationsOwnWebClientCustomizerNamedTokenflowWebClientCustomizerWins() {
        Runners.starter().withPropertyValues(orders(SERVER.get())).withUserConfiguration(OwnCustomizer.class).run(context ->
                assertThat(context).getBean("tokenflowWebClientCustomizer").isSameAs(OwnCustomizer.CUSTOMIZER));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTokenServices {

        @Bean(destroyMethod = "dispose")
        TokenServices ownTokenServices() {
            return TokenServices.builder()
                    .client("orders", c -> c.tokenEndpoint(SERVER.get().tokenEndpoint()).clientCredentials(Runners.ORDERS_ID, Runners.ORDERS_SECRET))
                    .build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCustomizer {

        static final WebClientCustomizer CUSTOMIZER = builder -> { };

        @Bean
        WebClientCustomizer tokenflowWebClientCustomizer() {
            return CUSTOMIZER;
        }
    }
}
