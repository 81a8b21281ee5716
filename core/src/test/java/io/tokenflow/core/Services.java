package io.tokenflow.core;

import java.time.Duration;
import reactor.core.scheduler.Scheduler;

/** Builders of services for engine tests. */
final class Services {

    /** The default retry policy without jitter, so that request counts and times are exact. */
    static final RetryPolicy EXACT = RetryPolicy.fromEnvironment(java.util.Map.of()).withJitter(0);

    private Services() {
    }

    /** A builder on {@code fake} and {@code clock}, with the default policy minus jitter. */
    static TokenService.Builder on(FakeTokenEndpoint fake, Scheduler clock) {
        return TokenService.builder()
                .tokenEndpoint(FakeTokenEndpoint.ENDPOINT)
                .clientCredentials(FakeTokenEndpoint.CLIENT_ID, "fake-secret")
                .scheduler(clock)
                .retryPolicy(EXACT)
                .refreshJitter(0)
                .endpoint(fake);
    }

    /** Sum of the short retry's delays under {@link #EXACT}: 5 + 10 + 20 + 40 + 80 s. */
    static Duration shortRetrySpan(RetryPolicy policy) {
        Duration total = Duration.ZERO;
        Duration delay = policy.minBackoff();
        for (int i = 0; i < policy.maxRetries(); i++) {
            total = total.plus(delay.compareTo(policy.maxBackoff()) > 0 ? policy.maxBackoff() : delay);
            delay = delay.multipliedBy(2);
        }
        return total;
    }
}
