package io.tokenflow.spring.boot;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * Every client the properties declare, by name: {@code tokenflow.clients.*} in their order, then the
 * migrated Spring Security registrations that are not among them (a registration and a tokenflow client
 * of the same name are one client, the tokenflow properties winning).
 */
final class TokenflowClients {

    private final Map<String, ClientDeclaration> declarations;

    private TokenflowClients(Map<String, ClientDeclaration> declarations) {
        this.declarations = Collections.unmodifiableMap(declarations);
    }

    /**
     * @throws TokenflowPropertyException when {@code spring-security-registrations} is on but no registration
     *     uses client_credentials, or a registration cannot be read
     */
    static TokenflowClients resolve(TokenflowProperties properties, Binder binder) {
        Map<String, ClientDeclaration> declarations = new LinkedHashMap<>();
        properties.clients().forEach((name, client) -> declarations.put(name, ClientDeclaration.of(name, client)));
        if (properties.springSecurityRegistrations()) {
            Map<String, ClientDeclaration> migrated = SpringSecurityRegistrations.read(binder);
            if (migrated.isEmpty()) {
                throw TokenflowPropertyException.invalid(TokenflowProperties.PREFIX + ".spring-security-registrations",
                        "true, but no " + SpringSecurityRegistrations.PREFIX
                                + ".registration.* has authorization-grant-type client_credentials");
            }
            migrated.forEach((name, registration) -> declarations.merge(name, registration,
                    (declared, base) -> declared.over(base)));
        }
        return new TokenflowClients(declarations);
    }

    /** By name, in order; unmodifiable. */
    Map<String, ClientDeclaration> asMap() {
        return declarations;
    }

    @Override
    public String toString() {
        return "TokenflowClients" + declarations.keySet();
    }
}
