package io.tokenflow.examples;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.tokenflow.core.TokenEvent;
import io.tokenflow.core.TokenService;
import io.tokenflow.micrometer.TokenflowMetrics;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/** The snippets of docs/operations.md on events, meters and observations. */
public final class ObservabilityExamples {

    private static final Logger log = LoggerFactory.getLogger(ObservabilityExamples.class);

    private ObservabilityExamples() {
    }

    static void metrics(TokenService orders, MeterRegistry meterRegistry, ObservationRegistry observationRegistry) {
        // tag::metrics[]
        TokenflowMetrics.of(Map.of("orders", orders))
                .withObservationRegistry(observationRegistry)   // optional: a tokenflow.token.request span per request
                .bindTo(meterRegistry);
        // end::metrics[]
    }

    static Disposable events(TokenService tokens) {
        // tag::events[]
        Disposable watching = tokens.events().subscribe(event -> {
            if (event instanceof TokenEvent.RequestFinished request && request.failure().isPresent()) {
                log.info("token request failed after {} ms: {}", request.duration().toMillis(), request.failure().get());
            } else if (event instanceof TokenEvent.StateChanged change) {
                log.info("tokens: {} -> {}", change.from(), change.to());
            }
        });
        // end::events[]
        return watching;
    }
}
