package io.tokenflow.core;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Publishes one service's {@link TokenEvent}s: the wire's requests ({@link ObservedEndpoint}) and
 * the engine's moves ({@link StateFeed}). Hot, without replay: a subscriber sees what happens from
 * its subscription on. Delivered as the states are ({@link StateFeed#delivered}): on the
 * subscriber's own worker, each event once and in order while it keeps up, conflated to the
 * latest while it does not; nobody waits for a subscriber.
 *
 * <p>Requests finish on the wire's threads and moves happen under the engine's lock, so the two
 * meet here: {@link #publish} is serialized by this feed's monitor, held only to hand the event to
 * the sink (which queues it for each subscriber).
 */
final class EventFeed {

    private final Sinks.Many<TokenEvent> sink = Sinks.many().multicast().directBestEffort();
    private final Flux<TokenEvent> events;

    EventFeed(Scheduler scheduler) {
        this.events = StateFeed.delivered(sink.asFlux(), scheduler);
    }

    synchronized void publish(TokenEvent event) {
        sink.tryEmitNext(event);
    }

    /** After {@code STOPPED}: every subscriber completes once it has taken what is queued for it; later ones at once. */
    synchronized void complete() {
        sink.tryEmitComplete();
    }

    Flux<TokenEvent> events() {
        return events;
    }
}
