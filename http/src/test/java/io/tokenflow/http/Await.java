package io.tokenflow.http;

import static org.assertj.core.api.Assertions.fail;

import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;

/** Bounded waits for tests: every wait ends, with a message saying what did not happen. */
final class Await {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {
    }

    /** Polls {@code condition} every 5 ms on a timer (no sleeping thread) until it holds or {@link #TIMEOUT} passes. */
    static void until(String what, BooleanSupplier condition) {
        if (condition.getAsBoolean()) {
            return;
        }
        try {
            Flux.interval(Duration.ofMillis(5))
                    .filter(tick -> condition.getAsBoolean())
                    .next()
                    .block(TIMEOUT);
        } catch (IllegalStateException timeout) {
            fail("timed out after " + TIMEOUT + " waiting for: " + what);
        }
    }

    /** Waits for the service to publish {@code status}; states() replays the latest, so it cannot be missed. */
    static WorkloadState status(TokenService service, Status status) {
        try {
            WorkloadState state = service.states().filter(s -> s.status() == status).next().block(TIMEOUT);
            if (state != null) {
                return state;
            }
        } catch (IllegalStateException timeout) {
            // reported below
        }
        return fail("timed out after " + TIMEOUT + " waiting for " + status + "; state is " + service.state());
    }
}
