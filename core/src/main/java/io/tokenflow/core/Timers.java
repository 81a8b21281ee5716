package io.tokenflow.core;

import reactor.core.scheduler.Scheduler;

/**
 * The two timers of one service: the <em>attempt</em> timer (the proactive refresh, or the next
 * scheduled attempt while failing) and the <em>expiry</em> timer (the held token's
 * {@code validUntil}). Both are {@link Deadlines.Deadline}s on the {@link Deadlines} of the
 * service's scheduler, shared by every service on it: an idle service has no task of its own on
 * the scheduler, and no closure per timer (what fires is told the token generation it was set
 * for). Setting one replaces what it held. Not thread-safe: the engine calls it under its lock.
 */
final class Timers implements Deadlines.Task {

    /** What the timers call: the engine. */
    interface Due {
        /** The attempt timer set for a token of {@code generation} (its proactive refresh). */
        void refreshDue(long generation);

        /** The attempt timer set while failing: the next scheduled attempt. */
        void attemptDue();

        /** The expiry timer of a token of {@code generation}. */
        void expiryDue(long generation);
    }

    /** The tags: a proactive refresh is {@code 2 * generation}, an expiry {@code 2 * generation + 1} (generations are never negative). */
    private static final long RETRY = -2;

    private final Deadlines deadlines;
    private final Deadlines.Deadline attempt;
    private final Deadlines.Deadline expiry;
    private final Due due;

    Timers(Scheduler scheduler, Due due) {
        this.deadlines = Deadlines.on(scheduler);
        this.attempt = deadlines.deadline();
        this.expiry = deadlines.deadline();
        this.due = due;
    }

    @Override
    public void due(long tag) {
        if (tag == RETRY) {
            due.attemptDue();
        } else if ((tag & 1) == 0) {
            due.refreshDue(tag >>> 1);
        } else {
            due.expiryDue(tag >>> 1);
        }
    }

    /** The next scheduled attempt {@code delayMillis} from now (at once when not positive), in place of the pending attempt. */
    void attemptIn(long delayMillis) {
        deadlines.set(attempt, delayMillis, this, RETRY);
    }

    /** The expiry of the token of {@code generation}, {@code delayMillis} from now, in place of the pending expiry. */
    void expiryIn(long delayMillis, long generation) {
        deadlines.set(expiry, delayMillis, this, 2 * generation + 1);
    }

    /**
     * Both timers for a new token of {@code generation} and its {@code plan}, made at
     * {@code nowMillis}: each re-armed in place, not cancelled first (moving a timer later does not
     * touch the scheduler), or cancelled when the plan has no such time.
     */
    void replan(Lifetimes.Plan plan, long nowMillis, long generation) {
        if (plan.refreshAt() != Lifetimes.NEVER) {
            deadlines.set(attempt, plan.refreshAt() - nowMillis, this, 2 * generation);
        } else {
            cancelAttempt();
        }
        if (plan.validUntil() != Lifetimes.NEVER) {
            expiryIn(plan.validUntil() - nowMillis, generation);
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
