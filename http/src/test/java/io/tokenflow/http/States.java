package io.tokenflow.http;

import static org.assertj.core.api.Assertions.fail;

import io.tokenflow.core.AccessToken;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import java.time.Duration;
import java.util.Set;

/** Bounded waits for a service's states: every wait ends, with a message saying what did not happen. */
final class States {

    private static final Duration TIMEOUT = Await.DEFAULT_TIMEOUT;

    private States() {
    }

    /**
     * Waits for the service to publish {@code status} (states() replays the latest, so it cannot be
     * missed), then for the transition to be complete: see {@link #transitionDone}.
     */
    static WorkloadState await(TokenService service, Status status) {
        try {
            WorkloadState state = service.states().filter(s -> s.status() == status).next().block(TIMEOUT);
            if (state != null) {
                transitionDone(service);
                return state;
            }
        } catch (IllegalStateException timeout) {
            // reported below
        }
        return fail("timed out after " + TIMEOUT + " waiting for " + status + "; state is " + service.state());
    }

    /**
     * The service publishes a state under its lock and then, still under it, schedules that state's
     * timers (next attempt, expiry) relative to its clock's "now". A test that advances a virtual
     * clock as soon as it sees the state could do so in between, and push those timers later. This
     * passes through the same lock: {@code tokenRejected} of a token that is not the held one takes
     * it and, in every status but an expired RUNNING, returns without effect (the returned Mono is
     * not subscribed). Once it returns, the transition that published the state has finished.
     */
    static void transitionDone(TokenService service) {
        service.tokenRejected(NOT_HELD);
    }

    private static final AccessToken NOT_HELD = AccessToken.of("never-issued", "Bearer", null, Set.of());
}
