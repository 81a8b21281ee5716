package io.tokenflow.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Engine tests on virtual time against the recording fake of the wire; disposes what they start. */
abstract class VirtualTimeEngineTest {

    static final Duration HOUR = Duration.ofHours(1);

    final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    final FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, HOUR);
    private final List<TokenService> services = new ArrayList<>();

    @AfterEach
    void disposeServicesAndClock() {
        services.forEach(TokenService::dispose);
        clock.dispose();
    }

    TokenService start(TokenService.Builder builder) {
        TokenService service = builder.build();
        services.add(service);
        return service;
    }

    /** A service on the fake and the virtual clock, default policy without jitter. */
    TokenService start() {
        return start(Services.on(fake, clock));
    }

    Instant now() {
        return Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS));
    }

    void advanceTo(Instant instant) {
        clock.advanceTimeTo(instant);
    }

    /** The token a caller gets now; the fake answers on virtual time, so this never waits. */
    static AccessToken current(TokenService service) {
        return service.token().block(Duration.ofSeconds(1));
    }
}
