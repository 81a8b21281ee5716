package io.tokenflow.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import io.tokenflow.micrometer.TokenflowMetrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/** What Actuator shows of the clients: health, the {@code tokenflow} endpoint, metrics. Each only with its library. */
final class TokenflowActuatorConfiguration {

    private TokenflowActuatorConfiguration() {
    }

    /**
     * {@code tokenflowHealthContributor}, shown as {@code tokenflow}: one component per client, {@code UP} while
     * it serves tokens ({@code RUNNING}, {@code DEGRADED}), else {@code DOWN}; its state as details.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ReactiveHealthContributor.class)
    @Conditional(OnTokenServices.class)
    @ConditionalOnEnabledHealthIndicator("tokenflow")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "tokenflowHealthContributor")
        ReactiveHealthContributor tokenflowHealthContributor(TokenServices services) {
            return CompositeReactiveHealthContributor.fromMap(services.asMap(), HealthConfiguration::indicator);
        }

        private static ReactiveHealthIndicator indicator(TokenService service) {
            return () -> Mono.fromSupplier(() -> {
                var state = service.state();
                Health.Builder health = state.status().servesTokens() ? Health.up() : Health.down();
                return health.withDetails(StateDetails.of(state)).build();
            });
        }
    }

    /** {@code tokenflowEndpoint}: the Actuator endpoint {@code tokenflow}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    @Conditional(OnTokenServices.class)
    @ConditionalOnAvailableEndpoint(TokenflowEndpoint.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "tokenflowEndpoint")
        TokenflowEndpoint tokenflowEndpoint(TokenServices services) {
            return new TokenflowEndpoint(services);
        }
    }

    /**
     * {@link TokenflowMetrics} of every client, when the application has a {@link MeterRegistry}: Spring
     * Boot binds every {@code MeterBinder} bean to its registries. Observes too with an
     * {@link ObservationRegistry} bean.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, TokenflowMetrics.class})
    @Conditional(OnTokenServices.class)
    @ConditionalOnBean(MeterRegistry.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        TokenflowMetrics tokenflowMetrics(TokenServices services, ObjectProvider<ObservationRegistry> observations) {
            TokenflowMetrics metrics = TokenflowMetrics.of(services.asMap());
            ObservationRegistry registry = observations.getIfUnique();
            return registry == null ? metrics : metrics.withObservationRegistry(registry);
        }
    }
}
