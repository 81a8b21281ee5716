package io.tokenflow.core;

import io.tokenflow.core.WorkloadState.Status;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Disposable;

/** Subscribes to a service's states and keeps every status it is shown, in order. */
final class StateRecorder {

    private final List<Status> seen = new CopyOnWriteArrayList<>();
    private volatile boolean completed;
    private final Disposable subscription;

    StateRecorder(TokenService service) {
        this.subscription = service.states().subscribe(s -> seen.add(s.status()), e -> { }, () -> completed = true);
    }

    List<Status> seen() {
        return List.copyOf(seen);
    }

    boolean completed() {
        return completed;
    }

    void dispose() {
        subscription.dispose();
    }
}
