package io.tokenflow.spring.boot;

import io.tokenflow.core.TokenServices;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** {@code tokenflowWebClientCustomizer}: the {@link HostRoutedFilter} on the context's {@code WebClient.Builder}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({WebClient.class, WebClientCustomizer.class})
@Conditional(OnTokenServices.class)
class TokenflowWebClientConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "tokenflowWebClientCustomizer")
    WebClientCustomizer tokenflowWebClientCustomizer(TokenflowClients clients, TokenServices services) {
        HostRoutedFilter filter = HostRoutedFilter.of(clients, services);
        return builder -> {
            if (filter.routesAny()) {
                builder.filter(filter);
            }
        };
    }
}
