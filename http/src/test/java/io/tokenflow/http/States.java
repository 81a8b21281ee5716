package io.tokenflow.http;

import static org.assertj.core.api.Assertions.fail;

import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import java.time.Duration;

/** Bounded waits for a service's states: every wait ends, with a message saying what did not happen. */
final class States {

    private static final Duration TIMEOUT = Await.DEFAULT_TIMEOUT;

    private States() {
    }

    /**
     * Waits for the service to publish {@code status} ({@code states()} replays the latest, so it
     * cannot be missed). The state's timers are already scheduled by then ({@link StateTimersTest}),
     * so a test may move a virtual clock at once.
     */
    static WorkloadState await(TokenService service, Status status) {
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
