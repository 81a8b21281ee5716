package io.tokenflow.core;

import java.net.URI;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Turns what a {@link TokenService.Builder} declared into a {@link Recipe}, checked as a whole
 * before anything starts: the endpoint (or the issuer to discover it from), the client
 * authentication against the grant, the TLS identity and DPoP key the wire runs with, and the
 * subject service a token exchange is chained to.
 */
final class ServiceAssembly {

    private ServiceAssembly() {
    }

    /**
     * @param issuer the issuer to discover the token endpoint from; {@code null}: {@code wire}'s endpoint
     * @param transport the connections to share
     * @param subject the engine of a token exchange's subject service; {@code null} when not chained
     * @param override tests: the wire to use instead of a real one
     * @throws IllegalStateException when the endpoint (or issuer) or the credentials are missing
     * @throws IllegalArgumentException for an endpoint or issuer tokenflow will not send secrets to
     */
    static Recipe recipe(EndpointSettings wire, EngineSettings engine, ClientDeclaration client, @Nullable URI issuer,
                         Transport transport, @Nullable Engine subject, @Nullable TokenEndpoint override) {
        if (issuer == null) {
            if (wire.endpoint() == null) {
                throw new IllegalStateException("tokenEndpoint(...) or issuer(...) is required");
            }
            wire.checkEndpoint();
        }
        Scheduler scheduler = engine.scheduler();
        ClientAuth auth = client.clientAuth(engine.seed() != null || engine.store() != null);
        EndpointSettings declared = wire.withAuth(auth).withClock(scheduler).withGrant(client.grant())
                .withBinding(client.binding(scheduler));
        if (issuer != null) {
            IssuerDiscovery discovery = new IssuerDiscovery(IssuerDiscovery.checkIssuer(issuer, declared), declared, transport);
            return new Recipe(declared, engine, discovery, transport, override, subject);
        }
        return new Recipe(declared.validated(), engine, null, transport, override, subject);
    }
}
