package io.tokenflow.core;

import org.jspecify.annotations.Nullable;

/**
 * What one service is built from, checked as a whole by {@code TokenService.Builder} before
 * anything starts: the wire, the engine, and where the token endpoint comes from. Kept by the
 * service, so that a {@linkplain Variants variant} shares its configuration.
 *
 * @param wire validated, with client authentication and clock; without endpoint when {@code discovery} finds it
 * @param engine the engine's settings
 * @param discovery the issuer's metadata, when configured with {@code issuer(..)}; shared by the service's variants
 * @param transport the shared connections (unless {@code wire} holds the user's {@code HttpClient})
 * @param override tests: the wire in place of a real one
 * @param subject the engine of a token exchange's subject service, whose every new token renews this one's; {@code null}: not chained
 */
record Recipe(EndpointSettings wire, EngineSettings engine, @Nullable IssuerDiscovery discovery, Transport transport,
              @Nullable TokenEndpoint override, @Nullable Engine subject) {

    /** A new wire for one service. */
    TokenEndpoint endpoint() {
        if (override != null) {
            return override;
        }
        return discovery != null ? new DiscoveringEndpoint(discovery, wire, transport) : new TokenEndpointClient(wire, transport);
    }

    /**
     * The recipe of a variant: {@code variantWire}, this one's discovery, transport and subject,
     * and a credential of its own (in memory, no seed).
     */
    Recipe variant(EndpointSettings variantWire) {
        return new Recipe(variantWire, engine.withoutCredential(), discovery, transport, null, subject);
    }
}
