package io.tokenflow.spring.boot;

import io.tokenflow.spring.boot.TokenflowProperties.AuthenticationMethod;
import io.tokenflow.spring.boot.TokenflowProperties.Client;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * {@code tokenflow.spring-security-registrations=true}: every
 * {@code spring.security.oauth2.client.registration.<name>} with {@code authorization-grant-type:
 * client_credentials} becomes the tokenflow client {@code <name>}, its endpoint from
 * {@code spring.security.oauth2.client.provider.<provider>} ({@code provider} defaults to the
 * registration's name, as in Spring Security). Read straight from the environment, so Spring Security
 * need not be on the class path. Other grants are left to Spring Security.
 */
final class SpringSecurityRegistrations {

    static final String PREFIX = "spring.security.oauth2.client";

    /** What Spring Boot binds under {@code spring.security.oauth2.client}; only what tokenflow reads. */
    record Oauth2Client(@Nullable Map<String, Registration> registration, @Nullable Map<String, Provider> provider) {
    }

    record Registration(@Nullable String provider, @Nullable String clientId, @Nullable String clientSecret,
                        @Nullable String clientAuthenticationMethod, @Nullable String authorizationGrantType,
                        @Nullable List<String> scope) {
    }

    record Provider(@Nullable URI issuerUri, @Nullable URI tokenUri) {
    }

    private SpringSecurityRegistrations() {
    }

    /** The client_credentials registrations as clients, by registration name, in their order. */
    static Map<String, ClientDeclaration> read(Binder binder) {
        Oauth2Client bound = binder.bind(PREFIX, Bindable.of(Oauth2Client.class))
                .orElse(new Oauth2Client(null, null));
        Map<String, Registration> registrations = bound.registration() == null ? Map.of() : bound.registration();
        Map<String, Provider> providers = bound.provider() == null ? Map.of() : bound.provider();
        Map<String, ClientDeclaration> clients = new LinkedHashMap<>();
        registrations.forEach((name, registration) -> {
            if ("client_credentials".equals(registration.authorizationGrantType())) {
                clients.put(name, declaration(name, registration, providers));
            }
        });
        return clients;
    }

    private static ClientDeclaration declaration(String name, Registration registration, Map<String, Provider> providers) {
        String at = PREFIX + ".registration." + name + ".";
        String providerName = registration.provider() != null ? registration.provider() : name;
        Provider provider = providers.get(providerName);
        if (provider == null) {
            throw TokenflowPropertyException.missing(PREFIX + ".provider." + providerName + ".token-uri",
                    "registration '" + name + "' uses provider '" + providerName
                            + "', and tokenflow needs its issuer-uri or token-uri");
        }
        String providerAt = PREFIX + ".provider." + providerName + ".";
        Client client = new Client(provider.issuerUri(), provider.tokenUri(), registration.clientId(),
                registration.clientSecret(), method(at + "client-authentication-method", registration.clientAuthenticationMethod()),
                registration.scope(), null, null, null, null);
        Map<String, String> origins = Map.of(
                "issuer-uri", providerAt + "issuer-uri",
                "token-uri", providerAt + "token-uri",
                "client-id", at + "client-id",
                "client-secret", at + "client-secret",
                "client-authentication-method", at + "client-authentication-method",
                "scopes", at + "scope");
        return new ClientDeclaration(name, client, origins);
    }

    private static @Nullable AuthenticationMethod method(String property, @Nullable String value) {
        if (value == null) {
            return null;
        }
        try {
            return AuthenticationMethod.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw TokenflowPropertyException.invalid(property, "'" + value + "' is not a client authentication method; "
                    + "use client_secret_basic, client_secret_post or none");
        }
    }
}
