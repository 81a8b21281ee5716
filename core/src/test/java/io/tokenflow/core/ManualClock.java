package io.tokenflow.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A clock the test moves by hand, whose delayed tasks never fire: lets a test put the service past
 * its token's expiry before any timer reacts, so that callers race to start the refresh. Tasks
 * without delay run on {@code Schedulers.parallel()}.
 */
final class ManualClock implements Scheduler {

    private final AtomicLong nowMillis = new AtomicLong(1_800_000_000_000L);
    private final Scheduler immediate = Schedulers.parallel();

    void advance(Duration by) {
        nowMillis.addAndGet(by.toMillis());
    }

    @Override
    public long now(TimeUnit unit) {
        return unit.convert(nowMillis.get(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Disposable schedule(Runnable task) {
        return immediate.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return delay <= 0 ? immediate.schedule(task) : Disposables.single();
    }

    @Override
    public Worker createWorker() {
        Worker worker = immediate.createWorker();
        return new Worker() {
            @Override
            public Disposable schedule(Runnable task) {
                return worker.schedule(task);
            }

            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                return delay <= 0 ? worker.schedule(task) : Disposables.single();
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
}
