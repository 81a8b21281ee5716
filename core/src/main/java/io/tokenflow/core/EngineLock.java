package io.tokenflow.core;

import io.tokenflow.core.store.Credential;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * What an {@link Engine} keeps under its one lock: the snapshot, read without the lock by the hot
 * path and by the refresh cycle ({@link RefreshCycle.Held}), and the refresh job a write
 * installed, started once the outermost write has released the lock (a job's first steps may run
 * synchronously and call back into the engine, and must not do so under the lock another thread
 * waits for). Writes nest (an observer called under the lock may write again); only the
 * outermost one starts the job. The engine extends this class and the lock is the engine itself,
 * so that an idle service holds no lock or view object of its own.
 */
abstract class EngineLock implements RefreshCycle.Held {

    final Scheduler scheduler;
    final Lifetimes lifetimes;
    /** Written under the lock only. */
    volatile ServiceState state;
    // Guarded by this: the job the current write installed, to be started once the lock is released.
    private @Nullable RefreshJob installed;

    EngineLock(Scheduler scheduler, Lifetimes lifetimes) {
        this.scheduler = scheduler;
        this.lifetimes = lifetimes;
        this.state = ServiceState.starting(now());
    }

    /** The state, read without the lock. */
    final ServiceState current() {
        return state;
    }

    /** Runs {@code change} under the lock; a job it {@linkplain #startAfterwards installed} starts after the outermost write. */
    final <T> T write(Supplier<T> change) {
        boolean outermost = !Thread.holdsLock(this);
        T result;
        RefreshJob toStart = null;
        synchronized (this) {
            result = change.get();
            if (outermost) {
                toStart = installed;
                installed = null;
            }
        }
        if (toStart != null) {
            toStart.start();
        }
        return result;
    }

    /** Under the lock: {@code job} starts when the outermost write ends. */
    final void startAfterwards(RefreshJob job) {
        installed = job;
    }

    // ---------------------------------------------------------------- what the refresh cycle reads (RefreshCycle.Held)

    @Override
    public final @Nullable Credential credential() {
        return state.credential();
    }

    @Override
    public final boolean adoptable(Credential stored) {
        return state.adoptable(stored, lifetimes, now());
    }

    @Override
    public final @Nullable Credential adoptedSince(long generation) {
        ServiceState s = state;
        return s.adoptedSince(generation, nowMillis()) ? s.credential() : null;
    }

    final long nowMillis() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    final Instant now() {
        return Instant.ofEpochMilli(nowMillis());
    }
}
