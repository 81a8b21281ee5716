package io.tokenflow.spring.boot;

import io.tokenflow.core.TokenServices;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * tokenflow for a Spring Boot application, from properties alone:
 *
 * <pre>{@code
 * tokenflow:
 *   clients:
 *     orders:
 *       issuer-uri: https://idp.example/realms/main   # or token-uri
 *       client-id: orders-client
 *       client-secret: ${ORDERS_SECRET}
 *       scopes: [orders.read]
 *       hosts: [api.example.com]
 * }</pre>
 *
 * <p>Beans, each left out when the application declares its own (by type, or by the name given):
 * <ul>
 *   <li>{@link TokenServices}, one service per {@code tokenflow.clients.<name>} (and per migrated
 *       {@code spring.security.oauth2.client.registration.*} with {@code tokenflow.spring-security-registrations}),
 *       started with the context and disposed when it closes; only when a client is declared;</li>
 *   <li>{@code tokenflowWebClientCustomizer}: every {@code WebClient} built from the context's
 *       {@code WebClient.Builder} sends each client's token to that client's {@code hosts} and to no other host;</li>
 *   <li>{@code tokenflowHealthContributor}: the reactive health contributor {@code tokenflow}, one component per
 *       client, {@code UP} while it serves tokens ({@code RUNNING}, {@code DEGRADED}), else {@code DOWN}, the
 *       state as details ({@code management.health.tokenflow.enabled=false} turns it off);</li>
 *   <li>{@code tokenflowEndpoint}: the Actuator endpoint {@code tokenflow}, every client's state;</li>
 *   <li>{@code TokenflowMetrics}, bound to the application's {@code MeterRegistry} (and observing with its
 *       {@code ObservationRegistry}) when there is one.</li>
 * </ul>
 *
 * <p>A property that cannot work fails the start, and the report names it.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@EnableConfigurationProperties(TokenflowProperties.class)
@Import({TokenflowAutoConfiguration.Services.class, TokenflowWebClientConfiguration.class,
        TokenflowActuatorConfiguration.HealthConfiguration.class,
        TokenflowActuatorConfiguration.EndpointConfiguration.class, TokenflowActuatorConfiguration.MetricsConfiguration.class})
public final class TokenflowAutoConfiguration {

    TokenflowAutoConfiguration() {
    }

    /** The clients and their services; first, so that the other configurations see the {@code TokenServices} bean. */
    static final class Services {

        @Bean
        TokenflowClients tokenflowClients(TokenflowProperties properties, Environment environment) {
            return TokenflowClients.resolve(properties, Binder.get(environment));
        }

        @Bean(destroyMethod = "dispose")
        @ConditionalOnMissingBean
        @Conditional(OnTokenflowClients.class)
        TokenServices tokenServices(TokenflowClients clients) {
            return TokenServicesFactory.build(clients);
        }
    }
}
