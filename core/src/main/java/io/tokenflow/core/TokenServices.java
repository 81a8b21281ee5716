package io.tokenflow.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Named clients: one {@link TokenService} per client registration, configured by name.
 *
 * <pre>{@code
 * TokenServices clients = TokenServices.builder()
 *     .client("orders",  c -> c.issuer(URI.create("https://idp.example/realms/main"))
 *                              .clientCredentials("orders-client", secret).scopes("orders.read"))
 *     .client("billing", c -> c.tokenEndpoint(URI.create("https://idp.example/oauth2/token"))
 *                              .privateKeyJwt("billing-client", key, "kid-1"))
 *     .build();
 * TokenService orders = clients.get("orders");
 * }</pre>
 *
 * <p>The services of one registry share one Reactor Netty connection pool and one event-loop
 * group, the registry's own, closed and ended by {@link #dispose()}; and one scheduler
 * ({@link Builder#scheduler}, default {@code Schedulers.parallel()}), whose timer task they share
 * too. A client that sets its own {@code httpClient(..)} or {@code scheduler(..)} keeps it.
 *
 * <p>Immutable once built; thread-safe.
 */
public final class TokenServices implements Disposable {

    private final Map<String, TokenService> services;
    private final Transport transport;
    private volatile boolean disposed;

    private TokenServices(Map<String, TokenService> services, Transport transport) {
        this.services = Collections.unmodifiableMap(services);
        this.transport = transport;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The service of the client registered as {@code name}.
     *
     * @throws IllegalArgumentException for a name not registered; the message names the registered ones
     */
    public TokenService get(String name) {
        TokenService service = services.get(Objects.requireNonNull(name, "name"));
        if (service == null) {
            throw new IllegalArgumentException("no client named '" + name + "'; the clients are " + services.keySet());
        }
        return service;
    }

    /** Every service by name, in the order the clients were registered; unmodifiable (e.g. for {@code StatusRoutes.of(..)}). */
    public Map<String, TokenService> asMap() {
        return services;
    }

    /**
     * Disposes every service (each {@code STOPPED}, its timers cancelled), then closes the registry's
     * connections and ends its event-loop threads. Idempotent; never blocks.
     */
    @Override
    public void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        services.values().forEach(TokenService::dispose);
        transport.dispose();
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    @Override
    public String toString() {
        return "TokenServices" + services.keySet();
    }

    /** Registers clients by name; {@link #build()} validates all of them, then starts all of them. Not thread-safe. */
    public static final class Builder {

        private final Map<String, Consumer<TokenService.Builder>> clients = new LinkedHashMap<>();
        private @Nullable Scheduler scheduler;

        private Builder() {
        }

        /**
         * A client named {@code name}, configured on a {@link TokenService.Builder} (endpoint or issuer,
         * credentials, scopes, ...) when {@link #build()} runs.
         *
         * @throws IllegalArgumentException for a blank name or one registered already
         */
        public Builder client(String name, Consumer<TokenService.Builder> configure) {
            EndpointSettings.requireText("name", name);
            Objects.requireNonNull(configure, "configure");
            if (clients.containsKey(name)) {
                throw new IllegalArgumentException("a client named '" + name + "' is registered already");
            }
            clients.put(name, configure);
            return this;
        }

        /** The scheduler of every client that sets none of its own (default {@code Schedulers.parallel()}). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Configures and checks every client, then starts them all: a configuration error in any one
         * starts none.
         *
         * @throws IllegalStateException when there is no client, or as {@link TokenService.Builder#build()},
         *     the message naming the client
         * @throws IllegalArgumentException as {@link TokenService.Builder#build()}, naming the client
         */
        public TokenServices build() {
            if (clients.isEmpty()) {
                throw new IllegalStateException("no client: register at least one with client(name, c -> ...)");
            }
            Transport transport = Transport.owned("tokenflow-registry");
            try {
                Map<String, Recipe> recipes = new LinkedHashMap<>();
                clients.forEach((name, configure) -> recipes.put(name, recipe(name, configure, transport)));
                Map<String, TokenService> services = new LinkedHashMap<>();
                List<TokenService> started = new ArrayList<>();
                try {
                    recipes.forEach((name, recipe) -> {
                        TokenService service = TokenService.start(recipe);
                        started.add(service);
                        services.put(name, service);
                    });
                } catch (RuntimeException e) {
                    started.forEach(TokenService::dispose);
                    throw e;
                }
                return new TokenServices(services, transport);
            } catch (RuntimeException e) {
                transport.dispose();
                throw e;
            }
        }

        private Recipe recipe(String name, Consumer<TokenService.Builder> configure, Transport transport) {
            TokenService.Builder builder = TokenService.builder().transport(transport);
            if (scheduler != null) {
                builder.scheduler(scheduler);
            }
            try {
                configure.accept(builder);
                return builder.recipe();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("client '" + name + "': " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("client '" + name + "': " + e.getMessage(), e);
            }
        }
    }
}
