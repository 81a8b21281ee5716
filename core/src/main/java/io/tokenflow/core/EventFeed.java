package io.tokenflow.core;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
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
 * <p>The sink is made when {@link #events()} is first called: until then an event is dropped at
 * once (nobody could see it), and a service nobody watches holds no sink and no queue. The
 * service's {@link StateFeed} extends this class, so that the two feeds are one object.
 *
 * <p>Requests finish on the wire's threads and moves happen under the engine's lock, so the two
 * meet here. The sink wants its emissions serialized; {@link #publish} does that without a lock
 * (a queue, drained by whichever thread finds it idle), so that publishing never waits: under the
 * engine's lock, a thread must not wait for another that is handing an event to a subscriber.
 */
class EventFeed {

    private static final AtomicIntegerFieldUpdater<EventFeed> WIP = AtomicIntegerFieldUpdater.newUpdater(EventFeed.class, "wip");

    /** Where each subscriber is delivered to (a worker of it each); the service's scheduler. */
    final Scheduler scheduler;
    /** Made with {@link #pending} by the first {@link #events()} call; published safely by the volatile write. */
    private volatile Sinks.@Nullable Many<TokenEvent> sink;
    private @Nullable Queue<TokenEvent> pending;
    private volatile int wip;
    private volatile boolean completed;

    EventFeed(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** In the order of the calls; dropped while nobody has asked for {@link #events()}, and after {@link #complete()}. */
    void publish(TokenEvent event) {
        if (sink == null || completed) {
            return;
        }
        Queue<TokenEvent> queue = pending;
        if (queue != null) {
            queue.offer(event);
            drain();
        }
    }

    /** After {@code STOPPED}: every subscriber completes once it has taken what is queued for it; later ones at once. */
    void complete() {
        completed = true;
        drain();
    }

    /** A new {@code Flux} per call (cheap), on one sink made by the first call. */
    Flux<TokenEvent> events() {
        Sinks.Many<TokenEvent> made = sink;
        if (made == null) {
            synchronized (this) {
                made = sink;
                if (made == null) {
                    made = Sinks.many().multicast().directBestEffort();
                    pending = new ConcurrentLinkedQueue<>();
                    sink = made;
                }
            }
            drain();
        }
        return StateFeed.delivered(made.asFlux(), scheduler);
    }

    private void drain() {
        Sinks.Many<TokenEvent> target = sink;
        if (target == null || WIP.getAndIncrement(this) != 0) {
            return;
        }
        Queue<TokenEvent> queue = pending;
        int missed = 1;
        do {
            TokenEvent next;
            while (queue != null && (next = queue.poll()) != null) {
                target.tryEmitNext(next);
            }
            if (completed) {
                target.tryEmitComplete();
            }
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }
}
