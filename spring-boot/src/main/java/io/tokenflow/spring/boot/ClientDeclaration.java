package io.tokenflow.spring.boot;

import io.tokenflow.spring.boot.TokenflowProperties.Client;
import java.util.HashMap;
import java.util.Map;

/**
 * One client as declared, with where each of its properties was written: under
 * {@code tokenflow.clients.<name>} unless {@code origins} says otherwise (a migrated Spring Security
 * registration), so that an error names the property the user has to fix.
 *
 * @param origins property key ({@code client-id}, {@code retry.ceiling}) to its full name, for the keys
 *     not under {@code tokenflow.clients.<name>}
 */
record ClientDeclaration(String name, Client client, Map<String, String> origins) {

    ClientDeclaration {
        origins = Map.copyOf(origins);
    }

    /** A client of {@code tokenflow.clients}. */
    static ClientDeclaration of(String name, Client client) {
        return new ClientDeclaration(name, client, Map.of());
    }

    /**
     * This declaration over {@code base} (a migrated registration of the same name): what this one sets
     * wins, and is named as written here; the rest is {@code base}'s.
     */
    ClientDeclaration over(ClientDeclaration base) {
        Map<String, String> kept = new HashMap<>(base.origins);
        if (client.issuerUri() != null || client.tokenUri() != null) {
            kept.remove("issuer-uri");
            kept.remove("token-uri");
        }
        if (client.clientId() != null) {
            kept.remove("client-id");
        }
        if (client.clientSecret() != null) {
            kept.remove("client-secret");
        }
        if (client.clientAuthenticationMethod() != null) {
            kept.remove("client-authentication-method");
        }
        if (client.scopes() != null) {
            kept.remove("scopes");
        }
        return new ClientDeclaration(name, client.over(base.client), kept);
    }

    /** The full name of property {@code key} of this client, e.g. {@code tokenflow.clients.orders.client-id}. */
    String property(String key) {
        String origin = origins.get(key);
        return origin != null ? origin : TokenflowProperties.PREFIX + ".clients." + name + "." + key;
    }
}
