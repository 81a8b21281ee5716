package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The legal moves between statuses (docs/states.md), against which every transition is checked,
 * and the pure decision of where a failed refresh leads.
 */
final class Transitions {

    /** {@link Next#attemptAt()} when no attempt is scheduled. */
    static final long NO_ATTEMPT = -1;

    private static final Map<Status, Set<Status>> LEGAL = new EnumMap<>(Status.class);

    static {
        LEGAL.put(Status.STARTING, EnumSet.of(Status.RUNNING, Status.AUTH_RETRYING, Status.UNAUTHENTICATED, Status.STOPPED));
        LEGAL.put(Status.RUNNING, EnumSet.of(Status.DEGRADED, Status.AUTH_RETRYING, Status.UNAUTHENTICATED, Status.STOPPED));
        LEGAL.put(Status.DEGRADED, EnumSet.of(Status.RUNNING, Status.AUTH_RETRYING, Status.UNAUTHENTICATED, Status.STOPPED));
        LEGAL.put(Status.AUTH_RETRYING, EnumSet.of(Status.RUNNING, Status.UNAUTHENTICATED, Status.STOPPED));
        LEGAL.put(Status.UNAUTHENTICATED, EnumSet.of(Status.RUNNING, Status.STOPPED));
        LEGAL.put(Status.STOPPED, EnumSet.noneOf(Status.class));
    }

    private Transitions() {
    }

    static boolean isLegal(Status from, Status to) {
        return from == to || LEGAL.get(from).contains(to);
    }

    /** @throws IllegalStateException for a move the table does not allow (a bug in the engine) */
    static void check(Status from, Status to) {
        if (!isLegal(from, to)) {
            throw new IllegalStateException("illegal state transition " + from + " -> " + to);
        }
    }

    /**
     * Where a refresh that failed with {@code failure} leads, and when the next attempt is due.
     *
     * <ul>
     *   <li>a permanent failure: {@code UNAUTHENTICATED}, nothing scheduled;</li>
     *   <li>a transient one while {@code UNAUTHENTICATED} (a manual {@code refresh()}): stays, nothing scheduled;</li>
     *   <li>while the held token is still valid: {@code DEGRADED}, next attempt after {@code degradedRetryInterval};</li>
     *   <li>without a valid token, {@code ceiling} or more after the streak's first failure: {@code UNAUTHENTICATED};</li>
     *   <li>else {@code AUTH_RETRYING}, next attempt after {@code authRetryingInterval}, never past the ceiling.</li>
     * </ul>
     * A server's {@code Retry-After} stretches either interval ({@link RetryPolicy#stretched}).
     *
     * @param now epoch ms
     * @param streakStart epoch ms of the first failure of the streak this failure belongs to
     */
    static Next afterFailure(Status current, TokenFailure failure, boolean tokenValid, long now, long streakStart,
                             RetryPolicy policy) {
        if (!failure.isTransient() || current == Status.UNAUTHENTICATED) {
            return new Next(Status.UNAUTHENTICATED, NO_ATTEMPT);
        }
        if (tokenValid) {
            return new Next(Status.DEGRADED, now + policy.stretched(policy.degradedRetryInterval(), failure).toMillis());
        }
        long ceiling = streakStart + policy.ceiling().toMillis();
        if (now >= ceiling) {
            return new Next(Status.UNAUTHENTICATED, NO_ATTEMPT);
        }
        return new Next(Status.AUTH_RETRYING,
                Math.min(now + policy.stretched(policy.authRetryingInterval(), failure).toMillis(), ceiling));
    }

    /**
     * @param to the status to move to
     * @param attemptAt epoch ms of the next attempt, or {@link #NO_ATTEMPT}
     */
    record Next(Status to, long attemptAt) {

        boolean hasAttempt() {
            return attemptAt != NO_ATTEMPT;
        }
    }
}
