package io.tokenflow.spring.boot;

import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * Actuator endpoint {@code tokenflow}: {@code GET /actuator/tokenflow} is every client's state, by name;
 * {@code GET /actuator/tokenflow/{name}} one client's (404 for an unknown name). Never a token or secret.
 * Exposed on the web like any endpoint: {@code management.endpoints.web.exposure.include=tokenflow}.
 */
@Endpoint(id = "tokenflow")
final class TokenflowEndpoint {

    private final TokenServices services;

    TokenflowEndpoint(TokenServices services) {
        this.services = services;
    }

    @ReadOperation
    public Map<String, Object> clients() {
        Map<String, Object> clients = new LinkedHashMap<>();
        services.asMap().forEach((name, service) -> clients.put(name, StateDetails.of(service.state())));
        return Map.of("clients", clients);
    }

    @ReadOperation
    public @Nullable Map<String, Object> client(@Selector String name) {
        TokenService service = services.asMap().get(name);
        return service == null ? null : StateDetails.of(service.state());
    }
}
