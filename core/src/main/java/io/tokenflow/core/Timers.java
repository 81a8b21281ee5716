package io.tokenflow.core;

import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;

/**
 * The two timers of one service, on its scheduler: the <em>attempt</em> timer (the proactive
 * refresh, or the next scheduled attempt while failing) and the <em>expiry</em> timer (the held
 * token's {@code validUntil}). Setting one cancels what it held. Not thread-safe: the engine
 * calls it under its lock.
 */
final class Timers {

    private final Scheduler scheduler;
    private Disposable attempt = Disposables.disposed();
    private Disposable expiry = Disposables.disposed();

    Timers(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Runs {@code task} {@code delayMillis} from now (at once when not positive), in place of the pending attempt. */
    void attemptIn(long delayMillis, Runnable task) {
        attempt.dispose();
        attempt = schedule(task, delayMillis);
    }

    /** Runs {@code task} {@code delayMillis} from now, in place of the pending expiry. */
    void expiryIn(long delayMillis, Runnable task) {
        expiry.dispose();
        expiry = schedule(task, delayMillis);
    }

    void cancelAttempt() {
        attempt.dispose();
    }

    void cancelExpiry() {
        expiry.dispose();
    }

    void cancelAll() {
        attempt.dispose();
        expiry.dispose();
    }

    private Disposable schedule(Runnable task, long delayMillis) {
        return scheduler.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }
}
