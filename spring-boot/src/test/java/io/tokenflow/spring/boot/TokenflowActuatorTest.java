package io.tokenflow.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.tokenflow.core.TokenServices;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.micrometer.TokenflowMetrics;
import io.tokenflow.test.Await;
import io.tokenflow.test.ScriptedAnswer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The health contributor, the tokenflow endpoint and the metrics: when they are there, and what they say. */
class TokenflowActuatorTest {

    @RegisterExtension
    static final AuthorizationServerPerClass SERVER = new AuthorizationServerPerClass();

    private static ApplicationContextRunner orders() {
        return Runners.starter().withPropertyValues(Runners.orders(SERVER.get()));
    }

    private static Health health(ReactiveHealthContributor contributor, String client) {
        ReactiveHealthIndicator indicator = (ReactiveHealthIndicator) ((CompositeReactiveHealthContributor) contributor)
                .getContributor(client);
        return indicator.health().block(Duration.ofSeconds(5));
    }

    @Test
    void theHealthContributorIsUpWithTheStateWhileTheClientHasAToken() {
        orders().run(context -> {
            context.getBean(TokenServices.class).get("orders").token().block(Duration.ofSeconds(10));
            Health health = health(context.getBean("tokenflowHealthContributor", ReactiveHealthContributor.class), "orders");
            assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
            assertThat(health.getDetails()).containsEntry("status", "RUNNING").containsKeys("since", "tokenExpiresAt");
        });
    }

    @Test
    void theHealthContributorIsDownAfterInvalidGrantWithTheFailureAsDetails() {
        orders().run(context -> {
            TokenServices services = context.getBean(TokenServices.class);
            services.get("orders").token().block(Duration.ofSeconds(10));
            SERVER.get().script(ScriptedAnswer.oauthError(400, "invalid_grant"));
            services.get("orders").refresh().onErrorComplete().block(Duration.ofSeconds(10));
            Await.until("orders is UNAUTHENTICATED", () -> services.get("orders").state().status() == Status.UNAUTHENTICATED);
            Health health = health(context.getBean("tokenflowHealthContributor", ReactiveHealthContributor.class), "orders");
            assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.DOWN);
            assertThat(health.getDetails()).containsEntry("status", "UNAUTHENTICATED");
            assertThat(health.getDetails().get("lastFailure")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("oauthError", "invalid_grant").containsEntry("kind", "PERMANENT");
        });
    }

    @Test
    void theHealthContributorHasOneComponentPerClient() {
        orders().withPropertyValues("tokenflow.clients.billing.token-uri=" + SERVER.get().tokenEndpoint(),
                "tokenflow.clients.billing.client-id=" + Runners.BILLING_ID,
                "tokenflow.clients.billing.client-secret=" + Runners.BILLING_SECRET).run(context -> {
                    CompositeReactiveHealthContributor composite =
                            context.getBean("tokenflowHealthContributor", CompositeReactiveHealthContributor.class);
                    assertThat(composite.stream().map(c -> c.name())).containsExactly("orders", "billing");
                });
    }

    @Test
    void theHealthContributorCanBeTurnedOff() {
        orders().withPropertyValues("management.health.tokenflow.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean("tokenflowHealthContributor"));
    }

    @Test
    void withoutBootsHealthThereIsNoHealthContributor() {
        orders().withClassLoader(new FilteredClassLoader(ReactiveHealthContributor.class)).run(context -> {
            assertThat(context).hasSingleBean(TokenServices.class);
            assertThat(context).doesNotHaveBean("tokenflowHealthContributor");
        });
    }

    @Test
    void withoutClientsThereIsNoHealthContributorNoEndpointAndNoMetrics() {
        metrics().withPropertyValues("management.endpoints.web.exposure.include=tokenflow").run(context -> {
            assertThat(context).doesNotHaveBean("tokenflowHealthContributor");
            assertThat(context).doesNotHaveBean("tokenflowEndpoint");
            assertThat(context).doesNotHaveBean(TokenflowMetrics.class);
        });
    }

    @Test
    void theApplicationsOwnHealthContributorNamedTokenflowHealthContributorWins() {
        orders().withUserConfiguration(OwnHealth.class).run(context ->
                assertThat(context).getBean("tokenflowHealthContributor").isSameAs(OwnHealth.HEALTH));
    }

    @Test
    void theEndpointIsThereWhenExposedAndListsEveryClientsState() {
        orders().withPropertyValues("management.endpoints.web.exposure.include=tokenflow").run(context -> {
            context.getBean(TokenServices.class).get("orders").token().block(Duration.ofSeconds(10));
            TokenflowEndpoint endpoint = context.getBean(TokenflowEndpoint.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> clients = (Map<String, Object>) endpoint.clients().get("clients");
            assertThat(clients.keySet()).containsExactly("orders");
            assertThat(clients.get("orders")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("status", "RUNNING");
            assertThat(endpoint.client("orders")).containsEntry("status", "RUNNING");
            assertThat(endpoint.client("nobody")).isNull();
        });
    }

    @Test
    void theEndpointIsNotThereUnlessExposed() {
        orders().run(context -> assertThat(context).doesNotHaveBean("tokenflowEndpoint"));
    }

    @Test
    void theApplicationsOwnEndpointBeanNamedTokenflowEndpointWins() {
        orders().withPropertyValues("management.endpoints.web.exposure.include=tokenflow")
                .withUserConfiguration(OwnEndpoint.class).run(context ->
                        assertThat(context).getBean("tokenflowEndpoint").isSameAs(OwnEndpoint.ENDPOINT));
    }

    private static ApplicationContextRunner metrics() {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                TokenflowAutoConfiguration.class));
    }

    /** Spring Boot binds meter binders once the context's singletons exist; from then on every request counts. */
    @Test
    void withAMeterRegistryTheMetricsAreBoundAndCountTokenRequests() {
        metrics().withPropertyValues(Runners.orders(SERVER.get())).run(context -> {
            TokenServices services = context.getBean(TokenServices.class);
            services.get("orders").token().block(Duration.ofSeconds(10));
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(context).hasSingleBean(TokenflowMetrics.class);
            assertThat(registry.get("tokenflow.state").tags("client", "orders", "status", "running").gauge().value())
                    .isEqualTo(1.0);
            long before = successes(registry);
            int requestsBefore = SERVER.get().tokenRequests();
            for (int i = 0; i < 3; i++) {
                services.get("orders").refresh().block(Duration.ofSeconds(10));
            }
            Await.until("three more token requests are counted", () -> successes(registry) >= before + 3);
            assertThat(SERVER.get().tokenRequests() - requestsBefore).isEqualTo(3);
            // the start's own request may be counted late, if Boot bound the metrics while it was under way; no more
            assertThat(successes(registry) - before).isBetween(3L, 4L);
        });
    }

    private static long successes(MeterRegistry registry) {
        Timer timer = registry.find("tokenflow.token.requests").tags("client", "orders", "outcome", "success").timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void withoutAMeterRegistryThereAreNoMetrics() {
        orders().run(context -> assertThat(context).doesNotHaveBean(TokenflowMetrics.class));
    }

    @Test
    void withAnObservationRegistryEachTokenRequestIsObserved() {
        metrics().withPropertyValues(Runners.orders(SERVER.get())).withUserConfiguration(Observations.class).run(context -> {
            TokenServices services = context.getBean(TokenServices.class);
            services.get("orders").token().block(Duration.ofSeconds(10));
            services.get("orders").refresh().block(Duration.ofSeconds(10)); // a request wholly after Boot bound the metrics
            Await.until("the token request is observed", () -> Observations.NAMES.contains("tokenflow.token.request"));
        });
    }

    @Test
    void theApplicationsOwnTokenflowMetricsWins() {
        metrics().withPropertyValues(Runners.orders(SERVER.get())).withUserConfiguration(OwnMetrics.class).run(context -> {
            assertThat(context).hasSingleBean(TokenflowMetrics.class);
            assertThat(context).getBean(TokenflowMetrics.class).isSameAs(context.getBean("ownMetrics"));
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnHealth {

        static final ReactiveHealthIndicator HEALTH = () -> reactor.core.publisher.Mono.just(Health.up().build());

        @Bean
        ReactiveHealthContributor tokenflowHealthContributor() {
            return HEALTH;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnEndpoint {

        static final Object ENDPOINT = new Object();

        @Bean
        Object tokenflowEndpoint() {
            return ENDPOINT;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnMetrics {

        @Bean
        TokenflowMetrics ownMetrics(TokenServices services) {
            return TokenflowMetrics.of(services.asMap());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Observations {

        static final List<String> NAMES = new CopyOnWriteArrayList<>();

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
                @Override
                public void onStop(Observation.Context context) {
                    NAMES.add(context.getName());
                }

                @Override
                public boolean supportsContext(Observation.Context context) {
                    return true;
                }
            });
            return registry;
        }
    }
}
