package io.tokenflow.core;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * Turns what a {@link TokenService.Builder} declared into a running service: checks the
 * declaration as a whole, builds the wire (with its TLS identity and DPoP key), the event feed and
 * the engine, starts the engine, and chains it to a token exchange's subject service.
 */
final class ServiceAssembly {

    private ServiceAssembly() {
    }

    /**
     * @param subject the engine of a token exchange's subject service; {@code null} when not chained
     * @param endpointOverride tests: the wire to use instead of a {@link TokenEndpointClient}
     * @throws IllegalStateException when the endpoint or the credentials are missing
     * @throws IllegalArgumentException for an endpoint tokenflow will not send secrets to
     */
    static TokenService start(EndpointSettings wire, EngineSettings engine, ClientDeclaration client, @Nullable Engine subject,
                              @Nullable TokenEndpoint endpointOverride) {
        wire.checkEndpoint();
        Scheduler scheduler = engine.scheduler();
        ClientAuth auth = client.clientAuth(engine.seed() != null || engine.store() != null);
        ClientBinding binding = client.binding(scheduler);
        EndpointSettings checked = wire.withAuth(auth).withClock(scheduler).withGrant(client.grant()).withBinding(binding)
                .validated();
        TokenEndpoint endpoint = endpointOverride != null ? endpointOverride : new TokenEndpointClient(checked);
        EventFeed events = new EventFeed(scheduler);
        EngineSettings settings = engine.withStore(engine.effectiveStore());
        Remediation remediation = Remediation.forService(endpoint.clientId(), endpoint.endpoint(), settings.effectiveStore().describe());
        Engine built = new Engine(settings, new ObservedEndpoint(endpoint, events, scheduler, remediation), events);
        built.start();
        // Chained: each new subject token renews this service's token, until either stops.
        Disposable watch = subject == null ? Disposables.disposed() : subject.feed().tokenChanges().publishOn(scheduler)
                .subscribe(t -> built.refresh().subscribe(null, e -> { }), e -> { });
        return new TokenService(built, scheduler, events, binding.dpop(), watch);
    }
}
