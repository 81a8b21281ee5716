package io.tokenflow.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.TokenServices;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters of {@link TokenService}s, each under its name in the map (tag {@code client}
 * on every meter):
 *
 * <pre>{@code
 * TokenflowMetrics.of(Map.of("orders", orderTokens))
 *     .withObservationRegistry(observationRegistry)   // optional: one observation per token request
 *     .bindTo(meterRegistry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code tokenflow.token.requests}</td><td>Timer</td><td>{@code client}, {@code grant} (the
 *       {@code grant_type} sent), {@code outcome} ({@code success}, {@code transient}, {@code permanent}),
 *       {@code error} (the OAuth {@code error} when it is a registered code, else {@code http_<status>}, or
 *       {@code io} without an answer, or {@code none} for a token)</td></tr>
 *   <tr><td>{@code tokenflow.state}</td><td>Gauge, 1 for the current status, 0 for the others</td>
 *       <td>{@code client}, {@code status} (lower case)</td></tr>
 *   <tr><td>{@code tokenflow.state.transitions}</td><td>Counter</td><td>{@code client}, {@code from},
 *       {@code to} (lower case)</td></tr>
 *   <tr><td>{@code tokenflow.token.expiry}</td><td>TimeGauge: until the held token's
 *       {@code tokenExpiresAt}, by the registry's clock; NaN without one</td><td>{@code client}</td></tr>
 *   <tr><td>{@code tokenflow.failures.consecutive}</td><td>Gauge</td><td>{@code client}</td></tr>
 * </table>
 *
 * <p>Tag values are bounded: no token, no URL, no free text; an OAuth {@code error} that is not a
 * registered code counts under its HTTP status. The gauges read each service's current state; the
 * timer and the counter count the service's {@link TokenService#events() events} from
 * {@link #bindTo} on (a request or a move before it is not counted). Each {@code bindTo}
 * subscribes once per service, until the service stops.
 *
 * <p>With an {@link ObservationRegistry}, each token request is also an observation named
 * {@value ServiceMeters#OBSERVATION}, started when the request starts and stopped when it
 * finishes, with the low-cardinality keys {@code client}, {@code grant} and {@code outcome}
 * ({@code cancelled} for a request cut short by {@code dispose()}); a failure is its error. A
 * tracer shows it as a span.
 *
 * <p>Immutable; {@link #withObservationRegistry} returns a copy.
 */
public final class TokenflowMetrics implements MeterBinder {

    private final Map<String, TokenService> services;
    private final @Nullable ObservationRegistry observations;

    private TokenflowMetrics(Map<String, TokenService> services, @Nullable ObservationRegistry observations) {
        this.services = services;
        this.observations = observations;
    }

    /**
     * Meters for these services, under their keys, in the map's iteration order.
     *
     * @throws IllegalArgumentException when a name is blank
     */
    public static TokenflowMetrics of(Map<String, TokenService> services) {
        Objects.requireNonNull(services, "services");
        Map<String, TokenService> copy = new LinkedHashMap<>();
        services.forEach((name, service) -> {
            Objects.requireNonNull(name, "service name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a service name must not be blank");
            }
            copy.put(name, Objects.requireNonNull(service, () -> "service '" + name + "'"));
        });
        return new TokenflowMetrics(copy, null);
    }

    /**
     * Meters for every named client of {@code services}, under its name (the {@code client} tag),
     * in the order the clients were declared.
     */
    public static TokenflowMetrics of(TokenServices services) {
        return of(Objects.requireNonNull(services, "services").asMap());
    }

    /** A copy that also makes each token request an observation in {@code registry}. */
    public TokenflowMetrics withObservationRegistry(ObservationRegistry registry) {
        return new TokenflowMetrics(services, Objects.requireNonNull(registry, "registry"));
    }

    /** Registers the meters of every service and starts counting their events. */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        services.forEach((name, service) -> ServiceMeters.bind(name, service, registry, observations));
    }

    @Override
    public String toString() {
        return "TokenflowMetrics" + services.keySet() + (observations == null ? "" : " with observations");
    }
}
