package io.tokenflow.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Real time plus an offset that {@link #advance} moves forward: puts a held token past its expiry
 * at once, while every timer still runs in real time (so a refresh planned an hour ahead does not
 * fire). Given to tokenflow as its {@link Scheduler} ({@code TokenService.builder().scheduler(..)}),
 * the clock tokenflow stamps tokens with and checks them against.
 */
final class ShiftedTime {

    private final AtomicLong offsetMillis = new AtomicLong();
    private final Scheduler scheduler = new ShiftedScheduler(Schedulers.parallel());

    void advance(Duration by) {
        offsetMillis.addAndGet(by.toMillis());
    }

    long nowMillis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    Scheduler scheduler() {
        return scheduler;
    }

    /** Delegates every task to the shared parallel scheduler (never disposing it); only the clock moves. */
    private final class ShiftedScheduler implements Scheduler {
        private final Scheduler delegate;

        ShiftedScheduler(Scheduler delegate) {
            this.delegate = delegate;
        }

        @Override
        public long now(TimeUnit unit) {
            return unit.convert(nowMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return delegate.schedule(task, delay, unit);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return delegate.schedulePeriodically(task, initialDelay, period, unit);
        }

        @Override
        public Worker createWorker() {
            return delegate.createWorker();
        }

        @Override
        public void dispose() {
            // The delegate is shared.
        }

        @Override
        public boolean isDisposed() {
            return delegate.isDisposed();
        }
    }
}
