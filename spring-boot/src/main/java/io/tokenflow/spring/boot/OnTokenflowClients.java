package io.tokenflow.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when a client is declared: a property under {@code tokenflow.clients}, or
 * {@code tokenflow.spring-security-registrations=true}. Without one, the starter on the class path
 * does nothing.
 */
final class OnTokenflowClients extends SpringBootCondition {

    private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName.of(TokenflowProperties.PREFIX + ".clients");

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        boolean migrate = Binder.get(context.getEnvironment())
                .bind(TokenflowProperties.PREFIX + ".spring-security-registrations", Boolean.class).orElse(false);
        if (migrate) {
            return ConditionOutcome.match("tokenflow.spring-security-registrations is true");
        }
        for (var source : ConfigurationPropertySources.get(context.getEnvironment())) {
            if (source instanceof IterableConfigurationPropertySource names
                    && names.stream().anyMatch(CLIENTS::isAncestorOf)) {
                return ConditionOutcome.match("tokenflow.clients declares a client");
            }
        }
        return ConditionOutcome.noMatch("no tokenflow.clients.* and no tokenflow.spring-security-registrations");
    }
}
