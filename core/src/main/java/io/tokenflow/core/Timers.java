package io.tokenflow.core;

import reactor.core.scheduler.Scheduler;

/**
 * The two timers of one service: the <em>attempt</em> timer (the proactive refresh, or the next
 * scheduled attempt while failing) and the <em>expiry</em> timer (the held token's
 * {@code validUntil}). Both are {@link Deadlines.Deadline}s on the {@link Deadlines} of the
 * service's scheduler, shared by every service on it: an idle service has no task of its own on
 * the scheduler. Setting one replaces what it held. Not thread-safe: the engine calls it under its lock.
 */
final class Timers {

    private final Deadlines deadlines;
    private final Deadlines.Deadline attempt;
    private final Deadlines.Deadline expiry;

    Timers(Scheduler scheduler) {
        this.deadlines = Deadlines.on(scheduler);
        this.attempt = deadlines.deadline();
        this.expiry = deadlines.deadline();
    }

    /** Runs {@code task} {@code delayMillis} from now (at once when not positive), in place of the pending attempt. */
    void attemptIn(long delayMillis, Runnable task) {
        deadlines.set(attempt, delayMillis, task);
    }

    /** Runs {@code task} {@code delayMillis} from now, in place of the pending expiry. */
    void expiryIn(long delayMillis, Runnable task) {
        deadlines.set(expiry, delayMillis, task);
    }

    /**
     * Both timers for a new token's {@code plan}, made at {@code nowMillis}: each re-armed in place,
     * not cancelled first (moving a timer later does not touch the scheduler), or cancelled when
     * the plan has no such time.
     */
    void replan(Lifetimes.Plan plan, long nowMillis, Runnable refresh, Runnable expire) {
        if (plan.refreshAt() != Lifetimes.NEVER) {
            attemptIn(plan.refreshAt() - nowMillis, refresh);
        } else {
            cancelAttempt();
        }
        if (plan.validUntil() != Lifetimes.NEVER) {
            expiryIn(plan.validUntil() - nowMillis, expire);
        } else {
            cancelExpiry();
        }
    }

    void cancelAttempt() {
        deadlines.cancel(attempt);
    }

    void cancelExpiry() {
        deadlines.cancel(expiry);
    }

    void cancelAll() {
        deadlines.cancel(attempt);
        deadlines.cancel(expiry);
    }
}
