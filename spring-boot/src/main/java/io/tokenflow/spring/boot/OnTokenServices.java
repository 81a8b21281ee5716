package io.tokenflow.spring.boot;

import io.tokenflow.core.TokenServices;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when there will be a {@link TokenServices} bean: tokenflow's own (a client is declared), or
 * the application's. Not a plain {@code @ConditionalOnBean}: tokenflow's own bean may not be registered
 * yet when the configurations that need it are evaluated; the application's always is.
 */
final class OnTokenServices extends AnyNestedCondition {

    OnTokenServices() {
        super(ConfigurationPhase.REGISTER_BEAN);
    }

    @Conditional(OnTokenflowClients.class)
    static final class ClientsDeclared {
    }

    @ConditionalOnBean(TokenServices.class)
    static final class ApplicationsOwn {
    }
}
