package io.tokenflow.core;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * The one outcome of a refresh job, handed to every subscriber: while it is under way a
 * subscriber waits in a linked list (one 32-byte node, added and removed in constant time, so N
 * joiners cost O(N), where {@code Mono.cache()} copies its whole subscriber array for each new one:
 * O(N²)); once it is known, a subscriber gets it at once. A subscriber's cancellation only takes it
 * out of the list: the outcome comes from the job's own subscription ({@link #complete}), which no
 * joiner can cancel.
 *
 * <p>A value is delivered once the subscriber has requested it; an error or an empty completion at
 * once. Thread-safe: the list is guarded by this object's monitor, held only to link, unlink, or
 * take the whole list at completion; subscribers are signalled outside it.
 */
final class Join<T> extends Mono<T> {

    // Guarded by this.
    private @Nullable Waiter<T> head;
    private @Nullable Waiter<T> tail;
    private boolean done;
    // Written once, under the monitor, before done. Read only by a waiter that is READY: whoever made
    // it so saw done under the monitor, and its state's atomic update orders every later read.
    private @Nullable T value;
    private @Nullable Throwable error;

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        Waiter<T> waiter = new Waiter<>(actual, this);
        actual.onSubscribe(waiter);
        boolean finished;
        synchronized (this) {
            finished = done;
            if (!finished && !waiter.isCancelled()) {
                waiter.prev = tail;
                if (tail == null) {
                    head = waiter;
                } else {
                    tail.next = waiter;
                }
                tail = waiter;
            }
        }
        if (finished) {
            waiter.ready();
        }
    }

    /** The outcome: {@code value}, or {@code error}, or (both null) an empty completion. Only the first call counts. */
    void complete(@Nullable T value, @Nullable Throwable error) {
        Waiter<T> waiting;
        synchronized (this) {
            if (done) {
                return;
            }
            this.value = value;
            this.error = error;
            done = true;
            waiting = head;
            head = null;
            tail = null;
        }
        // The detached list is no longer changed: unlinking stops once done.
        for (Waiter<T> w = waiting; w != null; ) {
            Waiter<T> next = w.next;
            w.prev = null;
            w.next = null;
            w.ready();
            w = next;
        }
    }

    private synchronized void unlink(Waiter<T> waiter) {
        if (done) {
            return;
        }
        Waiter<T> prev = waiter.prev;
        Waiter<T> next = waiter.next;
        if (prev == null ? head != waiter : prev.next != waiter) {
            // Not linked (cancelled before it was).
            return;
        }
        if (prev == null) {
            head = next;
        } else {
            prev.next = next;
        }
        if (next == null) {
            tail = prev;
        } else {
            next.prev = prev;
        }
        waiter.prev = null;
        waiter.next = null;
    }

    /** Hands the outcome to one subscriber; called once per subscriber, after {@code done}. */
    private void deliver(CoreSubscriber<? super T> actual) {
        T v = value;
        Throwable e = error;
        if (e != null) {
            actual.onError(e);
        } else {
            if (v != null) {
                actual.onNext(v);
            }
            actual.onComplete();
        }
    }

    /** One subscriber: its place in the list and its demand. */
    private static final class Waiter<T> implements Subscription {

        private static final int REQUESTED = 1;
        private static final int READY = 2;
        private static final int DELIVERED = 4;
        private static final int CANCELLED = 8;
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Waiter> STATE = AtomicIntegerFieldUpdater.newUpdater(Waiter.class, "state");

        private final CoreSubscriber<? super T> actual;
        private final Join<T> join;
        // Guarded by join.
        @Nullable Waiter<T> prev;
        @Nullable Waiter<T> next;
        private volatile int state;

        Waiter(CoreSubscriber<? super T> actual, Join<T> join) {
            this.actual = actual;
            this.join = join;
        }

        boolean isCancelled() {
            return (state & CANCELLED) != 0;
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n) && (add(REQUESTED) & READY) != 0) {
                deliverOnce();
            }
        }

        @Override
        public void cancel() {
            if ((add(CANCELLED) & CANCELLED) == 0) {
                join.unlink(this);
            }
        }

        /** The outcome is known: delivered now if it may be (an error or nothing needs no demand). */
        void ready() {
            int before = add(READY);
            if ((before & REQUESTED) != 0 || join.value == null) {
                deliverOnce();
            }
        }

        /** Sets {@code bit}; returns the state before (a CAS loop: no lambda, no allocation). */
        @SuppressWarnings("unchecked")
        private int add(int bit) {
            for (;;) {
                int s = state;
                if ((s & bit) != 0 || STATE.compareAndSet(this, s, s | bit)) {
                    return s;
                }
            }
        }

        private void deliverOnce() {
            if ((add(DELIVERED) & (DELIVERED | CANCELLED)) == 0) {
                join.deliver(actual);
            }
        }
    }
}
