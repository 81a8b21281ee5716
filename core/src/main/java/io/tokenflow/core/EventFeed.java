package io.tokenflow.core;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
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
 * meet here. The sink wants its emissions serialized; {@link #publish} does that without a lock
 * (a queue, drained by whichever thread finds it idle), so that publishing never waits: under the
 * engine's lock, a thread must not wait for another that is handing an event to a subscriber.
 */
final class EventFeed {

    private final Sinks.Many<TokenEvent> sink = Sinks.many().multicast().directBestEffort();
    private final Flux<TokenEvent> events;
    private final Queue<TokenEvent> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean completed;

    EventFeed(Scheduler scheduler) {
        this.events = StateFeed.delivered(sink.asFlux(), scheduler);
    }

    /** In the order of the calls; dropped after {@link #complete()}. */
    void publish(TokenEvent event) {
        pending.offer(event);
        drain();
    }

    /** After {@code STOPPED}: every subscriber completes once it has taken what is queued for it; later ones at once. */
    void complete() {
        completed = true;
        drain();
    }

    Flux<TokenEvent> events() {
        return events;
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            TokenEvent next;
            while ((next = pending.poll()) != null) {
                sink.tryEmitNext(next);
            }
            if (completed) {
                sink.tryEmitComplete();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }
}
