package io.tokenflow.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Wraps a scheduler and counts the tasks that are scheduled and neither run nor cancelled yet,
 * so that a test can prove no timer is left behind.
 */
final class CountingScheduler implements Scheduler {

    private final Scheduler delegate;
    private final AtomicInteger pending = new AtomicInteger();

    CountingScheduler(Scheduler delegate) {
        this.delegate = delegate;
    }

    /** Tasks scheduled that have neither run nor been cancelled. */
    int pending() {
        return pending.get();
    }

    @Override
    public long now(TimeUnit unit) {
        return delegate.now(unit);
    }

    @Override
    public Disposable schedule(Runnable task) {
        return track(task, t -> delegate.schedule(t));
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return track(task, t -> delegate.schedule(t, delay, unit));
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("tokenflow schedules no periodic task");
    }

    @Override
    public Worker createWorker() {
        Worker worker = delegate.createWorker();
        return new Worker() {
            @Override
            public Disposable schedule(Runnable task) {
                return track(task, t -> worker.schedule(t));
            }

            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                return track(task, t -> worker.schedule(t, delay, unit));
            }

            @Override
            public void dispose() {
                worker.dispose();
            }

            @Override
            public boolean isDisposed() {
                return worker.isDisposed();
            }
        };
    }

    private Disposable track(Runnable task, java.util.function.Function<Runnable, Disposable> schedule) {
        AtomicBoolean done = new AtomicBoolean();
        pending.incrementAndGet();
        Disposable scheduled = schedule.apply(() -> {
            if (done.compareAndSet(false, true)) {
                pending.decrementAndGet();
            }
            task.run();
        });
        return new Disposable() {
            @Override
            public void dispose() {
                if (done.compareAndSet(false, true)) {
                    pending.decrementAndGet();
                }
                scheduled.dispose();
            }

            @Override
            public boolean isDisposed() {
                return done.get();
            }
        };
    }
}
