package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/** What a refresh cycle reads of its service ({@link RefreshCycle.Held}): the engine's current snapshot, read without its lock. */
final class HeldView implements RefreshCycle.Held {

    private final Supplier<ServiceState> state;
    private final Lifetimes lifetimes;
    private final Scheduler clock;

    /** @param state the engine's snapshot, as it is at each call */
    HeldView(Supplier<ServiceState> state, Lifetimes lifetimes, Scheduler clock) {
        this.state = state;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    @Override
    public @Nullable Credential credential() {
        return state.get().credential();
    }

    @Override
    public boolean adoptable(Credential stored) {
        return state.get().adoptable(stored, lifetimes, Instant.ofEpochMilli(clock.now(TimeUnit.MILLISECONDS)));
    }

    @Override
    public @Nullable Credential adoptedSince(long generation) {
        ServiceState s = state.get();
        return s.adoptedSince(generation, clock.now(TimeUnit.MILLISECONDS)) ? s.credential() : null;
    }
}
