package io.tokenflow.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.tokenflow.core.TokenEvent;
import io.tokenflow.core.TokenEvent.RequestFinished;
import io.tokenflow.core.TokenEvent.RequestStarted;
import io.tokenflow.core.TokenEvent.StateChanged;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one service in one registry: gauges that read its state, and a subscriber of its
 * events that records the requests and transitions (and the observations). The events of one
 * subscriber arrive one at a time, so {@link #open} needs no guard.
 */
final class ServiceMeters {

    static final String REQUESTS = "tokenflow.token.requests";
    static final String STATE = "tokenflow.state";
    static final String TRANSITIONS = "tokenflow.state.transitions";
    static final String EXPIRY = "tokenflow.token.expiry";
    static final String FAILURES = "tokenflow.failures.consecutive";
    static final String OBSERVATION = "tokenflow.token.request";

    private final String client;
    private final MeterRegistry registry;
    private final @Nullable ObservationRegistry observations;
    /** The observation of the request in flight (a service makes one at a time). */
    private @Nullable Observation open;

    private ServiceMeters(String client, MeterRegistry registry, @Nullable ObservationRegistry observations) {
        this.client = client;
        this.registry = registry;
        this.observations = observations;
    }

    static void bind(String client, TokenService service, MeterRegistry registry, @Nullable ObservationRegistry observations) {
        Tags tags = Tags.of("client", client);
        for (Status status : Status.values()) {
            Gauge.builder(STATE, service, s -> s.state().status() == status ? 1 : 0)
                    .tags(tags.and("status", lower(status)))
                    .description("1 for the service's current status, 0 for the others")
                    .register(registry);
        }
        TimeGauge.builder(EXPIRY, service, TimeUnit.SECONDS, s -> secondsToExpiry(s.state(), registry))
                .tags(tags)
                .description("time until the held token expires; NaN without one")
                .register(registry);
        Gauge.builder(FAILURES, service, s -> s.state().consecutiveFailures())
                .tags(tags)
                .description("token requests failed in a row")
                .register(registry);
        ServiceMeters meters = new ServiceMeters(client, registry, observations);
        service.events().subscribe(meters::record, error -> meters.cancelOpen(), meters::cancelOpen);
    }

    private void record(TokenEvent event) {
        if (event instanceof RequestStarted started) {
            started(started);
        } else if (event instanceof RequestFinished finished) {
            finished(finished);
        } else if (event instanceof StateChanged changed) {
            Counter.builder(TRANSITIONS)
                    .tags("client", client, "from", lower(changed.from()), "to", lower(changed.to()))
                    .description("status changes")
                    .register(registry)
                    .increment();
        }
    }

    private void started(RequestStarted started) {
        cancelOpen();
        if (observations != null) {
            open = Observation.createNotStarted(OBSERVATION, observations)
                    .lowCardinalityKeyValue("client", client)
                    .lowCardinalityKeyValue("grant", started.grant())
                    .start();
        }
    }

    private void finished(RequestFinished finished) {
        String outcome = lower(finished.outcome());
        Timer.builder(REQUESTS)
                .tags("client", client, "grant", finished.grant(), "outcome", outcome, "error", ErrorTag.of(finished))
                .description("token requests, by how they ended")
                .register(registry)
                .record(finished.duration());
        Observation observation = open;
        open = null;
        if (observation != null) {
            observation.lowCardinalityKeyValue("outcome", outcome);
            finished.failure().ifPresent(failure -> observation.error(RequestFailure.of(failure)));
            observation.stop();
        }
    }

    /** A request that never finished (the service stopped, or its end was not delivered): stopped as {@code cancelled}. */
    private void cancelOpen() {
        Observation observation = open;
        open = null;
        if (observation != null) {
            observation.lowCardinalityKeyValue("outcome", "cancelled").stop();
        }
    }

    private static double secondsToExpiry(WorkloadState state, MeterRegistry registry) {
        Optional<Instant> expiresAt = state.tokenExpiresAt();
        if (expiresAt.isEmpty() || !state.status().servesTokens()) {
            return Double.NaN;
        }
        return (expiresAt.get().toEpochMilli() - registry.config().clock().wallTime()) / 1000.0;
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
