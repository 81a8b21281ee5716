package io.tokenflow.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link Scheduler} for tests, to give a service under test as its clock and timer
 * ({@code TokenService.builder().scheduler(..)}): it counts the tasks it was given, and its clock
 * moves when the test says so. Two kinds:
 *
 * <ul>
 *   <li>{@link #delegatingTo(Scheduler)}: every task runs on the delegate; the clock is the
 *       delegate's plus an offset that {@link #advanceClock} moves. Over a
 *       {@code VirtualTimeScheduler} it proves no timer is left behind ({@link #pendingTasks()});
 *       over {@code Schedulers.parallel()} it puts a held token past its expiry at once while
 *       every timer still runs in real time.
 *   <li>{@link #manualClock(Instant)}: the clock stands still until {@link #advanceClock} moves
 *       it; tasks without delay run on {@code Schedulers.parallel()}, delayed and periodic tasks
 *       never run (they stay pending until cancelled). A test can put a service past its token's
 *       expiry before any timer reacts, so that callers race to start the refresh.
 * </ul>
 *
 * <p>A task is <em>pending</em> from the moment it is scheduled until it starts running (a periodic
 * task: until it is cancelled) or is cancelled, by its {@link Disposable} or by disposing the
 * {@link Worker} it was scheduled on. {@link #dispose()} does nothing: the delegate is shared, and
 * not this scheduler's to dispose.
 *
 * <p>Thread-safe and non-blocking; every method may be called from any thread.
 */
public final class TestScheduler implements Scheduler {

    private final Scheduler delegate;
    /** The clock's origin for {@link #manualClock}, in nanoseconds since the epoch; null: the delegate's clock. */
    private final @Nullable Long manualOriginNanos;
    private final AtomicLong offsetNanos = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger periodic = new AtomicInteger();

    private TestScheduler(Scheduler delegate, @Nullable Long manualOriginNanos) {
        this.delegate = delegate;
        this.manualOriginNanos = manualOriginNanos;
    }

    /**
     * Runs every task on {@code delegate} (immediate, delayed, periodic, and on its workers), and
     * reads the time from it, plus the offset {@link #advanceClock} adds. {@code delegate} is never
     * disposed by this scheduler.
     */
    public static TestScheduler delegatingTo(Scheduler delegate) {
        return new TestScheduler(Objects.requireNonNull(delegate, "delegate"), null);
    }

    /**
     * A clock that reads {@code start} until {@link #advanceClock} moves it. Tasks without delay (or
     * with a delay of zero or less) run on {@code Schedulers.parallel()}; delayed and periodic tasks
     * never run and stay {@linkplain #pendingTasks() pending} until cancelled.
     */
    public static TestScheduler manualClock(Instant start) {
        Objects.requireNonNull(start, "start");
        long origin = Math.addExact(Math.multiplyExact(start.getEpochSecond(), 1_000_000_000L), start.getNano());
        return new TestScheduler(Schedulers.parallel(), origin);
    }

    /**
     * Moves the clock forward by {@code by}. Runs no task: a delegating scheduler's timers keep the
     * delegate's time, a manual clock's delayed tasks never run.
     *
     * @throws IllegalArgumentException if {@code by} is negative
     */
    public void advanceClock(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("the clock only moves forward: " + by);
        }
        offsetNanos.addAndGet(by.toNanos());
    }

    /**
     * The clock as an {@link Instant}: {@code now(MILLISECONDS)} of a delegating scheduler (Reactor's
     * schedulers answer finer units from {@code System.nanoTime()}, which is no date), the exact
     * time of a manual clock.
     */
    public Instant instant() {
        if (manualOriginNanos == null) {
            return Instant.ofEpochMilli(now(TimeUnit.MILLISECONDS));
        }
        long nanos = manualOriginNanos + offsetNanos.get();
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    /**
     * This scheduler's time as a {@link Clock} in UTC, for code that takes a clock (e.g.
     * {@link AuthorizationServerBuilder#clock(Clock)}): it reads {@link #instant()} on every call.
     */
    public Clock clock() {
        return new SchedulerClock(this, ZoneOffset.UTC);
    }

    /** Tasks scheduled that have neither started running (periodic ones: ever) nor been cancelled. */
    public int pendingTasks() {
        return pending.get();
    }

    /** Periodic tasks scheduled (on this scheduler or its workers) and not cancelled yet. */
    public int periodicTasks() {
        return periodic.get();
    }

    @Override
    public long now(TimeUnit unit) {
        long offset = offsetNanos.get();
        if (manualOriginNanos != null) {
            return unit.convert(manualOriginNanos + offset, TimeUnit.NANOSECONDS);
        }
        return delegate.now(unit) + unit.convert(offset, TimeUnit.NANOSECONDS);
    }

    @Override
    public Disposable schedule(Runnable task) {
        return track(task, false, null, delegate::schedule);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return later(task, delay, unit, null, delegate::schedule, delegate::isDisposed);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return periodically(task, initialDelay, period, unit, null,
                delegate::schedulePeriodically, delegate::isDisposed);
    }

    @Override
    public Worker createWorker() {
        return new TrackingWorker(delegate.createWorker());
    }

    /** Does nothing: the delegate is shared. */
    @Override
    public void dispose() {
    }

    @Override
    public boolean isDisposed() {
        return delegate.isDisposed();
    }

    @Override
    public String toString() {
        return "TestScheduler[" + (manualOriginNanos != null ? "manual clock" : "delegating to " + delegate)
                + ", now " + instant() + ", " + pendingTasks() + " pending]";
    }

    /** A task after {@code delay}: on {@code target}, or held for ever by a manual clock. */
    private Disposable later(Runnable task, long delay, TimeUnit unit, @Nullable Set<Tracked> owner, Later target,
            BooleanSupplier disposed) {
        if (manualOriginNanos != null && delay > 0) {
            return held(task, false, owner, disposed);
        }
        return track(task, false, owner, tracked -> target.schedule(tracked, delay, unit));
    }

    /** A periodic task: on {@code target}, or held for ever by a manual clock. */
    private Disposable periodically(Runnable task, long initialDelay, long period, TimeUnit unit,
            @Nullable Set<Tracked> owner, Every target, BooleanSupplier disposed) {
        if (manualOriginNanos != null) {
            return held(task, true, owner, disposed);
        }
        return track(task, true, owner, tracked -> target.schedule(tracked, initialDelay, period, unit));
    }

    private Disposable held(Runnable task, boolean isPeriodic, @Nullable Set<Tracked> owner, BooleanSupplier disposed) {
        if (disposed.getAsBoolean()) {
            throw Exceptions.failWithRejected();
        }
        return track(task, isPeriodic, owner, never -> Disposables.single());
    }

    @FunctionalInterface
    private interface Later {
        Disposable schedule(Runnable task, long delay, TimeUnit unit);
    }

    @FunctionalInterface
    private interface Every {
        Disposable schedule(Runnable task, long initialDelay, long period, TimeUnit unit);
    }

    private Disposable track(Runnable task, boolean isPeriodic, @Nullable Set<Tracked> owner,
            Function<Runnable, Disposable> schedule) {
        Tracked tracked = new Tracked(task, isPeriodic, owner);
        try {
            tracked.scheduled.update(schedule.apply(tracked));
        } catch (RuntimeException rejected) {
            tracked.finish();
            throw rejected;
        }
        return tracked;
    }

    /** One scheduled task; counted until it starts (a periodic one: until cancelled) or is cancelled. */
    private final class Tracked implements Runnable, Disposable {
        private final Runnable task;
        private final boolean isPeriodic;
        private final @Nullable Set<Tracked> owner;
        private final AtomicBoolean done = new AtomicBoolean();
        private final Disposable.Swap scheduled = Disposables.swap();

        Tracked(Runnable task, boolean isPeriodic, @Nullable Set<Tracked> owner) {
            this.task = task;
            this.isPeriodic = isPeriodic;
            this.owner = owner;
            pending.incrementAndGet();
            if (isPeriodic) {
                periodic.incrementAndGet();
            }
            if (owner != null) {
                owner.add(this);
            }
        }

        @Override
        public void run() {
            if (!isPeriodic) {
                finish();
            }
            task.run();
        }

        @Override
        public void dispose() {
            finish();
            scheduled.dispose();
        }

        @Override
        public boolean isDisposed() {
            return done.get();
        }

        void finish() {
            if (done.compareAndSet(false, true)) {
                pending.decrementAndGet();
                if (isPeriodic) {
                    periodic.decrementAndGet();
                }
                if (owner != null) {
                    owner.remove(this);
                }
            }
        }
    }

    /** A worker of the delegate whose tasks are counted; disposing it cancels them all. */
    private final class TrackingWorker implements Worker {
        private final Worker worker;
        private final Set<Tracked> tasks = ConcurrentHashMap.newKeySet();

        TrackingWorker(Worker worker) {
            this.worker = worker;
        }

        @Override
        public Disposable schedule(Runnable task) {
            return track(task, false, tasks, worker::schedule);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return later(task, delay, unit, tasks, worker::schedule, worker::isDisposed);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return periodically(task, initialDelay, period, unit, tasks,
                    worker::schedulePeriodically, worker::isDisposed);
        }

        @Override
        public void dispose() {
            worker.dispose();
            tasks.forEach(Tracked::finish);
        }

        @Override
        public boolean isDisposed() {
            return worker.isDisposed();
        }
    }

    private static final class SchedulerClock extends Clock {
        private final TestScheduler scheduler;
        private final ZoneId zone;

        SchedulerClock(TestScheduler scheduler, ZoneId zone) {
            this.scheduler = scheduler;
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return new SchedulerClock(scheduler, zone);
        }

        @Override
        public Instant instant() {
            return scheduler.instant();
        }
    }
}
