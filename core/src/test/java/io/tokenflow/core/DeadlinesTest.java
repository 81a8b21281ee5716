package io.tokenflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.test.TestScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Every service's timers on one scheduler task: in order, re-armed in place, nothing left once cancelled. */
class DeadlinesTest {

    @Test
    void manyDeadlinesFireInOrderFromOneTaskOnTheScheduler() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        TestScheduler clock = TestScheduler.delegatingTo(time);
        Deadlines deadlines = Deadlines.on(clock);
        List<Integer> fired = new ArrayList<>();
        for (int i = 100; i > 0; i--) {
            int n = i;
            deadlines.set(deadlines.deadline(), n * 1_000L, tag -> fired.add(n), 0);
        }

        assertThat(clock.pendingTasks()).as("100 deadlines, one task").isEqualTo(1);
        time.advanceTimeBy(Duration.ofSeconds(50));
        assertThat(fired).hasSize(50).isSorted();
        time.advanceTimeBy(Duration.ofSeconds(50));
        assertThat(fired).hasSize(100).isSorted();
        assertThat(clock.pendingTasks()).isZero();
        assertThat(deadlines.size()).isZero();
    }

    @Test
    void movingADeadlineLaterFiresItOnceAtTheNewTime() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        Deadlines deadlines = Deadlines.on(time);
        Deadlines.Deadline d = deadlines.deadline();
        List<String> fired = new ArrayList<>();
        deadlines.set(d, 1_000, tag -> fired.add("first"), 0);

        deadlines.set(d, 5_000, tag -> fired.add("moved"), 0);
        time.advanceTimeBy(Duration.ofSeconds(4));
        assertThat(fired).isEmpty();
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(fired).containsExactly("moved");
    }

    @Test
    void cancellingTheLastDeadlineLeavesNoTaskOnTheScheduler() {
        TestScheduler clock = TestScheduler.delegatingTo(VirtualTimeScheduler.create());
        Deadlines deadlines = Deadlines.on(clock);
        Deadlines.Deadline a = deadlines.deadline();
        Deadlines.Deadline b = deadlines.deadline();
        deadlines.set(a, 1_000, tag -> { }, 0);
        deadlines.set(b, 2_000, tag -> { }, 0);

        deadlines.cancel(a);
        assertThat(clock.pendingTasks()).isEqualTo(1);
        deadlines.cancel(b);

        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void anEarlierDeadlineReplacesTheScheduledTask() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        TestScheduler clock = TestScheduler.delegatingTo(time);
        Deadlines deadlines = Deadlines.on(clock);
        List<String> fired = new ArrayList<>();
        deadlines.set(deadlines.deadline(), 10_000, tag -> fired.add("late"), 0);

        deadlines.set(deadlines.deadline(), 1_000, tag -> fired.add("early"), 0);
        assertThat(clock.pendingTasks()).isEqualTo(1);
        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(fired).containsExactly("early");
        time.advanceTimeBy(Duration.ofSeconds(9));
        assertThat(fired).containsExactly("early", "late");
    }

    @Test
    void aDueTaskIsToldTheTagItWasSetWith() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        Deadlines deadlines = Deadlines.on(time);
        Deadlines.Deadline d = deadlines.deadline();
        List<Long> told = new ArrayList<>();
        deadlines.set(d, 1_000, told::add, 7);
        deadlines.set(d, 1_000, told::add, 8);

        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(told).containsExactly(8L);
    }

    @Test
    void aFailingTaskDoesNotCostTheOthersTheirTimers() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        Deadlines deadlines = Deadlines.on(time);
        List<String> fired = new ArrayList<>();
        deadlines.set(deadlines.deadline(), 1_000, tag -> {
            throw new IllegalStateException("one service's bug");
        }, 0);
        deadlines.set(deadlines.deadline(), 1_000, tag -> fired.add("other"), 0);

        time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(fired).containsExactly("other");
    }

    @Test
    void idleServicesHoldingTokensShareOneTaskOnTheirScheduler() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        TestScheduler clock = TestScheduler.delegatingTo(time);
        List<TokenService> services = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                FakeTokenEndpoint fake = new FakeTokenEndpoint(clock, Duration.ofHours(1));
                TokenService service = Services.on(fake, clock).build();
                services.add(service);
            }
            time.advanceTime();
            assertThat(services).allSatisfy(s -> assertThat(s.state().status()).isEqualTo(WorkloadState.Status.RUNNING));

            assertThat(clock.pendingTasks()).as("50 idle services, 100 timers").isEqualTo(1);
        } finally {
            services.forEach(TokenService::dispose);
        }
        assertThat(clock.pendingTasks()).isZero();
    }
}
