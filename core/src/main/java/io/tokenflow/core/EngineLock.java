package io.tokenflow.core;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one lock of an {@link Engine}, and the refresh job a write installed under it, started once
 * the outermost write has released it: a job's first steps may run synchronously and call back
 * into the engine, and must not do so under the lock another thread waits for. Writes nest (an
 * observer called under the lock may write again); only the outermost one starts the job.
 */
final class EngineLock {

    private final Object mutex = new Object();
    // Guarded by mutex: the job the current write installed, to be started once the lock is released.
    private @Nullable RefreshJob installed;

    /** Runs {@code change} under the lock; a job it {@linkplain #startAfterwards installed} starts after the outermost write. */
    <T> T write(Supplier<T> change) {
        boolean outermost = !Thread.holdsLock(mutex);
        T result;
        RefreshJob toStart = null;
        synchronized (mutex) {
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
    void startAfterwards(RefreshJob job) {
        installed = job;
    }
}
