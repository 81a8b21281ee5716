package io.tokenflow.core;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Publishes one service's states: {@code Sinks.many().replay().latest()}, so a new subscriber
 * gets the latest state first. Each subscriber is delivered to on its own worker of the
 * service's scheduler, so that it never blocks the service; one that does not keep up is handed
 * the latest state only (the first {@code onBackpressureLatest} keeps the sink from buffering
 * while the worker is busy, the last one keeps {@code publishOn}'s prefetched element from going
 * stale). The engine publishes under its lock, so the order is the order of the moves.
 */
final class StateFeed {

    private final Sinks.Many<WorkloadState> sink = Sinks.many().replay().latest();
    private final Flux<WorkloadState> states;

    StateFeed(Scheduler scheduler, WorkloadState first) {
        this.states = sink.asFlux().onBackpressureLatest().publishOn(scheduler, 1).onBackpressureLatest();
        sink.tryEmitNext(first);
    }

    void publish(WorkloadState state) {
        sink.tryEmitNext(state);
    }

    /** After {@code STOPPED}: every subscriber completes. */
    void complete() {
        sink.tryEmitComplete();
    }

    Flux<WorkloadState> states() {
        return states;
    }
}
