package io.tokenflow.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

class TestSchedulerTest {

    private static final Instant T0 = Instant.parse("2027-01-15T08:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final VirtualTimeScheduler virtual = VirtualTimeScheduler.create();

    @AfterEach
    void stop() {
        virtual.dispose();
    }

    @Test
    void aDelegatingSchedulerCountsATimerUntilItRuns() {
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);
        AtomicInteger ran = new AtomicInteger();

        scheduler.schedule(ran::incrementAndGet, 10, TimeUnit.SECONDS);
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        virtual.advanceTimeBy(Duration.ofSeconds(10));

        assertThat(ran).hasValue(1);
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void aCancelledTimerIsNoLongerPending() {
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);
        AtomicInteger ran = new AtomicInteger();

        Disposable timer = scheduler.schedule(ran::incrementAndGet, 10, TimeUnit.SECONDS);
        timer.dispose();
        virtual.advanceTimeBy(Duration.ofSeconds(10));

        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(ran).hasValue(0);
        assertThat(timer.isDisposed()).isTrue();
    }

    @Test
    void monoDelayOnADelegatingSchedulerRunsOnTheDelegatesTime() {
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);
        Mono<Long> delayed = Mono.delay(Duration.ofMinutes(5), scheduler).cache();
        delayed.subscribe();

        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        virtual.advanceTimeBy(Duration.ofMinutes(5));

        assertThat(delayed.block(WAIT)).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void disposingAWorkerCancelsItsTasks() {
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);
        Scheduler.Worker worker = scheduler.createWorker();
        worker.schedule(() -> { }, 1, TimeUnit.MINUTES);
        worker.schedulePeriodically(() -> { }, 1, 1, TimeUnit.MINUTES);
        assertThat(scheduler.pendingTasks()).isEqualTo(2);
        assertThat(scheduler.periodicTasks()).isEqualTo(1);

        worker.dispose();

        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(scheduler.periodicTasks()).isZero();
    }

    @Test
    void aPeriodicTaskIsCountedUntilCancelledHoweverOftenItRuns() {
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);
        AtomicInteger ticks = new AtomicInteger();
        Disposable interval = Flux.interval(Duration.ofSeconds(1), scheduler).subscribe(tick -> ticks.incrementAndGet());

        virtual.advanceTimeBy(Duration.ofSeconds(3));
        assertThat(ticks).hasValue(3);
        assertThat(scheduler.periodicTasks()).isEqualTo(1);
        assertThat(scheduler.pendingTasks()).isEqualTo(1);

        interval.dispose();
        assertThat(scheduler.periodicTasks()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void advanceClockShiftsADelegatingClockWithoutRunningItsTimers() {
        virtual.advanceTimeTo(T0);
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);
        AtomicInteger ran = new AtomicInteger();
        scheduler.schedule(ran::incrementAndGet, 1, TimeUnit.HOURS);

        scheduler.advanceClock(Duration.ofHours(2));

        assertThat(scheduler.instant()).isEqualTo(T0.plus(Duration.ofHours(2)));
        assertThat(scheduler.now(TimeUnit.MILLISECONDS)).isEqualTo(T0.plus(Duration.ofHours(2)).toEpochMilli());
        assertThat(ran).hasValue(0);
        virtual.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(scheduler.instant()).as("the delegate's time still counts").isEqualTo(T0.plus(Duration.ofMinutes(121)));
    }

    @Test
    void aDelegatingSchedulerOverRealTimeRunsTasksInRealTime() {
        TestScheduler scheduler = TestScheduler.delegatingTo(Schedulers.parallel());
        scheduler.advanceClock(Duration.ofDays(1));

        Long tick = Mono.delay(Duration.ofMillis(10), scheduler).block(WAIT);

        assertThat(tick).isZero();
        assertThat(scheduler.instant()).isAfter(Instant.ofEpochMilli(System.currentTimeMillis()).plus(Duration.ofHours(23)));
    }

    @Test
    void disposeLeavesTheDelegateAlone() {
        TestScheduler scheduler = TestScheduler.delegatingTo(virtual);

        scheduler.dispose();

        assertThat(virtual.isDisposed()).isFalse();
        assertThat(scheduler.isDisposed()).isFalse();
    }

    @Test
    void aManualClockStandsStillUntilAdvanced() {
        TestScheduler scheduler = TestScheduler.manualClock(T0);

        assertThat(scheduler.instant()).isEqualTo(T0);
        scheduler.advanceClock(Duration.ofMillis(1500));

        assertThat(scheduler.instant()).isEqualTo(T0.plusMillis(1500));
        assertThat(scheduler.now(TimeUnit.SECONDS)).isEqualTo(T0.getEpochSecond() + 1);
        assertThat(scheduler.clock().instant()).isEqualTo(T0.plusMillis(1500));
        assertThat(scheduler.clock().millis()).isEqualTo(T0.plusMillis(1500).toEpochMilli());
    }

    @Test
    void aManualClockRunsImmediateTasksAndHoldsDelayedOnesForever() {
        TestScheduler scheduler = TestScheduler.manualClock(T0);

        Integer now = Mono.fromCallable(() -> 1).subscribeOn(scheduler).block(WAIT);
        Disposable delayed = scheduler.schedule(() -> { }, 1, TimeUnit.MILLISECONDS);
        Disposable onAWorker = scheduler.createWorker().schedule(() -> { }, 1, TimeUnit.MILLISECONDS);
        scheduler.advanceClock(Duration.ofDays(1));

        assertThat(now).isEqualTo(1);
        assertThat(scheduler.pendingTasks()).isEqualTo(2);
        delayed.dispose();
        onAWorker.dispose();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void aManualClockHoldsPeriodicTasks() {
        TestScheduler scheduler = TestScheduler.manualClock(T0);
        AtomicInteger ticks = new AtomicInteger();

        Disposable interval = Flux.interval(Duration.ZERO, Duration.ofSeconds(1), scheduler)
                .subscribe(tick -> ticks.incrementAndGet());
        scheduler.advanceClock(Duration.ofMinutes(1));

        assertThat(ticks).hasValue(0);
        assertThat(scheduler.periodicTasks()).isEqualTo(1);
        interval.dispose();
        assertThat(scheduler.periodicTasks()).isZero();
    }

    @Test
    void theClockOnlyMovesForward() {
        TestScheduler scheduler = TestScheduler.manualClock(T0);

        assertThatIllegalArgumentException().isThrownBy(() -> scheduler.advanceClock(Duration.ofMillis(-1)));
    }
}
