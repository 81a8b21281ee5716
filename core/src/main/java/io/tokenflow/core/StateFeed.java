package io.tokenflow.core;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Scheduler.Worker;
import reactor.util.context.Context;

/**
 * Publishes one service's states. The engine publishes under its lock, so the order is the order
 * of the moves; {@code Sinks.many().replay().latest()} gives a new subscriber the latest state
 * first. The sink is made when {@link #states()} is first called, from the latest state: until
 * then a state costs a field write. Each state published is also a
 * {@link TokenEvent.StateChanged} on the service's events, which this class publishes too (it
 * extends {@link EventFeed}: one object for both feeds of a service).
 *
 * <p>Each subscriber is delivered to on its own worker of the service's scheduler, so that it
 * never blocks the service, through a queue of at most {@value #CAPACITY} states. A subscriber
 * that keeps up (it has demand) gets every state, once, in order; while it has no demand, what
 * waits for it is conflated to the latest state, and so is a full queue: bounded memory, and a
 * slow subscriber still learns where the service is now.
 */
final class StateFeed extends EventFeed {

    /** States queued for one subscriber at most; beyond it, it is handed the latest only. */
    static final int CAPACITY = 64;

    // Guarded by this. The sink is made for the first subscriber: a service nobody watches holds none.
    private WorkloadState latest;
    private boolean completed;
    private Sinks.@Nullable Many<WorkloadState> sink;
    /** Every adopted token, for services chained to this one (TokenExchange); made for the first of them. */
    private volatile Sinks.@Nullable Many<AccessToken> tokens;

    StateFeed(Scheduler scheduler, WorkloadState first) {
        super(scheduler);
        this.latest = first;
    }

    /** The move from {@code from} to {@code state}; called under the engine's lock. */
    void publish(WorkloadState.Status from, WorkloadState state) {
        synchronized (this) {
            latest = state;
            if (sink != null) {
                sink.tryEmitNext(state);
            }
        }
        publish(new TokenEvent.StateChanged(from, state));
    }

    /** After {@code STOPPED}: every subscriber (of the events too) completes, once it has taken what is queued for it. */
    @Override
    void complete() {
        synchronized (this) {
            completed = true;
            if (sink != null) {
                sink.tryEmitComplete();
            }
            Sinks.Many<AccessToken> chained = tokens;
            if (chained != null) {
                chained.tryEmitComplete();
            }
        }
        super.complete();
    }

    /** A token was adopted (after the state that holds it was installed): for services chained to this one. */
    void adopted(AccessToken token) {
        Sinks.Many<AccessToken> chained = tokens;
        if (chained != null) {
            chained.tryEmitNext(token);
        }
    }

    /** Each token adopted from now on (no replay, never waits for a subscriber); completes when stopped. */
    synchronized Flux<AccessToken> tokenChanges() {
        Sinks.Many<AccessToken> chained = tokens;
        if (chained == null) {
            chained = Sinks.many().multicast().directBestEffort();
            if (completed) {
                chained.tryEmitComplete();
            }
            tokens = chained;
        }
        return chained.asFlux();
    }

    /** A new {@code Flux} per call (cheap); each subscriber first gets the latest state. */
    Flux<WorkloadState> states() {
        return delivered(source(), scheduler);
    }

    private synchronized Flux<WorkloadState> source() {
        if (sink == null) {
            Sinks.Many<WorkloadState> made = Sinks.many().replay().latest();
            made.tryEmitNext(latest);
            if (completed) {
                made.tryEmitComplete();
            }
            sink = made;
        }
        return sink.asFlux();
    }

    /**
     * {@code source} delivered as the states are: to each subscriber on its own worker of
     * {@code scheduler}, every element in order while it keeps up, conflated to the latest when it
     * does not. {@code source} must never wait for demand (a sink).
     */
    static <T> Flux<T> delivered(Flux<T> source, Scheduler scheduler) {
        return new Hop<>(source, scheduler);
    }

    /** Each subscriber gets its own {@link Delivery} on its own worker. */
    private static final class Hop<T> extends Flux<T> {
        private final Flux<T> source;
        private final Scheduler scheduler;

        Hop(Flux<T> source, Scheduler scheduler) {
            this.source = source;
            this.scheduler = scheduler;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new Delivery<>(actual, scheduler.createWorker()));
        }
    }

    /**
     * One subscriber's hop: takes everything from the sink at once (the sink never waits), queues
     * it, and drains the queue on the subscriber's worker as far as its demand goes.
     */
    private static final class Delivery<T> implements CoreSubscriber<T>, Subscription {

        private final CoreSubscriber<? super T> actual;
        private final Worker worker;
        // Guarded by itself.
        private final ArrayDeque<T> queue = new ArrayDeque<>();
        private final AtomicLong requested = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile @Nullable Subscription upstream;
        private volatile boolean done;
        private volatile boolean cancelled;

        Delivery(CoreSubscriber<? super T> actual, Worker worker) {
            this.actual = actual;
            this.worker = worker;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            actual.onSubscribe(this);
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(T value) {
            synchronized (queue) {
                if (requested.get() == 0 || queue.size() >= CAPACITY) {
                    // Not keeping up: what it has not taken is stale; the latest state replaces it.
                    queue.clear();
                }
                queue.add(value);
            }
            schedule();
        }

        @Override
        public void onError(Throwable error) {
            // The sink never errors; treat it as the end of the states.
            onComplete();
        }

        @Override
        public void onComplete() {
            done = true;
            schedule();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                requested.getAndUpdate(r -> r + n < 0 ? Long.MAX_VALUE : r + n);
                schedule();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            worker.dispose();
        }

        private void schedule() {
            if (wip.getAndIncrement() == 0) {
                try {
                    worker.schedule(this::drain);
                } catch (RuntimeException rejected) {
                    // The worker is disposed (cancelled, or the scheduler shut down): nothing more to deliver.
                    wip.set(0);
                }
            }
        }

        private void drain() {
            int missed = 1;
            do {
                while (!cancelled && requested.get() > 0) {
                    T next;
                    synchronized (queue) {
                        next = queue.poll();
                    }
                    if (next == null) {
                        break;
                    }
                    if (requested.get() != Long.MAX_VALUE) {
                        requested.decrementAndGet();
                    }
                    actual.onNext(next);
                }
                boolean empty;
                synchronized (queue) {
                    empty = queue.isEmpty();
                }
                if (!cancelled && done && empty) {
                    cancelled = true;
                    actual.onComplete();
                    worker.dispose();
                    return;
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }
    }
}
