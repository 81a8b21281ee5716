package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The legal moves between statuses (docs/states.md); every transition is checked against it. */
final class Transitions {

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
}
